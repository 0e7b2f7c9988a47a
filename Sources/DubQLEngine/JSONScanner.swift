// A validating, allocation-free JSON scanner over raw bytes: the loader's hot path and the way
// stored events are read back by JSON path. Foundation's JSON decoders are never used here.

import DubQL

// MARK: - Errors

/// A JSON syntax or shape error at a byte offset of the scanned buffer.
public struct JSONScanError: Error, Sendable, Equatable {
    /// Byte offset of the offending byte (or of the end of input).
    public var offset: Int
    /// What went wrong, lower case: `expected ',' or '}' after an object member, found 'x'`.
    public var message: String
    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }
}

// MARK: - Byte classes

/// Bytes that end the fast path of a string scan: `"`, `\`, control characters and non-ASCII.
/// Allocated once and never freed: a pointer avoids an array access closure on every string.
nonisolated(unsafe) private let stringStopTable: UnsafePointer<Bool> = {
    let table = UnsafeMutablePointer<Bool>.allocate(capacity: 256)
    for b in 0..<256 { table[b] = b == 0x22 || b == 0x5C || b < 0x20 || b >= 0x80 }
    return UnsafePointer(table)
}()

/// A string value found in the input: the bytes between the quotes, not yet unescaped.
public struct StringSpan: Sendable, Equatable {
    public var start: Int
    public var end: Int
    /// True when the string holds backslash escapes and must be decoded before use.
    public var hasEscapes: Bool
}

/// The kind of JSON value that starts at a byte.
public enum JSONKind: Sendable, Equatable {
    case object, array, string, number, bool, null

    var article: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}

// MARK: - Scanner

/// A cursor over a byte buffer with the primitives of a JSON parser. The buffer must outlive it.
public struct JSONScanner {
    public let base: UnsafePointer<UInt8>
    public let end: Int
    public var pos: Int
    /// True when ``end`` is the end of a line of NDJSON rather than of the input (for messages).
    public var endsAtLineBreak = false
    /// Deepest nesting accepted; deeper input is an error rather than a stack overflow.
    public static let maxDepth = 256

    public init(base: UnsafePointer<UInt8>, start: Int, end: Int) {
        self.base = base
        self.pos = start
        self.end = end
    }

    @inline(__always) public var atEnd: Bool { pos >= end }
    @inline(__always) public func peek() -> UInt8 { pos < end ? base[pos] : 0 }

    @inline(__always) public mutating func skipWhitespace() {
        while pos < end {
            let b = base[pos]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { pos += 1 } else { return }
        }
    }

    /// Describes the byte at the cursor for an error message: `'x'`, `end of input`, `a line break`.
    public func found() -> String {
        guard pos < end else { return endsAtLineBreak ? "end of line" : "end of input" }
        let b = base[pos]
        switch b {
        case 0x0A: return "end of line"
        case 0x0D: return "a carriage return"
        case 0x20...0x7E: return "'\(Character(Unicode.Scalar(b)))'"
        default: return "byte 0x\(String(b, radix: 16, uppercase: true).leftPadded(2))"
        }
    }

    public func error(_ expected: String) -> JSONScanError {
        JSONScanError(offset: pos, message: "expected \(expected), found \(found())")
    }

