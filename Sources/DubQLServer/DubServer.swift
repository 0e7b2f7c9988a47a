// The Dub-compatible HTTP server behind `dubql serve`: routing, auth, rate limit, error bodies,
// one log line per request, and test-only fault injection, on Hummingbird.

import DubQL
import Foundation
import HTTPTypes
import HummingbirdCore
import NIOCore
import Hummingbird
import Logging

// MARK: - What answers /events

/// The body of a successful `GET /events`: a JSON array, and how many events it holds.
public struct EventsBody: Sendable {
    public var bytes: [UInt8]
    public var count: Int
    /// Where each event is in ``bytes``, when known (the `drop` fault uses it).
    public var ranges: [Range<Int>]
    public init(bytes: [UInt8], count: Int, ranges: [Range<Int>] = []) {
        self.bytes = bytes
        self.count = count
        self.ranges = ranges
    }

    /// The body without every `n`th event (the first of each `n`), as Dub's server answers when
    /// events of deleted links are dropped after paging.
    func droppingEvery(_ n: Int) -> EventsBody {
        guard ranges.count == count, n > 0 else { return self }
        var out: [UInt8] = [UInt8(ascii: "[")]
        var kept: [Range<Int>] = []
        for (index, range) in ranges.enumerated() where index % n != 0 {
            if !kept.isEmpty { out.append(UInt8(ascii: ",")) }
            let start = out.count
            out.append(contentsOf: bytes[range])
            kept.append(start..<out.count)
        }
        out.append(UInt8(ascii: "]"))
        return EventsBody(bytes: out, count: kept.count, ranges: kept)
    }
}

/// Answers `GET /events` for decoded query parameters (see ``LocalEventsSource``).
public protocol EventsSource: Sendable {
    /// The answer for `params` at the server's clock `nowMillis`, or Dub's error.
    func events(_ params: [String: String], nowMillis: Int64) -> Result<EventsBody, DubErrorResponse>
    /// The body of `GET /analytics` for `params`, or Dub's error.
    func analytics(_ params: [String: String], nowMillis: Int64) -> Result<[UInt8], DubErrorResponse>
}

extension EventsSource {
    /// Sources without analytics answer 404, as for any unknown path.
    public func analytics(_ params: [String: String], nowMillis: Int64) -> Result<[UInt8], DubErrorResponse> {
        .failure(.notFound)
    }
}

// MARK: - Configuration

/// How `dubql serve` runs.
public struct DubServerConfiguration: Sendable {
    /// The default port.
    public static let defaultPort = 8787

    /// Address to bind; loopback by default.
    public var host: String
    /// Port to bind; 0 picks a free one.
    public var port: Int
    /// The only key accepted; `nil` accepts any Bearer key (the header is still required).
    public var apiKey: String?
    /// Requests per second per key; `nil` for no limit.
    public var rateLimit: Int?
    /// The server's fixed clock in epoch milliseconds (`--now`); `nil` for the real clock.
    public var now: Int64?
    /// Test-only misbehaviour (`--fault`).
    public var fault: Fault?
    /// Seconds a connection may stay silent (no request, or a request head not finished) before
    /// it is closed; a request being answered is never cut.
    public var idleTimeout: Double
    /// The largest request head (request line and headers) accepted, in bytes: room for a
    /// `query` of 10,000 characters of any script, percent-encoded (at most 120 KB).
    public var maxHeadBytes: Int
    /// Requests computed at once, each on its own thread (more wait for one to finish).
    public var workers: Int

    public static let defaultIdleTimeout = 30.0
    public static let defaultMaxHeadBytes = 256 * 1024
    public static let defaultWorkers = 32

    public init(host: String = "127.0.0.1", port: Int = DubServerConfiguration.defaultPort, apiKey: String? = nil,
                rateLimit: Int? = nil, now: Int64? = nil, fault: Fault? = nil,
                idleTimeout: Double = DubServerConfiguration.defaultIdleTimeout,
                maxHeadBytes: Int = DubServerConfiguration.defaultMaxHeadBytes,
                workers: Int = DubServerConfiguration.defaultWorkers) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.rateLimit = rateLimit
        self.now = now
        self.fault = fault
        self.idleTimeout = idleTimeout
        self.maxHeadBytes = maxHeadBytes
        self.workers = workers
    }

    /// True for addresses only this machine can reach: `localhost`, 127.0.0.0/8 and `::1`.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "::1" || h == "[::1]" || h == "0:0:0:0:0:0:0:1" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return false }
        return parts[0] == "127"
    }
}

