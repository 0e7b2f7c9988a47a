// The aggregate planner for Dub's API: which queries go to GET /analytics (with which groupBy)
// and which to /events (with the reason), the cap, and how /analytics rows become the result:
// rows summed over dropped dimensions, buckets added up, the totals check, DST days.

import DubQL
import DubQLSyntax
import DubQLTestSupport
import Testing

@Suite struct AnalyticsPlannerTests {
    /// Query, then the groupBy of its /analytics plan, or a part of the reason it goes to /events.
    static let decisions: [(String, String)] = [
        ("SELECT count() FROM clicks SINCE 30d", "groupBy=count"),
        ("SELECT country, count() FROM clicks WHERE device = Mobile GROUP BY country ORDER BY count() ASC LIMIT 3 SINCE 30d", "groupBy=countries"),
        ("SELECT city, count() FROM leads GROUP BY city SINCE 7d", "groupBy=cities"),
        ("SELECT region, country, count() FROM sales GROUP BY region, country SINCE 7d", "groupBy=regions"),
        ("SELECT refererUrl, count() FROM clicks GROUP BY refererUrl SINCE 7d", "groupBy=referer_urls"),
        ("SELECT url, count() FROM clicks GROUP BY url SINCE 7d", "groupBy=top_base_urls"),
        ("SELECT utm_campaign, count() FROM clicks GROUP BY utm_campaign SINCE 7d", "groupBy=utm_campaigns"),
        ("SELECT domain, count() FROM clicks GROUP BY domain SINCE 7d", "groupBy=top_domains"),
        ("SELECT partnerId, sum(sale.amount) FROM sales GROUP BY partnerId SINCE 7d", "groupBy=top_links"),
        ("SELECT domain, count() FROM sales WHERE metadata.plan = pro GROUP BY domain SINCE 7d", "groupBy=top_links"),
        ("SELECT month, count() FROM sales GROUP BY month SINCE 1y", "groupBy=timeseries"),
        ("SELECT week, count() FROM clicks GROUP BY week SINCE 90d", "groupBy=timeseries"),
        ("SELECT day, count() FROM clicks GROUP BY day SINCE 1y", "month buckets, which do not add up to day buckets"),
        ("SELECT hour, count() FROM clicks GROUP BY hour SINCE 7d", "day buckets, which do not add up to hour buckets"),
        ("SELECT count(DISTINCT customer.id) FROM leads SINCE 7d", "count(DISTINCT customer.id) is not one of Dub's metrics"),
        ("SELECT count(customer.id) FROM leads SINCE 7d", "count(customer.id) is not one of Dub's metrics"),
        ("SELECT max(sale.amount) FROM sales SINCE 7d", "max(sale.amount) is not one of Dub's metrics"),
        ("SELECT country, device, count() FROM clicks GROUP BY country, device SINCE 7d", "no groupBy of /analytics gives country, device"),
        ("SELECT day, country, count() FROM clicks GROUP BY day, country SINCE 7d", "by time (groupBy=timeseries) or by a dimension, not both"),
        ("SELECT customer.country, count() FROM sales GROUP BY customer.country SINCE 7d", "no groupBy for customer.country"),
        ("SELECT tenantId, count() FROM clicks GROUP BY tenantId SINCE 7d", "no groupBy for tenantId"),
        ("SELECT device, count() FROM clicks WHERE region = 'US-CA' GROUP BY device SINCE 7d", "Dub's groupBy=devices returns no rows when region is sent"),
        ("SELECT count() FROM clicks WHERE region = 'US-CA' SINCE 7d", "groupBy=count"),
        ("SELECT count() FROM clicks WHERE utm_source = news SINCE 7d", "checked on the events (utm_source = news)"),
        ("SELECT count() FROM clicks WHERE country = US OR device = Mobile SINCE 7d", "a union of 2 /events requests"),
        ("SELECT count() FROM clicks SINCE 1h", "checked on the events (timestamp >= "),
        ("SELECT day, count() FROM clicks GROUP BY day SINCE all", "interval=all at the workspace's creation"),
    ]

