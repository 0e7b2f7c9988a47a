// `dubql serve` under hostile and careless clients: what the transport answers (malformed heads,
// huge heads, CONNECT, HEAD, 405), idle connections, slow requests beside fast ones, the work of
// big filter lists, the key from the environment or a file, and a fuzz test of query parsing
// against Dub's model.

import DubQL
import DubQLEngine
import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import DubQLAPIModel
import DubQLTestSupport
import Testing

// MARK: - Raw HTTP

/// One TCP exchange with the server, below URLSession: arbitrary bytes out, whatever comes back.
enum RawHTTP {
    struct Exchange {
        var bytes: Data
        /// True when the server closed the connection (as opposed to the wait timing out).
        var closed: Bool
        var seconds: Double
        var text: String { String(decoding: bytes, as: UTF8.self) }
        /// The status code of the first response line, or 0.
        var status: Int {
            let line = text.split(separator: "\r\n", maxSplits: 1).first ?? ""
            let parts = line.split(separator: " ")
            return parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        }
        /// A header of the response (name case-insensitive).
        func header(_ name: String) -> String? {
            let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
            for line in head.components(separatedBy: "\r\n").dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
        var body: String { text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n") }
        var errorCode: String? {
            let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            return (json?["error"] as? [String: Any])?["code"] as? String
        }
    }

    static func port(of url: String) -> UInt16 { UInt16(url.split(separator: ":").last ?? "") ?? 0 }

    /// A connected socket to 127.0.0.1:`port`.
    static func connect(_ port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServeFailure(message: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { close(fd); throw ServeFailure(message: "connect() failed") }
        var tv = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            sent += n
        }
    }

    /// Reads until the server closes the connection or `timeout` seconds pass.
    static func read(_ fd: Int32, timeout: Double) -> (Data, closed: Bool) {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { data.append(contentsOf: buffer[0..<n]); continue }
            if n == 0 { return (data, true) }
            if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR { return (data, true) }
        }
        return (data, false)
    }

    /// Sends `request` on a new connection and reads the answer.
    static func exchange(_ url: String, _ request: String, timeout: Double = 10) throws -> Exchange {
        let fd = try connect(port(of: url))
        defer { close(fd) }
        let started = Date()
        send(fd, Array(request.utf8))
        let (data, closed) = read(fd, timeout: timeout)
        return Exchange(bytes: data, closed: closed, seconds: Date().timeIntervalSince(started))
    }
}

/// Percent-encodes a query component (everything but the unreserved characters).
func queryEncode(_ s: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
}

// MARK: - Transport

@Suite struct ServerTransportTests {
    static let key = APITestData.key

