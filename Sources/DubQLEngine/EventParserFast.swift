// The fast pass of the event parse: the same JSON checks and the same field positions as
// ``EventParser/parseChecked(_:)``, over raw bytes with no error values. It gives up (``Bail``) at
// the first thing it does not take on itself (any error, a key written with escapes, an escaped
// `event` or timestamp value); the checked pass then parses the event again and is the one that
// accepts it or says exactly what is wrong, so messages, offsets and codes come from one place.
//
// It must therefore never accept an event the checked pass refuses, and must record exactly what
// the checked pass records: EventParserDifferentialTests compares the two on mutated events.

import DubQL
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Key dispatch

/// The keys the parser acts on, per object, by their first 16 bytes (every key the parser knows
/// is at most 16 bytes; longer ones are unknown without a look). A key's bytes are never 0 (a
/// control byte is no string; `\u0000` is an escape, which the fast pass leaves to the checked
/// one), so the two zero-padded words say which key it is, length included.
///
/// Each object's table is a perfect hash of its keys: a multiplier chosen when the tables are
/// built sends every known key to its own slot, so a look-up is one slot and one compare.
struct FastKeys {
    struct Entry {
        var w0: UInt64
        var w1: UInt64
        /// What the key does (see ``EventParser/keyActions``); -1 in an empty slot.
        var action: Int
        var multiplier: UInt64
    }

    /// Slots per object (the hash's top 6 bits).
    static let size = 64
    /// Objects: 0 the event, 1 `click`, 2 `link`, 3 `customer`, 4 `sale`.
    static let objects = 5
    static let maxKey = 16

    /// Never freed: built once for the process. Slot 0 of each object also holds its multiplier.
    let entries: UnsafeMutablePointer<Entry>

    /// Built once; a parser reads the pointer at its creation, not per event.
    nonisolated(unsafe) static let shared = FastKeys()

    private init() {
        entries = .allocate(capacity: Self.size * Self.objects)
        entries.initialize(repeating: Entry(w0: 0, w1: 0, action: -1, multiplier: 0), count: Self.size * Self.objects)
        for (object, keys) in EventParser.keyActions.enumerated() {
            let words = keys.map { key, _ in
                let bytes = Array(key.utf8)
                precondition(bytes.count <= Self.maxKey && !bytes.isEmpty && !bytes.contains(0), "key unfit for the fast dispatch: \(key)")
                return bytes.withUnsafeBufferPointer { b in Self.words(b.baseAddress!, b.count, limit: b.count) }
            }
            var random = SplitMix64(state: 0x5EED &+ UInt64(object))
            var multiplier: UInt64 = 0
            for _ in 0..<100_000 {
                let m = random.next() | 1
                if Set(words.map { Self.slot($0.0, $0.1, m) }).count == words.count { multiplier = m; break }
            }
            precondition(multiplier != 0, "no perfect hash for the keys of object \(object)")
            let table = entries + object * Self.size
            for k in 0..<Self.size { table[k].multiplier = multiplier }
            for ((w0, w1), (_, action)) in zip(words, keys) {
                let slot = Self.slot(w0, w1, multiplier)
                table[slot].w0 = w0
                table[slot].w1 = w1
                table[slot].action = action
            }
        }
    }

    @inline(__always) static func slot(_ w0: UInt64, _ w1: UInt64, _ multiplier: UInt64) -> Int {
        Int(truncatingIfNeeded: ((w0 &+ w1 &* 0x9E37_79B9_7F4A_7C15) &* multiplier) >> 58)
    }

