// The (link, customer) pairs of streamed sales, kept by their bytes: a sale's `saleType` is `new`
// when it is the first sale of its pair (by timestamp, event id and input order), so a streamed
// scan that reads or shows `saleType` keeps each pair's first sale. Pairs are nearly one per
// sale in real exports, so this table is what such a scan spends its time on besides the parse:
// keys live back to back in one byte arena behind an open-addressing index, and a look-up is a
// hash of the key's bytes and one compare, with no strings made and nothing counted by reference.

import DubQL

/// The bytes that name a sale's pair: each side a presence byte (0 absent or null, 1 present),
/// then for a present link its length (4 bytes) and bytes, for a present customer its bytes.
/// Equal keys are equal pairs, as ``EventStore/string(_:_:)`` decodes them.
struct SalePairKey {
    private(set) var bytes: [UInt8] = []

    /// The key of sale `row` of `store`.
    mutating func set(_ store: EventStore, _ row: Int) {
        bytes.removeAll(keepingCapacity: true)
        if var link = store.string(.linkID, row) {
            bytes.append(1)
            link.withUTF8 { u in
                withUnsafeBytes(of: UInt32(truncatingIfNeeded: u.count).littleEndian) { bytes.append(contentsOf: $0) }
                bytes.append(contentsOf: u)
            }
        } else {
            bytes.append(0)
        }
        if var customer = store.string(.customerID, row) {
            bytes.append(1)
            customer.withUTF8 { bytes.append(contentsOf: $0) }
        } else {
            bytes.append(0)
        }
    }
}

/// A set of pair keys (``SalePairKey``), each with a dense index in the order first inserted.
struct SalePairTable: Sendable {
    /// Key `k` is `bytes[starts[k] ..< starts[k + 1]]`.
    private var bytes: [UInt8] = []
    private var starts: [Int] = [0]
    private var hashes: [UInt64] = []
    /// Open addressing over a power of two: 0 empty, else a key's hash in the high 32 bits and
    /// its index + 1 in the low 32, so a probe past other keys reads nothing else.
    private var slots: [UInt64] = Array(repeating: 0, count: 16)

    @inline(__always) private static func slot(_ h: UInt64, _ index: Int) -> UInt64 {
        (h & 0xFFFF_FFFF_0000_0000) | UInt64(truncatingIfNeeded: index + 1)
    }

    var count: Int { hashes.count }

    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let m: UInt64 = 0x9E37_79B9_7F4A_7C15
        var h = UInt64(truncatingIfNeeded: key.count) &* m
        guard let p = key.baseAddress else { return h }
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i + 8 <= key.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* m
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < key.count {
            tail |= UInt64(p[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* m
        return h ^ (h >> 32)
    }

    /// The index of `key`, inserting it when new (`inserted`).
    mutating func insert(_ key: [UInt8]) -> (index: Int, inserted: Bool) {
        key.withUnsafeBufferPointer { k in insert(k, Self.hash(k)) }
    }

    /// The index of key `k` of `other` in this table, inserting it when new (`inserted`).
    mutating func insert(key k: Int, of other: SalePairTable) -> (index: Int, inserted: Bool) {
        other.bytes.withUnsafeBufferPointer { arena in
            insert(UnsafeBufferPointer(rebasing: arena[other.starts[k] ..< other.starts[k + 1]]), other.hashes[k])
        }
    }

    private mutating func insert(_ k: UnsafeBufferPointer<UInt8>, _ h: UInt64) -> (index: Int, inserted: Bool) {
        let (slot, found) = probe(k, h)
        if let found { return (found, false) }
        let index = hashes.count
        hashes.append(h)
        bytes.append(contentsOf: k)
        starts.append(bytes.count)
        slots[slot] = Self.slot(h, index)
        if hashes.count * 2 > slots.count { grow() }
        return (index, true)
    }

    /// The index of `key`, `nil` when it is not in the table.
    func find(_ key: [UInt8]) -> Int? {
        key.withUnsafeBufferPointer { k in probe(k, Self.hash(k)).found }
    }

    /// Key `k`'s bytes.
    func key(_ k: Int) -> [UInt8] { Array(bytes[starts[k] ..< starts[k + 1]]) }

    /// The slot where `key` is, or the empty slot where it would go.
    private func probe(_ key: UnsafeBufferPointer<UInt8>, _ h: UInt64) -> (slot: Int, found: Int?) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        return bytes.withUnsafeBufferPointer { arena in
            while true {
                let entry = slots[slot]
                if entry == 0 { return (slot, nil) }
                if entry >> 32 == h >> 32 {
                    let at = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                    let s = starts[at], n = starts[at + 1] - s
                    if n == key.count && (n == 0 || memcmpEqual(arena.baseAddress! + s, key.baseAddress!, n)) { return (slot, at) }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    private mutating func grow() {
        var fresh = [UInt64](repeating: 0, count: slots.count * 2)
        let mask = fresh.count - 1
        for (index, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while fresh[slot] != 0 { slot = (slot + 1) & mask }
            fresh[slot] = Self.slot(h, index)
        }
        slots = fresh
    }
}

/// The first sale of each pair (``FirstSale``), by the pair's index in ``pairs``.
struct SaleFirsts: Sendable {
    var pairs = SalePairTable()
    var firsts: [FirstSale] = []

    var isEmpty: Bool { firsts.isEmpty }
    var count: Int { firsts.count }

    /// Keeps `first` for `key` when the pair is new or `first` precedes the one kept.
    mutating func offer(_ key: [UInt8], _ first: FirstSale) {
        let (index, inserted) = pairs.insert(key)
        if inserted {
            firsts.append(first)
        } else if first.precedes(firsts[index]) {
            firsts[index] = first
        }
    }

    /// Adds `other`'s first sales, their positions moved by `offset` (see ``offer(_:_:)``).
    mutating func merge(_ other: SaleFirsts, offsetBy offset: Int = 0) {
        for k in 0..<other.count {
            var first = other.firsts[k]
            first.at.offset += offset
            let (index, inserted) = pairs.insert(key: k, of: other.pairs)
            if inserted {
                firsts.append(first)
            } else if first.precedes(firsts[index]) {
                firsts[index] = first
            }
        }
    }

    /// The first sale of the pair named `key`, if any was seen.
    func first(of key: [UInt8]) -> FirstSale? { pairs.find(key).map { firsts[$0] } }
}
