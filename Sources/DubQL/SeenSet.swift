// An insertion-ordered set for the binder and normalizer: a linear scan while small (most
// conditions have a handful of operands and the planner runs in microseconds), a compact hash
// index once it grows, so that a list of 1,000,000 values is neither compared pairwise nor
// stored twice.

// MARK: - Seen set

/// Distinct values in the order first inserted; `insert` and `contains` are O(1) on average at
/// any size. The index holds 32-bit positions into ``elements`` (4 bytes a slot, not a copy of
/// each value as a `Set` would keep).
struct SeenSet<Element: Hashable> {
    /// Elements are found by a linear scan up to this count; beyond it, through `slots`.
    static var linearLimit: Int { 16 }
    /// The distinct elements, in order of first insertion.
    private(set) var elements: [Element] = []
    /// Open addressing (linear probing) over positions in `elements`; -1 is empty. Empty while small.
    private var slots: [Int32] = []

    init() {}

    init(_ sequence: some Sequence<Element>) {
        elements.reserveCapacity(sequence.underestimatedCount)
        for e in sequence { insert(e) }
    }

    var count: Int { elements.count }

    /// Room for `n` elements without growing (a list whose length is known).
    mutating func reserveCapacity(_ n: Int) {
        elements.reserveCapacity(n)
        if n > Self.linearLimit, slots.count < n * 2 { rebuild(capacity: 64, room: n) }
    }

    func contains(_ e: Element) -> Bool {
        if slots.isEmpty { return elements.contains(e) }
        return slot(of: e).found
    }

    /// Adds `e`; true when it was not there yet.
    @discardableResult
    mutating func insert(_ e: Element) -> Bool {
        if slots.isEmpty {
            if elements.contains(e) { return false }
            elements.append(e)
            if elements.count > Self.linearLimit { rebuild(capacity: 64) }
            return true
        }
        let (index, found) = slot(of: e)
        if found { return false }
        guard elements.count < Int(Int32.max) else {
            // Beyond 2^31 distinct values positions no longer fit: fall back to scanning.
            if elements.contains(e) { return false }
            elements.append(e)
            return true
        }
        slots[index] = Int32(elements.count)
        elements.append(e)
        if elements.count * 2 > slots.count { rebuild(capacity: slots.count * 2) }
        return true
    }

    /// The slot holding `e`, or the empty slot where it would go.
    private func slot(of e: Element) -> (index: Int, found: Bool) {
        let mask = slots.count - 1
        var i = e.hashValue & mask
        while true {
            let position = slots[i]
            if position < 0 { return (i, false) }
            if elements[Int(position)] == e { return (i, true) }
            i = (i + 1) & mask
        }
    }

    private mutating func rebuild(capacity: Int, room: Int = 0) {
        var size = capacity
        while size < Swift.max(elements.count, room) * 2 { size *= 2 }
        slots = [Int32](repeating: -1, count: size)
        let mask = size - 1
        for (position, e) in elements.enumerated() {
            var i = e.hashValue & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(position)
        }
    }
}
