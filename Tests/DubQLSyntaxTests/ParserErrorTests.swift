// Parser and lexer errors: code, message and position (marked inline with « »), and recovery.

import Testing
@testable import DubQLSyntax

/// Removes the `«` `»` markers from `marked` and returns the text and the marked byte span.
func unmark(_ marked: String) -> (text: String, span: Span) {
    var bytes: [UInt8] = []
    var start = 0, end = 0
    for scalar in marked.unicodeScalars {
        switch scalar {
        case "«": start = bytes.count
        case "»": end = bytes.count
        default: bytes += Array(String(scalar).utf8)
        }
    }
    return (String(decoding: bytes, as: UTF8.self), Span(start: start, end: end))
}

struct ErrorCase: CustomTestStringConvertible, Sendable {
    /// The input with the span of the first error marked by « ».
    var marked: String
    var code: DiagnosticCode
    /// A part of the first error's message.
    var message: String
    /// A part of one of its hints, when one is expected.
    var hint: String? = nil
    var testDescription: String { marked }
}

@Suite("Parser: errors")
struct ParserErrorTests {
    static let cases: [ErrorCase] = [
        .init(marked: "«SELEC» clicks", code: .unexpectedToken, message: "expected 'SELECT', found 'SELEC'",
              hint: "did you mean 'SELECT'?"),
        .init(marked: "SELECT clicks «WHER» country = US", code: .unexpectedToken,
              message: "expected a clause", hint: "did you mean 'WHERE'?"),
        .init(marked: "SELECT clicks WHERE country = «2024-13-45»", code: .invalidDate,
              message: "invalid date '2024-13-45': month 13"),
        .init(marked: "SELECT clicks SINCE «2023-02-29»", code: .invalidDate, message: "day 29 does not exist in February 2023"),
        .init(marked: "SELECT clicks WHERE city = «'San Jose»", code: .unterminatedString, message: "unterminated string"),
        .init(marked: "SELECT clicks WHERE «`plan = 1»", code: .unterminatedQuotedIdentifier, message: "unterminated quoted name"),
        .init(marked: "SELECT clicks «/*» never closed", code: .unterminatedComment, message: "unterminated block comment"),
        .init(marked: "SELECT clicks WHERE city = Z«ü»rich", code: .strayCharacter, message: "unexpected character 'ü' in 'Zürich'",
              hint: "'Zürich'"),
        .init(marked: "SELECT clicks WHERE a «#» 1", code: .strayCharacter, message: "unexpected character '#'"),
        .init(marked: "SELECT clicks WHERE a = «12abc»", code: .invalidNumber, message: "invalid number '12abc'"),
        .init(marked: "SELECT clicks SINCE «30D»", code: .invalidNumber, message: "invalid number '30D'", hint: "'30d'"),
        .init(marked: "SELECT clicks LIMIT 1 «LIMIT» 2", code: .duplicateClause, message: "duplicate LIMIT clause"),
        .init(marked: "SELECT clicks SINCE 1d «BETWEEN» 2024-01-01 AND 2024-01-02", code: .duplicateClause,
              message: "duplicate time clause"),
        .init(marked: "SELECT clicks WHERE a = 1 «WHERE» b = 2", code: .duplicateClause, message: "duplicate WHERE clause"),
        .init(marked: "SELECT clicks WHERE country «US»", code: .unexpectedToken,
              message: "expected an operator (=, !=, <, <=, >, >=, IN) after 'country', found 'US'"),
        .init(marked: "SELECT clicks WHERE country =«»", code: .unexpectedToken, message: "expected a value, found end of input"),
        .init(marked: "SELECT clicks WHERE country = «IN»", code: .unexpectedToken, message: "expected a value, found keyword 'IN'"),
        .init(marked: "SELECT clicks WHERE (a = 1«»", code: .unexpectedToken, message: "expected ')', found end of input"),
        .init(marked: "SELECT clicks WHERE a = 1«)»", code: .unexpectedToken, message: "expected AND, OR, a clause (WHERE"),
        .init(marked: "SELECT clicks WHERE country IN (US,«)»", code: .unexpectedToken, message: "expected a value, found ')'"),
        .init(marked: "SELECT clicks WHERE country IN (US «DE»)", code: .unexpectedToken,
              message: "expected ',' or ')' in the IN list, found 'DE'"),
        .init(marked: "SELECT clicks WHERE country NOT «=» US", code: .unexpectedToken, message: "expected 'IN' after 'country NOT'"),
        .init(marked: "SELECT clicks WHERE «AND» a = 1", code: .unexpectedToken, message: "expected a condition"),
        .init(marked: "SELECT clicks SINCE «lastweek»", code: .invalidInstant, message: "found 'lastweek'"),
        .init(marked: "SELECT clicks SINCE «ydt»", code: .invalidInstant, message: "found 'ydt'", hint: "did you mean 'ytd'?"),
        .init(marked: "SELECT clicks SINCE «30»", code: .invalidInstant, message: "found '30'", hint: "'30d'"),
        .init(marked: "SELECT clicks SINCE «'2024-13-01'»", code: .invalidInstant, message: "invalid instant '2024-13-01'"),
        .init(marked: "SELECT clicks «UNTIL» 1d", code: .unexpectedToken, message: "expected 'SINCE' before 'UNTIL'"),
        .init(marked: "SELECT clicks BETWEEN 2024-01-01 «2024-01-02»", code: .unexpectedToken, message: "expected 'AND'"),
        .init(marked: "SELECT clicks LIMIT «ten»", code: .unexpectedToken, message: "expected an integer after 'LIMIT', found 'ten'"),
        .init(marked: "SELECT clicks LIMIT «99999999999999999999»", code: .integerOutOfRange, message: "too large"),
        .init(marked: "SELECT clicks ORDER «timestamp»", code: .unexpectedToken, message: "expected 'BY'"),
        .init(marked: "SELECT clicks TIMEZONE «;»", code: .unexpectedToken, message: "expected a time zone"),
        .init(marked: "SELECT country, city «clicks»", code: .unexpectedToken, message: "expected 'FROM', found 'clicks'"),
        .init(marked: "SELECT«» ", code: .unexpectedToken, message: "expected an event name"),
        .init(marked: "SELECT clicks «SELECT» leads", code: .unexpectedToken, message: "expected ';' before the next statement"),
        .init(marked: "SELECT clicks WHERE «``» = 1", code: .emptyName, message: "expected a name between the back quotes"),
        .init(marked: "SELECT clicks WHERE a «!» b", code: .strayCharacter, message: "unexpected character '!'", hint: "'!='"),
        .init(marked: "SELECT clicks WHERE domain = dub«.»sh", code: .unexpectedToken, message: "expected AND, OR, a clause",
              hint: "quote it: 'dub.sh'"),
        .init(marked: "SELECT clicks WHERE domain IN (dub«.»sh, 'git.new')", code: .unexpectedToken,
              message: "expected ',' or ')' in the IN list, found '.'", hint: "quote it: 'dub.sh'"),
        .init(marked: "SELECT clicks WHERE region = US«-»CA", code: .strayCharacter, message: "unexpected character '-'",
              hint: "quote it: 'US-CA'"),
        .init(marked: "SELECT clicks WHERE a = 1 «ADN» b = 2", code: .unexpectedToken, message: "found 'ADN'",
              hint: "did you mean 'AND'?"),
        .init(marked: "SELECT country «FORM» clicks", code: .unexpectedToken, message: "found 'FORM'", hint: "did you mean 'FROM'?"),
        .init(marked: "SELECT clicks «LIMTI» 5", code: .unexpectedToken, message: "found 'LIMTI'", hint: "did you mean 'LIMIT'?"),
        // The one "did you mean" rule: a prefix of three letters or more is near; so are three
        // edits in a long word, but nothing in a word longer than any name.
        .init(marked: "SELECT clicks «TIMEZ» UTC", code: .unexpectedToken, message: "found 'TIMEZ'", hint: "did you mean 'TIMEZONE'?"),
        .init(marked: "SELECT clicks «TIMEZONEXYZ» UTC", code: .unexpectedToken, message: "found 'TIMEZONEXYZ'",
              hint: "did you mean 'TIMEZONE'?"),
        .init(marked: "SELECT clicks WHERE country = US«,»DE", code: .unexpectedToken, message: "found ','", hint: "use IN"),
        .init(marked: "SELECT clicks LIMIT 10«,» 20", code: .unexpectedToken, message: "found ','", hint: "LIMIT 10 OFFSET n"),
        .init(marked: "SELECT clicks WHERE country =«=» US", code: .unexpectedToken, message: "expected a value, found '='",
              hint: "one '='"),
        .init(marked: "SELECT clicks WHERE a = 1 «&&» b = 2", code: .strayCharacter, message: "unexpected '&&'", hint: "write AND"),
        .init(marked: "SELECT clicks SINCE «30 days»", code: .invalidInstant, message: "found '30 days'", hint: "'30d'"),
    ]

