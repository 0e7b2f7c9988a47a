// Parses one event object in a single pass over its bytes: validates the whole JSON and records
// where the values the store keeps are, without allocating.

import DubQL

// MARK: - Key lookup

/// A tiny open-addressing table from object keys (bytes) to small integers.
struct KeyTable {
    /// The keys' bytes back to back: key `k` is `bytes[starts[k] ..< starts[k + 1]]` (one buffer, so
    /// a lookup touches no reference count).
    private var bytes: [UInt8] = []
    private var starts: [Int] = [0]
    private var values: [Int] = []
    private var slots = [Int](repeating: -1, count: 128)

    init(_ entries: [(String, Int)]) {
        for (key, value) in entries {
            let keyBytes = Array(key.utf8)
            var slot = KeyTable.hash(keyBytes.withUnsafeBufferPointer { $0.baseAddress! }, keyBytes.count) & 127
            while slots[slot] >= 0 { slot = (slot + 1) & 127 }
            slots[slot] = values.count
            bytes += keyBytes
            starts.append(bytes.count)
            values.append(value)
        }
    }

    @inline(__always) static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        guard n > 0 else { return 0 }
        return (Int(p[0]) &* 31 &+ Int(p[n - 1]) &* 7 &+ n &* 131 &+ Int(p[n / 2]) &* 17)
    }

    /// The value of the key `p[0..<n]`, or -1.
    @inline(__always) func lookup(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        var slot = KeyTable.hash(p, n) & 127
        return slots.withUnsafeBufferPointer { slots in
            starts.withUnsafeBufferPointer { starts in
                bytes.withUnsafeBufferPointer { keys in
                    while true {
                        let k = slots[slot]
                        if k < 0 { return -1 }
                        let s = starts[k]
                        if starts[k + 1] - s == n && memcmpEqual(keys.baseAddress! + s, p, n) { return values[k] }
                        slot = (slot + 1) & 127
                    }
                }
            }
        }
    }
}

// MARK: - Parser

/// The values of one event that the store keeps, as byte ranges of the input.
struct EventParser {
    /// A parse failure: the scanner error, its diagnostic code, and whether the JSON itself is broken
    /// (as opposed to well-formed JSON of the wrong shape).
    struct Failure: Error {
        var error: JSONScanError
        var code: String
        var syntax: Bool
        init(_ error: JSONScanError, syntax: Bool) {
            self.error = error
            self.syntax = syntax
            self.code = error.message.hasPrefix("invalid UTF-8") ? "DQL0502" : "DQL0501"
        }
        init(_ error: JSONScanError, code: String) {
            self.error = error
            self.code = code
            self.syntax = false
        }
    }

    let base: UnsafePointer<UInt8>
    let end: Int
    var type: UInt8?
    /// Per text column (by ``StringColumn`` raw value): where its string value starts (-1: none),
    /// ends, and whether it holds escapes. Storage allocated once per parser, not per event.
    let starts: ColumnSlots
    let ends: ColumnSlots
    var escaped = ColumnFlags()
    var amount = Double.nan
    var qr: UInt8 = 2
    var metadataStart = -1
    var metadataEnd = 0
    /// Top-level `timestamp`, and whether it had only second precision (the JavaScript form).
    var topTimestamp: Int64?
    var topIsCoarse = false
    var clickTimestamp: Int64?
    /// Decoded bytes of a key or value written with escapes (rare: the slow path).
    private var scratch: [UInt8] = []
    let storage: SlotStorage
    /// The fast pass's key dispatch (read once here rather than on every event).
    let fastKeys: FastKeys
    /// The keys the fast pass last met, per object and member position (see ``KeyMemo``).
    let keyMemo: UnsafeMutablePointer<KeyMemo>

    init(base: UnsafePointer<UInt8>, end: Int) {
        self.base = base
        self.end = end
        let n = StringColumn.allCases.count
        precondition(n <= 64, "ColumnFlags holds at most 64 columns")
        storage = SlotStorage(count: 2 * n)
        starts = ColumnSlots(storage.slots, count: n)
        ends = ColumnSlots(storage.slots + n, count: n)
        starts.reset(to: -1)
        ends.reset(to: 0)
        fastKeys = FastKeys.shared
        keyMemo = storage.memo
    }

