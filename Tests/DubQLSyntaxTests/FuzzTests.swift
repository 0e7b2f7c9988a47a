// Bad input never crashes or hangs the front end, and every diagnostic points inside the input.

import DubQLTestSupport
import Testing
@testable import DubQLSyntax

/// Runs every stage of the front end on `text` and checks what must hold for any input.
func checkInvariants(_ text: String, _ context: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let source = SourceFile(name: "fuzz", text: text)
    let count = source.bytes.count
    let (tokens, _) = Lexer.tokenize(source)
    var previousEnd = 0
    for t in tokens {
        #expect(t.span.start >= previousEnd && t.span.end <= count, "token \(t) in \(context)", sourceLocation: sourceLocation)
        previousEnd = t.span.end
    }
    var previousComment = 0
    for c in Lexer.comments(in: source.bytes) {
        #expect(c.start >= previousComment && c.end <= count, "comment \(c) in \(context)", sourceLocation: sourceLocation)
        previousComment = c.end
    }
    let result = Parser.parse(source)
    for d in result.diagnostics {
        let spans = [d.span] + d.notes.compactMap(\.span)
        for s in spans {
            #expect(s.start >= 0 && s.end <= count && s.start <= s.end, "\(d) in \(context)", sourceLocation: sourceLocation)
        }
    }
    #expect(result.diagnostics.filter(\.isError).count <= Parser.maximumErrors, sourceLocation: sourceLocation)
    _ = DiagnosticRenderer.render(result.diagnostics, in: source, color: true)
    _ = Completeness.check(text)
    if let formatted = ScriptFormatter.format(source).text {
        #expect(ScriptFormatter.format(SourceFile(name: "again", text: formatted)).text == formatted,
                "\(context): fmt is not idempotent", sourceLocation: sourceLocation)
    }
    let printed = Printer.print(result.script)
    if !result.hasErrors {
        let again = Parser.parse(printed)
        #expect(!again.hasErrors, "\(context): printed \(printed)", sourceLocation: sourceLocation)
        #expect(again.script.erasingSpans() == result.script.erasingSpans(), "\(context)", sourceLocation: sourceLocation)
    }
}

@Suite("Fuzz")
struct FuzzTests {
    static let validQueries = [
        "SELECT sales WHERE country IN (US) AND NOT browser = Chrome SINCE 30d",
        "SELECT clicks WHERE (device = Mobile OR os = 'Mac OS') AND NOT root SINCE 7d UNTIL 1d LIMIT 50",
        "EXPLAIN SELECT country, city FROM clicks WHERE metadata['plan tier'] = gold ORDER BY timestamp ASC",
        "SELECT leads BETWEEN 2024-01-01 AND '2024-01-31T23:59:59Z' TIMEZONE 'America/New_York' PAGE 2;",
        "SELECT * FROM sales WHERE sale.amount >= 49.90 AND customer.country NOT IN (US, \"DE\") OFFSET 10",
        "-- report\nSELECT clicks /* all */ WHERE trigger = qr SINCE ytd; SELECT leads LIMIT 1",
    ]

    static let tokenPool: [String] = Keyword.allCases.map(\.rawValue) + [
        "clicks", "sales", "country", "metadata", ".", "[", "]", "(", ")", ",", ";", "*", "=", "!=", "<>", "<", "<=",
        ">", ">=", "'US'", "\"Mac OS\"", "`plan tier`", "42", "-3", "49.90", "30d", "3mo", "2024-01-01",
        "2024-01-01T10:30:00Z", "2024-13-45", "'open", "`open", "/*", "--", "\n", "mtd", "all_unfiltered", "Zürich",
        "@", "!", "12abc", "99999999999999999999999", "``", "''",
    ]

    @Test(arguments: 0..<4)
    func randomBytes(_ seed: Int) {
        var random = SplitMix64(seed: UInt64(seed))
        let alphabet = Array("SELECTclicks WHERE=()'\"`-/*;,.[]<>!0123456789dmoTZ:\n\tü日".utf8) + [0, 0x7F, 0xC3, 0xFF, 0xE6]
        for i in 0..<750 {
            let length = Int.random(in: 0..<120, using: &random)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &random) ? alphabet.randomElement(using: &random) ?? 32 : UInt8.random(in: 0...255, using: &random)
            }
            checkInvariants(String(decoding: bytes, as: UTF8.self), "bytes seed \(seed) case \(i)")
        }
    }

    @Test(arguments: 0..<4)
    func randomTokenSequences(_ seed: Int) {
        var random = SplitMix64(seed: UInt64(100 + seed))
        for i in 0..<750 {
            let length = Int.random(in: 0..<30, using: &random)
            var text = Bool.random(using: &random) ? "SELECT clicks " : ""
            for _ in 0..<length {
                text += (FuzzTests.tokenPool.randomElement(using: &random) ?? "") + (Bool.random(using: &random) ? " " : "")
            }
            checkInvariants(text, "tokens seed \(seed) case \(i): \(text)")
        }
    }

    /// Drops, duplicates or swaps tokens of valid queries, several times over.
    @Test(arguments: 0..<4)
    func mutatedQueries(_ seed: Int) {
        var random = SplitMix64(seed: UInt64(200 + seed))
        for i in 0..<750 {
            let query = FuzzTests.validQueries[i % FuzzTests.validQueries.count]
            let source = SourceFile(name: "q", text: query)
            var pieces = Lexer.tokenize(source).tokens.dropLast().map { source.slice($0.span) }
            for _ in 0..<Int.random(in: 1...3, using: &random) where !pieces.isEmpty {
                let a = Int.random(in: 0..<pieces.count, using: &random)
                let b = Int.random(in: 0..<pieces.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: pieces.remove(at: a)
                case 1: pieces.insert(pieces[a], at: b)
                default: pieces.swapAt(a, b)
                }
            }
            let text = pieces.joined(separator: " ")
            checkInvariants(text, "mutation seed \(seed) case \(i): \(text)")
        }
    }
}
