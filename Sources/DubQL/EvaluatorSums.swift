// Sums of floating-point values that do not depend on the order of the values: every backend and
// every way of splitting the input (one store, streamed windows merged later, several cores) gives
// the same `sum(f)` and `avg(f)` to the last bit.

// MARK: - Exact sums

/// The exact sum of doubles, rounded once to the nearest double when read: adding values in any
/// order, or adding two sums together, gives the same ``value``.
///
/// Kept as non-overlapping partials in increasing magnitude (Shewchuk's algorithm, as Python's
/// `math.fsum`), so each addition is exact; the final rounding is to nearest, ties to even.
/// Values of magnitude 2^960 and more are summed apart, scaled by 2^-600, so no partial can
/// overflow; the two parts are combined exactly when read (each rounded, then added, only when
/// the combination overflows on its way: a sum near the end of the double range). Infinities and NaN (a JSON number beyond the
/// double range reads as infinity) give what IEEE addition gives: infinity of their sign, NaN
/// for both signs or a NaN.
///
///     var s = ExactSum()
///     for x in [1e16, 1, -1e16] { s.add(x) }
///     s.value   // 1.0 (a running double sum gives 0.0)
public struct ExactSum: Sendable, Hashable {
    private var partials: [Double] = []
    private var large: [Double] = []
    private var specials: UInt8 = 0

    private static let positiveInfinity: UInt8 = 1, negativeInfinity: UInt8 = 2, notANumber: UInt8 = 4
    private static let largeThreshold = 0x1p960
    private static let largeScale = 0x1p-600

    public init() {}

    /// Adds one value.
    public mutating func add(_ x: Double) {
        if !x.isFinite {
            specials |= x.isNaN ? Self.notANumber : x > 0 ? Self.positiveInfinity : Self.negativeInfinity
        } else if x.magnitude >= Self.largeThreshold {
            Self.accumulate(x * Self.largeScale, into: &large)
        } else if x != 0 {
            Self.accumulate(x, into: &partials)
        }
    }

    /// Adds another sum (the union of their values).
    public mutating func add(_ other: ExactSum) {
        specials |= other.specials
        for p in other.partials { Self.accumulate(p, into: &partials) }
        for p in other.large { Self.accumulate(p, into: &large) }
    }

    /// The sum rounded to the nearest double.
    public var value: Double {
        if specials & Self.notANumber != 0 || specials == Self.positiveInfinity | Self.negativeInfinity { return .nan }
        if specials == Self.positiveInfinity { return .infinity }
        if specials == Self.negativeInfinity { return -.infinity }
        guard !large.isEmpty else { return Self.rounded(partials) }
        // Both parts in one exact sum, rounded once, unless that overflows on the way (a sum near
        // the end of the double range): then each part rounded, and the two added.
        var combined = partials
        for p in large {
            let q = p / Self.largeScale
            guard q.isFinite else { combined = []; break }
            Self.accumulate(q, into: &combined)
        }
        let once = Self.rounded(combined)
        if !combined.isEmpty, once.isFinite, combined.allSatisfy(\.isFinite) { return once }
        return Self.rounded(large) / Self.largeScale + Self.rounded(partials)
    }

    /// Adds `value` exactly to non-overlapping partials (each addition's rounding error is kept).
    private static func accumulate(_ value: Double, into partials: inout [Double]) {
        var x = value
        var i = 0
        for j in partials.indices {
            var y = partials[j]
            if x.magnitude < y.magnitude { swap(&x, &y) }
            let hi = x + y
            let lo = y - (hi - x)
            if lo != 0 {
                partials[i] = lo
                i += 1
            }
            x = hi
        }
        partials.removeSubrange(i...)
        partials.append(x)
    }

    /// The exact sum of partials rounded once (to nearest, ties to even across partials).
    private static func rounded(_ p: [Double]) -> Double {
        var n = p.count
        guard n > 0 else { return 0 }
        n -= 1
        var hi = p[n]
        var lo = 0.0
        while n > 0 {
            let x = hi
            n -= 1
            let y = p[n]
            hi = x + y
            lo = y - (hi - x)
            if lo != 0 { break }
        }
        if n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0)) {
            let y = lo * 2
            let x = hi + y
            if y == x - hi { hi = x }
        }
        return hi
    }
}
