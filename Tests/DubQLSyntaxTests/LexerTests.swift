// Lexer tests: token kinds, decoded texts and spans.

import Testing
@testable import DubQLSyntax

func kinds(_ text: String) -> [TokenKind] {
    Lexer.tokenize(SourceFile(name: "t", text: text)).tokens.map(\.kind).dropLast()
}

@Suite("Lexer")
struct LexerTests {
    @Test(arguments: Keyword.allCases)
    func keywordsAreCaseInsensitive(_ keyword: Keyword) {
        for spelling in [keyword.rawValue, keyword.rawValue.lowercased(), keyword.rawValue.prefix(1) + keyword.rawValue.dropFirst().lowercased()] {
            #expect(kinds(String(spelling)) == [.keyword(keyword)])
        }
        #expect(kinds(keyword.rawValue + "x") == [.identifier])
        #expect(kinds(keyword.rawValue + "_") == [.identifier])
    }

    static let tokenCases: [(String, [TokenKind])] = [
        ("country click.country", [.identifier, .identifier, .dot, .identifier]),
        ("`plan tier` 'San Jose' \"Mac OS\"", [.quotedIdentifier, .singleQuotedString, .doubleQuotedString]),
        ("42 -3 49.90 90m 1h 24h 7d 2w 3mo 1y", [.integer, .integer, .decimal, .duration, .duration, .duration, .duration, .duration, .duration, .duration]),
        ("2024-01-01 2024-01-01T10:30:00Z 2024-01-01T10:30:00+02:00 2024-01-01T10:30:00.250-05:30",
         [.date, .dateTime, .dateTime, .dateTime]),
        ("= != <> < <= > >=", [.equal, .notEqual, .lessGreater, .less, .lessEqual, .greater, .greaterEqual]),
        ("( ) [ ] , . ; *", [.leftParen, .rightParen, .leftBracket, .rightBracket, .comma, .dot, .semicolon, .star]),
        ("a -- comment\n/* block\n comment */ b", [.identifier, .identifier]),
        ("a--b", [.identifier]),
        ("a<=b", [.identifier, .lessEqual, .identifier]),
        ("'unterminated", [.error]),
        ("@", [.error]),
        ("Zürich x", [.error, .identifier]),
    ]

    @Test(arguments: tokenCases)
    func tokenKinds(_ text: String, _ expected: [TokenKind]) {
        #expect(kinds(text) == expected)
    }

    @Test func decodedTexts() {
        let (tokens, diagnostics) = Lexer.tokenize(SourceFile(name: "t", text: "'it''s' \"a\"\"b\" `x``y` word 7d ("))
        #expect(diagnostics.isEmpty)
        #expect(tokens.map(\.text) == ["it's", "a\"b", "x`y", "word", "7d", "", ""])
    }

    @Test func commentsAreFoundOutsideStrings() {
        let text = "a -- one\r\nb '-- no' /* two -- still */ `/* no */` c /* open"
        let source = SourceFile(name: "t", text: text)
        #expect(Lexer.comments(in: source.bytes).map { source.slice($0) } == ["-- one", "/* two -- still */", "/* open"])
    }

    @Test func spansAreHalfOpenByteRanges() {
        let (tokens, _) = Lexer.tokenize(SourceFile(name: "t", text: "'Zürich' = x"))
        #expect(tokens.map(\.span) == [Span(start: 0, end: 9), Span(start: 10, end: 11), Span(start: 12, end: 13),
                                       Span(at: 13)])
    }
}
