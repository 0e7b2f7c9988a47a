// The lexer: UTF-8 bytes to tokens with half-open byte spans, never failing (bad input becomes an
// error token plus a diagnostic).

/// A token without its decoded text: what the parser works on, so the hot path allocates nothing.
///
/// Offsets are stored in 32 bits (12 bytes a token instead of 24); ``Lexer/scan(_:)`` lexes at
/// most ``Lexer/maximumInputSize`` bytes.
public struct RawToken: Hashable, Sendable {
    public var kind: TokenKind
    private var start32: UInt32
    private var end32: UInt32

    public init(kind: TokenKind, start: Int, end: Int) {
        self.kind = kind
        self.start32 = UInt32(clamping: start)
        self.end32 = UInt32(clamping: end)
    }

    public var start: Int {
        get { Int(start32) }
        set { start32 = UInt32(clamping: newValue) }
    }
    public var end: Int {
        get { Int(end32) }
        set { end32 = UInt32(clamping: newValue) }
    }
    public var span: Span { Span(start: start, end: end) }
}

/// Turns DubQL source into tokens.
///
/// Keywords are matched case-insensitively without building strings; only ``tokenize(_:)``
/// decodes token texts. The token list always ends with one ``TokenKind/endOfInput`` token whose
/// span is the empty span at the end of the input.
public enum Lexer {
    /// Lexer diagnostics kept at most; bad input past this is still lexed into error tokens.
    public static let maximumDiagnostics = 100

    /// The tokens of `source` with decoded texts, and the lexical diagnostics.
    public static func tokenize(_ source: SourceFile) -> (tokens: [Token], diagnostics: [Diagnostic]) {
        source.withBytes { buffer in
            let (raw, diagnostics) = scan(buffer)
            return (raw.map { Token(kind: $0.kind, span: $0.span, text: decodedText(of: $0, in: buffer)) }, diagnostics)
        }
    }

    /// The largest input lexed (4 GiB - 1 bytes); anything beyond is reported and ignored.
    public static let maximumInputSize = Int(UInt32.max) - 1

    /// The raw tokens of `bytes` (comments and white space dropped) and the lexical diagnostics.
    public static func scan(_ bytes: [UInt8]) -> (tokens: [RawToken], diagnostics: [Diagnostic]) {
        bytes.withUnsafeBufferPointer { scan($0) }
    }

    /// ``scan(_:)`` of bytes read in place.
    static func scan(_ whole: UnsafeBufferPointer<UInt8>) -> (tokens: [RawToken], diagnostics: [Diagnostic]) {
        let buffer = UnsafeBufferPointer(rebasing: whole.prefix(maximumInputSize))
        var scanner = Scanner(buffer)
        var tokens: [RawToken] = []
        tokens.reserveCapacity(buffer.count / 3 + 16)
        while true {
            let t = scanner.next()
            tokens.append(t)
            if case .endOfInput = t.kind { break }
        }
        scanner.reportTooLarge(whole)
        return (tokens, scanner.diagnostics)
    }

    /// The most tokens kept on the stack: 85 of 12 bytes fit the 1,024 bytes that
    /// `withUnsafeTemporaryAllocation` always takes from the stack.
    static let stackTokens = 85

    /// Calls `body` with the raw tokens of `whole` and the lexical diagnostics, as ``scan(_:)``
    /// returns them. Up to ``stackTokens`` tokens (a query of a line or two) are lexed into a
    /// buffer on the stack, so lexing allocates nothing; a longer input is lexed again into an array.
    static func withTokens<R>(of whole: UnsafeBufferPointer<UInt8>,
                              _ body: (UnsafeBufferPointer<RawToken>, [Diagnostic]) -> R) -> R {
        let done: R? = withUnsafeTemporaryAllocation(of: RawToken.self, capacity: stackTokens) { stack in
            guard let out = stack.baseAddress else { return nil }
            let buffer = UnsafeBufferPointer(rebasing: whole.prefix(maximumInputSize))
            var scanner = Scanner(buffer)
            var count = 0
            while count < stackTokens {
                let t = scanner.next()
                out[count] = t
                count &+= 1
                if case .endOfInput = t.kind {
                    scanner.reportTooLarge(whole)
                    return body(UnsafeBufferPointer(start: out, count: count), scanner.diagnostics)
                }
            }
            return nil
        }
        if let done { return done }
        let (tokens, diagnostics) = scan(whole)
        return tokens.withUnsafeBufferPointer { body($0, diagnostics) }
    }

