// Completion through the aggregate forms: calls and aliases in the SELECT list, GROUP BY, HAVING
// over calls, several ORDER BY keys, LIMIT ALL.

import Testing
import DubQL
@testable import DubQLShell

@Suite struct CompletionAggregateTests {
    static let cases: [CompletionCase] = [
        CompletionCase(text: "SELECT country, count() FROM clicks ", includes: ["GROUP BY", "HAVING", "WHERE"]),
        CompletionCase(text: "SELECT count() ", includes: ["FROM", "AS"]),
        CompletionCase(text: "SELECT count(DISTINCT customer.id) AS n FROM sales ", includes: ["GROUP BY"]),
        CompletionCase(text: "SELECT country, count() FROM clicks GROUP BY ", includes: ["country", "city"]),
        CompletionCase(text: "SELECT country, count() FROM clicks GROUP BY country ", includes: ["HAVING", "ORDER BY", "SINCE"], excludes: ["GROUP BY"]),
        CompletionCase(text: "SELECT country, count() FROM clicks GROUP BY country HAVING count() > 5 ", includes: ["ORDER BY", "AND"], excludes: ["HAVING"]),
        CompletionCase(text: "SELECT country, count() FROM clicks GROUP BY country ORDER BY count() DESC, country ", includes: ["LIMIT", "ASC"]),
        CompletionCase(text: "SELECT country, count() FROM clicks GROUP BY country LIMIT ", includes: ["ALL"]),
        CompletionCase(text: "SELECT country, count() FROM clicks GROUP BY country LIMIT ALL ", includes: ["OFFSET"]),
        // Listings take LIMIT ALL too (issue 12).
        CompletionCase(text: "SELECT clicks LIMIT ", includes: ["ALL"]),
        CompletionCase(text: "SELECT clicks WHERE country = US LIMIT ALL ", includes: ["OFFSET"]),
    ]

    @Test(arguments: cases)
    func completes(_ c: CompletionCase) {
        let got = Completion.complete(c.text, environment: completionTestEnvironment).candidates
        for i in c.includes { #expect(got.contains(i), "\(c.text): \(got)") }
        for e in c.excludes { #expect(!got.contains(e), "\(c.text): \(got)") }
    }
}
