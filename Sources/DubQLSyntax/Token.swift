// Tokens: what the lexer makes of the bytes, each with a half-open byte span.

/// The reserved words of DubQL, matched case-insensitively. The set is kept minimal so that field
/// names such as `key`, `url` or `domain` never clash with it.
public enum Keyword: String, CaseIterable, Sendable, Codable {
    case select = "SELECT", from = "FROM", `where` = "WHERE"
    case and = "AND", or = "OR", not = "NOT", `in` = "IN"
    case since = "SINCE", until = "UNTIL", between = "BETWEEN", timezone = "TIMEZONE"
    case order = "ORDER", by = "BY", asc = "ASC", desc = "DESC"
    case limit = "LIMIT", offset = "OFFSET", page = "PAGE"
    case explain = "EXPLAIN", `true` = "TRUE", `false` = "FALSE"
    case group = "GROUP", having = "HAVING", distinct = "DISTINCT"

    /// Looks a word up case-insensitively (`select`, `Select` and `SELECT` are all ``select``).
    public init?(word: some StringProtocol) {
        self.init(rawValue: word.uppercased())
    }
}

/// The unit of a duration literal such as `30d`.
public enum DurationUnit: String, CaseIterable, Sendable, Codable {
    case minutes = "m", hours = "h", days = "d", weeks = "w", months = "mo", years = "y"
}

/// The kinds of token of DubQL (see `Grammar/DubQL.ebnf`).
public enum TokenKind: Hashable, Sendable {
    case keyword(Keyword)
    /// `[A-Za-z_][A-Za-z0-9_]*`, not a keyword.
    case identifier
    /// `` `anything` `` with ``` `` ``` as the escaped back quote.
    case quotedIdentifier
    /// `'text'` with `''` as the escaped quote.
    case singleQuotedString
    /// `"text"` with `""` as the escaped quote; a string in value position.
    case doubleQuotedString
    /// `42`
    case integer
    /// `49.90`
    case decimal
    /// A money amount in US dollars: `$` glued to an integer or decimal (`$100`, `$49.90`).
    case money
    /// An integer glued to a unit: `90m 1h 24h 7d 2w 3mo 1y`.
    case duration
    /// `2024-01-01`
    case date
    /// `2024-01-01T10:30:00Z`, `2024-01-01T10:30:00+02:00`, optional fraction of a second.
    case dateTime
    case equal, notEqual, lessGreater, less, lessEqual, greater, greaterEqual // = != <> < <= > >=
    case leftParen, rightParen, leftBracket, rightBracket
    case comma, dot, semicolon, star
    /// Bad input (stray character, unterminated string, invalid date). The lexer also emits a diagnostic.
    case error
    case endOfInput
}

/// A token: its kind, its span, and its decoded value where it has one.
public struct Token: Hashable, Sendable {
    public var kind: TokenKind
    public var span: Span
    /// The decoded text for strings and quoted identifiers (quotes removed, escapes resolved);
    /// otherwise the source text. Empty for punctuation and end of input.
    public var text: String

    public init(kind: TokenKind, span: Span, text: String) {
        self.kind = kind
        self.span = span
        self.text = text
    }
}
