// End-to-end tests of aggregate queries through the `dubql` binary: the six queries of issue 10
// on generated files, numbers in csv and json, a gap-free series in a time zone, and EXPLAIN
// (aggregates on the API: AnalyticsClientTests).

import Foundation
import Testing
import DubQLTestSupport

enum AggregateFixture {
    static let end = "2026-08-18T14:03:12Z"
    static let dir: URL = {
        let d = (try? makeTemporaryDirectory(prefix: "dubql-agg")) ?? FileManager.default.temporaryDirectory
        for (event, count, seed) in [("clicks", 500, "21"), ("leads", 200, "22"), ("sales", 300, "23")] {
            _ = try? runDubQL(["generate", "--event", event, "--count", "\(count)", "--seed", seed, "--days", "40",
                               "--end", end, "--output", d.appendingPathComponent("\(event).ndjson").path])
        }
        return d
    }()
    static var data: [String] {
        ["clicks", "leads", "sales"].flatMap { ["--data", dir.appendingPathComponent("\($0).ndjson").path] }
    }

    static func query(_ q: String, _ extra: [String] = []) throws -> ProcessResult {
        try runDubQL(["query", q, "--now", end] + data + extra)
    }

    static func events(_ event: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: dir.appendingPathComponent("\(event).ndjson"), encoding: .utf8)
        return try text.split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    /// The event's instant: the top-level `timestamp` (ISO 8601 or JavaScript's `Date#toString`,
    /// as the generator writes it), read without the engine.
    static func millis(_ e: [String: Any]) -> Double {
        let s = e["timestamp"] as? String ?? ""
        if let d = ISO8601DateFormatter.withFractions.date(from: s) { return d.timeIntervalSince1970 * 1000 }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "EEE MMM dd yyyy HH:mm:ss 'GMT'Z"
        return (f.date(from: String(s.prefix(33)))?.timeIntervalSince1970 ?? 0) * 1000
    }
}

@Suite("aggregates through dubql")
struct AggregateQueryTests {
    static let issueQueries = [
        "SELECT count() FROM clicks SINCE 30d",
        "SELECT country, count() FROM clicks WHERE device = Mobile GROUP BY country ORDER BY count() DESC LIMIT 10 SINCE 30d",
        "SELECT count(), sum(sale.amount) FROM sales WHERE saleType = new SINCE 90d",
        "SELECT day, count() FROM leads GROUP BY day SINCE 30d TIMEZONE 'America/New_York'",
        "SELECT link, count() AS clicks FROM clicks GROUP BY link ORDER BY clicks DESC LIMIT 20 SINCE 7d",
        "SELECT utm_source, count(DISTINCT customer.id), avg(sale.amount) FROM sales GROUP BY utm_source HAVING count() > 5 SINCE ytd",
    ]

    @Test(arguments: issueQueries)
    func issueQueryRunsAsATable(_ q: String) throws {
        let r = try AggregateFixture.query(q)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("row"), "\(r.stdout)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
    }

    @Test func countsByCountryMatchTheEvents() throws {
        let r = try AggregateFixture.query("SELECT country, count() FROM clicks WHERE device = Mobile GROUP BY country SINCE 30d", ["--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\r\n").map(String.init)
        #expect(lines.first == "country,count()")
        let endMillis = 1_787_061_792_000.0
        var expected: [String: Int] = [:]
        for e in try AggregateFixture.events("clicks") {
            let click = e["click"] as? [String: Any] ?? [:]
            let t = AggregateFixture.millis(e)
            guard click["device"] as? String == "Mobile", t >= endMillis - 30 * 86_400_000, t <= endMillis else { continue }
            expected[click["country"] as? String ?? "", default: 0] += 1
        }
        var got: [String: Int] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: ",", omittingEmptySubsequences: false)
            got[String(parts[0])] = Int(parts[1])
        }
        #expect(got == expected && !got.isEmpty)
        // Dub's order: the count descending, then the key.
        let counts = lines.dropFirst().compactMap { Int($0.split(separator: ",").last ?? "") }
        #expect(counts == counts.sorted(by: >))
    }

    @Test func jsonHasNumbersAsNumbers() throws {
        let r = try AggregateFixture.query("SELECT count(), sum(sale.amount) AS revenue FROM sales WHERE saleType = new SINCE 90d", ["--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 1)
        let revenue = try #require(rows[0]["revenue"] as? NSNumber)
        #expect(revenue.intValue > 0 && !(rows[0]["count()"] is String))
        let nd = try AggregateFixture.query("SELECT country, count() FROM clicks GROUP BY country SINCE 30d LIMIT 2", ["--format", "ndjson"])
        #expect(nd.stdout.split(separator: "\n").count == 2 && nd.stdout.contains("\"count()\":"))
    }

    @Test func aDailySeriesInNewYorkHasEveryDay() throws {
        let r = try AggregateFixture.query("SELECT day, count() FROM leads GROUP BY day SINCE 30d TIMEZONE 'America/New_York'", ["--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        // 30 days back from 10:03 in New York: the partial first day, 29 whole days, today.
        #expect(rows.count == 31)
        #expect(rows.first?.first == "2026-07-19T00:00:00-04:00" && rows.last?.first == "2026-08-18T00:00:00-04:00")
        let endMillis = 1_787_061_792_000.0
        let inRange = try AggregateFixture.events("leads").filter {
            let t = AggregateFixture.millis($0)
            return t >= endMillis - 30 * 86_400_000 && t <= endMillis
        }
        #expect(rows.compactMap { Int($0[1]) }.reduce(0, +) == inRange.count)
    }

    @Test func tablesRightAlignNumbersAndNameTheMoneyUnit() throws {
        let r = try AggregateFixture.query("SELECT saleType, sum(sale.amount) FROM sales GROUP BY saleType SINCE 90d")
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0].contains("sum(sale.amount) (USD)"))
        // Every number ends where its header ends.
        let end = lines[0].count
        #expect(lines[2].count == end && lines[3].count == end)
    }

    @Test func explainShowsTheAggregateOverTheScan() throws {
        let r = try runDubQL(["explain", "--local", "--now", AggregateFixture.end,
                              "SELECT country, count() FROM clicks GROUP BY country HAVING count() > 5 SINCE 30d"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("AGGREGATE by country: count()") && r.stdout.contains("HAVING count() > 5")
                && r.stdout.contains("SCAN clicks"))
    }

    @Test func listingQueriesKeepTheirOutput() throws {
        let r = try AggregateFixture.query("SELECT click.id, country FROM clicks SINCE 7d ORDER BY timestamp ASC LIMIT 3", ["--format", "csv"])
        #expect(r.status == 0 && r.stdout.hasPrefix("click.id,country\r\n") && r.stdout.split(separator: "\r\n").count == 4)
    }
}