    @Test(arguments: cases)
    func firstError(_ c: ErrorCase) throws {
        let (text, span) = unmark(c.marked)
        let result = Parser.parse(text)
        let firstError = result.diagnostics.first(where: \.isError)
        let first = try #require(firstError)
        #expect(first.code == c.code)
        #expect(first.message.contains(c.message), "\(first.message)")
        #expect(first.span == span, "\(first.span) != \(span)")
        if let hint = c.hint {
            #expect(first.hints.contains { $0.contains(hint) }, "\(first.hints)")
        }
        for d in result.diagnostics {
            #expect(d.span.start >= 0 && d.span.end <= text.utf8.count)
        }
    }

    @Test func duplicateClauseNotesTheFirstOne() throws {
        let result = Parser.parse("SELECT clicks LIMIT 1 LIMIT 2")
        let d = try #require(result.diagnostics.first)
        #expect(d.notes.first?.span == Span(start: 14, end: 21))
        #expect(result.script.statements.first?.select.limit?.value == 1)
    }

    @Test func recoversToReportSeveralErrors() {
        let text = "SELECT clicks WHERE country = AND city = 'x' LIMIT ten WHER; SELEC leads; SELECT sales SINCE 30x"
        let result = Parser.parse(text)
        let messages = result.diagnostics.map(\.message)
        #expect(messages.count == 5, "\(messages)")
        #expect(messages.first == "expected a value, found keyword 'AND'")
        #expect(result.script.statements.map(\.select.event.text) == ["clicks", "sales"])
    }