    /// The kind of value at the cursor (after whitespace), or `nil` when no value can start here.
    public func kind() -> JSONKind? {
        switch peek() {
        case UInt8(ascii: "{"): .object
        case UInt8(ascii: "["): .array
        case UInt8(ascii: "\""): .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): .bool
        case UInt8(ascii: "n"): .null
        default: nil
        }
    }

    @inline(__always) public mutating func expect(_ byte: UInt8, _ what: String) throws(JSONScanError) {
        skipWhitespace()
        guard pos < end, base[pos] == byte else { throw error(what) }
        pos += 1
    }

    // MARK: Strings

    /// Scans a string at the cursor (which must be at `"`), validating escapes and UTF-8.
    public mutating func scanString() throws(JSONScanError) -> StringSpan {
        guard pos < end, base[pos] == UInt8(ascii: "\"") else { throw error("a string") }
        pos += 1
        let start = pos
        var escapes = false
        let table = stringStopTable
        do {
            scan: while true {
                // Eight bytes at a time until one may stop the string (SWAR: `"`, `\\`, < 0x20, >= 0x80).
                while pos + 8 <= end {
                    let w = UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self)
                    let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                    let q = w ^ (ones &* 0x22), b = w ^ (ones &* 0x5C)
                    let stop = ((q &- ones) & ~q) | ((b &- ones) & ~b) | ((w &- ones &* 0x20) & ~w) | w
                    let m = stop & highs
                    if m != 0 { pos += m.trailingZeroBitCount >> 3; break }
                    pos += 8
                }
                while pos < end && !table[Int(base[pos])] { pos += 1 }
                guard pos < end else {
                    throw JSONScanError(offset: pos, message: "expected '\"' to close the string, found end of input")
                }
                let b = base[pos]
                if b == UInt8(ascii: "\"") { break scan }
                if b == UInt8(ascii: "\\") {
                    escapes = true
                    try scanEscape()
                } else if b < 0x20 {
                    throw JSONScanError(offset: pos, message: b == 0x0A
                        ? "expected '\"' to close the string, found end of line"
                        : "expected a character of a string, found control byte 0x\(String(b, radix: 16, uppercase: true).leftPadded(2)) (escape it)")
                } else {
                    try scanUTF8()
                }
            }
        }
        let span = StringSpan(start: start, end: pos, hasEscapes: escapes)
        pos += 1
        return span
    }

    private mutating func scanEscape() throws(JSONScanError) {
        pos += 1
        guard pos < end else { throw JSONScanError(offset: pos, message: "expected an escape character after '\\', found end of input") }
        switch base[pos] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            pos += 1
        case UInt8(ascii: "u"):
            pos += 1
            for _ in 0..<4 {
                guard pos < end, hexValue(base[pos]) != nil else { throw error("four hex digits after '\\u'") }
                pos += 1
            }
        default:
            throw JSONScanError(offset: pos, message: "expected an escape character (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u), found \(found())")
        }
    }

    /// Validates one UTF-8 sequence starting at a byte >= 0x80 (RFC 3629: no overlongs, no surrogates).
    private mutating func scanUTF8() throws(JSONScanError) {
        let length = utf8SequenceLength(base, pos, end)
        guard length > 0 else { throw invalidUTF8() }
        pos += length
    }

    /// The error of a bad UTF-8 sequence at the cursor (built only when there is one).
    @inline(never) private func invalidUTF8() -> JSONScanError {
        JSONScanError(offset: pos, message: "invalid UTF-8: byte 0x\(String(base[pos], radix: 16, uppercase: true)) does not start a valid sequence")
    }

    // MARK: Scalars

    /// Scans a number at the cursor following the JSON grammar and returns its value.
    public mutating func scanNumber() throws(JSONScanError) -> Double {
        let start = pos
        var negative = false
        if peek() == UInt8(ascii: "-") { negative = true; pos += 1 }
        guard pos < end, isDigit(base[pos]) else { throw error("a digit") }
        var integer: UInt64 = 0
        var digits = 0
        if base[pos] == UInt8(ascii: "0") {
            pos += 1
        } else {
            while pos < end, isDigit(base[pos]) {
                integer = integer &* 10 &+ UInt64(base[pos] - 48)
                digits += 1
                pos += 1
            }
        }
        var simple = digits <= 15
        if pos < end, base[pos] == UInt8(ascii: ".") {
            simple = false
            pos += 1
            guard pos < end, isDigit(base[pos]) else { throw error("a digit after '.'") }
            while pos < end, isDigit(base[pos]) { pos += 1 }
        }
        if pos < end, base[pos] == UInt8(ascii: "e") || base[pos] == UInt8(ascii: "E") {
            simple = false
            pos += 1
            if pos < end, base[pos] == UInt8(ascii: "+") || base[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < end, isDigit(base[pos]) else { throw error("a digit in the exponent") }
            while pos < end, isDigit(base[pos]) { pos += 1 }
        }
        if simple { return negative ? -Double(integer) : Double(integer) }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
        return Double(text) ?? .nan
    }

    /// Scans `true`, `false` or `null`; returns the boolean, or `nil` for null.
    public mutating func scanLiteral() throws(JSONScanError) -> Bool? {
        // One unaligned load of four bytes against "true", "fals" (then `e`), "null" (little-endian).
        if pos + 4 <= end {
            let w = UnsafeRawPointer(base + pos).loadUnaligned(as: UInt32.self).littleEndian
            if w == 0x6575_7274 { pos += 4; return true }
            if w == 0x736C_6166 && pos + 5 <= end && base[pos + 4] == UInt8(ascii: "e") { pos += 5; return false }
            if w == 0x6C6C_756E { pos += 4; return nil }
        }
        throw error("a JSON value")
    }

    // MARK: Whole values

    /// Validates and skips the value at the cursor.
    public mutating func skipValue(depth: Int = 0) throws(JSONScanError) {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "\""): _ = try scanString()
        case UInt8(ascii: "{"):
            guard depth < Self.maxDepth else { throw JSONScanError(offset: pos, message: "nesting deeper than \(Self.maxDepth) levels") }
            pos += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "}") { pos += 1; return }
            while true {
                skipWhitespace()
                _ = try scanString()
                try expect(UInt8(ascii: ":"), "':' after an object key")
                try skipValue(depth: depth + 1)
                skipWhitespace()
                if peek() == UInt8(ascii: ",") { pos += 1; continue }
                if peek() == UInt8(ascii: "}") { pos += 1; return }
                throw error("',' or '}' after an object member")
            }
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw JSONScanError(offset: pos, message: "nesting deeper than \(Self.maxDepth) levels") }
            pos += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { pos += 1; return }
            while true {
                try skipValue(depth: depth + 1)
                skipWhitespace()
                if peek() == UInt8(ascii: ",") { pos += 1; continue }
                if peek() == UInt8(ascii: "]") { pos += 1; return }
                throw error("',' or ']' after an array element")
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try scanNumber()
        default: _ = try scanLiteral()
        }
    }

    /// Parses the value at the cursor into a ``JSONValue``.
    public mutating func parseValue(depth: Int = 0) throws(JSONScanError) -> JSONValue {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: "\""): return .string(decode(try scanString()))
        case UInt8(ascii: "{"):
            guard depth < Self.maxDepth else { throw JSONScanError(offset: pos, message: "nesting deeper than \(Self.maxDepth) levels") }
            pos += 1
            var members: [JSONValue.JSONMember] = []
            skipWhitespace()
            if peek() == UInt8(ascii: "}") { pos += 1; return .object(members) }
            while true {
                skipWhitespace()
                let key = decode(try scanString())
                try expect(UInt8(ascii: ":"), "':' after an object key")
                members.append(.init(key, try parseValue(depth: depth + 1)))
                skipWhitespace()
                if peek() == UInt8(ascii: ",") { pos += 1; continue }
                if peek() == UInt8(ascii: "}") { pos += 1; return .object(members) }
                throw error("',' or '}' after an object member")
            }
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw JSONScanError(offset: pos, message: "nesting deeper than \(Self.maxDepth) levels") }
            pos += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { pos += 1; return .array(items) }
            while true {
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                if peek() == UInt8(ascii: ",") { pos += 1; continue }
                if peek() == UInt8(ascii: "]") { pos += 1; return .array(items) }
                throw error("',' or ']' after an array element")
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try scanNumber())
        default:
            guard let b = try scanLiteral() else { return .null }
            return .bool(b)
        }
    }

    /// Follows `path` through objects from the value at the cursor and parses what it names.
    public mutating func value(at path: ArraySlice<String>) throws(JSONScanError) -> JSONValue? {
        guard let first = path.first else { return try parseValue() }
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else { try skipValue(); return nil }
        guard try seekMember(first) else { return nil }
        return try value(at: path.dropFirst())
    }

    /// Follows `path` through objects from the value at the cursor; the byte range of the number
    /// it names, `nil` when that is not a number.
    public mutating func numberRange(at path: ArraySlice<String>) throws(JSONScanError) -> Range<Int>? {
        guard let first = path.first else {
            skipWhitespace()
            guard kind() == .number else { return nil }
            let start = pos
            _ = try scanNumber()
            return start..<pos
        }
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else { return nil }
        guard try seekMember(first) else { return nil }
        return try numberRange(at: path.dropFirst())
    }

    /// In the object whose `{` is at the cursor: moves to the value of member `name` and returns
    /// true, or returns false when the object has no such member.
    private mutating func seekMember(_ name: String) throws(JSONScanError) -> Bool {
        pos += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { return false }
        while true {
            skipWhitespace()
            let key = try scanString()
            try expect(UInt8(ascii: ":"), "':' after an object key")
            if equals(key, name) { return true }
            try skipValue()
            skipWhitespace()
            if peek() == UInt8(ascii: ",") { pos += 1; continue }
            return false
        }
    }

    // MARK: Decoding

    /// True when the (unescaped) string equals `text`.
    public func equals(_ span: StringSpan, _ text: String) -> Bool {
        if span.hasEscapes { return decode(span) == text }
        var text = text
        return text.withUTF8 { t in
            guard t.count == span.end - span.start else { return false }
            for k in 0..<t.count where t[k] != base[span.start + k] { return false }
            return true
        }
    }

    /// The string's value with escapes resolved.
    public func decode(_ span: StringSpan) -> String {
        let raw = UnsafeBufferPointer(start: base + span.start, count: span.end - span.start)
        if !span.hasEscapes { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        JSONScanner.unescape(raw, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Resolves the escapes of an already validated string body, appending UTF-8 to `out`.
    public static func unescape(_ raw: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var i = 0
        let n = raw.count
        while i < n {
            let b = raw[i]
            guard b == UInt8(ascii: "\\"), i + 1 < n else { out.append(b); i += 1; continue }
            let e = raw[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = hex4(raw, i)
                i += 4
                if (0xD800..<0xDC00).contains(code), i + 6 <= n, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u") {
                    let low = hex4(raw, i + 2)
                    if (0xDC00..<0xE000).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                out.append(contentsOf: String(Character(scalar)).utf8)
            default: out.append(e)
            }
        }
    }

    private static func hex4(_ raw: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 where i + k < raw.count { v = v << 4 | UInt32(hexValue(raw[i + k]) ?? 0) }
        return v
    }
}

// MARK: - Helpers

/// The length of the valid UTF-8 sequence at `base[pos]`, a byte >= 0x80, that ends by `end`
/// (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF); 0 when it is not valid.
/// The one check of both the scanner and the event parser's fast pass.
@inline(__always) func utf8SequenceLength(_ base: UnsafePointer<UInt8>, _ pos: Int, _ end: Int) -> Int {
    var length = 0
    var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
    switch base[pos] {
    case 0xC2...0xDF: length = 2
    case 0xE0: length = 3; lower = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED: length = 3; upper = 0x9F
    case 0xF0: length = 4; lower = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4: length = 4; upper = 0x8F
    default: return 0
    }
    guard pos + length <= end else { return 0 }
    let b1 = base[pos + 1]
    guard b1 >= lower && b1 <= upper else { return 0 }
    for k in 2..<length where base[pos + k] & 0xC0 != 0x80 { return 0 }
    return length
}

@inline(__always) func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

@inline(__always) func hexValue(_ b: UInt8) -> UInt8? {
    switch b {
    case 48...57: b - 48
    case 97...102: b - 87
    case 65...70: b - 55
    default: nil
    }
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}

extension JSONValue {
    /// Parses one JSON value from bytes (the whole buffer must be that value plus whitespace).
    public static func parse(_ bytes: [UInt8]) throws(JSONScanError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buf) throws(JSONScanError) -> JSONValue in
            guard let base = buf.baseAddress else { throw JSONScanError(offset: 0, message: "expected a JSON value, found end of input") }
            var s = JSONScanner(base: base, start: 0, end: buf.count)
            let v = try s.parseValue()
            s.skipWhitespace()
            guard s.atEnd else { throw s.error("end of input") }
            return v
        }
    }
}
