// `dubql query --api` against `dubql serve` on loopback: rows, key handling, and every fault
// the client must survive or explain (401, 403, 422, 429, 500, bad JSON, closed connections,
// timeouts, nothing listening).

import Foundation
import Testing

@Suite struct ClientTests {
    static let now = APITestData.now
    static let key = APITestData.key

    /// Runs `dubql query QUERY --api --api-url URL` with the test key (and `environment`).
    static func query(_ text: String, url: String, format: String = "ndjson", extra: [String] = [],
                      environment: [String: String] = [:]) throws -> ProcessResult {
        var env = ["DUB_API_KEY": key, "DUBQL_API_RETRIES": "3"]
        for (k, v) in environment { env[k] = v }
        return try runDubQL(["query", text, "--api", "--api-url", url, "--now", now, "--format", format] + extra,
                            environment: env)
    }

    /// The key never shows, in any form but the masked one.
    static func expectNoKey(_ r: ProcessResult, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!r.stdout.contains(key), sourceLocation: sourceLocation)
        #expect(!r.stderr.contains(key), sourceLocation: sourceLocation)
        #expect(!r.stderr.contains(String(key.dropFirst(4))), sourceLocation: sourceLocation)
    }

    @Test func rowsMatchTheLocalEngineAndTheKeyIsMaskedInVerboseLogs() throws {
        let server = try APITestData.shared.get()
        let text = "SELECT sales WHERE country IN (US, DE) AND NOT browser = Chrome SINCE 30d LIMIT 20"
        let api = try Self.query(text, url: server.url, extra: ["--verbose"])
        #expect(api.status == 0, "\(api.stderr)")
        let local = try runDubQL(["query", text, "--now", Self.now, "--format", "ndjson"] + APITestData.dataArguments())
        #expect(local.status == 0)
        #expect(api.stdout == local.stdout)
        #expect(api.stdout.split(separator: "\n").count == 20)
        #expect(api.stderr.contains("Authorization: Bearer dub_…****"))
        #expect(api.stderr.contains("> GET \(server.url)/events?event=sales"))
        Self.expectNoKey(api)
    }

    @Test(arguments: ["table", "json", "csv", "line", "markdown"])
    func everyFormatPrintsWhatTheLocalEngineDoes(format: String) throws {
        let server = try APITestData.shared.get()
        // Several pages and a union, so rows come from several page stores; and no rows at all.
        for text in ["SELECT click.id, country, browser FROM clicks WHERE country = US OR browser = Firefox SINCE 30d LIMIT 1200",
                     "SELECT clicks WHERE country = ZW SINCE 7d"] {
            let api = try Self.query(text, url: server.url, format: format)
            let local = try runDubQL(["query", text, "--now", Self.now, "--format", format] + APITestData.dataArguments())
            #expect(api.status == 0, "\(api.stderr)")
            #expect(api.stdout == local.stdout, "\(text)")
        }
    }

    @Test func unionsOfOverlappingRequestsKeepOneRowPerEvent() throws {
        let server = try APITestData.shared.get()
        // Every US click is also a North American one: both requests return it, the answer once.
        let text = "SELECT clicks WHERE country = US OR continent = NA SINCE all LIMIT 3000"
        let api = try Self.query(text, url: server.url, extra: ["--verbose"])
        let local = try runDubQL(["query", text, "--now", Self.now, "--format", "ndjson"] + APITestData.dataArguments())
        #expect(api.status == 0, "\(api.stderr)")
        #expect(api.stdout == local.stdout)
        let lines = api.stdout.split(separator: "\n")
        #expect(lines.count > 1000)
        #expect(Set(lines).count == lines.count)
        #expect(api.stderr.contains("&country=US&") && api.stderr.contains("&continent=NA&"))
    }

    @Test func explainNeverShowsTheKey() throws {
        let r = try runDubQL(["query", "EXPLAIN SELECT clicks WHERE country = US", "--api", "--api-url", "http://127.0.0.1:9",
                              "--now", Self.now], environment: ["DUB_API_KEY": Self.key])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("FETCH GET /events?event=clicks&country=US"))
        Self.expectNoKey(r)
    }

    /// No server at the port, or a host name that does not resolve: reported at once (exit 69),
    /// not retried for seconds as a passing fault is.
    @Test(arguments: [("http://127.0.0.1:1", "connection refused"), ("http://nonexistent.invalid", "unknown host")])
    func aWrongURLFailsFast(url: String, reason: String) throws {
        let started = Date()
        let r = try runDubQL(["query", "SELECT clicks LIMIT 5", "--api", "--api-url", url, "--now", Self.now],
                             environment: ["DUB_API_KEY": Self.key])
        let seconds = Date().timeIntervalSince(started)
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.contains(reason), "\(r.stderr)")
        #expect(!r.stderr.contains("retrying"), "\(r.stderr)")
        #expect(seconds < 5, "took \(seconds) s")
        #expect(r.stdout.isEmpty)
        Self.expectNoKey(r)
    }

    @Test func missingKeyWithAPISaysHowToSetIt() throws {
        let r = try runDubQL(["query", "SELECT clicks", "--api"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("DUB_API_KEY"))
    }

    static let failures: [(id: String, fault: String, status: Int32, message: String)] = [
        ("401", "401", 77, "error: unauthorized: Unauthorized: Invalid API key.\n  see https://dub.co/docs/api-reference/errors#unauthorized"),
        ("403", "403", 77, "error: forbidden: Unauthorized: Need higher plan.\n  see https://dub.co/docs/api-reference/errors#forbidden"),
        ("422", "422", 65, "error: unprocessable_entity: too_big: limit: Max page size is 1000.\n  see https://dub.co/docs/api-reference/errors#unprocessable-entity"),
        ("500 always", "500", 69, "(gave up after 3 attempts)"),
        ("429 always", "429", 69, "rate_limit_exceeded: Too many requests."),
        ("html", "html", 69, "unexpected response from the API: the body is not JSON (text/html)"),
        ("object", "object", 69, "unexpected response from the API: a JSON object, expected a JSON array of events"),
        ("closed connection", "close", 69, "cannot reach the API at 127.0.0.1:"),
        // The key is never sent to another host: such a redirect is not followed.
        ("redirect elsewhere", "redirect", 69, "the API answered HTTP 302 without Dub's error body"),
    ]

    @Test(arguments: failures.map(\.id))
    func faultsBecomeReadableErrorsWithExitCodes(id: String) throws {
        let c = try #require(Self.failures.first { $0.id == id })
        let server = try ServeProcess(["--data", try APITestData.small.get(), "--now", Self.now, "--fault", c.fault])
        defer { server.stop() }
        let r = try Self.query("SELECT clicks WHERE country = US LIMIT 5", url: server.url)
        #expect(r.status == c.status, "\(r.stderr)")
        #expect(r.stderr.contains(c.message), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        Self.expectNoKey(r)
    }

    /// A request that fails before any row arrives prints no empty result, in any format.
    @Test(arguments: ["table", "json", "csv"])
    func aFailedQueryPrintsNoEmptyResult(format: String) throws {
        let server = try ServeProcess(["--data", try APITestData.small.get(), "--now", Self.now, "--fault", "401"])
        defer { server.stop() }
        let r = try Self.query("SELECT clicks WHERE country = US LIMIT 5", url: server.url, format: format)
        #expect(r.status == 77, "\(r.stderr)")
        #expect(r.stdout.isEmpty, "\(r.stdout)")
    }

    @Test(arguments: ["500x2", "503x1", "429x2", "closex1"])
    func transientFaultsAreRetried(fault: String) throws {
        let small = try APITestData.small.get()
        let server = try ServeProcess(["--data", small, "--now", Self.now, "--fault", fault])
        defer { server.stop() }
        let text = "SELECT clicks WHERE country = US SINCE 30d LIMIT 5"
        let r = try Self.query(text, url: server.url)
        #expect(r.status == 0, "\(r.stderr)")
        // The injected 429 says `Retry-After: 1` (seconds); the real limiter sends epoch milliseconds.
        #expect(r.stderr.contains(fault.hasPrefix("429") ? "retrying in 1 s" : "retrying in"))
        #expect(r.stdout.split(separator: "\n").count == 5)
        let local = try runDubQL(["query", text, "--now", Self.now, "--format", "ndjson", "--data", small])
        #expect(r.stdout == local.stdout)
    }

    @Test func aShortPageIsNotTheEnd() throws {
        // Every third event of each page is left out, as Dub leaves out events of deleted links:
        // pages of 1000 come back with 666 or 667, and the client must keep going.
        let server = try ServeProcess(try APITestData.dataArguments() + ["--now", Self.now, "--fault", "drop"])
        defer { server.stop() }
        let text = "SELECT clicks SINCE all LIMIT 1500"
        let api = try Self.query(text, url: server.url, extra: ["--verbose"])
        #expect(api.status == 0, "\(api.stderr)")
        let rows = api.stdout.split(separator: "\n")
        #expect(rows.count == 1500)
        #expect(api.stderr.contains("&page=3"))
        // The rows are the local answer's, in its order, minus the dropped ones.
        let local = try runDubQL(["query", "SELECT clicks SINCE all LIMIT 3000", "--now", Self.now, "--format", "ndjson"]
                                 + APITestData.dataArguments())
        var remaining = rows[...]
        for line in local.stdout.split(separator: "\n") where remaining.first == line { remaining = remaining.dropFirst() }
        #expect(remaining.isEmpty)
    }

    @Test func rateLimitIsWaitedOutWithRetryAfter() throws {
        let server = try ServeProcess(try APITestData.dataArguments() + ["--now", Self.now, "--rate-limit", "1"])
        defer { server.stop() }
        // Three pages of 1000 at one request per second: the second and third wait for Retry-After.
        let text = "SELECT clicks SINCE all LIMIT 2600"
        let r = try Self.query(text, url: server.url)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("rate limited by the API (HTTP 429); retrying in"))
        // Retry-After is the window's reset in epoch milliseconds: the waits are under a second.
        let waits = r.stderr.split(separator: "\n").compactMap { line -> Double? in
            guard let range = line.range(of: "retrying in ") else { return nil }
            return Double(line[range.upperBound...].prefix { $0 != " " })
        }
        #expect(!waits.isEmpty && waits.allSatisfy { $0 <= 1.0 }, "\(waits)")
        let local = try runDubQL(["query", text, "--now", Self.now, "--format", "ndjson"] + APITestData.dataArguments())
        #expect(r.stdout == local.stdout)
        #expect(r.stdout.split(separator: "\n").count == 2500)
    }

    @Test func aServerThatDoesNotAnswerTimesOut() throws {
        let server = try ServeProcess(["--data", try APITestData.small.get(), "--fault", "hang"])
        defer { server.stop() }
        let r = try Self.query("SELECT clicks LIMIT 1", url: server.url,
                               environment: ["DUBQL_API_TIMEOUT": "1", "DUBQL_API_RETRIES": "1"])
        #expect(r.status == 69)
        #expect(r.stderr.contains("the API did not answer within 1 s"))
    }

    @Test func ctrlCCancelsARunningQuery() throws {
        // A server that takes the request and never answers; Ctrl-C once the request is out (a
        // fixed wait raced the process's start-up on a loaded machine).
        let server = try ClientRobustnessTests.stallingServer()
        defer { server.stop() }
        let process = Process()
        process.executableURL = DubQLBinary.url
        process.arguments = ["query", "SELECT clicks WHERE utm_source = stall SINCE 7d LIMIT 1", "--api", "--api-url", server.url]
        var env = ProcessInfo.processInfo.environment
        env["DUB_API_KEY"] = Self.key
        process.environment = env
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let started = Date().addingTimeInterval(60)
        while server.requestCount == 0 && process.isRunning && Date() < started { usleep(20_000) }
        usleep(100_000)
        process.interrupt()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 130)
        #expect(stderr.contains("dubql: error: cancelled"))
    }

    @Test func nothingListeningIsUnavailable() throws {
        let r = try Self.query("SELECT clicks LIMIT 1", url: "http://127.0.0.1:9", environment: ["DUBQL_API_RETRIES": "1"])
        #expect(r.status == 69)
        #expect(r.stderr.contains("cannot reach the API at 127.0.0.1:9"))
    }

    @Test func aBadAPIURLIsAUsageError() throws {
        let r = try runDubQL(["query", "SELECT clicks", "--api", "--api-url", "ftp://example"],
                             environment: ["DUB_API_KEY": Self.key])
        #expect(r.status == 64)
        #expect(r.stderr.contains("invalid API URL 'ftp://example'"))
    }

    @Test func dubAPIURLFromTheEnvironmentIsUsed() throws {
        let server = try APITestData.shared.get()
        let r = try runDubQL(["query", "SELECT leads SINCE 30d LIMIT 3", "--now", Self.now, "--format", "ndjson"],
                             environment: ["DUB_API_KEY": Self.key, "DUB_API_URL": server.url])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count == 3)
    }
}