    /// The first 16 bytes of `p[0..<n]` (n <= 16) as two little-endian words, zero past `n`;
    /// bytes up to `p + limit` may be read.
    @inline(__always) static func words(_ p: UnsafePointer<UInt8>, _ n: Int, limit: Int) -> (UInt64, UInt64) {
        if limit >= 16 {
            let a = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self).littleEndian
            let b = UnsafeRawPointer(p + 8).loadUnaligned(as: UInt64.self).littleEndian
            if n >= 8 { return (a, n >= 16 ? b : b & lowBytes(n - 8)) }
            return (a & lowBytes(n), 0)
        }
        var w0: UInt64 = 0, w1: UInt64 = 0
        for k in 0..<min(n, 8) { w0 |= UInt64(p[k]) << (8 * k) }
        if n > 8 { for k in 8..<n { w1 |= UInt64(p[k]) << (8 * (k - 8)) } }
        return (w0, w1)
    }

    /// A mask of the low `k` bytes (0 <= k < 8).
    @inline(__always) static func lowBytes(_ k: Int) -> UInt64 {
        (UInt64(1) &<< UInt64(truncatingIfNeeded: 8 * k)) &- 1
    }

    /// The action of key `p[0..<n]` in `object`, -1 when it has none.
    @inline(never) func lookup(_ object: Int, _ p: UnsafePointer<UInt8>, _ n: Int, limit: Int) -> Int {
        guard n <= Self.maxKey, n > 0 else { return -1 }
        let (w0, w1) = Self.words(p, n, limit: limit)
        return probe(object, w0, w1)
    }

    /// The action of the key whose bytes are `w0`, `w1` (zero past its end), -1 when it has none.
    @inline(__always) func probe(_ object: Int, _ w0: UInt64, _ w1: UInt64) -> Int {
        let table = entries + object &* Self.size
        let e = table[Self.slot(w0, w1, table[0].multiplier)]
        return e.w0 == w0 && e.w1 == w1 ? e.action : -1
    }
}

// MARK: - The fast pass

extension EventParser {
    /// The fast pass gave up: the checked pass decides.
    struct Bail: Error {}

    /// The NDJSON line at `start` (at `{`) of `[start, limit)`, where `limit` is the end of the
    /// input or of a window (just after a line feed), parsed by the fast pass alone, without
    /// finding the line's end first: the event may hold no line feed (the fast pass bails at one)
    /// and may be followed on its line only by spaces, tabs and carriage returns. Returns where the
    /// object ends and where its line ends (at its line feed, or at `limit`), the fields recorded
    /// as ``parse(_:)`` records them; `nil` when the fast pass bails or the line holds more (the
    /// caller then finds the line's end and parses it as before, and the checked pass says what is
    /// wrong). The line's end is then the first line feed after `start`, as a search would find.
    @inline(__always)
    mutating func parseLine(_ start: Int, limit: Int) -> (end: Int, lineEnd: Int)? {
        var s = JSONScanner(base: base, start: start, end: limit)
        do throws(Bail) { try parseFast(&s, oneLine: true) } catch { return nil }
        var p = s.pos
        while p < limit {
            let b = base[p]
            guard b == 0x20 || b == 0x0D || b == 0x09 else { break }
            p &+= 1
        }
        guard p == limit || base[p] == 0x0A else { return nil }
        return (s.pos, p)
    }

    /// Parses the event object at `s` (at `{`) like ``parseChecked(_:)``, or throws ``Bail`` with
    /// the fields in any state and `s` unmoved. With `oneLine`, a line feed anywhere in the event
    /// (whitespace; strings take no control byte) is a reason to bail.
    @inline(__always)
    mutating func parseFast(_ s: inout JSONScanner, oneLine: Bool = false) throws(Bail) {
        reset()
        var c = FastCursor(base: s.base, end: s.end, pos: s.pos + 1, oneLine: oneLine)
        c.ws()
        if c.peek() == UInt8(ascii: "}") { s.pos = c.pos + 1; return }
        // The cursor is at each member's key, after any whitespace (``FastCursor/next()``).
        var memo = keyMemo, left = KeyMemo.perObject
        while true {
            let action = try c.memoKey(fastKeys, 0, memo, &left)
            memo += 1
            try c.colon()
            // Most keys have no action (`link` above all): their test comes first.
            if action == -1 {
                try c.skipMember()
            } else {
                switch action {
                case 0:
                    guard c.peek() == UInt8(ascii: "\"") else { throw Bail() }
                    c.pos += 1
                    let vs = c.pos
                    guard !(try c.string()) else { throw Bail() }
                    let p = c.base + vs
                    switch c.pos - 1 - vs {
                    case 5 where p[0] == UInt8(ascii: "c") && p[1] == UInt8(ascii: "l") && p[2] == UInt8(ascii: "i")
                        && p[3] == UInt8(ascii: "c") && p[4] == UInt8(ascii: "k"): type = 0
                    case 4 where p[0] == UInt8(ascii: "l") && p[1] == UInt8(ascii: "e") && p[2] == UInt8(ascii: "a") && p[3] == UInt8(ascii: "d"): type = 1
                    case 4 where p[0] == UInt8(ascii: "s") && p[1] == UInt8(ascii: "a") && p[2] == UInt8(ascii: "l") && p[3] == UInt8(ascii: "e"): type = 2
                    default: throw Bail()
                    }
                case 1:
                    if let t = try c.timestamp() {
                        topTimestamp = t.0
                        topIsCoarse = !t.1
                    }
                case 2:
                    if c.peek() == UInt8(ascii: "n") {
                        _ = try c.literal()
                    } else {
                        metadataStart = c.pos
                        try c.skipValue(depth: 0)
                        metadataEnd = c.pos
                    }
                case 3, 4, 5, 6:
                    try fastObject(&c, action - 2)
                case 100...:
                    try fastColumn(&c, action - 100)
                default:
                    try c.skipMember()
                }
            }
            guard try c.next() else { s.pos = c.pos; return }
        }
    }

