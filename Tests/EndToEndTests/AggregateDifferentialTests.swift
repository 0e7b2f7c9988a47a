// Aggregates mean the same on Dub's API as on local data: hundreds of generated aggregate queries
// run with `dubql query --api` against `dubql serve` (whichever of /analytics or /events the
// planner chooses, fallbacks included) and with `dubql query --data` on the same events and clock,
// over a range that crosses the DST changes of Auckland, Berlin and New York.

import Foundation
import Testing
import DubQLTestSupport

// MARK: - Data across DST changes

enum AggregateDiffData {
    /// 45 days up to this instant hold 2026-09-27 (Auckland), 2026-10-25 (Berlin), 2026-11-01 (New York).
    static let now = "2026-11-05T12:00:00Z"
    static let key = "dub_e2eAggDiffKey24680"

    static let directory: Result<URL, ServeFailure> = {
        do {
            let dir = try makeTemporaryDirectory(prefix: "dubql-aggdiff")
            for (event, count, seed) in [("clicks", 2200, 31), ("leads", 700, 32), ("sales", 700, 33)] {
                let r = try runDubQL(["generate", "--event", event, "--count", String(count), "--seed", String(seed),
                                      "--days", "45", "--end", now, "--output", dir.appendingPathComponent("\(event).ndjson").path])
                guard r.status == 0 else { return .failure(ServeFailure(message: "generate failed: \(r.stderr)")) }
            }
            return .success(dir)
        } catch {
            return .failure(ServeFailure(message: "\(error)"))
        }
    }()

    static func files() throws -> [String] {
        let dir = try directory.get()
        return ["clicks", "leads", "sales"].map { dir.appendingPathComponent("\($0).ndjson").path }
    }

    static func dataArguments() throws -> [String] { try files().flatMap { ["--data", $0] } }

    static let server: Result<ServeProcess, ServeFailure> = {
        do {
            return .success(try ServeProcess(try dataArguments() + ["--now", now, "--api-key", key, "--quiet"], lifetime: 900))
        } catch {
            return .failure(ServeFailure(message: "\(error)"))
        }
    }()
}

// MARK: - Aggregate query generator

struct AggregateQueryGenerator {
    var base: QueryGenerator

    static let keys = ["country", "city", "region", "continent", "device", "browser", "os", "trigger", "referer", "refererUrl",
                       "url", "utm_source", "utm_medium", "domain", "link", "linkId", "folderId", "partnerId",
                       "hour", "day", "day", "day", "week", "month"]
    static let pairs = [["country", "city"], ["country", "region"], ["country", "device"], ["day", "country"]]
    static let times = ["SINCE 24h", "SINCE 7d", "SINCE 30d", "SINCE 90d", "SINCE mtd", "SINCE ytd", "SINCE all", "SINCE qtd",
                        "SINCE 2026-10-20", "BETWEEN 2026-10-24 AND 2026-10-26", "BETWEEN 2026-10-31 AND 2026-11-02",
                        "BETWEEN 2026-09-26 AND 2026-09-28", "BETWEEN 2026-09-20 AND 2026-11-03",
                        "SINCE '2026-10-30T13:45:00Z'", "SINCE 1h"]
    static let zones = ["America/New_York", "Europe/Berlin", "Pacific/Auckland", "Asia/Kolkata", "UTC"]

    mutating func query(_ event: String) -> String {
        var r = base.random
        defer { base.random = r }
        var keys: [String] = []
        switch r.below(10) {
        case 0, 1: break
        case 2: keys = r.pick(Self.pairs)
        default: keys = [r.pick(Self.keys)]
        }
        if event == "sales", r.chance(8) { keys = ["saleType"] }
        var aggregates = ["count()"]
        if event == "sales" {
            if r.chance(60) { aggregates.append("sum(sale.amount)") }
            if r.chance(30) { aggregates.append("avg(sale.amount)") }
            if r.chance(10) { aggregates.append("max(sale.amount)") }
        }
        if event != "clicks", r.chance(12) { aggregates.append("count(DISTINCT customer.id)") }
        var text = "SELECT " + (keys + aggregates).joined(separator: ", ") + " FROM \(event)"
        base.random = r
        if r.chance(45) {
            // A slug needs exactly one domain in its AND: conditions that mix them are binding errors.
            var condition = base.condition(event)
            for _ in 0..<10 where condition.contains(" key = ") && condition.components(separatedBy: "domain").count > 2 {
                condition = base.condition(event)
            }
            if !(condition.contains(" key = ") && condition.components(separatedBy: "domain").count > 2) {
                text += " WHERE " + condition
            }
            r = base.random
        }
        if !keys.isEmpty { text += " GROUP BY " + keys.joined(separator: ", ") }
        if !keys.isEmpty, r.chance(15) { text += " HAVING count() > 2" }
        var time = r.pick(Self.times)
        // Hours over long ranges make long series; keep them to short ones.
        if keys.contains("hour") { time = r.pick(["SINCE 24h", "BETWEEN 2026-10-31 AND 2026-11-02", "SINCE 1h"]) }
        text += " " + time
        if r.chance(45) { text += " TIMEZONE '\(r.pick(Self.zones))'" }
        if !keys.isEmpty {
            switch r.below(6) {
            case 0: text += " ORDER BY count() ASC LIMIT 5"
            case 1: text += " ORDER BY \(keys[0]) DESC LIMIT 3 OFFSET 1"
            case 2: text += " LIMIT 10"
            default: break
            }
        }
        return text
    }
}

