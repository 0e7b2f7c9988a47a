// `dubql serve` over real HTTP on loopback: auth, Dub's error bodies, validation, rate limit,
// paging and the shape of the events it returns; plus the helpers the client tests share.

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import DubQLTestSupport

// MARK: - A running server

/// A `dubql serve` child process on a free loopback port; stopped with SIGTERM by ``stop()``,
/// and in any case after `--max-lifetime` seconds, so no test leaves one behind.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    /// `http://127.0.0.1:PORT`, the first line the server prints.
    private(set) var url = ""
    private let errors = LockedData()
    private let group = DispatchGroup()

    init(_ arguments: [String], lifetime: Int = 120, environment: [String: String] = [:]) throws {
        process.executableURL = DubQLBinary.url
        process.arguments = ["serve", "--port", "0", "--host", "127.0.0.1", "--max-lifetime", String(lifetime),
                             "--exit-with-parent"] + arguments
        var env = ProcessInfo.processInfo.environment
        for key in ["DUB_API_KEY", "DUB_API_URL", "DUBQL_SERVE_API_KEY"] { env[key] = nil }
        for (k, v) in environment { env[k] = v }
        process.environment = env
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
        // The URL is the first stdout line; wait for it at most 30 seconds.
        var line = Data()
        let deadline = Date().addingTimeInterval(30)
        let reader = out.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) && Date() < deadline && process.isRunning {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        url = String(decoding: line, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        guard url.hasPrefix("http://127.0.0.1:") else {
            stop()
            throw ServeFailure(message: "dubql serve did not start: \(String(decoding: errors.get(), as: UTF8.self))")
        }
    }

    /// SIGTERM, then waits; returns the exit status and everything the server wrote to stderr.
    @discardableResult
    func stop() -> (status: Int32, stderr: String) {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        group.wait()
        return (process.terminationStatus, String(decoding: errors.get(), as: UTF8.self))
    }

    deinit { if process.isRunning { stop() } }
}

struct ServeFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// One HTTP answer: status, headers (lower-cased names) and body.
struct HTTPAnswer {
    var status: Int
    var headers: [String: String]
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: Any? { try? JSONSerialization.jsonObject(with: body) }
}

/// A GET with URLSession, synchronously (tests only), with a 20 second timeout.
func httpGet(_ url: String, authorization: String? = nil) throws -> HTTPAnswer {
    guard let target = URL(string: url) else { throw ServeFailure(message: "bad URL \(url)") }
    var request = URLRequest(url: target, timeoutInterval: 20)
    if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
    let result = LockedResult()
    let done = DispatchSemaphore(value: 0)
    URLSession.shared.dataTask(with: request) { data, response, error in
        if let http = response as? HTTPURLResponse {
            var headers: [String: String] = [:]
            for (k, v) in http.allHeaderFields { if let k = k as? String, let v = v as? String { headers[k.lowercased()] = v } }
            result.set(HTTPAnswer(status: http.statusCode, headers: headers, body: data ?? Data()))
        } else {
            result.fail("\(error.map { "\($0)" } ?? "no response")")
        }
        done.signal()
    }.resume()
    _ = done.wait(timeout: .now() + 30)
    return try result.get()
}

final class LockedResult: @unchecked Sendable {
    private let lock = NSLock()
    private var answer: HTTPAnswer?
    private var failure: String?
    func set(_ a: HTTPAnswer) { lock.lock(); answer = a; lock.unlock() }
    func fail(_ f: String) { lock.lock(); failure = f; lock.unlock() }
    func get() throws -> HTTPAnswer {
        lock.lock(); defer { lock.unlock() }
        if let answer { return answer }
        throw ServeFailure(message: failure ?? "no answer")
    }
}

/// Generated event files shared by the API tests (written once per test run).
enum APITestData {
    /// The clock of the data and of every client and server in these tests.
    static let now = "2026-08-18T12:00:00Z"
    static let key = "dub_e2eSecretKey1234567890"