    @Test func malformedRequestsGetDubsErrorBodyAndAClosedConnection() throws {
        let server = try APITestData.shared.get()
        let cases: [(id: String, request: String, status: Int, code: String)] = [
            ("unknown method", "FROB /events HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"),
            ("not HTTP", "hello\r\n\r\n", 400, "bad_request"),
            ("bad header", "GET /events HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400, "bad_request"),
            ("head over 256 KiB", "GET /events?q=\(String(repeating: "a", count: 300_000)) HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
        ]
        for c in cases {
            let answer = try RawHTTP.exchange(server.url, c.request)
            #expect(answer.status == c.status, "\(c.id): \(answer.text.prefix(200))")
            #expect(answer.errorCode == c.code, "\(c.id): \(answer.body.prefix(200))")
            #expect(answer.header("content-type") == "application/json", "\(c.id)")
            #expect(answer.closed, "\(c.id): the connection stays open")
        }
    }

    @Test func connectIsAnsweredAndClosedInsteadOfHanging() throws {
        let server = try APITestData.shared.get()
        let answer = try RawHTTP.exchange(server.url, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", timeout: 10)
        #expect(answer.status == 405)
        #expect(answer.header("allow") == "GET, HEAD, OPTIONS")
        #expect(answer.closed && answer.seconds < 5, "CONNECT hung for \(answer.seconds) s")
    }

    @Test func methodsAreAnsweredAsNextJsDoesWithDubsBody() throws {
        let server = try APITestData.shared.get()
        let post = try RawHTTP.exchange(server.url, "POST /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Self.key)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        #expect(post.status == 405)
        #expect(post.header("allow") == "GET, HEAD, OPTIONS")
        #expect(post.errorCode == "method_not_allowed", "\(post.body)")
        let options = try RawHTTP.exchange(server.url, "OPTIONS /events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(options.status == 204)
        #expect(options.header("allow") == "GET, HEAD, OPTIONS")
    }

    @Test func headAdvertisesTheLengthOfTheGetBody() throws {
        let server = try APITestData.shared.get()
        let target = "/events?event=sales&interval=all&limit=7"
        let get = try RawHTTP.exchange(server.url, "GET \(target) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Self.key)\r\nConnection: close\r\n\r\n")
        let head = try RawHTTP.exchange(server.url, "HEAD \(target) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Self.key)\r\nConnection: close\r\n\r\n")
        #expect(get.status == 200 && head.status == 200)
        let length = try #require(get.header("content-length").flatMap(Int.init))
        #expect(length == get.body.utf8.count)
        #expect(length > 100)
        #expect(head.header("content-length") == String(length))
        #expect(head.body.isEmpty)
    }

    /// A 10,000-character `query` of non-ASCII text is valid for Dub (120 KB percent-encoded):
    /// it is served; one character more is Dub's 422.
    @Test func aLongNonASCIIQueryIsServedAndOneMoreCharacterIsDubs422() throws {
        let server = try APITestData.shared.get()
        let prefix = "metadata['plan']:"
        let value = String(repeating: "€", count: 10_000 - prefix.count)
        let ok = try httpGet(server.url + "/events?event=leads&interval=all&query=" + queryEncode(prefix + value),
                             authorization: "Bearer \(Self.key)")
        #expect(ok.status == 200, "\(ok.text.prefix(300))")
        #expect(ok.text == "[]")
        let tooLong = try httpGet(server.url + "/events?event=leads&interval=all&query=" + queryEncode(prefix + value + "€"),
                                  authorization: "Bearer \(Self.key)")
        #expect(tooLong.status == 422)
        #expect(tooLong.text.contains("too_big: query: Too big: expected string to have <=10000 characters"))
    }

    @Test func silentAndHalfOpenConnectionsAreClosedAfterTheIdleTimeout() throws {
        let server = try ServeProcess(["--data", try APITestData.small.get(), "--idle-timeout", "1", "--quiet"])
        defer { server.stop() }
        let port = RawHTTP.port(of: server.url)
        var sockets: [Int32] = []
        defer { for fd in sockets { close(fd) } }
        for i in 0..<60 {
            let fd = try RawHTTP.connect(port)
            // Half of them send the start of a request head and never finish it.
            if i % 2 == 1 { RawHTTP.send(fd, Array("GET /events HTTP/1.1\r\nHost: x\r\n".utf8)) }
            sockets.append(fd)
        }
        let started = Date()
        var open = 0
        for fd in sockets where !RawHTTP.read(fd, timeout: max(0.2, 6 - Date().timeIntervalSince(started))).closed { open += 1 }
        #expect(open == 0, "\(open) of \(sockets.count) connections still open after \(Date().timeIntervalSince(started)) s")
        // The server still answers.
        let answer = try httpGet(server.url + "/events?limit=1&interval=all", authorization: "Bearer dub_x")
        #expect(answer.status == 200)
    }
}

// MARK: - Work per request

@Suite struct ServerLoadTests {
    /// 20,000 clicks, as in the audit (a 60 KB `utm_source` took 46 s on them).
    static let clicks: Result<String, ServeFailure> = {
        do {
            let path = try makeTemporaryDirectory().appendingPathComponent("clicks20k.ndjson").path
            let r = try runDubQL(["generate", "--event", "clicks", "--count", "20000", "--seed", "5", "--days", "30",
                                  "--end", APITestData.now, "--output", path])
            return r.status == 0 ? .success(path) : .failure(ServeFailure(message: r.stderr))
        } catch {
            return .failure(ServeFailure(message: "\(error)"))
        }
    }()

    static func timed(_ url: String) throws -> (HTTPAnswer, Double) {
        let started = Date()
        let answer = try httpGet(url, authorization: "Bearer dub_x")
        return (answer, Date().timeIntervalSince(started))
    }

    @Test func bigUTMFiltersAreQuickAndOversizedOnesAre422() throws {
        let server = try ServeProcess(["--data", try Self.clicks.get(), "--now", APITestData.now, "--quiet"])
        defer { server.stop() }
        let base = server.url + "/events?interval=all&limit=1000&"
        // Lists just under the limit: short values, values with LIKE wildcards, one long value.
        let lists = [
            (0..<1_600).map { "v\($0)" }.joined(separator: ","),
            (0..<1_200).map { "a_\($0)%" }.joined(separator: ","),
            String(repeating: "x", count: 9_999),
            "twitter," + (0..<1_500).map { "t\($0)" }.joined(separator: ","),
        ]
        for list in lists {
            #expect(list.utf16.count <= 10_000)
            let (answer, seconds) = try Self.timed(base + "utm_source=" + queryEncode(list))
            #expect(answer.status == 200, "\(answer.text.prefix(200))")
            #expect(seconds < 5, "a \(list.count)-character utm_source took \(seconds) s")
        }
        let (matched, _) = try Self.timed(base + "utm_source=" + queryEncode(lists[3]))
        #expect(((matched.json as? [Any])?.count ?? 0) > 0, "utm_source=twitter,... matches the twitter clicks")
        let (tooBig, _) = try Self.timed(base + "utm_source=" + String(repeating: "x", count: 10_001))
        #expect(tooBig.status == 422)
        #expect(tooBig.text.contains("too_big: utm_source: Too big: expected string to have <=10000 characters"))
    }

    /// Requests that keep a core busy for 3 seconds (the `spin` fault) do not hold up a normal one.
    /// (Threads, not tasks: a blocking wait in a task would itself starve the test's executor.)
    @Test func aNormalRequestIsAnsweredWhileSlowOnesRun() throws {
        let server = try ServeProcess(["--data", try APITestData.small.get(), "--fault", "spinx3", "--quiet"])
        defer { server.stop() }
        let url = server.url + "/events?limit=5&interval=all"
        let slow = SlowTimes()
        for _ in 0..<3 {
            Thread { slow.add((try? Self.timed(url))?.1 ?? -1) }.start()
        }
        usleep(600_000)
        let (answer, seconds) = try Self.timed(url)
        #expect(answer.status == 200)
        #expect(seconds < 1.5, "a normal request waited \(seconds) s behind slow ones")
        let deadline = Date().addingTimeInterval(30)
        while slow.all.count < 3 && Date() < deadline { usleep(50_000) }
        #expect(slow.all.count == 3 && slow.all.allSatisfy { $0 >= 2.5 }, "the slow requests were not slow: \(slow.all)")
    }
}

/// Durations collected from several threads.
final class SlowTimes: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Double] = []
    func add(_ v: Double) { lock.lock(); values.append(v); lock.unlock() }
    var all: [Double] { lock.lock(); defer { lock.unlock() }; return values }
}

// MARK: - Keys and hosts

@Suite struct ServerKeyTests {
    @Test func aHostBeyondLoopbackNeedsAKey() throws {
        let data = try APITestData.small.get()
        for host in ["0.0.0.0", "::", "192.0.2.1"] {
            let r = try runDubQL(["serve", "--data", data, "--host", host, "--port", "0", "--max-lifetime", "5"])
            #expect(r.status == 64, "\(host): \(r.stderr)")
            #expect(r.stderr.contains("--host \(host) is reachable from other machines"), "\(host): \(r.stderr)")
        }
    }

    @Test func theKeyComesFromTheEnvironmentOrAFile() throws {
        let data = try APITestData.small.get()
        let file = try makeTemporaryDirectory().appendingPathComponent("key")
        try "dub_fromFile123\n".write(to: file, atomically: true, encoding: .utf8)
        let servers: [(String, ServeProcess)] = [
            ("dub_fromEnv123", try ServeProcess(["--data", data, "--quiet"], environment: ["DUBQL_SERVE_API_KEY": "dub_fromEnv123"])),
            ("dub_fromFile123", try ServeProcess(["--data", data, "--quiet", "--api-key-file", file.path])),
        ]
        for (key, server) in servers {
            defer { server.stop() }
            #expect(try httpGet(server.url + "/events?limit=1", authorization: "Bearer \(key)").status == 200, "\(key)")
            #expect(try httpGet(server.url + "/events?limit=1", authorization: "Bearer dub_other").status == 401, "\(key)")
        }
        let missing = try runDubQL(["serve", "--data", data, "--port", "0", "--api-key-file", "/nonexistent/key"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("cannot read the key file"))
        let both = try runDubQL(["serve", "--data", data, "--port", "0", "--api-key", "a", "--api-key-file", file.path])
        #expect(both.status == 64)
    }
}

// MARK: - Fuzzing the query parsing

/// Random `GET /events` parameters, sent to `dubql serve` and given to ``APIModel`` (Dub's server
/// written from its source) over the same events: the same status, message and events, in order.
@Suite struct ServerFuzzTests {
    struct Vocabulary {
        var values: [String: [String]]
    }

    static func vocabulary(_ store: EventStore) -> Vocabulary {
        var values: [String: Set<String>] = [:]
        let columns: [(String, StringColumn)] = [("country", .country), ("city", .city), ("device", .device), ("browser", .browser),
                                                 ("os", .os), ("referer", .referer), ("continent", .continent), ("trigger", .trigger),
                                                 ("domain", .domain), ("linkId", .linkID), ("customerId", .customerID),
                                                 ("refererUrl", .refererURL), ("region", .region)]
        for row in 0..<store.count {
            for (name, column) in columns { if let v = store.string(column, row) { values[name, default: []].insert(v) } }
            if let url = store.string(.clickURL, row) {
                values["url", default: []].insert(URLText.withoutQuery(url))
                for utm in ["utm_source", "utm_medium", "utm_campaign"] {
                    if let v = URLText.queryParameter(utm, in: url) { values[utm, default: []].insert(v) }
                }
            }
        }
        return Vocabulary(values: values.mapValues { $0.sorted() })
    }

    /// A value for `name`: one seen in the data, or a variation (prefix, wildcard, case, accent).
    static func value(_ name: String, _ vocabulary: Vocabulary, _ r: inout SplitMix64) -> String {
        let seen = vocabulary.values[name] ?? []
        let base = seen.isEmpty ? "x" : seen[Int(r.next() % UInt64(seen.count))]
        switch r.next() % 8 {
        case 0: return String(base.prefix(max(1, base.count / 2)))
        case 1: return base.replacingOccurrences(of: "e", with: "_")
        case 2: return base + "%"
        case 3: return base.lowercased()
        case 4: return base + "é"
        default: return base
        }
    }

    static func parameters(_ vocabulary: Vocabulary, _ r: inout SplitMix64) -> [String: String] {
        var p: [String: String] = [:]
        p["event"] = ["clicks", "leads", "sales"][Int(r.next() % 3)]
        switch r.next() % 4 {
        case 0: p["interval"] = ["24h", "7d", "30d", "90d", "all", "mtd", "1h"][Int(r.next() % 7)]
        case 1: p["start"] = "2026-07-\(10 + r.next() % 20)"
        default: p["interval"] = "all"
        }
        let filters = ["country", "city", "device", "browser", "os", "referer", "continent", "trigger", "domain", "linkId",
                       "url", "refererUrl", "utm_source", "utm_medium", "utm_campaign"]
        for _ in 0..<(1 + r.next() % 3) {
            let name = filters[Int(r.next() % UInt64(filters.count))]
            let list = (0..<(1 + r.next() % 3)).map { _ in value(name, vocabulary, &r) }.joined(separator: ",")
            p[name] = (r.next() % 4 == 0 ? "-" : "") + list
        }
        if r.next() % 6 == 0 { p["region"] = value("region", vocabulary, &r) }
        if r.next() % 6 == 0 { p["root"] = ["true", "false", "maybe"][Int(r.next() % 3)] }
        if r.next() % 6 == 0 { p["customerId"] = value("customerId", vocabulary, &r) }
        if p["event"] != "clicks", r.next() % 4 == 0 {
            p["query"] = ["metadata['plan']:pro", "metadata['plan']:'business' AND metadata['seats']>=5",
                          "metadata['seats'] > 10 or metadata['plan'] != free", "metadata['x']:y"][Int(r.next() % 4)]
        }
        if p["event"] == "sales", r.next() % 3 == 0 { p["saleType"] = ["new", "recurring"][Int(r.next() % 2)] }
        p["limit"] = String([1, 7, 50, 1000, 1001][Int(r.next() % 5)])
        if r.next() % 3 == 0 { p["page"] = String(1 + r.next() % 3) }
        if r.next() % 3 == 0 { p["sortOrder"] = ["asc", "desc"][Int(r.next() % 2)] }
        return p
    }

    static func eventID(_ event: [String: Any]) -> String {
        (event["eventId"] as? String) ?? ((event["click"] as? [String: Any])?["id"] as? String) ?? ""
    }

    @Test func randomParametersMeanWhatDubsModelSays() throws {
        let server = try APITestData.shared.get()
        let store = try EventLoader.load(paths: try APITestData.files()).store
        let records = store.records
        let vocabulary = Self.vocabulary(store)
        let now = try #require(ISOInstant.parse(APITestData.now))
        var random = SplitMix64(state: 14)
        var checked = 0
        for i in 0..<150 {
            let params = Self.parameters(vocabulary, &random)
            let query = params.sorted { $0.key < $1.key }.map { "\($0.key)=\(queryEncode($0.value))" }.joined(separator: "&")
            let answer = try httpGet(server.url + "/events?" + query, authorization: "Bearer \(APITestData.key)")
            do throws(APIModelError) {
                let model = try APIModel.parse(params, now: now)
                let expected = model.select(from: records).map { $0.eventID }
                #expect(answer.status == 200, "#\(i) \(query): \(answer.text.prefix(200))")
                let got = ((answer.json as? [[String: Any]]) ?? []).map(Self.eventID)
                #expect(got == expected, "#\(i) \(query): \(got.count) events, the model says \(expected.count)")
                if got != expected { break }
            } catch {
                #expect(answer.status == error.status, "#\(i) \(query)")
                let message = ((answer.json as? [String: Any])?["error"] as? [String: Any])?["message"] as? String
                #expect(message == error.message, "#\(i) \(query): \(answer.text.prefix(200))")
            }
            checked += 1
        }
        #expect(checked == 150)
    }
}