    @inline(__always)
    private mutating func fastColumn(_ c: inout FastCursor, _ column: Int) throws(Bail) {
        let b = c.peek()
        if b == UInt8(ascii: "\"") {
            c.pos += 1
            let vs = c.pos
            let escapes = try c.string()
            starts[column] = vs
            ends[column] = c.pos - 1
            escaped[column] = escapes
        } else if b == UInt8(ascii: "n") {
            _ = try c.literal()
        } else {
            throw Bail()
        }
    }

    /// A nested object (at its value): through ``ObjectCache`` for `link` and `customer` objects
    /// of lines parsed in one pass, else parsed.
    @inline(__always)
    private mutating func fastObject(_ c: inout FastCursor, _ object: Int) throws(Bail) {
        let p0 = c.pos
        guard c.oneLine, object == 2 || object == 3, p0 &+ ObjectCache.minBytes <= c.end,
              c.base[p0] == UInt8(ascii: "{") else {
            try parseObject(&c, object)
            return
        }
        let cache = storage.objectCache()
        let slot = cache.slot(c.load(p0 &+ 1), c.load(p0 &+ 9), c.load(p0 &+ 17), object)
        if cache.replay(slot, object, c.base, p0, c.end, starts, ends, &escaped) {
            c.pos = p0 &+ Int(slot.pointee.length)
            return
        }
        try parseObject(&c, object)
        cache.remember(slot, object, c.base, p0, c.pos, starts, ends, escaped)
    }

    private mutating func parseObject(_ c: inout FastCursor, _ object: Int) throws(Bail) {
        let first = c.peek()
        if first == UInt8(ascii: "n") { _ = try c.literal(); return }
        guard first == UInt8(ascii: "{") else { throw Bail() }
        c.pos += 1
        c.ws()
        if c.peek() == UInt8(ascii: "}") { c.pos += 1; return }
        // The cursor is at each member's key, after any whitespace (``FastCursor/next()``).
        var memo = keyMemo + object &* KeyMemo.perObject, left = KeyMemo.perObject
        while true {
            let action = try c.memoKey(fastKeys, object, memo, &left)
            memo += 1
            try c.colon()
            // Most keys have no action (`link` above all): their test comes first.
            if action == -1 {
                try c.skipMember()
            } else {
                switch action {
                case 0...:
                    try fastColumn(&c, action)
                case -2:
                    if let t = try c.timestamp() { clickTimestamp = t.0 }
                case -3:
                    switch c.peek() {
                    case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"): qr = try c.literal()
                    default: throw Bail()
                    }
                case -4:
                    switch c.peek() {
                    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                        var s = JSONScanner(base: c.base, start: c.pos, end: c.end)
                        do { amount = try s.scanNumber() } catch { throw Bail() }
                        c.pos = s.pos
                    case UInt8(ascii: "n"): _ = try c.literal()
                    default: throw Bail()
                    }
                default:
                    try c.skipMember()
                }
            }
            guard try c.next() else { return }
        }
    }
}