    /// What each object's keys do. Event: -1 skip; 0 event, 1 timestamp, 2 metadata, 3 click,
    /// 4 link, 5 customer, 6 sale; 100+c a column. Nested objects (`click`, `link`, `customer`,
    /// `sale`): a column, or -2 for click.timestamp, -3 click.qr, -4 sale.amount.
    static let keyActions: [[(String, Int)]] = {
        let top = [("event", 0), ("timestamp", 1), ("metadata", 2), ("click", 3), ("link", 4),
                   ("customer", 5), ("sale", 6),
                   ("eventId", 100 + StringColumn.eventID.rawValue),
                   ("eventName", 100 + StringColumn.eventName.rawValue)]
        let nested = objectNames.map { object in
            var entries = StringColumn.members(of: object).map { ($0.0, $0.1.rawValue) }
            if object == "click" { entries += [("timestamp", -2), ("qr", -3)] }
            if object == "sale" { entries += [("amount", -4)] }
            return entries
        }
        return [top] + nested
    }()

    /// Clears what one event sets.
    @inline(__always) mutating func reset() {
        type = nil
        starts.reset(to: -1)
        escaped = ColumnFlags()
        amount = .nan
        qr = 2
        metadataStart = -1
        topTimestamp = nil
        topIsCoarse = false
        clickTimestamp = nil
    }

    /// Parses the event object at the cursor (which is at `{`), leaving the cursor after `}`.
    ///
    /// The fast pass takes every well-formed event without escaped keys; anything else (an error
    /// above all) is parsed again by the checked pass, which gives the error.
    @inline(__always)
    mutating func parse(_ s: inout JSONScanner) throws(Failure) {
        do throws(Bail) {
            try parseFast(&s)
            return
        } catch {}
        try parseChecked(&s)
    }

    // The checked pass's tables (see keyActions).
    private static let topKeys = KeyTable(keyActions[0])
    private static let objectKeys: [KeyTable] = keyActions.dropFirst().map { KeyTable($0) }
    static let objectNames = ["click", "link", "customer", "sale"]

    /// The checked pass: parses the event object at the cursor (which is at `{`) with the
    /// scanner's own steps, throwing the error of the first thing wrong; leaves the cursor after `}`.
    @inline(never)
    mutating func parseChecked(_ s: inout JSONScanner) throws(Failure) {
        reset()
        do {
            s.pos += 1
            s.skipWhitespace()
            if s.peek() == UInt8(ascii: "}") { s.pos += 1; return }
            while true {
                s.skipWhitespace()
                let key = try s.scanString()
                try s.expect(UInt8(ascii: ":"), "':' after an object key")
                s.skipWhitespace()
                let action = key.hasEscapes ? lookUpEscaped(key, in: Self.topKeys) : Self.topKeys.lookup(base + key.start, key.end - key.start)
                switch action {
                case 0:
                    let at = s.pos
                    let v = try stringValue(&s, "event")
                    guard let v else { throw Failure(JSONScanError(offset: at, message: "expected \"click\", \"lead\" or \"sale\" for 'event'"), code: "DQL0506") }
                    switch s.decode(v) {
                    case "click": type = 0
                    case "lead": type = 1
                    case "sale": type = 2
                    case let other:
                        throw Failure(JSONScanError(offset: at, message: "expected \"click\", \"lead\" or \"sale\" for 'event', found \"\(other)\""), code: "DQL0506")
                    }
                case 1:
                    let at = s.pos
                    if let v = try stringValue(&s, "timestamp") {
                        guard let t = parseTimestamp(v) else {
                            throw Failure(JSONScanError(offset: at, message: "expected an ISO 8601 or JavaScript date for 'timestamp', found \"\(s.decode(v))\""), code: "DQL0507")
                        }
                        topTimestamp = t
                        // The JavaScript form starts with a weekday name, ISO 8601 with a digit.
                        let first = v.hasEscapes ? scratch.first : (v.end > v.start ? base[v.start] : nil)
                        topIsCoarse = !(first.map(isDigit) ?? false)
                    }
                case 2:
                    if s.peek() == UInt8(ascii: "n") {
                        _ = try s.scanLiteral()
                    } else {
                        metadataStart = s.pos
                        try s.skipValue()
                        metadataEnd = s.pos
                    }
                case 3, 4, 5, 6:
                    try parseObject(&s, Self.objectNames[action - 3], Self.objectKeys[action - 3])
                case 100...:
                    try column(&s, action - 100, name: StringColumn.allCases[action - 100].path[0])
                default:
                    try s.skipValue()
                }
                s.skipWhitespace()
                if s.peek() == UInt8(ascii: ",") { s.pos += 1; continue }
                if s.peek() == UInt8(ascii: "}") { s.pos += 1; return }
                throw s.error("',' or '}' after an object member")
            }
        } catch let e as Failure {
            throw e
        } catch let e as JSONScanError {
            throw Failure(e, syntax: true)
        } catch {
            throw Failure(JSONScanError(offset: s.pos, message: "\(error)"), syntax: true)
        }
    }

