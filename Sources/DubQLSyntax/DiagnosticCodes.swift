// The stable diagnostic codes of the lexer (DQL01xx) and the parser (DQL02xx), in one table.

extension DiagnosticCode {
    // MARK: - Lexical (DQL01xx)

    /// A character that starts no token (`/`, `@`, a non-ASCII letter outside quotes).
    public static let strayCharacter: DiagnosticCode = "DQL0101"
    /// A `'...'` or `"..."` string without its closing quote.
    public static let unterminatedString: DiagnosticCode = "DQL0102"
    /// A `` `...` `` identifier without its closing back quote.
    public static let unterminatedQuotedIdentifier: DiagnosticCode = "DQL0103"
    /// A date or date-time that is not a real calendar instant (`2024-13-45`).
    public static let invalidDate: DiagnosticCode = "DQL0104"
    /// A `/* ...` comment without `*/`.
    public static let unterminatedComment: DiagnosticCode = "DQL0105"
    /// Digits glued to letters that are no duration unit (`12abc`), or a malformed decimal.
    public static let invalidNumber: DiagnosticCode = "DQL0106"

    // MARK: - Syntax (DQL02xx)

    /// `expected X, found Y`.
    public static let unexpectedToken: DiagnosticCode = "DQL0201"
    /// A clause written twice in one statement.
    public static let duplicateClause: DiagnosticCode = "DQL0202"
    /// Conditions nested deeper than ``Parser/maximumDepth``.
    public static let nestingTooDeep: DiagnosticCode = "DQL0203"
    /// An integer literal that does not fit in 64 bits.
    public static let integerOutOfRange: DiagnosticCode = "DQL0204"
    /// An instant that is no duration, preset or date (`SINCE lastweek`, `SINCE '2024-13-01'`).
    public static let invalidInstant: DiagnosticCode = "DQL0205"
    /// A back-quoted name with nothing in it.
    public static let emptyName: DiagnosticCode = "DQL0206"
    /// More errors than ``Parser/maximumErrors``; the parser stopped.
    public static let tooManyErrors: DiagnosticCode = "DQL0207"
}