    @Test(arguments: decisions)
    func decision(_ text: String, _ expected: String) throws {
        let (plan, diagnostics) = Compiler.apiPlan(text, context: Fixture.context)
        let p = try #require(plan, "\(text): \(diagnostics)")
        let aggregate = try #require(p.aggregate)
        if expected.hasPrefix("groupBy=") {
            #expect(aggregate.strategy == .analytics, "\(text): \(aggregate.reasons)")
            #expect(p.requests.first?["groupBy"] == String(expected.dropFirst(8)), "\(text)")
            #expect(p.requests.allSatisfy { $0.path == "/analytics" && $0["page"] == nil && $0["limit"] == nil })
            // Grouped answers are checked against the totals, with /events as the fallback.
            let grouped = !["count", "timeseries"].contains(String(expected.dropFirst(8)))
            #expect(aggregate.checksTotal == grouped && (aggregate.fallback != nil) == grouped, "\(text)")
            #expect(p.requests.count == (grouped ? 2 : 1))
            if grouped { #expect(p.requests[1]["groupBy"] == "count") }
        } else {
            #expect(aggregate.strategy == .events, "\(text)")
            #expect(aggregate.reasons.contains { $0.contains(expected) }, "\(text): \(aggregate.reasons)")
            #expect(p.requests.allSatisfy { $0.path == "/events" })
        }
    }

    @Test func theCapIsThePlansAndBounded() throws {
        let query = try #require(Fixture.query("SELECT min(sale.amount) FROM sales SINCE 7d"))
        for (asked, cap) in [(25, 25), (0, 1), (AnalyticsPlanner.maximumMaxEvents + 5, AnalyticsPlanner.maximumMaxEvents)] {
            let plan = try #require(APIPlanner.plan(query, maxEvents: asked).plan)
            #expect(plan.aggregate?.maxEvents == cap)
            // One row beyond the cap is read, so that "more than the cap" is known rather than guessed.
            #expect(plan.paging.takeRows == cap + 1)
        }
    }

    @Test func tagAndGroupKeysAreAClearErrorOnTheAPI() {
        for key in ["tagId", "groupId"] {
            let (plan, diagnostics) = Compiler.apiPlan("SELECT \(key), count() FROM clicks GROUP BY \(key) SINCE 7d", context: Fixture.context)
            #expect(plan == nil)
            #expect(diagnostics.first?.code == .notPlannable && diagnostics.first?.message.contains("cannot be a group key on Dub's API") == true)
        }
    }

    // MARK: - From rows to results

    static func row(_ fields: [String: String], _ metrics: [String: Double]) -> [String: JSONValue] {
        var row: [String: JSONValue] = ["clicks": .number(0), "leads": .number(0), "sales": .number(0), "saleAmount": .number(0)]
        for (k, v) in fields { row[k] = .string(v) }
        for (k, v) in metrics { row[k] = .number(v) }
        return row
    }

    @Test func cityRowsOfSeveralCountriesAddUpAndTheTotalsDecide() throws {
        let plan = try #require(Fixture.apiPlan("SELECT city, count(), sum(sale.amount), avg(sale.amount) FROM sales GROUP BY city SINCE 30d"))
        let aggregate = try #require(plan.aggregate)
        let rows = [
            Self.row(["country": "US", "region": "US-TX", "city": "Paris"], ["sales": 1, "saleAmount": 1000]),
            Self.row(["country": "FR", "region": "FR-IDF", "city": "Paris"], ["sales": 2, "saleAmount": 5000]),
            Self.row(["country": "DE", "region": "DE-BE", "city": "Berlin"], ["sales": 4, "saleAmount": 2000]),
        ]
        let result = try #require(aggregate.result(rows: rows, totals: Self.row([:], ["sales": 7, "saleAmount": 8000])))
        // Sales sort by revenue by default.
        #expect(result.rows == [[.text("Paris"), .integer(3), .integer(6000), .number(2000)],
                                [.text("Berlin"), .integer(4), .integer(2000), .number(500)]])
        // A city Dub left out (Unknown) shows as totals the groups do not reach: no answer from these rows.
        #expect(aggregate.result(rows: rows, totals: Self.row([:], ["sales": 8, "saleAmount": 8000])) == nil)
        #expect(aggregate.result(rows: rows, totals: Self.row([:], ["sales": 7, "saleAmount": 8100])) == nil)
        #expect(aggregate.result(rows: rows, totals: nil) == nil)
    }

    @Test func linksAreShortLinksAndRootLinksTheirDomain() throws {
        let plan = try #require(Fixture.apiPlan("SELECT link, count() FROM clicks GROUP BY link ORDER BY link SINCE 7d"))
        let rows = [Self.row(["id": "l1", "domain": "dub.sh", "key": "try"], ["clicks": 3]),
                    Self.row(["id": "l2", "domain": "acme.link", "key": "_root"], ["clicks": 2])]
        let result = try #require(plan.aggregate?.result(rows: rows, totals: Self.row([:], ["clicks": 5])))
        #expect(result.rows == [[.text("acme.link"), .integer(2)], [.text("dub.sh/try"), .integer(3)]])
    }

    @Test func dayBucketsAcrossADSTChangeAreFilledInTheZone() throws {
        let plan = try #require(Fixture.apiPlan("SELECT day, count() FROM clicks GROUP BY day BETWEEN 2026-03-07 AND 2026-03-10 TIMEZONE 'America/New_York'"))
        let aggregate = try #require(plan.aggregate)
        #expect(aggregate.granularity == .day)
        // Dub's labels carry the zone's offset; 2026-03-08 is 23 hours long in New York.
        let rows = [Self.row(["start": "2026-03-07T00:00:00.000-0500"], ["clicks": 1]),
                    Self.row(["start": "2026-03-08T00:00:00.000-0500"], ["clicks": 0]),
                    Self.row(["start": "2026-03-09T00:00:00.000-0400"], ["clicks": 4])]
        let result = try #require(aggregate.result(rows: rows, totals: nil))
        #expect(result.rows.map { $0[0] } == ["2026-03-07T05:00:00Z", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", "2026-03-10T04:00:00Z"]
            .map { .instant(Fixture.instant($0)) })
        #expect(result.rows.map { $0[1] } == [.integer(1), .integer(0), .integer(4), .integer(0)])
    }

    @Test func hourBucketsAddUpIntoWeeksAndABadLabelIsNoAnswer() throws {
        let plan = try #require(Fixture.apiPlan("SELECT week, count() FROM leads GROUP BY week SINCE 24h"))
        let aggregate = try #require(plan.aggregate)
        #expect(aggregate.granularity == .hour)
        // Fixture.now is Thursday 2026-08-20 12:00Z: its week started on Monday the 17th.
        let rows = [Self.row(["start": "2026-08-19T13:00:00.000+0000"], ["leads": 2]), Self.row(["start": "2026-08-20T11:00:00.000+0000"], ["leads": 5])]
        let result = try #require(aggregate.result(rows: rows, totals: nil))
        #expect(result.rows == [[.instant(Fixture.instant("2026-08-17T00:00:00Z")), .integer(7)]])
        #expect(aggregate.result(rows: [Self.row(["start": "yesterday"], ["leads": 1])], totals: nil) == nil)
    }
}

@Suite struct AnalyticsReadmeTests {
    /// README "Aggregates on the API" shows the plan of issue 10's second query as it is.
    @Test func readmeExampleIsTheRealPlan() throws {
        let readme = try String(contentsOf: PackageFiles.readme, encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "### Aggregates on the API").dropFirst().first)
        let lines = section.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let command = try #require(lines.firstIndex { $0.hasPrefix("    $ dubql explain ") })
        let query = String(lines[command].dropFirst("    $ dubql explain \"".count).dropLast())
        var shown: [String] = []
        for line in lines[(command + 1)...] {
            guard line.hasPrefix("    ") else { break }
            shown.append(String(line.dropFirst(4)))
        }
        let plan = try #require(Fixture.apiPlan(query))
        #expect(Explain.text(plan).hasPrefix(shown.joined(separator: "\n") + "\n"))
    }
}
