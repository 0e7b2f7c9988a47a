// EXPLAIN renderings: the JSON contract, URLs, curl commands and trees, plus the README's library
// example, which must keep compiling and working.

import DubQL
import DubQLSyntax
import DubQLTestSupport
import Foundation
import Testing

@Suite struct ExplainRenderingTests {
    @Test func jsonIsTheContract() throws {
        let plan = try #require(Fixture.apiPlan("SELECT sales WHERE country IN (US) AND NOT browser = Chrome SINCE 30d"))
        let data = Data(Explain.json(plan).utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["source", "event", "requests", "residual", "limit", "notes"])
        #expect(object["source"] as? String == "api" && object["event"] as? String == "sales" && object["limit"] as? Int == 100)
        #expect(object["residual"] is NSNull)
        let requests = try #require(object["requests"] as? [[String: Any]])
        #expect(requests.count == 1 && requests[0]["method"] as? String == "GET" && requests[0]["path"] as? String == "/events")
        #expect(requests[0]["params"] as? [String: String] == ["event": "sales", "country": "US", "browser": "-Chrome", "interval": "30d"])
    }

    @Test func jsonEscapesAndKeepsResidualText() throws {
        let plan = try #require(Fixture.apiPlan("SELECT clicks WHERE city = 'Paris, \"TX\"'"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(Explain.json(plan).utf8)) as? [String: Any])
        #expect(object["residual"] as? String == "city = 'Paris, \"TX\"'")
    }

    @Test func residualTextParsesBackToTheSameCondition() throws {
        let text = "SELECT leads WHERE (country = US OR city = 'Paris, TX') AND metadata.`plan tier` = 'a''b' SINCE 2026-08-01T10:00:00Z"
        let plan = try #require(Fixture.apiPlan(text))
        let residual = try #require(plan.residualText)
        let reparsed = try #require(Fixture.query("SELECT leads WHERE \(residual)")?.condition)
        #expect(Normalizer.erased(reparsed) == Normalizer.erased(try #require(plan.residual)))
    }

    @Test func urlsArePercentEncodedOnTheBase() throws {
        let plan = try #require(Fixture.apiPlan("SELECT leads WHERE metadata.plan = pro AND os = 'Mac OS' SINCE 7d"))
        #expect(Explain.urls(plan, baseURL: "http://localhost:8080/") == [
            "http://localhost:8080/events?event=leads&os=Mac%20OS&query=metadata%5B%27plan%27%5D:%27pro%27&interval=7d",
        ])
    }

    @Test func curlReadsTheKeyFromTheEnvironment() throws {
        let plan = try #require(Fixture.apiPlan("SELECT clicks WHERE country = US OR browser = Chrome"))
        let commands = Explain.curl(plan, baseURL: DubAPI.defaultBaseURL)
        #expect(commands.count == 2)
        #expect(commands[0] == "curl -sS -H \"Authorization: Bearer $DUB_API_KEY\" 'https://api.dub.co/events?event=clicks&country=US&interval=24h'")
    }

    @Test func emptyPlanHasNoRequests() throws {
        let plan = try #require(Fixture.apiPlan("SELECT clicks WHERE country = US AND country = DE"))
        #expect(plan.requests.isEmpty && Explain.urls(plan, baseURL: "x").isEmpty)
        #expect(Explain.text(plan).contains("EMPTY"))
    }

    @Test func plansAreCodable() throws {
        let plan = try #require(Fixture.apiPlan("SELECT clicks WHERE country = US OR browser = Chrome"))
        let decoded = try JSONDecoder().decode(APIPlan.self, from: JSONEncoder().encode(plan))
        #expect(decoded == plan)
        let query = try #require(Fixture.query("SELECT sales WHERE sale.amount > 5 SINCE ytd"))
        #expect(try JSONDecoder().decode(BoundQuery.self, from: JSONEncoder().encode(query)) == query)
    }

    @Test func readmeLibraryExample() throws {
        let context = QueryContext(now: Fixture.now, timeZone: "Europe/Berlin")
        let text = "SELECT sales WHERE country IN (US, DE) AND metadata.plan = pro SINCE 30d LIMIT 50"
        let compilation = Compiler.compile(text, context: context)
        #expect(!compilation.hasErrors)
        let query = try #require(compilation.statements.first?.query)
        let plan = try #require(APIPlanner.plan(query).plan)
        #expect(Explain.urls(plan, baseURL: DubAPI.defaultBaseURL) == [
            "https://api.dub.co/events?event=sales&country=US,DE&query=metadata%5B%27plan%27%5D:%27pro%27&interval=30d&timezone=Europe%2FBerlin&limit=50",
        ])
        #expect(plan.residualText == nil)
        #expect(LocalPlanner.plan(query).plan?.filter != nil)
    }

    @Test func compilerRejectsScriptsWhereOneStatementIsExpected() {
        let (plan, diagnostics) = Compiler.apiPlan("SELECT clicks; SELECT leads", context: Fixture.context)
        #expect(plan == nil && diagnostics.map(\.code) == [.notOneStatement])
    }
}