    /// The directory holding `clicks.ndjson`, `leads.ndjson`, `sales.ndjson`.
    static let directory: Result<URL, ServeFailure> = {
        do {
            let dir = try makeTemporaryDirectory()
            for (event, count, seed) in [("clicks", 2500, 11), ("leads", 900, 12), ("sales", 900, 13)] {
                let r = try runDubQL(["generate", "--event", event, "--count", String(count), "--seed", String(seed),
                                      "--days", "40", "--end", now, "--output", dir.appendingPathComponent("\(event).ndjson").path])
                guard r.status == 0 else { return .failure(ServeFailure(message: "generate failed: \(r.stderr)")) }
            }
            return .success(dir)
        } catch {
            return .failure(ServeFailure(message: "\(error)"))
        }
    }()

    /// A small file of clicks, for tests that are about faults rather than data.
    static let small: Result<String, ServeFailure> = {
        do {
            let path = try makeTemporaryDirectory().appendingPathComponent("small.ndjson").path
            let r = try runDubQL(["generate", "--event", "clicks", "--count", "120", "--seed", "21", "--days", "20",
                                  "--end", now, "--output", path])
            return r.status == 0 ? .success(path) : .failure(ServeFailure(message: "generate failed: \(r.stderr)"))
        } catch {
            return .failure(ServeFailure(message: "\(error)"))
        }
    }()

    /// One server over all the files, with the test key and clock, shared by the tests that only
    /// read from it; it exits with the test process.
    static let shared: Result<ServeProcess, ServeFailure> = {
        do {
            return .success(try ServeProcess(try dataArguments() + ["--now", now, "--api-key", key, "--quiet"], lifetime: 900))
        } catch {
            return .failure(ServeFailure(message: "\(error)"))
        }
    }()

    static func files() throws -> [String] {
        let dir = try directory.get()
        return ["clicks", "leads", "sales"].map { dir.appendingPathComponent("\($0).ndjson").path }
    }

    /// `--data F` for every file.
    static func dataArguments() throws -> [String] { try files().flatMap { ["--data", $0] } }
}

// MARK: - Tests

@Suite struct ServerTests {
    /// The events the server returns are Dub's: the required fields of the OpenAPI
    /// `ClickEvent`/`LeadEvent`/`SaleEvent` schemas, written down here.
    static let requiredTop: [String: [String]] = [
        "click": ["event", "timestamp", "click", "link", "click_id", "link_id", "domain", "key", "url", "continent",
                  "country", "city", "device", "browser", "os", "qr", "ip"],
        "lead": ["event", "timestamp", "eventId", "eventName", "click", "link", "customer", "click_id", "link_id",
                 "domain", "key", "url", "continent", "country", "city", "device", "browser", "os", "qr", "ip"],
        "sale": ["event", "timestamp", "eventId", "eventName", "click", "link", "customer", "sale", "saleAmount",
                 "invoice_id", "payment_processor", "click_id", "link_id", "domain", "key", "url", "continent",
                 "country", "city", "device", "browser", "os", "qr", "ip"],
    ]
    static let requiredClick = ["id", "timestamp", "url", "country", "city", "region", "continent", "device", "browser",
                                "os", "referer", "refererUrl", "qr", "ip"]
    static let requiredLink = ["id", "domain", "key", "url", "trackConversion", "externalId", "tenantId", "programId",
                               "partnerId", "archived", "expiresAt", "expiredUrl", "password", "proxy", "title",
                               "description", "image", "video", "rewrite", "doIndex", "ios", "android", "geo",
                               "publicStats", "tags", "folderId", "webhookIds", "comments", "shortLink", "qrCode",
                               "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "userId",
                               "workspaceId", "clicks", "leads", "sales", "saleAmount", "createdAt", "updatedAt"]
    static let requiredCustomer = ["id", "name", "externalId", "createdAt"]
    static let requiredSale = ["amount", "paymentProcessor"]

