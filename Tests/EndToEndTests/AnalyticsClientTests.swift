// Aggregates on Dub's API through the `dubql` binary, against a loopback server with canned
// answers in Dub's `/analytics` shapes: decoding (an object for count, arrays otherwise, hour
// labels in +0000), rows, the totals check and its `/events` fallback, the cap, bad answers,
// and EXPLAIN's url and curl forms.

import Foundation
import Testing
import DubQLTestSupport

/// The targets a loopback server was asked for, in order.
final class TargetLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ t: String) { lock.lock(); list.append(t); lock.unlock() }
    var targets: [String] { lock.lock(); defer { lock.unlock() }; return list }
}

@Suite struct AnalyticsClientTests {
    static let now = "2026-08-18T12:00:00Z"
    static let key = "dub_e2eAggKey9876543210xyz"

    /// `dubql query QUERY --api` at `url` (csv), with the test key.
    static func query(_ text: String, url: String, extra: [String] = [], environment: [String: String] = [:]) throws -> ProcessResult {
        var env = ["DUB_API_KEY": key, "DUBQL_API_RETRIES": "2"]
        for (k, v) in environment { env[k] = v }
        return try runDubQL(["query", text, "--api", "--api-url", url, "--now", now, "--format", "csv"] + extra, environment: env)
    }

    /// A server answering `/analytics` by `groupBy` (and `/events` with `events`, page 1 only).
    static func server(_ answers: [String: String], events: String = "[]", log: TargetLog = TargetLog()) throws -> LoopbackServer {
        try LoopbackServer { connection in
            let target = connection.target
            log.add(target)
            if target.hasPrefix("/analytics") {
                let groupBy = URLComponents(string: target)?.queryItems?.first { $0.name == "groupBy" }?.value ?? "count"
                connection.respond(body: answers[groupBy] ?? "[]")
            } else if target.hasPrefix("/events") {
                let page = URLComponents(string: target)?.queryItems?.first { $0.name == "page" }?.value ?? "1"
                connection.respond(body: page == "1" ? events : "[]")
            } else {
                connection.respond(status: 404, reason: "Not Found", body: "{}")
            }
        }
    }

    static func row(_ fields: String, clicks: Int = 0, leads: Int = 0, sales: Int = 0, saleAmount: Int = 0) -> String {
        "{\(fields)\(fields.isEmpty ? "" : ",")\"clicks\":\(clicks),\"leads\":\(leads),\"sales\":\(sales),\"saleAmount\":\(saleAmount)}"
    }