    /// The instant of the event: top-level `timestamp`, refined to milliseconds by `click.timestamp`
    /// when the top-level value is the second-precision JavaScript form of the same second (clicks).
    func resolvedTimestamp() -> Int64? {
        guard let top = topTimestamp else { return clickTimestamp }
        if topIsCoarse, type == 0, let c = clickTimestamp, c >= top, c < top + 1000 { return c }
        return top
    }

    private mutating func parseObject(_ s: inout JSONScanner, _ name: String, _ keys: KeyTable) throws {
        if s.peek() == UInt8(ascii: "n") { _ = try s.scanLiteral(); return }
        guard s.peek() == UInt8(ascii: "{") else { throw wrongType(s, expected: "an object", for: name) }
        s.pos += 1
        s.skipWhitespace()
        if s.peek() == UInt8(ascii: "}") { s.pos += 1; return }
        while true {
            s.skipWhitespace()
            let key = try s.scanString()
            try s.expect(UInt8(ascii: ":"), "':' after an object key")
            s.skipWhitespace()
            let action = key.hasEscapes ? lookUpEscaped(key, in: keys) : keys.lookup(base + key.start, key.end - key.start)
            switch action {
            case 0...:
                try column(&s, action, name: "\(name).\(StringColumn.allCases[action].path[1])")
            case -2:
                let at = s.pos
                if let v = try stringValue(&s, "click.timestamp") {
                    guard let t = parseTimestamp(v) else {
                        throw Failure(JSONScanError(offset: at, message: "expected an ISO 8601 date for 'click.timestamp', found \"\(s.decode(v))\""), code: "DQL0507")
                    }
                    clickTimestamp = t
                }
            case -3:
                switch s.kind() {
                case .bool?, .null?: qr = (try s.scanLiteral()).map { $0 ? 1 : 0 } ?? 2
                default: throw wrongType(s, expected: "a boolean or null", for: "click.qr")
                }
            case -4:
                switch s.kind() {
                case .number?: amount = try s.scanNumber()
                case .null?: _ = try s.scanLiteral()
                default: throw wrongType(s, expected: "a number", for: "sale.amount")
                }
            default:
                try s.skipValue()
            }
            s.skipWhitespace()
            if s.peek() == UInt8(ascii: ",") { s.pos += 1; continue }
            if s.peek() == UInt8(ascii: "}") { s.pos += 1; return }
            throw s.error("',' or '}' after an object member")
        }
    }

    /// The action of a key written with escapes (`"c\u006funtry"`): keys compare by their decoded
    /// text, as every JSON reader compares them. Unescaped keys take the direct lookup.
    private mutating func lookUpEscaped(_ key: StringSpan, in table: KeyTable) -> Int {
        scratch.removeAll(keepingCapacity: true)
        JSONScanner.unescape(UnsafeBufferPointer(start: base + key.start, count: key.end - key.start), into: &scratch)
        return scratch.withUnsafeBufferPointer { b in b.baseAddress.map { table.lookup($0, b.count) } ?? -1 }
    }

    /// A timestamp string, decoded first when it holds escapes.
    private mutating func parseTimestamp(_ v: StringSpan) -> Int64? {
        guard v.hasEscapes else { return ISOInstant.parse(base + v.start, count: v.end - v.start) }
        scratch.removeAll(keepingCapacity: true)
        JSONScanner.unescape(UnsafeBufferPointer(start: base + v.start, count: v.end - v.start), into: &scratch)
        return scratch.withUnsafeBufferPointer { b in b.baseAddress.flatMap { ISOInstant.parse($0, count: b.count) } }
    }

    /// A text column's value: a string, or null (no value).
    private mutating func column(_ s: inout JSONScanner, _ c: Int, name: @autoclosure () -> String) throws {
        guard let v = try stringValue(&s, name()) else { return }
        starts[c] = v.start
        ends[c] = v.end
        escaped[c] = v.hasEscapes
    }