    static let authCases: [(id: String, header: String?, status: Int, code: String, message: String)] = [
        ("no header", nil, 401, "unauthorized", "Missing Authorization header."),
        ("wrong key", "Bearer dub_wrong", 401, "unauthorized", "Unauthorized: Invalid API key."),
        ("no Bearer", APITestData.key, 400, "bad_request",
         "Misconfigured authorization header. Did you forget to add 'Bearer '? Learn more: https://d.to/auth"),
        ("basic auth", "Basic abc", 400, "bad_request",
         "Misconfigured authorization header. Did you forget to add 'Bearer '? Learn more: https://d.to/auth"),
    ]

    @Test func authErrorsAreDubs() throws {
        let server = try ServeProcess(try APITestData.dataArguments() + ["--api-key", APITestData.key])
        defer { server.stop() }
        for c in Self.authCases {
            let answer = try httpGet(server.url + "/events", authorization: c.header)
            #expect(answer.status == c.status, "\(c.id)")
            let error = (answer.json as? [String: Any])?["error"] as? [String: Any]
            #expect(error?["code"] as? String == c.code, "\(c.id)")
            #expect(error?["message"] as? String == c.message, "\(c.id)")
            let anchor = c.code.replacingOccurrences(of: "_", with: "-")
            #expect(error?["doc_url"] as? String == "https://dub.co/docs/api-reference/errors#\(anchor)", "\(c.id)")
        }
    }

    static let validationCases: [(id: String, query: String, message: String)] = [
        ("limit too big", "limit=1001", "too_big: limit: Max page size is 1000."),
        ("bad interval", "interval=1h", "invalid_value: interval"),
        ("bad event", "event=composite", "invalid_value: event: Invalid option"),
        ("bad start", "start=notadate", "custom: start: Invalid date"),
        ("page zero", "page=0", "Page must be greater than 0."),
    ]

    @Test func validationErrorsAre422WithDubsMessages() throws {
        let server = try ServeProcess(try APITestData.dataArguments())
        defer { server.stop() }
        for c in Self.validationCases {
            let answer = try httpGet(server.url + "/events?" + c.query, authorization: "Bearer dub_any")
            #expect(answer.status == 422, "\(c.id): \(answer.text)")
            let error = (answer.json as? [String: Any])?["error"] as? [String: Any]
            #expect(error?["code"] as? String == "unprocessable_entity", "\(c.id)")
            #expect((error?["message"] as? String)?.contains(c.message) == true, "\(c.id): \(answer.text)")
            #expect(error?["doc_url"] as? String == "https://dub.co/docs/api-reference/errors#unprocessable-entity")
        }
        let notFound = try httpGet(server.url + "/links", authorization: "Bearer dub_any")
        #expect(notFound.status == 404)
    }