/// The key the fast pass met at one member position of one object in an earlier event: its
/// bytes (zero past its length, the masks saying which bytes count) and its action. Exports write
/// their objects' keys in the same order event after event, so the key at a position is most often
/// the remembered one, and a compare of its bytes and of the quote after them replaces the scan and
/// the look-up. The remembered bytes passed the fast pass's checks when they were met and the
/// action is the look-up's for those bytes in that object, so a match gives what the scan would.
/// The initial entry (length 0, action -1) stands for the empty key, whose action is -1.
struct KeyMemo {
    var w0: UInt64 = 0
    var w1: UInt64 = 0
    var m0: UInt64 = 0
    var m1: UInt64 = 0
    var length = 0
    var action = -1

    /// Positions remembered per object (later members are scanned every time).
    static let perObject = 96
    static let capacity = perObject * FastKeys.objects
}

/// A position in a byte range with the fast pass's scanning steps; every step throws ``Bail``
/// where the checked scanner would throw its error (or earlier, never later).
struct FastCursor {
    let base: UnsafePointer<UInt8>
    let end: Int
    var pos: Int
    /// A line feed is no whitespace but a byte to bail at (``EventParser/parseLine(_:limit:)``):
    /// an event the pass accepts then lies on one line.
    let oneLine: Bool

    @inline(__always) func peek() -> UInt8 { pos < end ? base[pos] : 0 }

    /// Skips JSON whitespace; the common case (none) is one compare. With ``oneLine`` it stops at
    /// a line feed, where every step that follows bails (no token starts with one).
    @inline(__always) mutating func ws() {
        while pos < end {
            let b = base[pos]
            if b > 0x20 { return }
            guard b == 0x20 || b == 0x0D || b == 0x09 || (b == 0x0A && !oneLine) else { return }
            pos &+= 1
        }
    }

    /// After a member's value: `,` and the whitespace after it (`true`, the cursor at the next
    /// key), or `}` (`false`, the cursor after it). The common spelling, `,"` with no whitespace,
    /// is one two-byte compare; anything else is left to the key, which requires its `"`.
    @inline(__always) mutating func next() throws(EventParser.Bail) -> Bool {
        let p = pos
        if p &+ 2 <= end {
            // Little-endian `,"`.
            if UnsafeRawPointer(base + p).loadUnaligned(as: UInt16.self).littleEndian == 0x222C { pos = p &+ 1; return true }
            if base[p] == UInt8(ascii: "}") { pos = p &+ 1; return false }
        }
        return try nextSlow()
    }

    /// ``next()`` with whitespace before the separator, or at the end of the range.
    @inline(never) mutating func nextSlow() throws(EventParser.Bail) -> Bool {
        ws()
        let b = peek()
        if b == UInt8(ascii: ",") { pos += 1; ws(); return true }
        if b == UInt8(ascii: "}") { pos += 1; return false }
        throw EventParser.Bail()
    }

    /// After a key: whitespace, `:`, whitespace.
    @inline(__always) mutating func colon() throws(EventParser.Bail) {
        if pos < end && base[pos] == UInt8(ascii: ":") {
            pos &+= 1
        } else {
            ws()
            guard pos < end && base[pos] == UInt8(ascii: ":") else { throw EventParser.Bail() }
            pos += 1
        }
        ws()
    }

    /// `true`, `false` or `null` at the cursor: 1, 0 or 2.
    @inline(__always) mutating func literal() throws(EventParser.Bail) -> UInt8 {
        let p = pos
        guard p &+ 4 <= end else { throw EventParser.Bail() }
        let w = UnsafeRawPointer(base + p).loadUnaligned(as: UInt32.self).littleEndian
        // Little-endian "null", "true", "fals".
        if w == 0x6C6C_756E { pos = p &+ 4; return 2 }
        if w == 0x6575_7274 { pos = p &+ 4; return 1 }
        if w == 0x736C_6166 && p &+ 5 <= end && base[p &+ 4] == UInt8(ascii: "e") { pos = p &+ 5; return 0 }
        throw EventParser.Bail()
    }

