// The columns the store keeps for every event, and the byte-keyed dictionary that encodes them.

// MARK: - Columns

/// A dictionary-encoded text column of the store: where its value is in the event JSON.
public enum StringColumn: Int, CaseIterable, Sendable {
    case clickID, clickURL, country, city, region, continent, device, browser, os, trigger, referer, refererURL
    case linkID, domain, key, externalID, tenantID, folderID, partnerID, programID, shortLink, linkURL, linkTitle
    case customerID, customerEmail, customerName, customerExternalID, customerCountry
    case eventID, eventName, currency, paymentProcessor, invoiceID

    /// The JSON path of the value (`["click", "country"]`).
    public var path: [String] {
        switch self {
        case .clickID: ["click", "id"]
        case .clickURL: ["click", "url"]
        case .country: ["click", "country"]
        case .city: ["click", "city"]
        case .region: ["click", "region"]
        case .continent: ["click", "continent"]
        case .device: ["click", "device"]
        case .browser: ["click", "browser"]
        case .os: ["click", "os"]
        case .trigger: ["click", "trigger"]
        case .referer: ["click", "referer"]
        case .refererURL: ["click", "refererUrl"]
        case .linkID: ["link", "id"]
        case .domain: ["link", "domain"]
        case .key: ["link", "key"]
        case .externalID: ["link", "externalId"]
        case .tenantID: ["link", "tenantId"]
        case .folderID: ["link", "folderId"]
        case .partnerID: ["link", "partnerId"]
        case .programID: ["link", "programId"]
        case .shortLink: ["link", "shortLink"]
        case .linkURL: ["link", "url"]
        case .linkTitle: ["link", "title"]
        case .customerID: ["customer", "id"]
        case .customerEmail: ["customer", "email"]
        case .customerName: ["customer", "name"]
        case .customerExternalID: ["customer", "externalId"]
        case .customerCountry: ["customer", "country"]
        case .eventID: ["eventId"]
        case .eventName: ["eventName"]
        case .currency: ["sale", "currency"]
        case .paymentProcessor: ["sale", "paymentProcessor"]
        case .invoiceID: ["sale", "invoiceId"]
        }
    }

    /// The column stored at a JSON path, if any.
    public static func at(_ path: [String]) -> StringColumn? { byPath[path] }

    private static let byPath: [[String]: StringColumn] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.path, $0) })

    /// Members of the `click`, `link`, `customer` and `sale` objects that the loader keeps, by key.
    static func members(of object: String) -> [(String, StringColumn)] {
        allCases.filter { $0.path.count == 2 && $0.path[0] == object }.map { ($0.path[1], $0) }
    }
}

// MARK: - Interner

/// Maps byte strings to dense codes. Code 0 is reserved for "no value" (absent or null).
struct Interner {
    /// Values' bytes back to back; value `c` is `bytes[starts[c] ..< starts[c + 1]]`.
    private(set) var bytes: [UInt8] = []
    private(set) var starts: [Int] = [0, 0]
    /// The first 8 bytes of each value (zero-padded, little-endian; ``word(_:_:)``): a probe
    /// that meets its hash compares this and the length, and only a longer value reads `bytes`.
    private var keys: [UInt64] = [0]
    /// Open addressing: 0 is empty, else a value's hash in the high 32 bits and its code in the
    /// low 32. With the hash in the slot, a probe past other values and a rehash read no other
    /// array: for a column of distinct values (`click.id`) those reads were cache misses.
    private var slots: [UInt64] = Array(repeating: 0, count: 64)
    private var mask = 63
    /// What ``intern(batch:into:)``'s first reads saw: kept so that they are not optimized away.
    private var touched: UInt64 = 0

    var count: Int { starts.count - 1 }