    /// A string of the bytes `b[start..<end]`. Names, words and numbers are short ASCII (at most
    /// 15 bytes): those become small (inline) strings directly, without validating the bytes as
    /// UTF-8 in general.
    @inline(__always)
    static func string(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        let n = end - start
        guard n > 0, let base = b.baseAddress else { return "" }
        if n <= 15 {
            return String(unsafeUninitializedCapacity: n) { out in
                out.baseAddress!.initialize(from: base + start, count: n)
                return n
            }
        }
        return String(decoding: UnsafeBufferPointer(start: base + start, count: n), as: UTF8.self)
    }

    /// The spans of the comments in `bytes` (`-- ...` without its line end, `/* ... */`), in order.
    ///
    /// Comments can only lie in the gaps between tokens (a `--` inside a string is part of the
    /// string token), so the gaps are all that is searched.
    public static func comments(in bytes: [UInt8]) -> [Span] {
        bytes.withUnsafeBufferPointer { comments(in: $0) }
    }

    /// ``comments(in:)`` of bytes read in place.
    static func comments(in bytes: UnsafeBufferPointer<UInt8>) -> [Span] {
        var spans: [Span] = []
        var gapStart = 0
        for token in scan(bytes).tokens {
            var i = gapStart
            while i + 1 < token.start {
                if bytes[i] == 45, bytes[i + 1] == 45 {
                    var end = i + 2
                    while end < token.start, bytes[end] != 10 { end += 1 }
                    spans.append(Span(start: i, end: end > i + 2 && bytes[end - 1] == 13 ? end - 1 : end))
                    i = end
                } else if bytes[i] == 47, bytes[i + 1] == 42 {
                    var end = i + 2
                    while end + 1 < token.start, !(bytes[end] == 42 && bytes[end + 1] == 47) { end += 1 }
                    end = min(end + 2, token.start)
                    spans.append(Span(start: i, end: end))
                    i = end
                } else {
                    i += 1
                }
            }
            gapStart = token.end
        }
        return spans
    }

    /// The text a ``Token`` carries: quotes removed and doubled quotes resolved for strings and
    /// quoted identifiers, empty for punctuation and operators, otherwise the source text.
    static func decodedText(of token: RawToken, in b: UnsafeBufferPointer<UInt8>) -> String {
        switch token.kind {
        case .singleQuotedString: unquote(b, token.start, token.end, quote: 39)
        case .doubleQuotedString: unquote(b, token.start, token.end, quote: 34)
        case .quotedIdentifier: unquote(b, token.start, token.end, quote: 96)
        case .keyword, .identifier, .integer, .decimal, .money, .duration, .date, .dateTime, .error:
            string(b, token.start, token.end)
        default: ""
        }
    }