    @Test func oneMistakeIsReportedOnce() {
        for text in ["SELECT clicks WHERE domain IN (dub.sh, git.new) LIMIT 5", "SELECT clicks ORDER timestamp LIMIT 5",
                     "SELECT clicks LIMIT x OFFSET 2", "SELECT clicks TIMEZONE ; SELECT leads",
                     "SELECT clicks SINCE 30 days LIMIT 5", "SELECT clicks WHERE a == 1 AND b = 2", "SELECT clicks WHERE a = 1 || b = 2"] {
            #expect(Parser.parse(text).diagnostics.count == 1, "\(text): \(Parser.parse(text).diagnostics)")
        }
    }

    @Test func missingOperandInParenthesesIsOneError() {
        #expect(Parser.parse("SELECT clicks WHERE (").diagnostics.map(\.message) == [
            "expected a condition (a field such as country, NOT, or '('), found end of input"])
        #expect(Parser.parse("SELECT clicks WHERE (a = 1").diagnostics.map(\.message) == ["expected ')', found end of input"])
    }

    @Test func stopsAfterTenErrors() {
        let text = String(repeating: "SELEC clicks; ", count: 30)
        let result = Parser.parse(text)
        #expect(result.diagnostics.filter(\.isError).count == Parser.maximumErrors)
        #expect(result.diagnostics.last?.code == .tooManyErrors)
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let n = 100_000
        let text = "SELECT clicks WHERE " + String(repeating: "(", count: n) + "a = 1" + String(repeating: ")", count: n)
        let result = Parser.parse(text)
        #expect(result.diagnostics.map(\.code) == [.nestingTooDeep])
        let nots = "SELECT clicks WHERE " + String(repeating: "NOT ", count: n) + "a"
        #expect(Parser.parse(nots).diagnostics.map(\.code) == [.nestingTooDeep])
    }

    /// 10 MB of script: many ordinary statements and some with very long strings (cheap to
    /// lex, so the test stays fast in a debug build; speed is the benchmark's business).
    @Test func tenMegabyteScriptParses() {
        let statement = "SELECT sales WHERE country IN (US, DE) AND NOT browser = Chrome SINCE 30d LIMIT 10;\n"
        let long = "SELECT leads WHERE metadata.note = '" + String(repeating: "x", count: 100_000) + "';\n"
        let text = String(repeating: statement, count: 10_000) + String(repeating: long, count: 92)
        #expect(text.utf8.count > 10_000_000)
        let result = Parser.parse(text)
        #expect(result.diagnostics.isEmpty)
        #expect(result.script.statements.count == 10_092)
    }
}