    /// The bytes of `w` that may end the fast path of a string (`"`, `\\`, < 0x20, >= 0x80), as
    /// their high bits. The lowest one set is exact (bytes above it may be flagged by a borrow).
    /// `q`, `b` and `w - 0x20` keep `w`'s high bit, so one `| w` stands for the three `& ~x`.
    @inline(__always) static func stops(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let q = w ^ 0x2222_2222_2222_2222, b = w ^ 0x5C5C_5C5C_5C5C_5C5C
        return ((q &- ones) | (b &- ones) | (w &- 0x2020_2020_2020_2020) | w) & 0x8080_8080_8080_8080
    }

    @inline(__always) func load(_ at: Int) -> UInt64 {
        UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self).littleEndian
    }

    /// An object key at the cursor (after whitespace) and its action in `object` of `keys`; the
    /// cursor ends after the closing quote. The key's words are the bytes the stop test loaded.
    @inline(__always) mutating func key(_ keys: FastKeys, _ object: Int) throws(EventParser.Bail) -> Int {
        let at = pos
        guard at < end, base[at] == UInt8(ascii: "\"") else { throw EventParser.Bail() }
        let ks = at &+ 1
        if ks &+ 16 <= end {
            let w0 = load(ks)
            let m0 = Self.stops(w0)
            if m0 != 0 {
                let i = m0.trailingZeroBitCount &>> 3
                if base[ks &+ i] == UInt8(ascii: "\"") {
                    pos = ks &+ i &+ 1
                    return keys.probe(object, w0 & FastKeys.lowBytes(i), 0)
                }
            } else {
                let w1 = load(ks &+ 8)
                let m1 = Self.stops(w1)
                if m1 != 0 {
                    let i = m1.trailingZeroBitCount &>> 3
                    if base[ks &+ 8 &+ i] == UInt8(ascii: "\"") {
                        pos = ks &+ 9 &+ i
                        return keys.probe(object, w0, w1 & FastKeys.lowBytes(i))
                    }
                }
            }
        }
        return try longKey(keys, object)
    }

    /// ``key(_:_:)`` through the key remembered at this position (`memo`, while `left` > 0):
    /// a match is a few compares; otherwise the key is scanned and remembered.
    @inline(__always) mutating func memoKey(_ keys: FastKeys, _ object: Int, _ memo: UnsafeMutablePointer<KeyMemo>,
                                            _ left: inout Int) throws(EventParser.Bail) -> Int {
        let at = pos, ks = at &+ 1
        // The compare reads 16 bytes and the byte after the longest remembered key (16 bytes).
        if left > 0 && ks &+ 17 <= end {
            let e = memo.pointee
            if base[at] == UInt8(ascii: "\"") && load(ks) & e.m0 == e.w0 && load(ks &+ 8) & e.m1 == e.w1
                && base[ks &+ e.length] == UInt8(ascii: "\"") {
                pos = ks &+ e.length &+ 1
                left &-= 1
                return e.action
            }
        }
        return try keyRemembering(keys, object, memo, &left)
    }

    /// ``memoKey(_:_:_:_:)`` when the remembered key does not match: the scan, and the key it
    /// found remembered at this position (keys up to 16 bytes).
    @inline(never) mutating func keyRemembering(_ keys: FastKeys, _ object: Int, _ memo: UnsafeMutablePointer<KeyMemo>,
                                                 _ left: inout Int) throws(EventParser.Bail) -> Int {
        let ks = pos &+ 1
        let action = try key(keys, object)
        guard left > 0 else { return action }
        left -= 1
        let n = pos - 1 - ks
        guard n <= FastKeys.maxKey else { return action }
        let (w0, w1) = FastKeys.words(base + ks, n, limit: end - ks)
        let m0: UInt64 = n >= 8 ? ~0 : FastKeys.lowBytes(n)
        let m1: UInt64 = n >= 16 ? ~0 : n > 8 ? FastKeys.lowBytes(n - 8) : 0
        memo.pointee = KeyMemo(w0: w0, w1: w1, m0: m0, m1: m1, length: n, action: action)
        return action
    }

    /// ``key(_:_:)`` near the end of the range, for keys of 16 bytes or more, and for keys with a
    /// byte to look at (escape, UTF-8, control).
    @inline(never) mutating func longKey(_ keys: FastKeys, _ object: Int) throws(EventParser.Bail) -> Int {
        let ks = pos + 1
        pos = ks
        guard !(try string()) else { throw EventParser.Bail() }
        return keys.lookup(object, base + ks, pos - 1 - ks, limit: end - ks)
    }

    /// Validates and skips a member's value (after whitespace): strings and literals here, the
    /// rest in ``skipValue(depth:)``.
    @inline(__always) mutating func skipMember() throws(EventParser.Bail) {
        switch peek() {
        case UInt8(ascii: "\""):
            pos += 1
            _ = try string()
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            _ = try literal()
        default:
            try skipValue(depth: 0)
        }
    }

    /// The body of a string whose opening quote is before the cursor, validated like
    /// ``JSONScanner/scanString()``; leaves the cursor after the closing quote and returns whether
    /// the string holds escapes.
    @inline(__always) mutating func string() throws(EventParser.Bail) -> Bool {
        // The position lives in a register; `pos` is written back where the scan leaves this loop.
        var p = pos
        var escapes = false
        while true {
            // Eight bytes at a time until one may stop the string; the bytes before it are plain.
            if p &+ 16 <= end {
                // Two words per round: one bound test for 16 bytes.
                let m = Self.stops(load(p))
                if m != 0 {
                    p &+= m.trailingZeroBitCount &>> 3
                } else {
                    let m1 = Self.stops(load(p &+ 8))
                    if m1 == 0 { p &+= 16; continue }
                    p &+= 8 &+ m1.trailingZeroBitCount &>> 3
                }
            } else if p &+ 8 <= end {
                let m = Self.stops(load(p))
                if m == 0 { p &+= 8; continue }
                p &+= m.trailingZeroBitCount &>> 3
            } else {
                while p < end {
                    let b = base[p]
                    if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b &- 0x20 >= 0x60 { break }
                    p &+= 1
                }
                guard p < end else { throw EventParser.Bail() }
            }
            let b = base[p]
            if b == UInt8(ascii: "\"") { pos = p &+ 1; return escapes }
            pos = p
            if b == UInt8(ascii: "\\") {
                escapes = true
                try escape()
            } else if b >= 0x80 {
                try utf8()
            } else {
                throw EventParser.Bail()
            }
            p = pos
        }
    }

    @inline(never) private mutating func escape() throws(EventParser.Bail) {
        pos += 1
        guard pos < end else { throw EventParser.Bail() }
        switch base[pos] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            pos += 1
        case UInt8(ascii: "u"):
            guard pos + 5 <= end, hexValue(base[pos + 1]) != nil, hexValue(base[pos + 2]) != nil,
                  hexValue(base[pos + 3]) != nil, hexValue(base[pos + 4]) != nil else { throw EventParser.Bail() }
            pos += 5
        default:
            throw EventParser.Bail()
        }
    }

    /// One UTF-8 sequence at a byte >= 0x80 (RFC 3629, as ``JSONScanner``'s check).
    @inline(never) private mutating func utf8() throws(EventParser.Bail) {
        let length = utf8SequenceLength(base, pos, end)
        guard length > 0 else { throw EventParser.Bail() }
        pos += length
    }

    /// A number, validated like ``JSONScanner/scanNumber()`` (its value is not needed).
    @inline(__always) mutating func number() throws(EventParser.Bail) {
        var p = pos
        @inline(__always) func digitAt(_ i: Int) -> Bool { i < end && isDigit(base[i]) }
        if p < end && base[p] == UInt8(ascii: "-") { p &+= 1 }
        guard digitAt(p) else { throw EventParser.Bail() }
        if base[p] == UInt8(ascii: "0") {
            p &+= 1
        } else {
            repeat { p &+= 1 } while digitAt(p)
        }
        if p < end, base[p] == UInt8(ascii: ".") {
            p &+= 1
            guard digitAt(p) else { throw EventParser.Bail() }
            repeat { p &+= 1 } while digitAt(p)
        }
        if p < end, base[p] == UInt8(ascii: "e") || base[p] == UInt8(ascii: "E") {
            p &+= 1
            if p < end, base[p] == UInt8(ascii: "+") || base[p] == UInt8(ascii: "-") { p &+= 1 }
            guard digitAt(p) else { throw EventParser.Bail() }
            repeat { p &+= 1 } while digitAt(p)
        }
        pos = p
    }

    /// Validates and skips the value at the cursor (after whitespace), as
    /// ``JSONScanner/skipValue(depth:)`` with the same depth limit.
    mutating func skipValue(depth: Int) throws(EventParser.Bail) {
        switch peek() {
        case UInt8(ascii: "\""):
            pos += 1
            _ = try string()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number()
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            _ = try literal()
        case UInt8(ascii: "{"):
            guard depth < JSONScanner.maxDepth else { throw EventParser.Bail() }
            pos += 1
            ws()
            if peek() == UInt8(ascii: "}") { pos += 1; return }
            while true {
                ws()
                guard peek() == UInt8(ascii: "\"") else { throw EventParser.Bail() }
                pos += 1
                _ = try string()
                try colon()
                try skipValue(depth: depth + 1)
                ws()
                let b = peek()
                if b == UInt8(ascii: ",") { pos += 1; continue }
                if b == UInt8(ascii: "}") { pos += 1; return }
                throw EventParser.Bail()
            }
        case UInt8(ascii: "["):
            guard depth < JSONScanner.maxDepth else { throw EventParser.Bail() }
            pos += 1
            ws()
            if peek() == UInt8(ascii: "]") { pos += 1; return }
            while true {
                ws()
                try skipValue(depth: depth + 1)
                ws()
                let b = peek()
                if b == UInt8(ascii: ",") { pos += 1; continue }
                if b == UInt8(ascii: "]") { pos += 1; return }
                throw EventParser.Bail()
            }
        default:
            throw EventParser.Bail()
        }
    }

    /// A timestamp member's value: a string without escapes that parses (its instant, and whether
    /// it starts with a digit: ISO 8601), or null (`nil`).
    @inline(__always) mutating func timestamp() throws(EventParser.Bail) -> (Int64, Bool)? {
        let b = peek()
        if b == UInt8(ascii: "n") { _ = try literal(); return nil }
        guard b == UInt8(ascii: "\"") else { throw EventParser.Bail() }
        pos += 1
        let vs = pos
        guard !(try string()) else { throw EventParser.Bail() }
        guard let t = ISOInstant.parse(base + vs, count: pos - 1 - vs) else { throw EventParser.Bail() }
        return (t, isDigit(base[vs]))
    }
}

