// What randomized tests draw on top of the package's one seeded generator, `SplitMix64` (in
// DubQLEngine, where the event generator uses it): picks, ranges and probabilities.

// Re-exported so a test target that imports only this module (the syntax tests) draws from the
// same generator.
@_exported import struct DubQLEngine.SplitMix64

extension SplitMix64 {
    /// A generator seeded with `seed` (the same as `SplitMix64(state: seed)`).
    public init(seed: UInt64) { self.init(state: seed) }

    /// An element of a non-empty array.
    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// An element of the array, or `nil` when it is empty.
    public mutating func pickIfAny<T>(_ items: [T]) -> T? { items.isEmpty ? nil : pick(items) }

    /// A number in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    /// True with probability `p` (0...1), to a ten-thousandth.
    public mutating func chance(probability p: Double) -> Bool { Double(next() % 10_000) < p * 10_000 }
}