    @Test(arguments: ["clicks", "leads", "sales"])
    func eventsHaveDubsShapeAndComeInOrder(event: String) throws {
        let server = try ServeProcess(try APITestData.dataArguments() + ["--now", APITestData.now])
        defer { server.stop() }
        let answer = try httpGet(server.url + "/events?event=\(event)&interval=all&limit=50", authorization: "Bearer dub_x")
        #expect(answer.status == 200)
        #expect(answer.headers["content-type"]?.hasPrefix("application/json") == true)
        let events = try #require(answer.json as? [[String: Any]])
        #expect(events.count == 50)
        var previous = "9999"
        for e in events {
            let type = try #require(e["event"] as? String)
            #expect(type == String(event.dropLast()))
            for field in Self.requiredTop[type] ?? [] { #expect(e[field] != nil, "\(type) lacks \(field)") }
            let click = try #require(e["click"] as? [String: Any])
            for field in Self.requiredClick { #expect(click[field] != nil, "click lacks \(field)") }
            let link = try #require(e["link"] as? [String: Any])
            for field in Self.requiredLink { #expect(link[field] != nil, "link lacks \(field)") }
            if type != "click" {
                let customer = try #require(e["customer"] as? [String: Any])
                for field in Self.requiredCustomer { #expect(customer[field] != nil, "customer lacks \(field)") }
            }
            if type == "sale" {
                let sale = try #require(e["sale"] as? [String: Any])
                for field in Self.requiredSale { #expect(sale[field] != nil, "sale lacks \(field)") }
            }
            // The top-level timestamp is the event's (JavaScript's Date#toString, whole seconds).
            let timestamp = try #require(e["timestamp"] as? String)
            let stamp = try #require(Self.sortableJavaScriptDate(timestamp))
            #expect(stamp <= previous, "newest first")
            previous = stamp
        }
    }

    /// `Tue Aug 18 2026 14:03:12 GMT+0000 (...)` as `2026-08-18 14:03:12`.
    static func sortableJavaScriptDate(_ text: String) -> String? {
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count >= 5, let month = months.firstIndex(of: String(parts[1])) else { return nil }
        return "\(parts[3])-\(month < 9 ? "0" : "")\(month + 1)-\(parts[2]) \(parts[4])"
    }

    @Test func pagesDoNotOverlapAndAscendingReversesTheOrder() throws {
        let server = try ServeProcess(try APITestData.dataArguments() + ["--now", APITestData.now])
        defer { server.stop() }
        func ids(_ query: String) throws -> [String] {
            let answer = try httpGet(server.url + "/events?event=clicks&interval=all&" + query, authorization: "Bearer dub_x")
            return ((answer.json as? [[String: Any]]) ?? []).compactMap { ($0["click"] as? [String: Any])?["id"] as? String }
        }
        let all = try ids("limit=60")
        #expect(all.count == 60)
        #expect(try ids("limit=30&page=1") + ids("limit=30&page=2") == all)
        let everything = try ids("limit=1000&page=1") + ids("limit=1000&page=2") + ids("limit=1000&page=3")
        #expect(everything.count == 2500)
        #expect(try ids("limit=1000&page=4").isEmpty)
        let ascending = try ids("limit=1000&page=3&sortOrder=asc")
        #expect(Array(everything.prefix(500).reversed()) == ascending)
    }

    /// What Dub's server does with parameters, seen through `dubql serve` (reference/dub-api.md §1-§3).
    static let semantics: [(id: String, query: String, check: @Sendable ([String: Any]) -> Bool)] = [
        ("plus is a space", "city=San+Jose", { click($0, "city") == "San Jose" }),
        ("percent escapes", "city=San%20Jose", { click($0, "city") == "San Jose" }),
        ("last repeated key wins", "country=US&country=DE", { click($0, "country") == "DE" }),
        ("exclusion list", "country=-US,DE", { !["US", "DE"].contains(click($0, "country")) }),
        ("utm substring", "utm_source=goog", { click($0, "url").contains("utm_source=goog") }),
        ("region overrides country", "region=US-CA&country=DE", { click($0, "region") == "US-CA" }),
        ("start rounds down to the day", "start=2026-08-10T13:45:00Z&end=2026-08-10T14:00:00Z",
         { click($0, "timestamp").hasPrefix("2026-08-10") }),
        // `start` is read as an instant (midnight UTC), then taken to the start of its day in the
        // time zone: 2026-08-09 in New York. `end` likewise ends 2026-08-10 there.
        ("start in a time zone", "start=2026-08-10&end=2026-08-10&timezone=America/New_York",
         { let t = click($0, "timestamp"); return t >= "2026-08-09T04:00:00.000Z" && t <= "2026-08-11T03:59:59.999Z" }),
        ("device is capitalised", "device=mobile", { click($0, "device") == "Mobile" }),
        ("url ignores the query string", "url=https://acme.com/pricing", { click($0, "url").hasPrefix("https://acme.com/pricing") }),
    ]

    static func click(_ event: [String: Any], _ field: String) -> String {
        (event["click"] as? [String: Any])?[field] as? String ?? ""
    }

    @Test(arguments: semantics.map(\.id))
    func parametersMeanWhatTheyMeanOnDub(id: String) throws {
        let c = try #require(Self.semantics.first { $0.id == id })
        let server = try APITestData.shared.get()
        let answer = try httpGet(server.url + "/events?interval=all&limit=1000&" + c.query, authorization: "Bearer \(APITestData.key)")
        #expect(answer.status == 200, "\(answer.text.prefix(200))")
        let events = try #require(answer.json as? [[String: Any]])
        #expect(!events.isEmpty, "\(id): no events")
        let outside = events.filter { !c.check($0) }.count
        #expect(outside == 0, "\(id): \(outside) of \(events.count) events do not match")
    }

    @Test func linkIdSuppressesLinkLevelFilters() throws {
        let server = try APITestData.shared.get()
        func get(_ query: String) throws -> [[String: Any]] {
            let answer = try httpGet(server.url + "/events?interval=all&limit=1000&" + query, authorization: "Bearer \(APITestData.key)")
            return try #require(answer.json as? [[String: Any]])
        }
        let first = try #require(try get("limit=1").first)
        let link = try #require(first["link"] as? [String: Any])
        let id = try #require(link["id"] as? String), domain = try #require(link["domain"] as? String)
        let byLink = try get("linkId=\(id)")
        #expect(!byLink.isEmpty)
        // A domain filter that excludes the link's own domain is ignored once linkId is set.
        #expect(try get("linkId=\(id)&domain=-\(domain)").count == byLink.count)
    }

    @Test func rateLimitAnswers429WithRetryAfterInEpochMilliseconds() throws {
        let server = try ServeProcess(try APITestData.dataArguments() + ["--rate-limit", "1"])
        defer { server.stop() }
        var answers: [HTTPAnswer] = []
        for _ in 0..<3 { answers.append(try httpGet(server.url + "/events?limit=1", authorization: "Bearer dub_x")) }
        let limited = try #require(answers.first { $0.status == 429 })
        let error = (limited.json as? [String: Any])?["error"] as? [String: Any]
        #expect(error?["code"] as? String == "rate_limit_exceeded")
        #expect(error?["message"] as? String == "Too many requests.")
        #expect(error?["doc_url"] as? String == "https://dub.co/docs/api-reference/errors#rate-limit_exceeded")
        let retryAfter = try #require(limited.headers["retry-after"].flatMap { Int64($0) })
        let nowMillis = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(retryAfter > nowMillis - 5_000 && retryAfter < nowMillis + 5_000)
        #expect(limited.headers["x-ratelimit-limit"] == "1")
        #expect(limited.headers["x-ratelimit-reset"] == limited.headers["retry-after"])
    }

    @Test func logsOneLinePerRequestAndStopsCleanlyOnSIGTERM() throws {
        let server = try ServeProcess(try APITestData.dataArguments())
        _ = try httpGet(server.url + "/events?limit=2&country=US", authorization: "Bearer dub_x")
        _ = try httpGet(server.url + "/events", authorization: nil)
        let (status, stderr) = server.stop()
        #expect(status == 0)
        #expect(stderr.contains("GET /events?limit=2&country=US 200"))
        #expect(stderr.contains("GET /events 401"))
        #expect(stderr.contains("dubql serve: stopped"))
    }

    @Test func rejectsMissingDataAndBadOptions() throws {
        let missing = try runDubQL(["serve", "--data", "/nonexistent/events.ndjson", "--port", "0"])
        #expect(missing.status == 66)
        let none = try runDubQL(["serve", "--port", "0"])
        #expect(none.status == 64)
        #expect(none.stderr.contains("--data"))
        let badNow = try runDubQL(["serve", "--data", try APITestData.files()[0], "--now", "yesterday"])
        #expect(badNow.status == 64)
    }
}