// MARK: - Tests

@Suite struct AggregateDifferentialTests {
    static let batches = 9
    static let perBatch = 25
    static let values = Result { try ValuePools(files: try AggregateDiffData.files()) }

    static func queries(batch: Int) throws -> [String] {
        var generator = AggregateQueryGenerator(base: QueryGenerator(random: SplitMix64(state: 0xA66 + UInt64(batch)), values: try values.get()))
        let event = ["clicks", "leads", "sales"][batch % 3]
        return (0..<perBatch).map { _ in generator.query(event) }
    }

    static func runBoth(_ queries: [String], url: String) throws -> (api: ProcessResult, local: ProcessResult) {
        let script = queries.joined(separator: ";\n")
        let common = ["query", script, "--now", AggregateDiffData.now, "--format", "ndjson", "--color", "never"]
        let api = try runDubQL(common + ["--api", "--api-url", url],
                               environment: ["DUB_API_KEY": AggregateDiffData.key, "DUBQL_API_RETRIES": "2"], timeout: 180)
        let local = try runDubQL(common + AggregateDiffData.dataArguments(), timeout: 180)
        return (api, local)
    }

    @Test(arguments: 0..<batches)
    func apiAndLocalAggregatesAreEqual(batch: Int) throws {
        let server = try AggregateDiffData.server.get()
        let queries = try Self.queries(batch: batch)
        let (api, local) = try Self.runBoth(queries, url: server.url)
        if local.status != 0 {
            let rejected = try queries.filter { try runDubQL(["query", $0, "--now", AggregateDiffData.now] + AggregateDiffData.dataArguments()).status != 0 }
            Issue.record(Comment(rawValue: "the generator made queries the local engine rejects: \(rejected) \(local.stderr.prefix(600))"))
            return
        }
        if api.stdout == local.stdout && api.status == local.status && !api.stdout.isEmpty { return }
        var differing: [String] = []
        for query in queries {
            let (a, l) = try Self.runBoth([query], url: server.url)
            if a.stdout != l.stdout || a.status != l.status {
                differing.append("\(query)\n    api: exit \(a.status) \(a.stdout.prefix(300)) \(a.stderr.prefix(300))\n    local: exit \(l.status) \(l.stdout.prefix(300))")
            }
            if differing.count >= 4 { break }
        }
        Issue.record(Comment(rawValue: "API and local aggregates differ:\n\(differing.joined(separator: "\n"))"))
    }

    /// The generated queries take both paths: some plan onto /analytics, some onto /events.
    @Test func generatedQueriesTakeBothPaths() throws {
        let all = try (0..<Self.batches).flatMap { try Self.queries(batch: $0) }
        #expect(all.count >= 200)
        var paths: [String: Int] = [:]
        for q in all.prefix(60) {
            let r = try runDubQL(["explain", "--format", "json", "--now", AggregateDiffData.now, q])
            let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            paths[object?["path"] as? String ?? "error", default: 0] += 1
        }
        #expect((paths["/analytics"] ?? 0) >= 10 && (paths["/events"] ?? 0) >= 10, "\(paths)")
        for feature in ["TIMEZONE 'America/New_York'", "TIMEZONE 'Pacific/Auckland'", "GROUP BY day", "GROUP BY week",
                        "GROUP BY hour", "HAVING", "count(DISTINCT", "sum(sale.amount)", "GROUP BY country, city", " OR "] {
            #expect(all.contains { $0.contains(feature) }, "no generated query has \(feature)")
        }
    }
}
