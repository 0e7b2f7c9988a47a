// The ClickHouse planner: each DubQL condition becomes the SQL of its exact meaning, values only
// ever as parameters, and fields Dub's tables lack are errors.

import DubQL
import DubQLSyntax
import DubQLTestSupport
import Testing

@Suite struct ClickHousePlannerTests {
    static func plan(_ text: String, workspace: String? = nil) -> ClickHousePlan? {
        Compiler.clickHousePlan(text, context: Fixture.context, options: ClickHouseOptions(workspace: workspace)).plan
    }

    /// The WHERE lines of the plan, with the parameters' values put back in for reading.
    static func conditions(_ text: String) -> [String] {
        guard let plan = plan(text) else { return ["<no plan>"] }
        var out: [String] = []
        var inWhere = false
        for line in plan.sql.split(separator: "\n").map(String.init) {
            if line.hasPrefix("WHERE ") { inWhere = true }
            if line.hasPrefix("ORDER BY") { inWhere = false }
            guard inWhere else { continue }
            var l = String(line.dropFirst(line.hasPrefix("WHERE ") ? 6 : 6))
            for p in plan.params.reversed() { l = l.replacingOccurrences(of: "{\(p.name):\(p.type)}", with: "<\(p.value)>") }
            out.append(l)
        }
        return Array(out.dropFirst(out.first?.contains("e.timestamp >=") == true ? 1 : 0))
    }

    static let cases: [(query: String, sql: String)] = [
        ("SELECT clicks WHERE country IN (US, DE) SINCE all", "e.country IN (<US>, <DE>)"),
        ("SELECT clicks WHERE NOT browser = Chrome SINCE all", "e.browser != <Chrome>"),
        ("SELECT clicks WHERE device = mobile SINCE all", "e.device = <Mobile>"),
        ("SELECT clicks WHERE region = 'US-CA' SINCE all", "concat(e.country, '-', e.region) = <US-CA>"),
        ("SELECT clicks WHERE url = 'https://acme.com' SINCE all", "splitByString('?', e.url)[1] = <https://acme.com>"),
        ("SELECT clicks WHERE refererUrl != 'https://x.com/' SINCE all", "splitByString('?', e.referer_url)[1] != <https://x.com/>"),
        ("SELECT clicks WHERE utm_campaign = 'launch week' SINCE all",
         "decodeURLFormComponent(extractURLParameter(e.url, 'utm_campaign')) = <launch week>"),
        ("SELECT clicks WHERE root SINCE all", "(e.key = '_root') != 0"),
        ("SELECT clicks WHERE NOT root SINCE all", "(e.key = '_root') = 0"),
        ("SELECT clicks WHERE tenantId = t1 SINCE all", "l.tenant_id = <t1>"),
        ("SELECT clicks WHERE tagId IN (a, b) SINCE all", "hasAny(l.tag_ids, [<a>, <b>])"),
        ("SELECT clicks WHERE customerId = cus_1 SINCE all",
         "e.click_id IN (SELECT click_id FROM dub_lead_events_mv WHERE customer_id = <cus_1>)"),
        ("SELECT sales WHERE customerId = cus_1 SINCE all", "e.customer_id = <cus_1>"),
        ("SELECT sales WHERE saleType = new SINCE all", "if(e.event_id = fs.first_event_id, 'new', 'recurring') = <new>"),
        ("SELECT sales WHERE sale.amount >= 5000 SINCE all", "toFloat64(e.amount) >= <500000>"),  // dollars to cents
        ("SELECT sales WHERE sale.amount < $49.95 SINCE all", "toFloat64(e.amount) < <4995>"),
        ("SELECT leads WHERE metadata.seats > 3 SINCE all",
         "(JSONType(e.metadata, <seats>) IN ('Int64', 'UInt64', 'Double') AND JSONExtractFloat(e.metadata, <seats>) > <3>)"),
        ("SELECT clicks WHERE country = US OR browser = Chrome SINCE all", "(e.country = <US> OR e.browser = <Chrome>)"),
        ("SELECT clicks WHERE country = US AND (browser = Chrome OR os = iOS) SINCE all",
         "e.country = <US>|(e.browser = <Chrome> OR e.os = <iOS>)"),
    ]

    @Test(arguments: cases)
    func conditionsBecomeTheirExactSQL(c: (query: String, sql: String)) {
        #expect(Self.conditions(c.query).joined(separator: "|") == c.sql, "\(c.query)")
    }

    @Test func valuesAreParametersNeverText() throws {
        let plan = try #require(Self.plan("SELECT clicks WHERE city = 'it''s'' OR 1=1 --' SINCE 7d", workspace: "ws_abc"))
        #expect(!plan.sql.contains("it's") && !plan.sql.contains("abc"))
        #expect(plan.params.first == ClickHouseParameter(name: "p1", type: "String", value: "abc"))
        #expect(plan.params.contains { $0.value == "it's' OR 1=1 --" && $0.type == "String" })
    }

    @Test func orderLimitAndOffsetMatchTheOtherBackends() throws {
        let desc = try #require(Self.plan("SELECT leads SINCE all LIMIT 7 OFFSET 13"))
        #expect(desc.sql.contains("\nORDER BY e.timestamp DESC, e.event_id DESC\nLIMIT {p1:UInt64} OFFSET {p2:UInt64}"))
        #expect(desc.params.map(\.value) == ["7", "13"])
        let asc = try #require(Self.plan("SELECT clicks SINCE all ORDER BY timestamp ASC"))
        #expect(asc.sql.contains("\nORDER BY e.timestamp ASC, e.click_id ASC\n"))
    }

    @Test func aContradictionSendsNothing() throws {
        let plan = try #require(Self.plan("SELECT clicks WHERE country = US AND country = DE"))
        #expect(plan.isEmpty)
        #expect(Explain.text(plan).contains("EMPTY"))
    }

    @Test(arguments: ["SELECT leads WHERE customer.name = x", "SELECT sales WHERE sale.currency = usd",
                      "SELECT clicks WHERE link.title = x", "SELECT customer.email FROM leads"])
    func fieldsTheTablesLackAreErrors(text: String) {
        let (plan, diagnostics) = Compiler.clickHousePlan(text, context: Fixture.context)
        #expect(plan == nil)
        #expect(diagnostics.contains { $0.code == .notInClickHouseTables })
    }
}