/// `link` and `customer` objects met before, byte for byte, with the columns parsing them set:
/// exports repeat the same link (and customer) object in every event of that link, so the same
/// bytes again are one compare instead of a parse of ~50 members. Only objects parsed in one pass
/// (``FastCursor/oneLine``: no line feed inside) are remembered and replayed. Identical bytes
/// give the fast pass the same answer (an object's parse depends on its bytes alone: nothing
/// after its `}`, no state but the columns it writes), and its only effect is the columns whose
/// value lies inside it, which the replay writes alike (a column it leaves alone stays as it was).
final class ObjectCache {
    struct Slot {
        /// The object's bytes, then its ``Record``s.
        var data: UnsafeMutableRawPointer?
        var capacity: Int32 = 0
        /// 0: empty.
        var length: Int32 = 0
        var object: Int16 = 0
        var records: Int16 = 0
    }
    struct Record {
        var column: Int32
        var start: Int32
        var end: Int32
        var escaped: Bool
    }

    static let slots = 2048
    /// What the remembered objects may hold in all.
    static let maxHeld = 8 << 20
    private var held = 0
    /// Objects shorter than this are parsed (their parse is cheap) and need no look-ahead bounds.
    static let minBytes = 160
    static let maxBytes = 16 << 10
    let table: UnsafeMutablePointer<Slot>
    /// The columns of each object (by ``FastKeys`` object index).
    let columns: [[Int]]