    /// The first `min(n, 8)` bytes of `p` as a little-endian word, zero-padded: read without a
    /// byte past `p + n`.
    @inline(__always) static func word(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        let r = UnsafeRawPointer(p)
        if n >= 8 { return r.loadUnaligned(as: UInt64.self) }
        if n >= 4 {
            // Two overlapping reads: their common bytes agree.
            let lo = UInt64(r.loadUnaligned(as: UInt32.self)), hi = UInt64(r.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
            return lo | hi &<< UInt64((n - 4) * 8)
        }
        if n >= 2 {
            let lo = UInt64(r.loadUnaligned(as: UInt16.self)), hi = UInt64(r.loadUnaligned(fromByteOffset: n - 2, as: UInt16.self))
            return lo | hi &<< UInt64((n - 2) * 8)
        }
        return n == 1 ? UInt64(p[0]) : 0
    }

    /// The hash of `p[0..<n]` whose first word (``word(_:_:)``) is `first`: for up to 8 bytes two
    /// multiplies of the word; longer values fold in each further 8 bytes, the last 8 overlapping.
    @inline(__always) static func hash(first: UInt64, _ p: UnsafePointer<UInt8>, _ n: Int) -> UInt32 {
        var h = (first ^ 0xcbf2_9ce4_8422_2325 ^ UInt64(truncatingIfNeeded: n)) &* 0x9E37_79B9_7F4A_7C15
        if n > 8 {
            h ^= h >> 29
            var i = 8
            while i + 8 < n {
                h = (h ^ UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)) &* 0x100_0000_01b3
                h ^= h >> 29
                i += 8
            }
            h = (h ^ UnsafeRawPointer(p + n - 8).loadUnaligned(as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
        }
        // A second multiply spreads every byte into the low bits that pick the slot: with one,
        // short keys and links of one domain (`link.key`, `link.shortLink`) probed about twice
        // as far.
        h ^= h >> 32
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 32
        return UInt32(truncatingIfNeeded: h)
    }

    @inline(__always) private static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt32 {
        hash(first: word(p, n), p, n)
    }

    /// The code of these bytes (first word `first`), or the free slot where they go (as `-1 - slot`).
    @inline(__always) private func find(_ p: UnsafePointer<UInt8>, _ n: Int, _ h: UInt32, _ first: UInt64) -> Int {
        let tag = UInt64(h) << 32
        return slots.withUnsafeBufferPointer { table in
            var slot = Int(h) & mask
            while true {
                let entry = table[slot]
                if entry == 0 { return -1 - slot }
                if entry & 0xFFFF_FFFF_0000_0000 == tag {
                    let code = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF)
                    let same = keys.withUnsafeBufferPointer { k in
                        guard k[code] == first else { return false }
                        return starts.withUnsafeBufferPointer { st in
                            let s = st[code]
                            guard st[code + 1] - s == n else { return false }
                            return n <= 8 || bytes.withUnsafeBufferPointer { b in memcmpEqual(b.baseAddress! + s + 8, p + 8, n - 8) }
                        }
                    }
                    if same { return code }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The code of these bytes, adding them when new.
    @inline(__always)
    mutating func intern(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt32 {
        let first = Self.word(p, n)
        return internHashed(p, n, Self.hash(first: first, p, n), first)
    }

    /// ``intern(_:_:)`` of bytes whose first word (``word(_:_:)``) the caller has read.
    @inline(__always)
    mutating func intern(_ p: UnsafePointer<UInt8>, _ n: Int, first: UInt64) -> UInt32 {
        internHashed(p, n, Self.hash(first: first, p, n), first)
    }

    /// The hash ``intern(_:_:)`` files these bytes under (for ``intern(batch:into:)``).
    @inline(__always) static func hashOf(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt32 { hash(p, n) }

    /// Interns values in order, appending their codes to `codes`: the same codes as one
    /// ``intern(_:_:)`` after the other. The batch's slots are read first, all at once, so that
    /// for a column of distinct values (`click.id`) their cache misses overlap instead of each
    /// stalling its own intern.
    mutating func intern(batch: UnsafeBufferPointer<PendingValue>, into codes: inout [UInt32]) {
        touch(batch)
        for v in batch { codes.append(internHashed(v.base, v.count, v.hash, Self.word(v.base, v.count))) }
    }

    /// ``intern(batch:into:)`` writing each value's code at `out[value.row]`.
    mutating func intern(batch: UnsafeBufferPointer<PendingValue>, at out: UnsafeMutablePointer<UInt32>) {
        touch(batch)
        for v in batch { out[v.row] = internHashed(v.base, v.count, v.hash, Self.word(v.base, v.count)) }
    }

    @inline(__always) private mutating func touch(_ batch: UnsafeBufferPointer<PendingValue>) {
        var sink: UInt64 = 0
        slots.withUnsafeBufferPointer { table in
            for v in batch { sink |= table[Int(v.hash) & mask] }
        }
        touched = sink
    }

    @inline(__always)
    private mutating func internHashed(_ p: UnsafePointer<UInt8>, _ n: Int, _ h: UInt32, _ first: UInt64) -> UInt32 {
        let at = find(p, n, h, first)
        if at >= 0 { return UInt32(truncatingIfNeeded: at) }
        return add(p, n, h, first, slot: -1 - at)
    }

    private mutating func add(_ p: UnsafePointer<UInt8>, _ n: Int, _ h: UInt32, _ first: UInt64, slot: Int) -> UInt32 {
        let code = UInt32(count)
        bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        starts.append(bytes.count)
        keys.append(first)
        slots[slot] = UInt64(h) << 32 | UInt64(code)
        if count * 2 > slots.count { grow(slots.count * 2) }
        return code
    }

    /// Room for `values` values in all, `bytes` bytes of them: the table is rehashed once now
    /// rather than at every doubling on the way.
    mutating func reserve(values: Int, bytes n: Int) {
        starts.reserveCapacity(values + 1)
        keys.reserveCapacity(values + 1)
        bytes.reserveCapacity(n)
        var size = slots.count
        while values * 2 > size { size *= 2 }
        if size > slots.count { grow(size) }
    }

    private mutating func grow(_ size: Int) {
        var fresh = [UInt64](repeating: 0, count: size)
        let m = size - 1
        fresh.withUnsafeMutableBufferPointer { out in
            for entry in slots where entry != 0 {
                var slot = Int(truncatingIfNeeded: entry >> 32) & m
                while out[slot] != 0 { slot = (slot + 1) & m }
                out[slot] = entry
            }
        }
        slots = fresh
        mask = m
    }

    /// Calls `body` with the bytes of a value.
    func withValue<T>(_ code: UInt32, _ body: (UnsafePointer<UInt8>, Int) -> T) -> T {
        let s = starts[Int(code)], e = starts[Int(code) + 1]
        return bytes.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else {
                var zero: UInt8 = 0
                return withUnsafePointer(to: &zero) { body($0, 0) }
            }
            return body(base + s, e - s)
        }
    }

    /// The values as the store keeps them (the hash table is dropped).
    func dictionary() -> ValueDictionary { ValueDictionary(bytes: bytes, starts: starts) }

    /// The values as strings, index 0 being `nil`.
    func strings() -> [String?] {
        var out: [String?] = [nil]
        out.reserveCapacity(count)
        bytes.withUnsafeBufferPointer { buf in
            for c in 1..<count {
                out.append(String(decoding: UnsafeBufferPointer(rebasing: buf[starts[c]..<starts[c + 1]]), as: UTF8.self))
            }
        }
        return out
    }
}

/// A value waiting to be interned (``Interner/intern(batch:into:)``): its bytes, which stay
/// valid until then (they are in the input buffer, which every thread may read), and their hash.
struct PendingValue: @unchecked Sendable {
    let base: UnsafePointer<UInt8>
    let count: Int
    let hash: UInt32
    /// The row whose code it becomes.
    let row: Int
}

// MARK: - Stored dictionary

/// The values behind a text column's codes as the store keeps them: UTF-8 bytes back to back,
/// decoded when asked. Small dictionaries (most columns have a few hundred values) also keep their
/// values decoded; a large one (`click.id`, one value per click) costs its bytes and one offset per value.
struct ValueDictionary: Sendable {
    /// Dictionaries up to this many values keep them decoded.
    static let decodedLimit = 1 << 14
    private let bytes: [UInt8]
    /// Value `c` is `bytes[starts[c] ..< starts[c + 1]]`; `starts.count` is `count + 1`.
    private let starts: [Int]
    private let decoded: [String?]?

    init(bytes: [UInt8], starts: [Int]) {
        self.bytes = bytes
        self.starts = starts
        let count = starts.count - 1
        if count <= Self.decodedLimit {
            var out: [String?] = [nil]
            out.reserveCapacity(count)
            bytes.withUnsafeBufferPointer { buf in
                for c in 1..<max(count, 1) {
                    out.append(String(decoding: UnsafeBufferPointer(rebasing: buf[starts[c]..<starts[c + 1]]), as: UTF8.self))
                }
            }
            decoded = out
        } else {
            decoded = nil
        }
    }

    /// A dictionary of decoded values (index 0 `nil`).
    init(values: [String?]) {
        bytes = []
        starts = []
        decoded = values
    }

    /// Codes `0..<count` (0 being `nil`).
    var count: Int { decoded?.count ?? starts.count - 1 }

    /// The value of a code (`nil` for 0).
    @inline(__always) func value(_ code: Int) -> String? {
        if let decoded { return decoded[code] }
        guard code > 0 else { return nil }
        return bytes.withUnsafeBufferPointer { buf in
            String(decoding: UnsafeBufferPointer(rebasing: buf[starts[code]..<starts[code + 1]]), as: UTF8.self)
        }
    }

    /// Every value, index 0 being `nil` (decoded now for a large dictionary).
    func strings() -> [String?] {
        if let decoded { return decoded }
        var out: [String?] = [nil]
        out.reserveCapacity(count)
        bytes.withUnsafeBufferPointer { buf in
            for c in 1..<max(count, 1) {
                out.append(String(decoding: UnsafeBufferPointer(rebasing: buf[starts[c]..<starts[c + 1]]), as: UTF8.self))
            }
        }
        return out
    }
}

/// The stored dictionaries of every text column: `store.dictionaries[column.rawValue]` is that
/// column's values as strings (index 0 `nil`).
struct StoreDictionaries: Sendable {
    let columns: [ValueDictionary]
    subscript(column: Int) -> [String?] { columns[column].strings() }
    var count: Int { columns.count }
}

@inline(__always) func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    if n < 8 { return Interner.word(a, n) == Interner.word(b, n) }
    var i = 0
    while i + 8 < n {
        if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) { return false }
        i += 8
    }
    // The last 8 bytes (overlapping the words compared above).
    return UnsafeRawPointer(a + n - 8).loadUnaligned(as: UInt64.self) == UnsafeRawPointer(b + n - 8).loadUnaligned(as: UInt64.self)
}