/// A way of misbehaving, for testing clients: `KIND` or `KINDxN` (only the first N requests).
///
/// Kinds: an HTTP status (`500`, `503` ...) answered with Dub's error body, `html` (a 200 that is
/// not JSON), `object` (a 200 JSON object), `close` (the connection closes before a body),
/// `hang` (no answer for 3 seconds), `redirect` (a 302 to another host), `drop` (every third
/// event of a page left out, as Dub does for events of deleted links: pages come back short),
/// `spin` (3 seconds of CPU before the normal answer: a slow request, for head-of-line tests).
public struct Fault: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case status(Int), html, object, close, hang, redirect, drop, spin
    }
    public var kind: Kind
    /// How many requests misbehave; `nil` for all of them.
    public var count: Int?

    /// Parses `--fault`; `nil` when the text is not one.
    public init?(_ text: String) {
        let parts = text.lowercased().split(separator: "x", maxSplits: 1)
        guard let name = parts.first else { return nil }
        if parts.count == 2 {
            guard let n = Int(parts[1]), n > 0 else { return nil }
            count = n
        } else {
            count = nil
        }
        switch name {
        case "html": kind = .html
        case "object": kind = .object
        case "close": kind = .close
        case "hang": kind = .hang
        case "redirect": kind = .redirect
        case "drop": kind = .drop
        case "spin": kind = .spin
        default:
            guard let status = Int(name), (400...599).contains(status) else { return nil }
            kind = .status(status)
        }
    }
}

// MARK: - Server

/// Serves `GET /events` and `GET /analytics` from an ``EventsSource`` with Dub's auth, rate limit and errors.
public struct DubServer: Sendable {
    public let configuration: DubServerConfiguration
    private let source: any EventsSource
    private let log: @Sendable (String) -> Void
    private let limiter: RateLimiter?
    private let requestCounter = Counter()
    /// Where the events of a request are computed: never on an event loop or the cooperative pool.
    private let pool: WorkerPool

    public init(configuration: DubServerConfiguration, source: any EventsSource, log: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.source = source
        self.log = log
        self.limiter = configuration.rateLimit.map { RateLimiter(limit: $0) }
        self.pool = WorkerPool(maximum: configuration.workers)
    }