    @Test func groupsComeFromAnalyticsAndAddUpToTheTotals() throws {
        let log = TargetLog()
        let server = try Self.server([
            "countries": "[" + Self.row("\"country\":\"US\",\"region\":\"*\",\"city\":\"*\"", clicks: 5) + ","
                + Self.row("\"country\":\"DE\",\"region\":\"*\",\"city\":\"*\"", clicks: 7) + ","
                + Self.row("\"country\":\"FR\",\"region\":\"*\",\"city\":\"*\"", clicks: 5) + "]",
            "count": Self.row("", clicks: 17),
        ], log: log)
        defer { server.stop() }
        let r = try Self.query("SELECT country, count() AS n FROM clicks WHERE device = Mobile GROUP BY country ORDER BY n DESC LIMIT 2 SINCE 30d",
                               url: server.url)
        #expect(r.status == 0, "\(r.stderr)")
        // Ties broken by the key: FR before US.
        #expect(r.stdout == "country,n\r\nDE,7\r\nFR,5\r\n")
        #expect(log.targets == ["/analytics?event=clicks&groupBy=countries&device=Mobile&interval=30d",
                                "/analytics?event=clicks&groupBy=count&device=Mobile&interval=30d"])
    }

    @Test func theCountObjectGivesOneRowWithDollarsAndAverages() throws {
        let server = try Self.server(["count": Self.row("", sales: 3, saleAmount: 4501)])
        defer { server.stop() }
        let r = try Self.query("SELECT count(), sum(sale.amount), avg(sale.amount) FROM sales WHERE saleType = new SINCE 90d", url: server.url)
        #expect(r.status == 0, "\(r.stderr)")
        // Dub's saleAmount is cents; DubQL shows amounts in US dollars.
        #expect(r.stdout == "count(),sum(sale.amount),avg(sale.amount)\r\n3,45.01,15.003333333333332\r\n", "\(r.stdout)")
    }

    @Test func hourBucketsInUTCLabelsAddUpIntoLocalDays() throws {
        // Dub prints hour labels in +0000 but aligns them to the zone: Kolkata's hours start at :30.
        let hours = [("2026-08-17T12:30:00.000+0000", 2), ("2026-08-17T18:30:00.000+0000", 3), ("2026-08-18T10:30:00.000+0000", 4)]
        let server = try Self.server(["timeseries": "[" + hours.map { Self.row("\"start\":\"\($0.0)\"", clicks: $0.1) }.joined(separator: ",") + "]"])
        defer { server.stop() }
        let r = try Self.query("SELECT day, count() FROM clicks GROUP BY day SINCE 24h TIMEZONE 'Asia/Kolkata'", url: server.url,
                               extra: ["--format", "ndjson"])
        #expect(r.status == 0, "\(r.stderr)")
        // 12:30Z on the 17th is 18:00 on the 17th in Kolkata; 18:30Z is midnight of the 18th.
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines == ["{\"day\":\"2026-08-17T00:00:00+05:30\",\"count()\":2}", "{\"day\":\"2026-08-18T00:00:00+05:30\",\"count()\":7}"])
    }

    @Test func groupsThatDoNotAddUpAreComputedFromEvents() throws {
        let dir = try makeTemporaryDirectory(prefix: "dubql-analytics")
        let file = dir.appendingPathComponent("clicks.ndjson").path
        let g = try runDubQL(["generate", "--event", "clicks", "--count", "40", "--seed", "5", "--days", "10", "--end", Self.now, "--output", file])
        #expect(g.status == 0)
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        let log = TargetLog()
        // Dub left out some clicks (an Unknown country, say): 1 group of 3 against a total of 40.
        let server = try Self.server([
            "countries": "[" + Self.row("\"country\":\"US\",\"region\":\"*\",\"city\":\"*\"", clicks: 3) + "]",
            "count": Self.row("", clicks: 40),
        ], events: "[" + lines.joined(separator: ",") + "]", log: log)
        defer { server.stop() }
        let text = "SELECT country, count() FROM clicks GROUP BY country SINCE 30d"
        let api = try Self.query(text, url: server.url)
        #expect(api.status == 0, "\(api.stderr)")
        #expect(api.stderr.contains("did not add up to its totals") && api.stderr.contains("computed from GET /events"))
        let local = try runDubQL(["query", text, "--data", file, "--now", Self.now, "--format", "csv"])
        #expect(local.status == 0)
        #expect(api.stdout == local.stdout)
        #expect(log.targets.contains("/events?event=clicks&interval=30d&limit=1000"))
        #expect(log.targets.contains("/events?event=clicks&interval=30d&page=2&limit=1000"))

        // The cap: more events than --max-events (or DUBQL_MAX_EVENTS) is an error that says how to raise it.
        for (extra, env) in [(["--max-events", "25"], [String: String]()), ([], ["DUBQL_MAX_EVENTS": "25"])] {
            let capped = try Self.query(text, url: server.url, extra: extra, environment: env)
            #expect(capped.status == 65, "\(capped.stderr)")
            #expect(capped.stdout.isEmpty)
            #expect(capped.stderr.contains("needs more than 25 events (the cap)") && capped.stderr.contains("--max-events N or DUBQL_MAX_EVENTS=N"),
                    "\(capped.stderr)")
        }
        let exact = try Self.query(text, url: server.url, extra: ["--max-events", "40"])
        #expect(exact.status == 0 && exact.stdout == local.stdout, "\(exact.stderr)")
        let bad = try Self.query(text, url: server.url, environment: ["DUBQL_MAX_EVENTS": "lots"])
        #expect(bad.status == 64 && bad.stderr.contains("invalid DUBQL_MAX_EVENTS 'lots'"), "\(bad.stderr)")
    }

    @Test func anAnswerWithoutDubsMetricsIsAClearErrorWithoutTheKey() throws {
        let server = try Self.server(["countries": "[{\"country\":\"US\",\"echo\":\"\(Self.key)\"}]", "count": Self.row("", clicks: 1)])
        defer { server.stop() }
        let r = try Self.query("SELECT country, count() FROM clicks GROUP BY country SINCE 7d", url: server.url)
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.contains("an /analytics row has no number 'clicks'"), "\(r.stderr)")
        #expect(!r.stderr.contains(Self.key) && !r.stdout.contains(Self.key))
    }

    @Test func explainGivesAnalyticsURLsAndCurlCommands() throws {
        let q = "SELECT day, count() FROM leads GROUP BY day SINCE 30d TIMEZONE 'America/New_York'"
        let url = try runDubQL(["explain", "--format", "url", "--api-url", "http://x.test", "--now", Self.now, q])
        #expect(url.status == 0, "\(url.stderr)")
        #expect(url.stdout == "http://x.test/analytics?event=leads&groupBy=timeseries&interval=30d&timezone=America%2FNew_York\n")
        let curl = try runDubQL(["explain", "--format", "curl", "--api-url", "http://x.test", "--now", Self.now,
                                 "SELECT country, count() FROM clicks GROUP BY country SINCE 7d"])
        #expect(curl.stdout.split(separator: "\n").count == 2)
        #expect(curl.stdout.hasPrefix("curl -sS -H \"Authorization: Bearer $DUB_API_KEY\" 'http://x.test/analytics?event=clicks&groupBy=countries&interval=7d'"))
        let json = try runDubQL(["explain", "--format", "json", "--now", Self.now,
                                 "SELECT utm_source, count(DISTINCT customer.id) FROM sales GROUP BY utm_source SINCE ytd"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["path"] as? String == "/events")
        #expect((object["reasons"] as? [String])?.first?.contains("count(DISTINCT customer.id) is not one of Dub's metrics") == true)
        #expect(object["maxEvents"] as? Int == 100000)
        let capped = try runDubQL(["explain", "--max-events", "500", "--now", Self.now, "SELECT min(sale.amount) FROM sales SINCE 7d"])
        #expect(capped.stdout.contains("at most 500 events"), "\(capped.stdout)")
    }
}
