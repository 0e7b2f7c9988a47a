// The aggregating executor against the reference: random aggregate queries (compiled from text,
// so the binder's forms are covered too) over generated events must give exactly the evaluator's
// rows, values and order; plus time buckets across DST changes.

import DubQL
import DubQLEngine
import DubQLSyntax
import DubQLTestSupport
import Testing

@Suite("Aggregates")
struct AggregateTests {
    static let context = QueryContext(now: StoreFixture.end, timeZone: nil)

    @Test(arguments: 0..<12, EnginePath.allCases)
    func engineAgreesWithEvaluator(_ seed: Int, _ path: EnginePath) throws {
        var r = SplitMix64(seed: UInt64(seed) &* 104_729 &+ 3)
        let store = StoreFixture.store
        let records = store.records
        var nonEmpty = 0
        for _ in 0..<30 {
            let text = AggregateQueries.query(&r)
            let compilation = Compiler.compile(SourceFile(name: "<q>", text: text), context: Self.context)
            let query = try #require(compilation.statements.first?.query, "\(text): \(compilation.diagnostics)")
            let (plan, diagnostics) = LocalPlanner.plan(query)
            let localPlan = try #require(plan, "\(text): \(diagnostics)")
            let expected = Evaluator.aggregate(query, from: records)
            let got = try path.aggregate(localPlan, on: store)
            #expect(got == expected, "\(text)")
            if expected.rows.count > 1 { nonEmpty += 1 }
        }
        #expect(nonEmpty > 5)
    }

    // MARK: - Meaning

    static func result(_ text: String, _ events: [TestEventRecord], now: Int64) throws -> AggregateResult {
        let compilation = Compiler.compile(SourceFile(name: "<q>", text: text), context: QueryContext(now: now, timeZone: nil))
        let query = try #require(compilation.statements.first?.query, "\(compilation.diagnostics)")
        return Evaluator.aggregate(query, from: events)
    }

    @Test func oneRowWithoutGroupByEvenOverNoEvents() throws {
        let r = try Self.result("SELECT count(), sum(sale.amount), avg(sale.amount), count(DISTINCT customer.id) FROM sales SINCE 1d", [],
                                now: StoreFixture.end)
        #expect(r.rows == [[.integer(0), .integer(0), .null, .integer(0)]])
        #expect(r.columns.map(\.type) == [.integer, .money, .money, .integer])
    }

    @Test func dayBucketsFollowDSTAndTheSeriesHasNoGaps() throws {
        // 2026-03-08 is 23 hours long in New York, 2026-11-01 25 hours.
        let at = { (iso: String) in ISOInstant.parse(iso) ?? 0 }
        let events = ["2026-03-07T12:00:00Z", "2026-03-09T03:59:00Z", "2026-03-09T04:01:00Z", "2026-03-10T12:00:00Z"].enumerated().map {
            TestEventRecord(id: "e\($0.offset)", millis: at($0.element))
        }
        let r = try Self.result("SELECT day, count() FROM clicks GROUP BY day BETWEEN 2026-03-07 AND 2026-03-11 TIMEZONE 'America/New_York'",
                                events, now: at("2026-04-01T00:00:00Z"))
        let starts = ["2026-03-07T05:00:00Z", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", "2026-03-10T04:00:00Z", "2026-03-11T04:00:00Z"]
        #expect(r.rows == zip(starts, [1, 1, 1, 1, 0]).map { [.instant(at($0)), .integer(Int64($1))] })
        let h = try Self.result("SELECT hour, count() FROM clicks GROUP BY hour BETWEEN 2026-11-01T04:00:00Z AND 2026-11-01T07:59:00Z TIMEZONE 'America/New_York'",
                                [], now: at("2026-12-01T00:00:00Z"))
        // 00:00 EDT, 01:00 EDT, 01:00 EST, 02:00 EST: four hours, each an hour apart.
        #expect(h.rows.map { $0[0] } == ["04", "05", "06", "07"].map { .instant(at("2026-11-01T\($0):00:00Z")) })
        let w = try Self.result("SELECT week, count() FROM clicks GROUP BY week BETWEEN 2026-03-04 AND 2026-03-10 TIMEZONE 'America/New_York'",
                                [], now: at("2026-04-01T00:00:00Z"))
        #expect(w.rows.map { $0[0] } == [.instant(at("2026-03-02T05:00:00Z")), .instant(at("2026-03-09T04:00:00Z"))])
    }

    @Test func groupsSortByTheMetricDescendingThenByKey() throws {
        let events = [("a", "US"), ("b", "DE"), ("c", "US"), ("d", "FR"), ("e", nil)].map {
            TestEventRecord(id: $0.0, millis: StoreFixture.end - 1000, country: $0.1)
        }
        let r = try Self.result("SELECT country, count() FROM clicks GROUP BY country SINCE 1d", events, now: StoreFixture.end)
        #expect(r.rows == [[.text("US"), .integer(2)], [.text("DE"), .integer(1)], [.text("FR"), .integer(1)], [.null, .integer(1)]])
        let h = try Self.result("SELECT country, count() AS n FROM clicks GROUP BY country HAVING n > 1 SINCE 1d", events, now: StoreFixture.end)
        #expect(h.rows == [[.text("US"), .integer(2)]])
        let o = try Self.result("SELECT country, count() FROM clicks GROUP BY country SINCE 1d ORDER BY country DESC LIMIT 2 OFFSET 1", events, now: StoreFixture.end)
        #expect(o.rows == [[.text("US"), .integer(2)], [.text("FR"), .integer(1)]])
    }
}

/// A click with a timestamp and an optional country, for the hand-made cases.
struct TestEventRecord: EventRecord {
    var id: String
    var millis: Int64
    var country: String?
    var eventType: EventType { .clicks }
    var timestampMillis: Int64 { millis }
    var eventID: String { id }
    var saleType: String? { nil }
    func json(at path: [String]) -> JSONValue? {
        path == ["click", "country"] ? country.map(JSONValue.string) : nil
    }
}