    /// An answer before it becomes an HTTP response.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]
        /// Events in the body, for the log line.
        public var events: Int?
        /// Test-only: close the connection instead of sending the body.
        var closeConnection = false
        /// Test-only: wait this long before answering.
        var delaySeconds: Double = 0
    }

    /// The answer to one request, everything but the transport: routing, auth, rate limit, the
    /// events themselves, and any configured fault.
    public func answer(method: String, path: String, query: String?, authorization: String?) -> Answer {
        let serial = requestCounter.next()
        let isAnalytics = path == "/analytics" || path == "/analytics/"
        guard path == "/events" || path == "/events/" || isAnalytics else { return error(.notFound) }
        // As Next.js does for a route that exports GET: HEAD is GET without the body, OPTIONS
        // lists the methods (without authentication), anything else is 405.
        if method == "OPTIONS" {
            return Answer(status: 204, headers: [("Allow", DubErrorResponse.allowedMethods)], body: [])
        }
        guard method == "GET" || method == "HEAD" else {
            return error(.methodNotAllowed(method, path: isAnalytics ? "/analytics" : "/events"))
        }
        // Dub's order of checks: auth, then the rate limit, then the parameters.
        guard let authorization else { return error(.missingAuthorization) }
        guard authorization.hasPrefix("Bearer ") else { return error(.misconfiguredAuthorization) }
        let key = String(authorization.dropFirst("Bearer ".count))
        if let expected = configuration.apiKey, key != expected { return error(.invalidKey) }
        if key.isEmpty { return error(.invalidKey) }
        let realNow = Int64(Date().timeIntervalSince1970 * 1000)
        if let limiter, let tooMany = limiter.check(key: key, nowMillis: realNow) { return error(tooMany) }
        var dropEvery = 0
        if let fault = configuration.fault, fault.count.map({ serial <= $0 }) ?? true {
            switch fault.kind {
            case .drop: dropEvery = 3
            case .spin: Self.spin(seconds: 3)
            default: return answer(for: fault)
            }
        }
        if isAnalytics {
            switch source.analytics(SearchParams.parse(query), nowMillis: configuration.now ?? realNow) {
            case .success(let body):
                return Answer(status: 200, headers: [("Content-Type", "application/json")], body: body)
            case .failure(let failure):
                return error(failure)
            }
        }
        switch source.events(SearchParams.parse(query), nowMillis: configuration.now ?? realNow) {
        case .success(var body):
            if dropEvery > 0 { body = body.droppingEvery(dropEvery) }
            return Answer(status: 200, headers: [("Content-Type", "application/json")], body: body.bytes, events: body.count)
        case .failure(let failure):
            return error(failure)
        }
    }

    private func error(_ failure: DubErrorResponse) -> Answer {
        Answer(status: failure.status, headers: [("Content-Type", "application/json")] + failure.headers,
               body: Array(failure.body.utf8))
    }

    private func answer(for fault: Fault) -> Answer {
        switch fault.kind {
        case .status(let status):
            let failure: DubErrorResponse
            switch status {
            case 401: failure = .invalidKey
            case 403: failure = DubErrorResponse(.forbidden, "Unauthorized: Need higher plan.")
            case 404: failure = .notFound
            case 422: failure = DubErrorResponse(.unprocessableEntity, "too_big: limit: Max page size is 1000.")
            case 429: failure = DubErrorResponse(.rateLimitExceeded, "Too many requests.", headers: [("Retry-After", "1")])
            case 500...: failure = .internalError
            default: failure = DubErrorResponse(.badRequest, "Injected fault.")
            }
            var answer = error(failure)
            answer.status = status
            return answer
        case .html:
            return Answer(status: 200, headers: [("Content-Type", "text/html")],
                          body: Array("<html><body>Bad gateway</body></html>".utf8))
        case .object:
            return Answer(status: 200, headers: [("Content-Type", "application/json")], body: Array("{\"events\":[]}".utf8))
        case .close:
            return Answer(status: 200, headers: [("Content-Type", "application/json")], body: [], closeConnection: true)
        case .drop, .spin:
            return error(.internalError)
        case .redirect:
            return Answer(status: 302, headers: [("Location", "http://127.0.0.2:9/events")], body: [])
        case .hang:
            return Answer(status: 200, headers: [("Content-Type", "application/json")], body: Array("[]".utf8), delaySeconds: 3)
        }
    }

    // MARK: - Running

    /// Binds, calls `onListening` with the base URL (`http://127.0.0.1:PORT`), and serves until
    /// SIGINT or SIGTERM, then shuts down gracefully.
    public func run(onListening: @escaping @Sendable (String) -> Void) async throws {
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            await self.respond(to: request)
        }
        let host = configuration.host
        let log = self.log, maxHead = configuration.maxHeadBytes
        let http = HTTP1Channel.Configuration(
            additionalChannelHandlers: [TransportGuard(maxHeadBytes: maxHead, log: log)],
            idleTimeout: .milliseconds(Int64(configuration.idleTimeout * 1000)),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: maxHead, maxHeaderListSize: maxHead, maxHeaderFieldCount: 100))
        let app = Application(
            responder: responder,
            server: .http1(configuration: http),
            configuration: ApplicationConfiguration(address: .hostname(host, port: configuration.port), serverName: "dubql"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let shownHost = host.contains(":") ? "[\(host)]" : host
                onListening("http://\(shownHost):\(port)")
            },
            logger: Self.quietLogger()
        )
        try await app.runService()
    }

    /// Keeps a core busy (the `spin` fault).
    private static func spin(seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        var x: UInt64 = 1
        while Date() < end { for _ in 0..<10_000 { x = x &* 6364136223846793005 &+ 1 } }
        if x == 0 { print("") }
    }

    /// The request target for the log, cut to a readable length (a head may be 256 KiB).
    static func shownTarget(_ path: String, _ query: String?) -> String {
        let target = path + (query.map { "?" + $0 } ?? "")
        let limit = 512
        guard target.utf8.count > limit else { return target }
        return String(decoding: target.utf8.prefix(limit), as: UTF8.self) + "... (\(target.utf8.count) bytes)"
    }

    /// Hummingbird's own logger, kept to warnings: the request log above is the server's voice.
    private static func quietLogger() -> Logger {
        var logger = Logger(label: "dubql-serve")
        logger.logLevel = .warning
        return logger
    }

    private func respond(to request: Request) async -> Response {
        let started = Date()
        let method = request.method.rawValue
        let uriPath = request.uri.path
        let query = request.uri.query
        let authorization = request.headers[.authorization]
        // The scan is CPU-bound: it runs on a pool thread, so a slow request cannot hold up the
        // event loops or the tasks answering other requests.
        let answer = await pool.run { self.answer(method: method, path: uriPath, query: query, authorization: authorization) }
        if answer.delaySeconds > 0 {
            try? await Task.sleep(nanoseconds: UInt64(answer.delaySeconds * 1_000_000_000))
        }
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        let millis = String(format: "%.1f", Date().timeIntervalSince(started) * 1000)
        let shown = Self.shownTarget(uriPath, query)
        let count = answer.events.map { " \($0) events" } ?? ""
        log("\(method) \(shown) \(answer.status)\(count) \(answer.body.count) bytes \(millis) ms")
        if answer.closeConnection {
            return Response(status: .ok, headers: fields, body: ResponseBody { _ in throw ClosedByFault() })
        }
        // HEAD keeps the body here: the encoder leaves it out but keeps its Content-Length.
        let body = answer.body
        return Response(status: HTTPResponse.Status(code: answer.status), headers: fields,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Thrown by a response body to make the server drop the connection (the `close` fault).
private struct ClosedByFault: Error {}

/// Numbers requests from 1 (for faults that affect only the first N).
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
