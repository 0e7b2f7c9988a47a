// End-to-end tests of `dubql query`: files, stdin, several files, gzip, the demo default, errors.

import Foundation
import Testing
import DubQLTestSupport

/// Event files made by `dubql generate` once per test run, in a temporary directory.
enum EngineFixture {
    static let end = "2026-08-18T14:03:12Z"
    static let dir: URL = {
        let d = (try? makeTemporaryDirectory()) ?? FileManager.default.temporaryDirectory
        for (event, count, seed) in [("clicks", 400, "3"), ("sales", 150, "4")] {
            _ = try? runDubQL(["generate", "--event", event, "--count", "\(count)", "--seed", seed, "--days", "10",
                               "--end", end, "--output", d.appendingPathComponent("\(event).ndjson").path])
        }
        return d
    }()
    static var clicks: String { dir.appendingPathComponent("clicks.ndjson").path }
    static var sales: String { dir.appendingPathComponent("sales.ndjson").path }

    /// The events of a file, parsed independently of the engine (the test oracle).
    static func events(_ path: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    static func query(_ q: String, _ extra: [String] = [], stdin: String? = nil, env: [String: String] = [:]) throws -> ProcessResult {
        try runDubQL(["query", q, "--now", end] + extra, stdin: stdin, environment: env)
    }
}

@Suite("dubql query")
struct QueryTests {
    @Test func filtersAFileExactlyAsTheEventsSay() throws {
        let r = try EngineFixture.query("SELECT click.id, country, device FROM clicks WHERE country IN (US, DE) AND NOT device = Mobile SINCE 7d LIMIT 1000",
                                        ["--data", EngineFixture.clicks, "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let endMillis = 1_787_061_792_000.0
        let expected = try EngineFixture.events(EngineFixture.clicks).filter { e in
            let click = e["click"] as? [String: Any] ?? [:]
            let ts = ISO8601DateFormatter.withFractions.date(from: click["timestamp"] as? String ?? "")?.timeIntervalSince1970 ?? 0
            return ["US", "DE"].contains(click["country"] as? String ?? "") && click["device"] as? String != "Mobile"
                && ts * 1000 >= endMillis - 7 * 86_400_000 && ts * 1000 <= endMillis
        }.compactMap { ($0["click"] as? [String: Any])?["id"] as? String }
        #expect(rows.map { $0[0] } == expected)
        #expect(!expected.isEmpty)
        #expect(rows.allSatisfy { ["US", "DE"].contains($0[1]) && $0[2] != "Mobile" })
    }

    @Test func readsStdin() throws {
        let text = try String(contentsOfFile: EngineFixture.clicks, encoding: .utf8)
        let r = try EngineFixture.query("SELECT clicks SINCE 30d LIMIT 3", ["--data", "-", "--format", "ndjson"], stdin: text)
        #expect(r.status == 0, "\(r.stderr)")
        let firstLines = text.split(separator: "\n").prefix(3).map(String.init)
        #expect(r.stdout.split(separator: "\n").map(String.init) == firstLines)
    }

    @Test func severalFilesAndGzip() throws {
        let gz = EngineFixture.dir.appendingPathComponent("sales-copy.ndjson")
        try FileManager.default.copyItem(atPath: EngineFixture.sales, toPath: gz.path)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-f", gz.path]
        try p.run()
        p.waitUntilExit()
        let r = try EngineFixture.query("SELECT sales SINCE 30d LIMIT 1000", ["--data", EngineFixture.clicks, "--data", gz.path + ".gz", "--format", "ndjson"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count == 150)
        let clicks = try EngineFixture.query("SELECT clicks SINCE 30d LIMIT 1000", ["--data", EngineFixture.clicks, "--data", gz.path + ".gz", "--format", "ndjson"])
        #expect(clicks.stdout.split(separator: "\n").count == 400)
    }

    @Test func jsonArrayAsTheAPIReturnsIt() throws {
        let lines = try String(contentsOfFile: EngineFixture.sales, encoding: .utf8).split(separator: "\n")
        let array = EngineFixture.dir.appendingPathComponent("page.json")
        try ("[" + lines.joined(separator: ",") + "]").write(to: array, atomically: true, encoding: .utf8)
        let fromArray = try EngineFixture.query("SELECT sales WHERE country = US SINCE 30d LIMIT 1000", ["--data", array.path, "--format", "ndjson"])
        let fromLines = try EngineFixture.query("SELECT sales WHERE country = US SINCE 30d LIMIT 1000", ["--data", EngineFixture.sales, "--format", "ndjson"])
        #expect(fromArray.status == 0, "\(fromArray.stderr)")
        #expect(fromArray.stdout == fromLines.stdout)
        #expect(!fromArray.stdout.isEmpty)
    }

    @Test func demoDataWhenNoDataAndNoKey() throws {
        let r = try runDubQL(["query", "SELECT sales SINCE 7d LIMIT 5"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("querying built-in demo data"))
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stdout.contains("(5 rows)"))
        #expect(r.stdout.contains("sale.amount (USD)"))
    }

    @Test func malformedFileIsAnErrorWithItsPosition() throws {
        let bad = EngineFixture.dir.appendingPathComponent("bad.ndjson")
        let good = try String(contentsOfFile: EngineFixture.clicks, encoding: .utf8).split(separator: "\n").prefix(2).joined(separator: "\n")
        try (good + "\n{\"event\":\"click\",\n").write(to: bad, atomically: true, encoding: .utf8)
        let r = try EngineFixture.query("SELECT clicks SINCE 30d", ["--data", bad.path])
        #expect(r.status == 65)
        #expect(r.stderr.hasPrefix("\(bad.path):3:18: error[DQL0501]: expected a string, found end of line"))
        let skipped = try EngineFixture.query("SELECT clicks SINCE 30d", ["--data", bad.path, "--skip-invalid", "--format", "ndjson"])
        #expect(skipped.status == 0)
        #expect(skipped.stderr.contains("skipped 1 invalid event"))
        #expect(skipped.stdout.split(separator: "\n").count == 2)
    }

    @Test func missingFileIsExit66() throws {
        let r = try EngineFixture.query("SELECT clicks", ["--data", "/nonexistent/events.ndjson"])
        #expect(r.status == 66)
        #expect(r.stderr.contains("/nonexistent/events.ndjson"))
    }

    @Test(arguments: ["tagId", "groupId"])
    func apiOnlyFieldsAreAClearError(_ field: String) throws {
        let r = try EngineFixture.query("SELECT clicks WHERE \(field) = x1", ["--data", EngineFixture.clicks])
        #expect(r.status == 65)
        #expect(r.stderr.contains("'\(field)' cannot be evaluated on local data"))
        #expect(r.stdout.isEmpty)
    }

    @Test func syntaxErrorsAreDiagnostics() throws {
        let r = try EngineFixture.query("SELECT clicks WHERE country =", ["--data", EngineFixture.clicks])
        #expect(r.status == 65)
        #expect(r.stderr.hasPrefix("<query>:1:"))
    }

    @Test func explainPrintsTheLocalPlan() throws {
        let r = try EngineFixture.query("EXPLAIN SELECT clicks WHERE country = US SINCE 7d", ["--data", EngineFixture.clicks])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("QUERY PLAN (local)"))
    }

    @Test func explainAsJSON() throws {
        let r = try EngineFixture.query("EXPLAIN SELECT clicks WHERE country = US SINCE 7d", ["--data", EngineFixture.clicks, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let plan = try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(plan["source"] as? String == "local")
        #expect(plan["event"] as? String == "clicks")
    }

    @Test func severalStatementsRunInOrder() throws {
        let r = try EngineFixture.query("SELECT clicks SINCE 30d LIMIT 1; SELECT sales SINCE 30d LIMIT 2", ["--data", EngineFixture.clicks, "--data", EngineFixture.sales, "--format", "ndjson"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix(#"{"event":"click""#) && lines[2].hasPrefix(#"{"event":"sale""#))
    }
}

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let withFractions: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
}