    init() {
        table = .allocate(capacity: Self.slots)
        table.initialize(repeating: Slot(), count: Self.slots)
        columns = EventParser.keyActions.map { keys in keys.map(\.1).filter { $0 >= 0 } }
    }

    deinit {
        for k in 0..<Self.slots { table[k].data?.deallocate() }
        table.deallocate()
    }

    /// The slot of an object whose first 24 bytes after `{` are `w0`, `w1`, `w2`.
    @inline(__always) func slot(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ object: Int) -> UnsafeMutablePointer<Slot> {
        let h = ((w0 &* 0x9E37_79B9_7F4A_7C15) ^ (w1 &* 0xC2B2_AE3D_27D4_EB4F) ^ (w2 &* 0x1656_67B1_9E37_79F9) ^ UInt64(object))
            &* 0xFF51_AFD7_ED55_8CCD
        return table + Int(truncatingIfNeeded: h >> 53)
    }

    /// Writes the columns of the object remembered in `slot` when the bytes at `p0` (before `end`)
    /// are its bytes.
    @inline(__always) func replay(_ slot: UnsafeMutablePointer<Slot>, _ object: Int, _ base: UnsafePointer<UInt8>, _ p0: Int,
                                  _ end: Int, _ starts: ColumnSlots, _ ends: ColumnSlots, _ escaped: inout ColumnFlags) -> Bool {
        let s = slot.pointee
        let n = Int(s.length)
        guard n > 0, Int(s.object) == object, p0 &+ n <= end, let data = s.data, memcmp(base + p0, data, n) == 0 else { return false }
        let records = (data + ((n &+ 7) & ~7)).assumingMemoryBound(to: Record.self)
        for k in 0..<Int(s.records) {
            let r = records[k]
            let c = Int(r.column)
            starts[c] = p0 &+ Int(r.start)
            ends[c] = p0 &+ Int(r.end)
            escaped[c] = r.escaped
        }
        return true
    }