    /// The content of a quoted token between its quotes, with each doubled quote made single.
    static func unquote(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, quote: UInt8) -> String {
        guard end - start >= 2 else { return "" }
        let inner = UnsafeBufferPointer(rebasing: b[(start + 1)..<(end - 1)])
        guard inner.contains(quote) else { return string(b, start + 1, end - 1) }
        var out: [UInt8] = []
        out.reserveCapacity(inner.count)
        var i = 0
        while i < inner.count {
            out.append(inner[i])
            if inner[i] == quote, i + 1 < inner.count, inner[i + 1] == quote { i += 2 } else { i += 1 }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

// MARK: - Character classes

@inline(__always) func isIdentifierStart(_ c: UInt8) -> Bool {
    (c | 0x20) >= 97 && (c | 0x20) <= 122 || c == 95
}

@inline(__always) func isIdentifierContinue(_ c: UInt8) -> Bool {
    isIdentifierStart(c) || (c >= 48 && c <= 57)
}

@inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

// MARK: - Character classes

/// A 256-entry table of byte classes for the scanner's hot loops.
enum CharacterClass {
    static let other: UInt8 = 0, space: UInt8 = 1, identifierStart: UInt8 = 2, digit: UInt8 = 3

    /// Classes by byte, allocated once and never freed, so the scanner reads it without bounds
    /// checks. An identifier continues while the class is `>= identifierStart` (letters, `_`, digits).
    nonisolated(unsafe) static let table: UnsafePointer<UInt8> = {
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        t.initialize(repeating: other, count: 256)
        for c in [32, 9, 10, 11, 12, 13] { t[c] = space }
        for c in 48...57 { t[c] = digit }
        for c in 65...90 { t[c] = identifierStart }
        for c in 97...122 { t[c] = identifierStart }
        t[95] = identifierStart
        return UnsafePointer(t)
    }()
}

// MARK: - Scanner

/// The state of one pass over the bytes.
struct Scanner {
    let b: UnsafeBufferPointer<UInt8>
    let classes = CharacterClass.table
    var i = 0
    var diagnostics: [Diagnostic] = []

    init(_ b: UnsafeBufferPointer<UInt8>) { self.b = b }

    /// Reports an input longer than ``Lexer/maximumInputSize`` (`whole` is the input before it was cut).
    mutating func reportTooLarge(_ whole: UnsafeBufferPointer<UInt8>) {
        if whole.count > b.count {
            report(.strayCharacter, "input too large: only the first \(Lexer.maximumInputSize) bytes are read", b.count, b.count)
        }
    }

    mutating func report(_ code: DiagnosticCode, _ message: String, _ start: Int, _ end: Int, hints: [String] = []) {
        guard diagnostics.count < Lexer.maximumDiagnostics else { return }
        diagnostics.append(.error(code, message, at: Span(start: start, end: end), hints: hints))
    }

    /// The next token, skipping white space and comments. Inlined into the one loop that calls
    /// it, which saves a call per token.
    @inline(__always)
    mutating func next() -> RawToken {
        let n = b.count
        while i < n {
            // Runs of white space and the common token starts are decided by one table look-up.
            var j = i
            var c = b[j]
            while classes[Int(c)] == CharacterClass.space {
                j &+= 1
                if j == n { i = n; return RawToken(kind: .endOfInput, start: n, end: n) }
                c = b[j]
            }
            i = j
            let start = j
            switch classes[Int(c)] {
            case CharacterClass.identifierStart: return word(start)
            case CharacterClass.digit: return number(start)
            default: break
            }
            switch c {
            case 45 where i + 1 < n && b[i + 1] == 45: // -- comment
                i += 2
                while i < n, b[i] != 10 { i += 1 }
                continue
            case 47 where i + 1 < n && b[i + 1] == 42: // /* comment */
                i += 2
                while i < n, !(b[i] == 42 && i + 1 < n && b[i + 1] == 47) { i += 1 }
                if i < n {
                    i += 2
                } else {
                    report(.unterminatedComment, "unterminated block comment", start, start + 2,
                           hints: ["close it with '*/'"])
                }
                continue
            default:
                break
            }
            if isIdentifierStart(c) { return word(start) }
            if isDigit(c) || (c == 45 && i + 1 < n && isDigit(b[i + 1])) { return number(start) }
            i += 1
            switch c {
            case 40: return RawToken(kind: .leftParen, start: start, end: i)
            case 41: return RawToken(kind: .rightParen, start: start, end: i)
            case 44: return RawToken(kind: .comma, start: start, end: i)
            case 61: return RawToken(kind: .equal, start: start, end: i)
            case 59: return RawToken(kind: .semicolon, start: start, end: i)
            case 46: return RawToken(kind: .dot, start: start, end: i)
            case 42: return RawToken(kind: .star, start: start, end: i)
            case 91: return RawToken(kind: .leftBracket, start: start, end: i)
            case 93: return RawToken(kind: .rightBracket, start: start, end: i)
            case 60:
                if i < n, b[i] == 61 { i += 1; return RawToken(kind: .lessEqual, start: start, end: i) }
                if i < n, b[i] == 62 { i += 1; return RawToken(kind: .lessGreater, start: start, end: i) }
                return RawToken(kind: .less, start: start, end: i)
            case 62:
                if i < n, b[i] == 61 { i += 1; return RawToken(kind: .greaterEqual, start: start, end: i) }
                return RawToken(kind: .greater, start: start, end: i)
            case 33 where i < n && b[i] == 61:
                i += 1
                return RawToken(kind: .notEqual, start: start, end: i)
            case 39: return quoted(start, quote: 39, kind: .singleQuotedString)
            case 34: return quoted(start, quote: 34, kind: .doubleQuotedString)
            case 96: return quoted(start, quote: 96, kind: .quotedIdentifier)
            case 36 where i < n && isDigit(b[i]): return money(start)
            default:
                return stray(start)
            }
        }
        return RawToken(kind: .endOfInput, start: n, end: n)
    }

    // MARK: Words

    /// An identifier or keyword; a word with non-ASCII letters in it is one error token.
    @inline(__always)
    mutating func word(_ start: Int) -> RawToken {
        let n = b.count
        var key: UInt64 = 0
        var shift: UInt64 = 0
        var j = start
        if start + 8 <= n, let base = b.baseAddress {
            // Eight bytes at once: most words end within them (`SELECT`, `country`, `US`).
            let w = UnsafeRawPointer(base + start).loadUnaligned(as: UInt64.self)
            let lowered = w | 0x2020_2020_2020_2020
            let run = Scanner.identifierBytes(w)
            if run < 8 {
                j = start + run
                key = lowered & ((1 &<< UInt64(run &* 8)) &- 1)
                shift = UInt64(run &* 8)
            } else {
                j = start + 8
                key = lowered
                shift = 64
            }
        }
        while j < n {
            let c = b[j]
            guard classes[Int(c)] >= CharacterClass.identifierStart else { break }
            if shift < 64 { key |= UInt64(c | 0x20) &<< shift }
            shift &+= 8
            j &+= 1
        }
        i = j
        if j < n, b[j] >= 0x80 { return stray(start) }
        if shift <= 64, let k = keywordTable(key) {
            return RawToken(kind: .keyword(k), start: start, end: j)
        }
        return RawToken(kind: .identifier, start: start, end: j)
    }

    @inline(__always) func keywordTable(_ key: UInt64) -> Keyword? { Scanner.keyword(packed: key) }

    /// How many of the eight bytes of `w` (little-endian), from the first, are identifier bytes
    /// (`A-Z a-z 0-9 _`), computed on all eight at once. Every per-byte sum below stays under
    /// 0x100 (the high bits are cleared first), so no byte carries into the next.
    @inline(__always) static func identifierBytes(_ w: UInt64) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let low = w & ~highs
        let lower = low | (0x20 &* ones)
        // High bit of each byte set when the byte is at least the bound.
        let letter = (lower &+ (0x80 - 0x61) &* ones) & ~(lower &+ (0x80 - 0x7b) &* ones)
        let digit = (low &+ (0x80 - 0x30) &* ones) & ~(low &+ (0x80 - 0x3a) &* ones)
        let e = low ^ (0x5f &* ones)
        let underscore = ~(((e & ~highs) &+ ~highs) | e)
        let identifier = (letter | digit | underscore) & ~w & highs
        let other = ~identifier & highs
        return other == 0 ? 8 : other.trailingZeroBitCount >> 3
    }

    /// The keyword an identifier-shaped word is, without building a string: its bytes, with
    /// letters lower-cased (`| 0x20`), packed little-endian into a `UInt64`.
    static func keyword(of word: some Collection<UInt8>) -> Keyword? {
        guard word.count <= 8 else { return nil }
        var key: UInt64 = 0, shift: UInt64 = 0
        for c in word {
            key |= UInt64(c | 0x20) &<< shift
            shift &+= 8
        }
        return keyword(packed: key)
    }

    /// Keyword lookup on the lower-cased word packed little-endian into a `UInt64`: a perfect
    /// hash of the 24 keywords (multiply, keep the top five bits) picks the one candidate, which
    /// one comparison confirms, instead of comparing with every keyword in turn.
    @inline(__always) static func keyword(packed key: UInt64) -> Keyword? {
        switch (key &* 0x060e_07ab_a5cb_1af5) >> 59 {
        case 1: key == 0x7463_6e69_7473_6964 ? .distinct : nil
        case 2: key == 0x6d6f_7266 ? .from : nil
        case 3: key == 0x74_696d_696c ? .limit : nil
        case 5: key == 0x74_6f6e ? .not : nil
        case 6: key == 0x6575_7274 ? .true : nil
        case 7: key == 0x6e_6565_7774_6562 ? .between : nil
        case 10: key == 0x64_6e61 ? .and : nil
        case 11: key == 0x7463_656c_6573 ? .select : nil
        case 12: key == 0x65_7265_6877 ? .where : nil
        case 13: key == 0x72_6564_726f ? .order : nil
        case 14: key == 0x6e_6961_6c70_7865 ? .explain : nil
        case 15: key == 0x65_736c_6166 ? .false : nil
        case 16: key == 0x6e69 ? .in : nil
        case 17: key == 0x65_636e_6973 ? .since : nil
        case 18: key == 0x63_7361 ? .asc : nil
        case 19: key == 0x6c_6974_6e75 ? .until : nil
        case 21: key == 0x676e_6976_6168 ? .having : nil
        case 23: key == 0x6373_6564 ? .desc : nil
        case 24: key == 0x6567_6170 ? .page : nil
        case 25: key == 0x656e_6f7a_656d_6974 ? .timezone : nil
        case 26: key == 0x7465_7366_666f ? .offset : nil
        case 27: key == 0x726f ? .or : nil
        case 30: key == 0x7962 ? .by : nil
        case 31: key == 0x70_756f_7267 ? .group : nil
        default: nil
        }
    }

    // MARK: Numbers, durations, dates

    /// An integer, decimal, duration, date or date-time starting at a digit or `-digit`.
    mutating func number(_ start: Int) -> RawToken {
        let n = b.count
        let negative = b[i] == 45
        if negative { i += 1 }
        let digitsStart = i
        while i < n, isDigit(b[i]) { i += 1 }
        let digitsEnd = i
        // A date: consume everything date-like, then validate strictly.
        if !negative, i + 1 < n, b[i] == 45, isDigit(b[i + 1]) {
            while i < n, isDateByte(b[i]) { i += 1 }
            while i < n, isIdentifierContinue(b[i]) || b[i] >= 0x80 { i += 1 }
            switch DateScanner.parse(b, start, i) {
            case .success(let date):
                return RawToken(kind: date.time == nil ? .date : .dateTime, start: start, end: i)
            case .failure(let error):
                report(.invalidDate, "invalid date '\(text(start, i))': \(error)", start, i)
                return RawToken(kind: .error, start: start, end: i)
            }
        }
        var kind = TokenKind.integer
        if i + 1 < n, b[i] == 46, isDigit(b[i + 1]) {
            i += 1
            while i < n, isDigit(b[i]) { i += 1 }
            kind = .decimal
        }
        let suffixStart = i
        while i < n, isIdentifierContinue(b[i]) || b[i] >= 0x80 { i += 1 }
        if suffixStart == i { return RawToken(kind: kind, start: start, end: i) }
        if kind == .integer, !negative, digitsEnd > digitsStart, isDurationUnit(suffixStart, i) {
            return RawToken(kind: .duration, start: start, end: i)
        }
        let suffix = text(suffixStart, i)
        var hints: [String] = []
        if kind == .integer, !negative, let unit = DurationUnit(rawValue: suffix.lowercased()) {
            hints.append("duration units are lower case: did you mean '\(text(start, suffixStart))\(unit.rawValue)'?")
        } else {
            hints.append("durations use the units m h d w mo y (e.g. '30d'); quote a text value: '\(text(start, i))'")
        }
        report(.invalidNumber, "invalid number '\(text(start, i))'", start, i, hints: hints)
        return RawToken(kind: .error, start: start, end: i)
    }

    /// `$` and an amount (`$100`, `$49.90`); `i` is past the `$`. Anything glued after the digits
    /// (`$1,200` is `$1` then a comma; `$5k`) makes the whole run an error with a hint.
    mutating func money(_ start: Int) -> RawToken {
        let n = b.count
        while i < n, isDigit(b[i]) { i += 1 }
        if i + 1 < n, b[i] == 46, isDigit(b[i + 1]) {
            i += 1
            while i < n, isDigit(b[i]) { i += 1 }
        }
        let end = i
        while i < n, isIdentifierContinue(b[i]) || b[i] == 46 || b[i] >= 0x80 { i += 1 }
        guard i == end else {
            report(.invalidNumber, "invalid amount '\(text(start, i))'", start, i,
                   hints: ["write an amount in dollars as $49.90 or 49.90 usd"])
            return RawToken(kind: .error, start: start, end: i)
        }
        return RawToken(kind: .money, start: start, end: end)
    }

    /// `m h d w y` or `mo`, compared on bytes (the hot path of durations).
    @inline(__always) func isDurationUnit(_ s: Int, _ e: Int) -> Bool {
        if e - s == 1 {
            let c = b[s]
            return c == 109 || c == 104 || c == 100 || c == 119 || c == 121
        }
        return e - s == 2 && b[s] == 109 && b[s + 1] == 111
    }

    @inline(__always) func isDateByte(_ c: UInt8) -> Bool {
        isDigit(c) || c == 45 || c == 58 || c == 43 || c == 46 || c == 84 || c == 116 || c == 90 || c == 122
    }

    // MARK: Quoted tokens

    /// A string or quoted identifier; a doubled quote stands for one quote character.
    mutating func quoted(_ start: Int, quote: UInt8, kind: TokenKind) -> RawToken {
        let n = b.count
        while i < n {
            if b[i] == quote {
                if i + 1 < n, b[i + 1] == quote { i += 2; continue }
                i += 1
                return RawToken(kind: kind, start: start, end: i)
            }
            i += 1
        }
        // Underline the opening quote up to the end of its line, so the caret stays readable.
        var lineEnd = start + 1
        while lineEnd < n, b[lineEnd] != 10, b[lineEnd] != 13 { lineEnd += 1 }
        let q = String(UnicodeScalar(quote))
        if kind == .quotedIdentifier {
            report(.unterminatedQuotedIdentifier, "unterminated quoted name: expected a closing \(q), found end of input",
                   start, lineEnd, hints: ["write a back quote inside a quoted name as ``"])
        } else {
            report(.unterminatedString, "unterminated string: expected a closing \(q), found end of input",
                   start, lineEnd, hints: ["write a quote inside a string by doubling it: \(q)\(q)"])
        }
        return RawToken(kind: .error, start: start, end: n)
    }

    // MARK: Bad input

    /// An error token for a character that starts no token, or a word containing non-ASCII letters.
    mutating func stray(_ start: Int) -> RawToken {
        let n = b.count
        if b[start] < 0x80 && !isIdentifierStart(b[start]) {
            // One ASCII character (i already points past it).
            let shown = b[start] >= 32 && b[start] < 127 ? "'\(text(start, start + 1))'"
                : "U+\(String(b[start], radix: 16, uppercase: true).leftPadded(4))"
            var hints: [String] = []
            if b[start] == 33 { hints.append("'not equal' is written '!=' or '<>'") }
            if b[start] == 92 {
                // psql's backslash commands: DubQL's are dot-commands.
                let next = start + 1 < n ? b[start + 1] : 0
                switch next {
                case UInt8(ascii: "d"): hints.append("psql's \\d is .fields here (.fields clicks for one event)")
                case UInt8(ascii: "x"): hints.append("psql's \\x is .mode line here (one field per line; .mode table goes back)")
                case UInt8(ascii: "q"): hints.append("psql's \\q is .quit here")
                case UInt8(ascii: "o"): hints.append("psql's \\o is .output FILE here")
                case UInt8(ascii: "i"): hints.append("psql's \\i is .read FILE here")
                default: break
                }
                hints.append("shell commands start with '.': .help lists them")
            }
            // `&&` and `||`: one error for the pair, pointing at the keyword.
            if (b[start] == 38 || b[start] == 124), start + 1 < n, b[start + 1] == b[start] {
                i = start + 2
                let word = b[start] == 38 ? "AND" : "OR"
                report(.strayCharacter, "unexpected '\(text(start, i))'", start, i, hints: ["write \(word)"])
                return RawToken(kind: .error, start: start, end: i)
            }
            // `US-CA`, `America/New_York`, `a@b.c`: a value glued to the character wants quotes.
            var s = start, e = start + 1
            while s > 0, isValueByte(b[s - 1]) { s -= 1 }
            while e < n, isValueByte(b[e]) { e += 1 }
            if e - s > 1 && b[start] != 33 {
                let word = text(s, e)
                hints.append("to use '\(word)' as a value, quote it: \(Printer.quoted(word))")
            }
            report(.strayCharacter, "unexpected character \(shown)", start, start + 1, hints: hints)
            return RawToken(kind: .error, start: start, end: start + 1)
        }
        // A run of letters, digits and non-ASCII characters: report the first non-ASCII character.
        i = start
        while i < n, isIdentifierContinue(b[i]) || b[i] >= 0x80 { i += 1 }
        var first = start
        while first < i, b[first] < 0x80 { first += 1 }
        var firstEnd = first + 1
        while firstEnd < i, b[firstEnd] & 0xC0 == 0x80 { firstEnd += 1 }
        let word = text(start, i)
        report(.strayCharacter, "unexpected character '\(text(first, firstEnd))' in '\(word)'", first, firstEnd,
               hints: ["unquoted names and values are ASCII; quote the text: '\(word)'"])
        return RawToken(kind: .error, start: start, end: i)
    }

    /// Characters that people glue into unquoted values (`dub.sh`, `US-CA`, `a/b`, `x@y`).
    func isValueByte(_ c: UInt8) -> Bool {
        isIdentifierContinue(c) || c == 46 || c == 45 || c == 47 || c == 58 || c == 64 || c == 43 || c >= 0x80
    }

    func text(_ s: Int, _ e: Int) -> String {
        Lexer.string(b, s, e)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
