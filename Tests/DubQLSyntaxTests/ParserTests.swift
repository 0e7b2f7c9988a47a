// Parser tests: every query prints to its canonical form, which re-parses to the same tree.

import Testing
@testable import DubQLSyntax

/// Parses `text`, requiring no diagnostics, and checks the round trip
/// `print(parse(text)) == canonical` and `parse(print(ast)) == ast` (spans erased).
func roundTrip(_ text: String, _ canonical: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let result = Parser.parse(text)
    #expect(result.diagnostics.isEmpty, "\(result.diagnostics)", sourceLocation: sourceLocation)
    let printed = Printer.print(result.script)
    #expect(printed == canonical, sourceLocation: sourceLocation)
    let again = Parser.parse(printed)
    #expect(again.diagnostics.isEmpty, "\(again.diagnostics)", sourceLocation: sourceLocation)
    #expect(again.script.erasingSpans() == result.script.erasingSpans(), sourceLocation: sourceLocation)
    #expect(Printer.print(again.script) == printed, "printing is not idempotent", sourceLocation: sourceLocation)
}

struct CanonicalCase: CustomTestStringConvertible, Sendable {
    var input: String
    var canonical: String
    var testDescription: String { input }
}

@Suite("Parser: canonical forms")
struct ParserCanonicalTests {
    static let cases: [CanonicalCase] = [
        .init(input: "SELECT sales WHERE country IN (US) AND NOT browser = Chrome SINCE 30d",
              canonical: "SELECT sales WHERE country IN (US) AND NOT browser = Chrome SINCE 30d;"),
        .init(input: "select clicks", canonical: "SELECT clicks;"),
        .init(input: "SELECT * FROM leads", canonical: "SELECT * FROM leads;"),
        .init(input: "SELECT country, city FROM clicks LIMIT 5",
              canonical: "SELECT country, city FROM clicks LIMIT 5;"),
        .init(input: "SELECT clicks LIMIT 10 WHERE a = 1 PAGE 2 SINCE 7d TIMEZONE UTC ORDER BY timestamp ASC",
              canonical: "SELECT clicks WHERE a = 1 SINCE 7d TIMEZONE 'UTC' ORDER BY timestamp ASC LIMIT 10 PAGE 2;"),
        .init(input: "SELECT clicks LIMIT 10 OFFSET 20", canonical: "SELECT clicks LIMIT 10 OFFSET 20;"),
        .init(input: "SELECT clicks ORDER BY timestamp", canonical: "SELECT clicks ORDER BY timestamp;"),
        .init(input: "SELECT clicks ORDER BY timestamp desc", canonical: "SELECT clicks ORDER BY timestamp DESC;"),
        .init(input: "SELECT clicks WHERE (a = 1 OR b = 2) AND c = 3",
              canonical: "SELECT clicks WHERE (a = 1 OR b = 2) AND c = 3;"),
        .init(input: "SELECT clicks WHERE (a = 1 AND b = 2) OR c = 3",
              canonical: "SELECT clicks WHERE a = 1 AND b = 2 OR c = 3;"),
        .init(input: "SELECT clicks WHERE a AND (b AND (c AND d))", canonical: "SELECT clicks WHERE a AND b AND c AND d;"),
        .init(input: "SELECT clicks WHERE ((a OR b)) OR c", canonical: "SELECT clicks WHERE a OR b OR c;"),
        .init(input: "SELECT clicks WHERE NOT (a OR b)", canonical: "SELECT clicks WHERE NOT (a OR b);"),
        .init(input: "SELECT clicks WHERE NOT NOT root", canonical: "SELECT clicks WHERE NOT NOT root;"),
        .init(input: "SELECT clicks WHERE NOT (NOT qr)", canonical: "SELECT clicks WHERE NOT NOT qr;"),
        .init(input: "SELECT clicks WHERE country NOT IN ('US', \"DE\", fr)",
              canonical: "SELECT clicks WHERE country NOT IN (US, DE, fr);"),
        .init(input: "SELECT clicks WHERE a <> 1 AND b != 2 AND c < 3 AND d <= 4 AND e > 5 AND f >= 6.5",
              canonical: "SELECT clicks WHERE a != 1 AND b != 2 AND c < 3 AND d <= 4 AND e > 5 AND f >= 6.5;"),
        .init(input: "SELECT clicks WHERE city = 'San Jose' AND os = \"Mac OS\" AND x = 'it''s'",
              canonical: "SELECT clicks WHERE city = 'San Jose' AND os = 'Mac OS' AND x = 'it''s';"),
        .init(input: "SELECT clicks WHERE a = 'true' AND b = true AND c = 'and' AND d = 7d AND e = ''",
              canonical: "SELECT clicks WHERE a = 'true' AND b = TRUE AND c = 'and' AND d = '7d' AND e = '';"),
        .init(input: "SELECT clicks WHERE a = 'plain' AND b = -3 AND c = 049.90",
              canonical: "SELECT clicks WHERE a = plain AND b = -3 AND c = 049.90;"),
        .init(input: "SELECT leads WHERE metadata.plan = pro AND metadata['plan tier'] = gold AND metadata.`x``y` = 1",
              canonical: "SELECT leads WHERE metadata.plan = pro AND metadata.`plan tier` = gold AND metadata.`x``y` = 1;"),
        .init(input: "SELECT leads WHERE metadata.order = 1 AND `select` = 2",
              canonical: "SELECT leads WHERE metadata.`order` = 1 AND `select` = 2;"),
        .init(input: "SELECT clicks WHERE timestamp >= 2024-01-01T10:30:00.250+02:00 AND d = 2024-02-29",
              canonical: "SELECT clicks WHERE timestamp >= 2024-01-01T10:30:00.250+02:00 AND d = 2024-02-29;"),
        .init(input: "SELECT clicks BETWEEN 2024-01-01 AND '2024-01-31T23:59Z'",
              canonical: "SELECT clicks BETWEEN 2024-01-01 AND 2024-01-31T23:59:00Z;"),
        .init(input: "SELECT clicks SINCE '2024-01-01' UNTIL 1d", canonical: "SELECT clicks SINCE 2024-01-01 UNTIL 1d;"),
        .init(input: "SELECT clicks SINCE YTD", canonical: "SELECT clicks SINCE ytd;"),
        .init(input: "SELECT clicks SINCE all_unfiltered", canonical: "SELECT clicks SINCE all_unfiltered;"),
        .init(input: "SELECT clicks SINCE 90m", canonical: "SELECT clicks SINCE 90m;"),
        .init(input: "SELECT clicks SINCE 3mo TIMEZONE 'America/New_York'",
              canonical: "SELECT clicks SINCE 3mo TIMEZONE 'America/New_York';"),
        .init(input: "explain select sales where saleType = new", canonical: "EXPLAIN SELECT sales WHERE saleType = new;"),
        .init(input: "SELECT clicks; SELECT leads;;", canonical: "SELECT clicks;\nSELECT leads;"),
        .init(input: "-- a comment\nSELECT /* inline */ clicks -- trailing\n", canonical: "SELECT clicks;"),
        .init(input: "", canonical: ""),
        .init(input: "SELECT clicks WHERE root OR qr", canonical: "SELECT clicks WHERE root OR qr;"),
    ]

