// The REPL's question: run the buffer at Enter, or wait for more?

import Testing
@testable import DubQLSyntax

@Suite("Completeness")
struct CompletenessTests {
    static let complete = [
        "SELECT clicks",
        "SELECT clicks;",
        "SELECT clicks WHERE root",
        "SELECT clicks WHERE country = US SINCE 30d",
        "SELECT clicks ORDER BY timestamp DESC",
        "SELECT clicks WHERE (a = 1 OR b = 2)",
        "SELECT clicks WHERE a = TRUE",
        "SELECT clicks WHERE (a = ;",
        "SELEC clicks",
        "SELECT clicks -- trailing comment",
        "SELECT clicks WHERE country = US )",
    ]

    @Test(arguments: complete)
    func isComplete(_ text: String) {
        #expect(Completeness.check(text) == .complete)
    }

    @Test(arguments: ["", "   \n", "-- only a comment", "/* block */"])
    func isEmpty(_ text: String) {
        #expect(Completeness.check(text) == .empty)
    }

    static let incomplete: [(String, String)] = [
        ("SELECT", "trailing 'SELECT'"),
        ("EXPLAIN", "trailing 'EXPLAIN'"),
        ("SELECT clicks WHERE", "trailing 'WHERE'"),
        ("SELECT clicks WHERE a = 1 AND", "trailing 'AND'"),
        ("SELECT clicks WHERE a = 1 or", "trailing 'OR'"),
        ("SELECT clicks WHERE NOT", "trailing 'NOT'"),
        ("SELECT clicks WHERE country IN", "trailing 'IN'"),
        ("SELECT clicks WHERE country IN (US,", "open parenthesis"),
        ("SELECT clicks WHERE (a = 1", "open parenthesis"),
        ("SELECT clicks WHERE a =", "trailing operator"),
        ("SELECT clicks WHERE a >=", "trailing operator"),
        ("SELECT country,", "trailing ','"),
        ("SELECT clicks WHERE metadata.", "trailing '.'"),
        ("SELECT clicks WHERE city = 'San", "open quote"),
        ("SELECT clicks WHERE `plan", "open back quote"),
        ("SELECT clicks /* comment", "open block comment"),
        ("SELECT clicks SINCE", "trailing 'SINCE'"),
        ("SELECT clicks LIMIT", "trailing 'LIMIT'"),
        ("SELECT clicks ORDER", "trailing 'ORDER'"),
        ("SELECT clicks ORDER BY", "trailing 'BY'"),
        ("SELECT clicks; SELECT", "trailing 'SELECT'"),
        ("SELECT country FROM", "trailing 'FROM'"),
        ("SELECT country, city", "expected 'FROM', found end of input"),
        ("SELECT clicks BETWEEN 2024-01-01", "expected 'AND' between the two instants of BETWEEN, found end of input"),
    ]

    @Test(arguments: incomplete)
    func isIncomplete(_ text: String, _ reason: String) {
        #expect(Completeness.check(text) == .incomplete(reason: reason))
    }
}
