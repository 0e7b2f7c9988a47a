// DubQL on a real ClickHouse: chDB (ClickHouse 26, embedded) behind Tests/ClickHouse/chdb_http.py,
// started by the tests on a free loopback port. `dubql load` fills Dub's tables with the generated
// events, then `dubql query --clickhouse` must give the local engine's rows for hundreds of
// generated queries, and errors must be readable with the right exit codes.

import DubQLTestSupport
import Foundation
import Testing

// MARK: - The chDB front

/// `python3 Tests/ClickHouse/chdb_http.py --port 0`, stopped with SIGTERM (or when the tests exit).
final class ChdbProcess: @unchecked Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ClickHouse/chdb_http.py").path
    let process = Process()
    private(set) var url = ""
    private let errors = LockedData()
    private let group = DispatchGroup()

    init(_ arguments: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "--port", "0", "--exit-with-parent", "--max-lifetime", "900"] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        group.enter()
        let errors = self.errors
        DispatchQueue.global().async { [group] in
            errors.set(err.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        try process.run()
        var line = Data()
        let deadline = Date().addingTimeInterval(60)
        let reader = out.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) && Date() < deadline && process.isRunning {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        url = String(decoding: line, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        guard url.hasPrefix("http://127.0.0.1:") else {
            stop()
            throw ServeFailure(message: "the chDB front did not start (is chdb installed? pip install chdb): "
                               + String(decoding: errors.get(), as: UTF8.self))
        }
    }

    func stop() {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        group.wait()
    }

    deinit { if process.isRunning { stop() } }
}

/// One chDB front with a password, holding the generated events loaded with `dubql load`.
enum ClickHouseTestData {
    static let user = "dubql"
    static let password = "chSecretPassw0rd"
    static let database = "dub"

    static let shared: Result<(server: ChdbProcess, load: ProcessResult), ServeFailure> = {
        do {
            let server = try ChdbProcess(["--user", user, "--password", password])
            let load = try runDubQL(["load", "--clickhouse", url(server), "--database", database] + (try APITestData.files()),
                                    timeout: 300)
            guard load.status == 0 else { return .failure(ServeFailure(message: "dubql load failed: \(load.stderr)")) }
            return .success((server, load))
        } catch let e as ServeFailure {
            return .failure(e)
        } catch {
            return .failure(ServeFailure(message: "\(error)"))
        }
    }()

    /// The server's URL with the credentials in it.
    static func url(_ server: ChdbProcess) -> String {
        server.url.replacingOccurrences(of: "http://", with: "http://\(user):\(password)@")
    }

    static func arguments() throws -> [String] {
        ["--clickhouse", url(try shared.get().server), "--database", database]
    }
}

// MARK: - Tests

@Suite struct ClickHouseTests {
    @Test func loadCreatesTablesAndIsIdempotent() throws {
        let (server, first) = try ClickHouseTestData.shared.get()
        #expect(first.stderr.contains("inserted 2,500 clicks, 900 leads, 900 sales"), "\(first.stderr)")
        let again = try runDubQL(["load", "--clickhouse", ClickHouseTestData.url(server), "--database", ClickHouseTestData.database]
                                 + (try APITestData.files()), timeout: 120)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("inserted no events (4,300 already loaded, skipped)"), "\(again.stderr)")
        #expect(!first.stderr.contains(ClickHouseTestData.password) && !again.stderr.contains(ClickHouseTestData.password))
        let all = try runDubQL(["query", "SELECT clicks SINCE all LIMIT 1000000", "--format", "ndjson"] + (try ClickHouseTestData.arguments()))
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.split(separator: "\n").count == 2500)
    }

    @Test func anEventThatCannotBeMappedNamesFileAndLine() throws {
        let (server, _) = try ClickHouseTestData.shared.get()
        let dir = try makeTemporaryDirectory()
        let file = dir.appendingPathComponent("bad.ndjson").path
        let good = try String(contentsOfFile: try APITestData.files()[2], encoding: .utf8).split(separator: "\n")[0]
        let bad = good.replacingOccurrences(of: #""sale":{"amount":"#, with: #""sale":{"amount":12.5,"was":"#)
            .replacingOccurrences(of: #""eventId":""#, with: #""eventId":"other"#)
        try (String(good) + "\n" + bad + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let r = try runDubQL(["load", "--clickhouse", ClickHouseTestData.url(server), "--database", "scratch", file])
        #expect(r.status == 65)
        #expect(r.stderr.contains("bad.ndjson:2: error: this event cannot be stored in Dub's tables: 'sale.amount' must be a whole number"), "\(r.stderr)")
    }

    @Test func explainShowsTheSQLAndItsParameters() throws {
        let q = "SELECT sales WHERE country IN (US, DE) AND NOT browser = Chrome AND utm_source = 'it''s' SINCE 30d"
        let text = try runDubQL(["explain", "--target", "clickhouse", "--now", APITestData.now, "--workspace", "ws_cl123", q])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("QUERY PLAN (clickhouse)\nSELECT\n"))
        #expect(text.stdout.contains("FROM dub_sale_events_mv AS e\n"))
        #expect(text.stdout.contains("WHERE e.workspace_id = {p1:String}\n"))
        #expect(text.stdout.contains("  AND e.country IN ({p3:String}, {p4:String})\n"), "\(text.stdout)")
        #expect(text.stdout.contains("decodeURLFormComponent(extractURLParameter(e.url, 'utm_source')) = {p6:String}"), "\(text.stdout)")
        #expect(text.stdout.contains("ORDER BY e.timestamp DESC, e.event_id DESC\nLIMIT {p7:UInt64}\n"), "\(text.stdout)")
        #expect(text.stdout.contains("  p1 String = 'cl123'\n"))
        #expect(text.stdout.contains("  p6 String = 'it\\'s'\n"))
        // Values never appear in the SQL itself.
        let sql = text.stdout.components(separatedBy: "PARAMETERS")[0]
        #expect(!sql.contains("'US'") && !sql.contains("it's") && !sql.contains("cl123"))

        let json = try runDubQL(["explain", "--target", "clickhouse", "--format", "json", "--now", APITestData.now, q])
        #expect(json.status == 0)
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(plan["source"] as? String == "clickhouse")
        #expect((plan["sql"] as? String)?.hasPrefix("SELECT\n") == true)
        #expect((plan["params"] as? [String: String])?["p2"] == "US")
    }

    @Test func explainShowsAnAggregateAsOneGroupByStatement() throws {
        let q = "SELECT country, count() AS n, sum(sale.amount) FROM sales WHERE device = Mobile GROUP BY country "
            + "ORDER BY n DESC LIMIT 5 SINCE 30d"
        let text = try runDubQL(["explain", "--target", "clickhouse", "--now", APITestData.now, q])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("  e.country AS k1,\n  count() AS a1,\n  sum(toInt64(e.amount)) AS a2\n"), "\(text.stdout)")
        #expect(text.stdout.contains("GROUP BY k1\nORDER BY a1 DESC NULLS FIRST, k1 ASC NULLS LAST\nLIMIT {p3:UInt64}\n"), "\(text.stdout)")
        // A time series keeps its empty buckets and HAVING on the client: ClickHouse sends every group.
        let series = try runDubQL(["explain", "--target", "clickhouse", "--now", APITestData.now,
                                   "SELECT day, count() FROM leads GROUP BY day HAVING count() > 2 SINCE 7d TIMEZONE 'America/New_York'"])
        #expect(series.status == 0, "\(series.stderr)")
        #expect(series.stdout.contains("toInt64(toUnixTimestamp(toStartOfDay(toDateTime(e.timestamp, {p1:String})))) * 1000 AS k1"), "\(series.stdout)")
        #expect(!series.stdout.contains("ORDER BY") && series.stdout.contains("  p1 String = 'America/New_York'\n"), "\(series.stdout)")
        #expect(series.stdout.contains("note: the groups' order, HAVING and LIMIT are applied to ClickHouse's groups by DubQL"))
    }

    static let errorCases: [(id: String, query: String, code: String)] = [
        ("customer email", "SELECT leads WHERE customer.email = 'a@b.c'", "'customer.email' cannot be evaluated on ClickHouse"),
        ("currency", "SELECT sales WHERE sale.currency = usd", "drops the currency"),
        ("external id", "SELECT clicks WHERE externalId = x", "'externalId' cannot be evaluated on ClickHouse"),
        ("group key", "SELECT customer.country, count() FROM leads GROUP BY customer.country", "keep only the customer's id"),
        ("aggregate", "SELECT count(DISTINCT link.title) FROM clicks", "'link.title' cannot be evaluated on ClickHouse"),
    ]

    @Test(arguments: errorCases)
    func fieldsTheTablesLackAreErrors(c: (id: String, query: String, code: String)) throws {
        let r = try runDubQL(["explain", "--target", "clickhouse", c.query])
        #expect(r.status == 65, "\(c.id)")
        #expect(r.stderr.contains("error[DQL0406]") && r.stderr.contains(c.code), "\(c.id): \(r.stderr)")
    }

    @Test func errorsAreReadableWithExitCodesAndNoCredentials() throws {
        let (server, _) = try ClickHouseTestData.shared.get()
        let wrong = server.url.replacingOccurrences(of: "http://", with: "http://dubql:wrongPassword99@")
        let auth = try runDubQL(["query", "SELECT clicks", "--clickhouse", wrong, "--database", "dub"])
        #expect(auth.status == 77, "\(auth.stderr)")
        #expect(auth.stderr.contains("ClickHouse refused the credentials: dubql: Authentication failed"), "\(auth.stderr)")
        #expect(!auth.stderr.contains("wrongPassword99"))

        let missing = try runDubQL(["query", "SELECT clicks", "--clickhouse", ClickHouseTestData.url(server), "--database", "nothing_here"])
        #expect(missing.status == 65, "\(missing.stderr)")
        #expect(missing.stderr.contains("ClickHouse rejected the query: ") && missing.stderr.contains("dubql load --clickhouse"), "\(missing.stderr)")
        #expect(!missing.stderr.contains(ClickHouseTestData.password))

        let down = try runDubQL(["query", "SELECT clicks", "--clickhouse", "http://u:secretDown1@127.0.0.1:9", "--database", "dub"])
        #expect(down.status == 69, "\(down.stderr)")
        #expect(down.stderr.contains("ClickHouse is unavailable: cannot connect to 127.0.0.1:9"), "\(down.stderr)")
        #expect(!down.stderr.contains("secretDown1"))

        let verbose = try runDubQL(["query", "SELECT clicks WHERE country = US LIMIT 2", "--verbose", "--format", "ndjson"]
                                   + (try ClickHouseTestData.arguments()))
        #expect(verbose.status == 0)
        #expect(verbose.stderr.contains("> POST http://dubql:****@127.0.0.1:"), "\(verbose.stderr)")
        #expect(verbose.stderr.contains("param_p2 = US"), "\(verbose.stderr)")
        #expect(!verbose.stderr.contains(ClickHouseTestData.password))
    }

    @Test func theURLCanComeFromTheEnvironment() throws {
        let (server, _) = try ClickHouseTestData.shared.get()
        let r = try runDubQL(["query", "SELECT leads SINCE all LIMIT 3", "--format", "ndjson"],
                             environment: ["DUBQL_CLICKHOUSE_URL": server.url + "/?database=dub",
                                           "DUBQL_CLICKHOUSE_USER": ClickHouseTestData.user,
                                           "DUBQL_CLICKHOUSE_PASSWORD": ClickHouseTestData.password])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count == 3)
    }

    @Test func theREPLOpensClickHouse() throws {
        let (server, _) = try ClickHouseTestData.shared.get()
        let url = ClickHouseTestData.url(server).replacingOccurrences(of: "http://", with: "clickhouse://") + "/?database=dub"
        let r = try runDubQL(["--format", "ndjson"], stdin: ".open \(url)\nSELECT sales SINCE all LIMIT 2;\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").filter { $0.hasPrefix("{\"event\":\"sale\"") }.count == 2, "\(r.stdout)")
        #expect(!r.stdout.contains(ClickHouseTestData.password) && !r.stderr.contains(ClickHouseTestData.password))
    }

    /// Every output format gives the local engine's text for columns both backends hold.
    @Test(arguments: ["table", "csv", "json", "markdown", "line"])
    func outputFormatsMatchTheLocalEngine(format: String) throws {
        let q = "SELECT timestamp, click.country, link.domain, eventId, sale.amount FROM sales WHERE country IN (US, DE) SINCE all LIMIT 25"
        let common = ["query", q, "--now", APITestData.now, "--format", format, "--color", "never"]
        let ch = try runDubQL(common + (try ClickHouseTestData.arguments()))
        let local = try runDubQL(common + (try APITestData.dataArguments()))
        #expect(ch.status == 0 && local.status == 0, "\(ch.stderr)")
        #expect(ch.stdout == local.stdout)
    }

    /// Sale types come from the first sale of each link and customer, in ClickHouse as locally.
    @Test(arguments: ["table", "csv"])
    func saleTypesMatchTheLocalEngine(format: String) throws {
        let q = "SELECT timestamp, eventId, saleType, sale.amount FROM sales SINCE all LIMIT 80"
        let common = ["query", q, "--now", APITestData.now, "--format", format, "--color", "never"]
        let ch = try runDubQL(common + (try ClickHouseTestData.arguments()))
        let local = try runDubQL(common + (try APITestData.dataArguments()))
        #expect(ch.status == 0 && local.status == 0, "\(ch.stderr)")
        #expect(ch.stdout == local.stdout)
        #expect(ch.stdout.contains("new") && ch.stdout.contains("recurring"), "\(ch.stdout)")
        // The default columns show them too; whole events in JSON do not ask ClickHouse for them.
        let table = try runDubQL(["query", "SELECT sales SINCE all LIMIT 30", "--now", APITestData.now, "--color", "never"]
                                 + (try ClickHouseTestData.arguments()))
        #expect(table.status == 0 && table.stdout.contains("recurring"), "\(table.stdout)\(table.stderr)")
        let explained = try runDubQL(["explain", "--target", "clickhouse", "SELECT sales SINCE all"])
        #expect(explained.stdout.contains("if(e.event_id = fs.first_event_id, 'new', 'recurring') AS `saleType`"), "\(explained.stdout)")
    }

    // MARK: Differential

    static let batches = 12

    /// The API differential's generated queries (known to bind), without the fields Dub's tables
    /// cannot answer (`externalId`, `customer.email`).
    static func queries(batch: Int) throws -> [String] {
        try DifferentialTests.queries(batch: batch).filter { !$0.contains("externalId") && !$0.contains("customer.email") }
    }

    /// Every query the suite runs holds every feature it is meant to cover, and there are hundreds.
    @Test func generatedQueriesAreManyAndVaried() throws {
        let all = try (0..<Self.batches).flatMap { try Self.queries(batch: $0) }
        #expect(all.count >= 200, "only \(all.count) queries")
        for feature in [" OR ", " NOT IN ", "region", "linkId", "utm_", "TIMEZONE", "OFFSET", "ASC", "metadata", "saleType",
                        "key =", "customerId", "sale.amount", "root", "folderId"] {
            #expect(all.contains { $0.contains(feature) }, "no generated query has \(feature)")
        }
    }

    /// The id and instant of every row, in order (the parts of an event both backends keep).
    static func rows(_ ndjson: String) -> [String] {
        ndjson.split(separator: "\n").map { line in
            guard let e = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return "?" + line }
            let id = (e["eventId"] as? String) ?? ((e["click"] as? [String: Any])?["id"] as? String) ?? "?"
            return id + " " + ((e["timestamp"] as? String).map(Self.second) ?? "?")
        }
    }

    /// `Tue Dec 01 2026 10:55:10 GMT...` and `2026-12-01T10:55:10.000Z` to the same second.
    static func second(_ text: String) -> String {
        if let d = ISO8601DateFormatter.withFractions.date(from: text) ?? ISO8601DateFormatter().date(from: text) {
            return String(Int(d.timeIntervalSince1970))
        }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "EEE MMM dd yyyy HH:mm:ss 'GMT'Z"
        let head = text.components(separatedBy: " (").first ?? text
        return f.date(from: head).map { String(Int($0.timeIntervalSince1970)) } ?? text
    }

    static func runBoth(_ queries: [String]) throws -> (ch: ProcessResult, local: ProcessResult) {
        let script = queries.joined(separator: ";\n")
        let common = ["query", script, "--now", APITestData.now, "--format", "ndjson", "--color", "never"]
        return (try runDubQL(common + (try ClickHouseTestData.arguments()), timeout: 120),
                try runDubQL(common + (try APITestData.dataArguments()), timeout: 120))
    }

    @Test(arguments: 0..<batches)
    func clickHouseAndLocalAnswersAreEqual(batch: Int) throws {
        let queries = try Self.queries(batch: batch)
        let (ch, local) = try Self.runBoth(queries)
        #expect(local.status == 0, "the generator made a query the local engine rejects: \(local.stderr)")
        if Self.rows(ch.stdout) == Self.rows(local.stdout) && ch.status == local.status { return }
        var differing: [String] = []
        for query in queries {
            let (c, l) = try Self.runBoth([query])
            let (rc, rl) = (Self.rows(c.stdout), Self.rows(l.stdout))
            if rc != rl || c.status != l.status {
                let first = zip(rc, rl).first(where: { $0 != $1 }).map { "first difference: \($0.0) vs \($0.1)" } ?? ""
                differing.append("\(query)\n    clickhouse: exit \(c.status), \(rc.count) rows \(c.stderr.prefix(400))\n    local: exit \(l.status), \(rl.count) rows \(first)")
            }
            if differing.count >= 5 { break }
        }
        Issue.record(Comment(rawValue: "ClickHouse and local answers differ:\n\(differing.joined(separator: "\n"))"))
    }

    // MARK: - Aggregates

    static let aggregateBatches = 5

    /// Random aggregate queries (the engine's property test's generator) without the fields Dub's
    /// tables lack.
    static func aggregateQueries(batch: Int) -> [String] {
        var r = SplitMix64(seed: 0xC1A66 &+ UInt64(batch) &* 7919)
        return (0..<45).map { _ in AggregateQueries.query(&r, without: ["link.title", "customer.country", "link.shortLink"]) }
    }

    @Test(arguments: 0..<aggregateBatches)
    func clickHouseAndLocalAggregatesAreEqual(batch: Int) throws {
        let queries = Self.aggregateQueries(batch: batch)
        let (ch, local) = try Self.runBoth(queries)
        #expect(local.status == 0, "the generator made a query the local engine rejects: \(local.stderr)")
        #expect(local.stdout.split(separator: "\n").count > queries.count, "too few groups to compare")
        if ch.stdout == local.stdout && ch.status == local.status { return }
        var differing: [String] = []
        for query in queries {
            let (c, l) = try Self.runBoth([query])
            if c.stdout != l.stdout || c.status != l.status {
                let (rc, rl) = (c.stdout.split(separator: "\n"), l.stdout.split(separator: "\n"))
                let first = zip(rc, rl).first(where: { $0 != $1 }).map { "first difference: \($0.0) vs \($0.1)" } ?? ""
                differing.append("\(query)\n    clickhouse: exit \(c.status), \(rc.count) rows \(c.stderr.prefix(400))\n    local: exit \(l.status), \(rl.count) rows \(first)")
            }
            if differing.count >= 5 { break }
        }
        Issue.record(Comment(rawValue: "ClickHouse and local aggregates differ:\n\(differing.joined(separator: "\n"))"))
    }
}