    @Test(arguments: cases)
    func canonical(_ c: CanonicalCase) {
        roundTrip(c.input, c.canonical)
    }

    /// `a0 OR (a1 AND (a2 OR (...)))`: a tree as deep as the limit allows prints and round-trips.
    @Test func deepestTreeRoundTrips() {
        let depth = Parser.maximumDepth
        var text = ""
        for i in 0..<depth { text += "a\(i) \(i % 2 == 0 ? "OR" : "AND") (" }
        text += "z" + String(repeating: ")", count: depth)
        let result = Parser.parse("SELECT clicks WHERE " + text)
        #expect(result.diagnostics.isEmpty)
        let printed = Printer.print(result.script)
        // Only each OR inside an AND needs parentheses.
        #expect(printed.count(where: { $0 == "(" }) == depth / 2 - 1)
        #expect(Parser.parse(printed).script.erasingSpans() == result.script.erasingSpans())
        let tooDeep = Parser.parse("SELECT clicks WHERE (" + text + ")")
        #expect(tooDeep.diagnostics.map(\.code) == [.nestingTooDeep])
    }

    @Test func nestingUpToTheLimitParses() {
        let depth = Parser.maximumDepth
        let text = "SELECT clicks WHERE " + String(repeating: "NOT (", count: depth / 2) + "a"
            + String(repeating: ")", count: depth / 2)
        let result = Parser.parse(text)
        #expect(result.diagnostics.isEmpty)
        let printed = Printer.print(result.script)
        #expect(Parser.parse(printed).script.erasingSpans() == result.script.erasingSpans())
    }
}
