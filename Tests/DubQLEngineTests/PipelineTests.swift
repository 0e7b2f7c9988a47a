// Whole queries (text -> parse -> bind -> local plan -> execute) over the generated fixture: results
// agree with the evaluator, selections are not trivially empty, and API-only fields are refused.

import DubQL
import DubQLEngine
import DubQLSyntax
import DubQLTestSupport
import Testing

enum Pipeline {
    /// The query of `text` on the fixture's clock, or `nil` when it does not bind.
    static func bind(_ text: String) -> BoundQuery? {
        let (query, diagnostics) = Fixture.bind(text, now: StoreFixture.end)
        return diagnostics.hasErrors ? nil : query
    }
}

@Suite("Pipeline")
struct PipelineTests {
    static let queries = [
        "SELECT clicks WHERE country IN (US, DE) SINCE 7d",
        "SELECT clicks WHERE country IN (US, GB) AND NOT device = Mobile SINCE 3d LIMIT 20",
        "SELECT clicks WHERE browser = Chrome OR referer = 'google.com' SINCE 30d ORDER BY timestamp ASC LIMIT 15 OFFSET 5",
        "SELECT clicks WHERE utm_source = newsletter SINCE 30d",
        "SELECT clicks WHERE utm_campaign = 'launch week' SINCE 30d",
        "SELECT clicks WHERE url = 'https://acme.com/pricing' SINCE 30d LIMIT 500",
        "SELECT clicks WHERE root SINCE 30d",
        "SELECT clicks WHERE NOT root AND trigger = qr SINCE 30d",
        "SELECT clicks WHERE region = 'US-CA' SINCE 30d PAGE 2 LIMIT 10",
        "SELECT sales WHERE metadata.plan = business SINCE 30d",
        "SELECT sales WHERE metadata.seats >= 5 SINCE 30d",
        "SELECT sales WHERE saleType = new AND country = US SINCE 30d",
        "SELECT customer.email, sale.amount FROM sales WHERE sale.amount > 50 SINCE 30d",
        "SELECT leads WHERE metadata.plan != pro SINCE 30d",
        "SELECT clicks BETWEEN 2026-08-12 AND 2026-08-14",
        "SELECT clicks SINCE 2026-08-15 TIMEZONE 'America/New_York'",
    ]

    @Test(arguments: queries, EnginePath.allCases)
    func localResultsEqualTheEvaluator(_ text: String, _ path: EnginePath) throws {
        let query = try #require(Pipeline.bind(text), "binds: \(text)")
        let (plan, diagnostics) = LocalPlanner.plan(query)
        #expect(!diagnostics.hasErrors)
        let local = try #require(plan)
        let got = try path.rows(local, on: StoreFixture.store)
        let expected = Evaluator.select(query, from: StoreFixture.store.records).map(\.row)
        #expect(got == expected.map { Array(StoreFixture.store.rawJSON($0)) })
        #expect(!got.isEmpty, "the fixture should have rows for \(text)")
    }

    @Test func countryFilterChecksEveryRow() throws {
        let query = try #require(Pipeline.bind("SELECT clicks WHERE country IN (US, DE) SINCE 7d LIMIT 1000"))
        let plan = try #require(LocalPlanner.plan(query).plan)
        let rows = Executor.rows(plan, on: StoreFixture.store)
        let independent = (0..<StoreFixture.store.count).filter { row in
            StoreFixture.store.eventType(row) == .clicks && StoreFixture.store.timestamps[row] >= StoreFixture.end - 7 * 86_400_000
                && ["US", "DE"].contains(StoreFixture.store.string(.country, row) ?? "")
        }
        #expect(Set(rows) == Set(independent))
        #expect(zip(rows, rows.dropFirst()).allSatisfy { StoreFixture.store.timestamps[$0] >= StoreFixture.store.timestamps[$1] })
    }

    @Test(arguments: ["SELECT clicks WHERE tagId = tag_1", "SELECT clicks WHERE groupId = grp_1"])
    func apiOnlyFieldsAreRefusedLocally(_ text: String) throws {
        let query = try #require(Pipeline.bind(text))
        let (plan, diagnostics) = LocalPlanner.plan(query)
        #expect(plan == nil)
        #expect(diagnostics.hasErrors)
    }
}