    private func stringValue(_ s: inout JSONScanner, _ name: @autoclosure () -> String) throws -> StringSpan? {
        switch s.kind() {
        case .string?: return try s.scanString()
        case .null?: _ = try s.scanLiteral(); return nil
        default: throw wrongType(s, expected: "a string or null", for: name())
        }
    }

    private func wrongType(_ s: JSONScanner, expected: String, for name: String) -> Error {
        guard let kind = s.kind() else { return s.error("a JSON value") }
        return Failure(JSONScanError(offset: s.pos, message: "expected \(expected) for '\(name)', found \(kind.article)"), code: "DQL0503")
    }
}

// MARK: - Field storage

/// Slots allocated once for a parser's lifetime (the parser and its copies share them).
final class SlotStorage {
    let slots: UnsafeMutablePointer<Int>
    let memo: UnsafeMutablePointer<KeyMemo>
    /// Made at the first object the fast pass may take from it (most parsers never need one).
    private var objects: ObjectCache?
    @inline(__always) func objectCache() -> ObjectCache {
        if let objects { return objects }
        return makeObjectCache()
    }
    @inline(never) private func makeObjectCache() -> ObjectCache {
        let cache = ObjectCache.take()
        objects = cache
        return cache
    }
    init(count: Int) {
        slots = .allocate(capacity: count)
        memo = .allocate(capacity: KeyMemo.capacity)
        memo.initialize(repeating: KeyMemo(), count: KeyMemo.capacity)
    }
    deinit {
        if let objects { ObjectCache.give(objects) }
        slots.deallocate()
        memo.deallocate()
    }
}

/// One Int per text column in a parser's storage, read and written like an array.
struct ColumnSlots {
    let base: UnsafeMutablePointer<Int>
    let count: Int
    init(_ base: UnsafeMutablePointer<Int>, count: Int) {
        self.base = base
        self.count = count
    }
    @inline(__always) subscript(_ c: Int) -> Int {
        get { base[c] }
        nonmutating set { base[c] = newValue }
    }
    @inline(__always) func reset(to value: Int) { base.update(repeating: value, count: count) }
    @inline(__always) func withUnsafeBufferPointer<R, E: Error>(_ body: (UnsafeBufferPointer<Int>) throws(E) -> R) throws(E) -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
    }
}

/// One flag per text column, in a word.
struct ColumnFlags {
    var bits: UInt64 = 0
    @inline(__always) subscript(_ c: Int) -> Bool {
        get { bits & (1 << UInt64(c)) != 0 }
        set { if newValue { bits |= 1 << UInt64(c) } else { bits &= ~(1 << UInt64(c)) } }
    }
}

// MARK: - Benchmark support

/// The event parse alone over the lines of an NDJSON buffer, for `dubql-bench parse-callgrind`
/// (instructions per event under callgrind). Not part of the loading API.
public struct EventParseProbe {
    let base: UnsafePointer<UInt8>
    let lines: [Range<Int>]

    /// The lines of `base[0..<count]` (found here, outside what ``run()`` counts). The buffer must
    /// outlive the probe.
    public init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        var lines: [Range<Int>] = []
        var start = 0
        for i in 0..<count where base[i] == 0x0A {
            if i > start { lines.append(start..<i) }
            start = i + 1
        }
        if count > start { lines.append(start..<count) }
        self.lines = lines
    }

    public var count: Int { lines.count }

    /// Parses every line as the loader does (validation included) and returns a checksum of what
    /// the parser found, and the number of lines it refused.
    public func run() -> (checksum: Int, failed: Int) {
        let limit = lines.last?.upperBound ?? 0
        var parser = EventParser(base: base, end: limit)
        var sum = 0, failed = 0
        for line in lines {
            var s = JSONScanner(base: base, start: line.lowerBound, end: line.upperBound)
            do throws(EventParser.Failure) {
                // As the loader parses a line: the fast pass up to the line's end, else bounded.
                if base[line.lowerBound] != UInt8(ascii: "{") || parser.parseLine(line.lowerBound, limit: limit) == nil {
                    try parser.parse(&s)
                }
                sum &+= Int(truncatingIfNeeded: parser.resolvedTimestamp() ?? 0) &+ parser.starts[StringColumn.country.rawValue]
                    &+ parser.ends[StringColumn.linkURL.rawValue] &+ Int(parser.qr) &+ parser.metadataStart
            } catch {
                failed += 1
            }
        }
        return (sum, failed)
    }
}