    /// Remembers the object just parsed at `base[p0..<p1]` in `slot`, with the columns it set.
    @inline(never) func remember(_ slot: UnsafeMutablePointer<Slot>, _ object: Int, _ base: UnsafePointer<UInt8>, _ p0: Int, _ p1: Int,
                                 _ starts: ColumnSlots, _ ends: ColumnSlots, _ escaped: ColumnFlags) {
        let n = p1 - p0
        guard n >= Self.minBytes, n <= Self.maxBytes else { return }
        var records: [Record] = []
        for c in columns[object] where starts[c] >= p0 && starts[c] < p1 {
            records.append(Record(column: Int32(c), start: Int32(starts[c] - p0), end: Int32(ends[c] - p0), escaped: escaped[c]))
        }
        // The records after the bytes, aligned.
        let at = (n + 7) & ~7
        let need = at + records.count * MemoryLayout<Record>.stride
        var s = slot.pointee
        if Int(s.capacity) < need || s.data == nil {
            guard held - Int(s.capacity) + need <= Self.maxHeld else { return }
            held += need - Int(s.capacity)
            s.data?.deallocate()
            s.data = .allocate(byteCount: need, alignment: 8)
            s.capacity = Int32(need)
        }
        guard let data = s.data else { return }
        data.copyMemory(from: base + p0, byteCount: n)
        // Records start at the aligned offset; ``replay`` reads them at `data + length` rounded up.
        let stored = (data + at).bindMemory(to: Record.self, capacity: max(records.count, 1))
        for (k, r) in records.enumerated() { stored[k] = r }
        s.length = Int32(n)
        s.object = Int16(object)
        s.records = Int16(records.count)
        slot.pointee = s
    }
}

extension ObjectCache {
    /// Caches of parsers gone, for the next parsers (the windows of a load or scan, one after
    /// another on each core): their objects stay remembered and their memory mapped. The bytes
    /// are copies, so they hold for any input.
    nonisolated(unsafe) private static var pool: [ObjectCache] = []
    private static let poolLock = PthreadLock()
    static let pooled = 4

    static func take() -> ObjectCache { poolLock.locked { pool.popLast() } ?? ObjectCache() }

    static func give(_ cache: ObjectCache) {
        poolLock.locked { if pool.count < pooled { pool.append(cache) } }
    }
}
