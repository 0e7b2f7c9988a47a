// The HTTP client for ClickHouse's HTTP interface (and Tinybird's `/v0/sql`): the statement in
// the body, its values as `param_NAME=`, the answer streamed to the caller chunk by chunk, auth
// by user/password or Bearer token, and ClickHouse's errors as readable errors with exit codes.

import DubQL
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

// MARK: - Configuration

/// Where ClickHouse is and how to authenticate; the password and token are never printed.
public struct ClickHouseConfiguration: Sendable {
    /// The endpoint, without user info (`http://127.0.0.1:8123/`, `https://api.tinybird.co/v0/sql`).
    public var url: URL
    public var user: String?
    public var password: String?
    /// Sent as `Authorization: Bearer TOKEN` (Tinybird).
    public var token: String?
    /// `database=`: the database Dub's tables are in; `nil` is the server's default.
    public var database: String?
    /// Seconds to wait for an answer (and between chunks of one).
    public var timeout: Double
    public var verbose: Bool

    /// True for Tinybird's Query API, which takes the statement as `q=`.
    public var isTinybird: Bool { url.path.hasSuffix("/v0/sql") }

    /// A configuration from `--clickhouse URL` (else `DUBQL_CLICKHOUSE_URL`).
    ///
    /// `clickhouse://` means `http://` (port 8123 when none is given), `clickhouses://` means
    /// `https://` (port 8443). User and password come from the URL's user info, else
    /// `DUBQL_CLICKHOUSE_USER` and `DUBQL_CLICKHOUSE_PASSWORD`; a token from `DUBQL_CLICKHOUSE_TOKEN`
    /// (or `TB_TOKEN` for Tinybird). The database is `database`, else the URL's `?database=`, else
    /// `DUBQL_CLICKHOUSE_DATABASE`. `DUBQL_CLICKHOUSE_TIMEOUT` sets the timeout (seconds, default 30).
    public static func make(url text: String?, database: String?, environment: [String: String],
                            verbose: Bool = false) throws(ClickHouseError) -> ClickHouseConfiguration {
        guard let text = (text?.isEmpty == false ? text : nil) ?? environment["DUBQL_CLICKHOUSE_URL"], !text.isEmpty else {
            throw .invalidURL("no ClickHouse URL: pass --clickhouse URL or set DUBQL_CLICKHOUSE_URL")
        }
        guard var components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              components.host?.isEmpty == false else {
            throw .invalidURL("'\(ClickHouseConfiguration.masked(text))' is not a ClickHouse URL (http://host:8123, https://..., clickhouse://host)")
        }
        switch scheme {
        case "http", "https": break
        case "clickhouse":
            components.scheme = "http"
            if components.port == nil { components.port = 8123 }
        case "clickhouses":
            components.scheme = "https"
            if components.port == nil { components.port = 8443 }
        default:
            throw .invalidURL("'\(ClickHouseConfiguration.masked(text))' is not a ClickHouse URL: use http, https or clickhouse")
        }
        let user = components.user.flatMap { $0.removingPercentEncoding ?? $0 } ?? environment["DUBQL_CLICKHOUSE_USER"]
        let password = components.password.flatMap { $0.removingPercentEncoding ?? $0 } ?? environment["DUBQL_CLICKHOUSE_PASSWORD"]
        components.user = nil
        components.password = nil
        var database = database
        if let items = components.queryItems {
            if database == nil { database = items.first(where: { $0.name == "database" })?.value }
            let rest = items.filter { $0.name != "database" }
            components.queryItems = rest.isEmpty ? nil : rest
        }
        if database == nil { database = environment["DUBQL_CLICKHOUSE_DATABASE"].flatMap { $0.isEmpty ? nil : $0 } }
        if components.path.isEmpty { components.path = "/" }
        guard let url = components.url else { throw .invalidURL("'\(ClickHouseConfiguration.masked(text))' is not a valid URL") }
        let token = environment["DUBQL_CLICKHOUSE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (url.path.hasSuffix("/v0/sql") ? environment["TB_TOKEN"] : nil)
        let timeout = environment["DUBQL_CLICKHOUSE_TIMEOUT"].flatMap(Double.init).flatMap { $0 > 0 && $0 <= 86400 ? $0 : nil } ?? 30
        return ClickHouseConfiguration(url: url, user: user, password: password, token: token, database: database,
                                       timeout: timeout, verbose: verbose)
    }

    public init(url: URL, user: String? = nil, password: String? = nil, token: String? = nil, database: String? = nil,
                timeout: Double = 30, verbose: Bool = false) {
        self.url = url
        self.user = user
        self.password = password
        self.token = token
        self.database = database
        self.timeout = timeout
        self.verbose = verbose
    }

    /// The endpoint as it may be shown: the user, never the password or token.
    public var displayURL: String {
        var c = URLComponents(url: url, resolvingAgainstBaseURL: false)
        c?.user = user
        c?.password = password == nil ? nil : "****"
        return c?.string ?? url.absoluteString
    }

    /// A URL text with its password masked (for errors about the URL itself).
    static func masked(_ text: String) -> String {
        guard var c = URLComponents(string: text), c.password != nil else { return text }
        c.password = "****"
        return c.string ?? text
    }

    /// `text` with the password and token replaced by `****`.
    public func redact(_ text: String) -> String {
        var out = text
        for secret in [password, token].compactMap({ $0 }) where secret.count >= 3 {
            out = out.replacingOccurrences(of: secret, with: "****")
        }
        return out
    }
}

// MARK: - Errors

/// What can go wrong talking to ClickHouse; every case has a message and an exit code.
public enum ClickHouseError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Not a usable URL, or no URL at all (exit 64).
    case invalidURL(String)
    /// 401/403, or ClickHouse's authentication errors (exit 77).
    case unauthorized(String)
    /// ClickHouse rejected the statement: its code, its name and its message (exit 65).
    case query(code: Int, name: String, message: String)
    /// Unreachable, a server failure or an answer that is not what was asked (exit 69).
    case unavailable(String)
    case timeout(seconds: Double)
    /// Ctrl-C (exit 130).
    case cancelled

    public var description: String {
        switch self {
        case .invalidURL(let m): m
        case .unauthorized(let m): "ClickHouse refused the credentials: \(m)"
        case .query(_, let name, let message):
            "ClickHouse rejected the query: \(message)" + (name.isEmpty ? "" : " (\(name))")
                + (name == "UNKNOWN_TABLE" || name == "UNKNOWN_DATABASE"
                   ? "\n  = help: create and fill Dub's tables with `dubql load --clickhouse URL FILE...`" : "")
        case .unavailable(let m): "ClickHouse is unavailable: \(m)"
        case .timeout(let s): "ClickHouse did not answer within \(DubClientError.format(s)) s (DUBQL_CLICKHOUSE_TIMEOUT changes it)"
        case .cancelled: "cancelled"
        }
    }

    /// The sysexits code of the command line.
    public var exitCode: Int32 {
        switch self {
        case .invalidURL: 64
        case .unauthorized: 77
        case .query: 65
        case .unavailable, .timeout: 69
        case .cancelled: 130
        }
    }

    /// ClickHouse error codes that say the server, not the statement, is at fault.
    static let serverCodes: Set<Int> = [3, 159, 160, 202, 209, 210, 241, 394, 999, 1000, 1001, 1002]
    /// ClickHouse error codes of authentication and access.
    static let authCodes: Set<Int> = [192, 193, 194, 195, 497, 516]

    /// The error of a non-2xx answer: status, `X-ClickHouse-Exception-Code` and ClickHouse's text.
    static func from(status: Int, codeHeader: String?, body: String) -> ClickHouseError {
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        let code = codeHeader.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? Self.code(in: text)
        let message = Self.readable(text)
        if status == 401 || status == 403 || code.map(authCodes.contains) == true {
            return .unauthorized(message.isEmpty ? "HTTP \(status)" : message)
        }
        if let code, !serverCodes.contains(code) {
            return .query(code: code, name: Self.name(in: text) ?? "", message: message)
        }
        if (400..<500).contains(status) && status != 408 && status != 429 {
            return .query(code: code ?? 0, name: Self.name(in: text) ?? "", message: message.isEmpty ? "HTTP \(status)" : message)
        }
        return .unavailable("HTTP \(status)" + (message.isEmpty ? "" : ": \(message)"))
    }

    /// `Code: 60. DB::Exception: ...`: 60.
    static func code(in text: String) -> Int? {
        guard let r = text.range(of: "Code: ") else { return nil }
        return Int(text[r.upperBound...].prefix(while: \.isNumber))
    }

    /// The trailing `(UNKNOWN_TABLE)` of ClickHouse's message.
    static func name(in text: String) -> String? {
        let firstLine = text.split(separator: "\n").first.map(String.init) ?? text
        guard let open = firstLine.lastIndex(of: "("), firstLine.hasSuffix(")") else { return nil }
        let name = firstLine[firstLine.index(after: open)..<firstLine.index(before: firstLine.endIndex)]
        return name.allSatisfy({ $0.isUppercase || $0 == "_" || $0.isNumber }) && !name.isEmpty ? String(name) : nil
    }

    /// The first line without `Code: N. DB::Exception: `, the trailing name and the version note.
    static func readable(_ text: String) -> String {
        var line = text.split(separator: "\n").first.map(String.init) ?? text
        if let r = line.range(of: "DB::Exception: ") { line = String(line[r.upperBound...]) }
        if let name = name(in: line), line.hasSuffix("(\(name))") { line = String(line.dropLast(name.count + 2)) }
        if let r = line.range(of: " (version ") { line = String(line[..<r.lowerBound]) }
        line = line.trimmingCharacters(in: .whitespaces)
        while line.hasSuffix(".") { line.removeLast() }
        return line.count > 600 ? String(line.prefix(600)) + "…" : line
    }
}

// MARK: - Client

/// Runs statements on ClickHouse over HTTP, one request per statement.
public final class ClickHouseClient: Sendable {
    public let configuration: ClickHouseConfiguration
    private let log: @Sendable (String) -> Void

    private let transport: HTTPTransport

    public init(configuration: ClickHouseConfiguration, log: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.log = log
        self.transport = HTTPTransport(idleTimeout: configuration.timeout)
    }

    /// Runs `sql` with `params`, giving the answer's body to `onData` chunk by chunk as it arrives
    /// (on another thread, one chunk at a time). `data`, when given, is sent as the body after
    /// the statement (the rows of an `INSERT ... FORMAT JSONEachRow`). Blocks until the answer is
    /// complete; `isCancelled` is polled meanwhile.
    public func execute(_ sql: String, params: [ClickHouseParameter] = [], data: Data? = nil,
                        isCancelled: (() -> Bool)? = nil,
                        onData: @escaping @Sendable (Data) throws -> Void) throws(ClickHouseError) {
        let request = try makeRequest(sql, params: params, data: data)
        let started = Date()
        if configuration.verbose {
            log("> POST \(configuration.displayURL)" + (configuration.database.map { " (database \($0))" } ?? ""))
            for line in sql.split(separator: "\n", omittingEmptySubsequences: false).prefix(60) { log(">   \(line)") }
            for p in params { log(">   param_\(p.name) = \(configuration.redact(p.value))") }
            if let data { log(">   (\(data.count) bytes of rows)") }
        }
        let redact = configuration.redact
        let stream = ResponseStream(onData: onData, redact: { redact($0) })
        let host = configuration.url.host.map { h in configuration.url.port.map { "\(h):\($0)" } ?? h } ?? "?"
        let transport = self.transport
        // The gaps between bytes are bounded by the timeout; a whole answer by 20 times it (a
        // long scan streams for a while), at least 10 minutes.
        let deadline = max(configuration.timeout * 20, 600)
        var outcome: Result<Void, ClickHouseError>
        do {
            try blocking(isCancelled: isCancelled) {
                try await transport.exchange(url: request.url, method: "POST", headers: request.headers, body: request.body,
                                             deadline: deadline, onHead: { stream.head($0) }, onChunk: { try stream.chunk($0) })
            }
            outcome = stream.outcome()
        } catch let failure as TransportFailure {
            outcome = .failure(ResponseStream.error(failure, host: host, timeout: configuration.timeout))
        } catch let e as ClickHouseError {
            outcome = .failure(e)
        } catch {
            outcome = .failure(.unavailable(configuration.redact("\(error)")))
        }
        if configuration.verbose {
            let millis = Int(Date().timeIntervalSince(started) * 1000)
            switch outcome {
            case .success: log("< HTTP \(stream.status), \(stream.bytes) bytes, \(millis) ms")
            case .failure(let e): log("< failed after \(millis) ms: \(configuration.redact(e.description))")
            }
        }
        if case .failure(let e) = outcome { throw e }
    }

    /// Runs `sql` and returns the whole body (small answers: counts, DDL).
    public func query(_ sql: String, params: [ClickHouseParameter] = [], data: Data? = nil) throws(ClickHouseError) -> Data {
        let box = DataBox()
        try execute(sql, params: params, data: data) { box.append($0) }
        return box.data
    }

    /// The request: POST to the endpoint; the statement in the body (or in `query=` before the
    /// rows of an INSERT), `database=` and `param_NAME=` in the URL, the credentials in headers.
    func makeRequest(_ sql: String, params: [ClickHouseParameter], data: Data?) throws(ClickHouseError) -> Request {
        guard var components = URLComponents(url: configuration.url, resolvingAgainstBaseURL: false) else {
            throw .invalidURL("'\(configuration.displayURL)' is not a valid URL")
        }
        var items = components.queryItems ?? []
        if let db = configuration.database { items.append(URLQueryItem(name: "database", value: db)) }
        for p in params { items.append(URLQueryItem(name: "param_\(p.name)", value: p.value)) }
        let body: Data
        if let data {
            items.append(URLQueryItem(name: configuration.isTinybird ? "q" : "query", value: sql))
            body = data
        } else if configuration.isTinybird {
            items.append(URLQueryItem(name: "q", value: sql))
            body = Data()
        } else {
            body = Data(sql.utf8)
        }
        components.percentEncodedQuery = items.isEmpty ? nil
            : items.map { "\(DubAPI.percentEncode($0.name))=\(DubAPI.percentEncode($0.value ?? ""))" }.joined(separator: "&")
        guard let url = components.url else { throw .invalidURL("'\(configuration.displayURL)' is not a valid URL") }
        var headers = [("User-Agent", "dubql/\(DubQLVersion.string)")]
        if let token = configuration.token {
            headers.append(("Authorization", "Bearer \(token)"))
        } else if let user = configuration.user {
            let pair = Data("\(user):\(configuration.password ?? "")".utf8).base64EncodedString()
            headers.append(("Authorization", "Basic \(pair)"))
        }
        return Request(url: url, headers: headers, body: body)
    }

    /// A statement's POST: where, with which headers, and its body.
    struct Request: Sendable {
        var url: URL
        var headers: [(String, String)]
        var body: Data
    }
}

// MARK: - Streaming

/// Receives one answer: the status first, then the body chunk by chunk.
private final class ResponseStream: @unchecked Sendable {
    private let lock = NSLock()
    private let onData: @Sendable (Data) throws -> Void
    private var storedStatus = 0
    private var storedBytes = 0
    private var codeHeader: String?
    private var errorBody = Data()
    private let redact: @Sendable (String) -> String

    init(onData: @escaping @Sendable (Data) throws -> Void, redact: @escaping @Sendable (String) -> String) {
        self.onData = onData
        self.redact = redact
    }

    var status: Int { lock.withLock { storedStatus } }
    var bytes: Int { lock.withLock { storedBytes } }

    func head(_ head: HTTPHead) {
        lock.withLock {
            storedStatus = head.status
            codeHeader = head.headers["x-clickhouse-exception-code"]
        }
    }

    /// A piece of the body: the rows go to the caller; an error's text is kept (64 KiB of it).
    func chunk(_ data: Data) throws {
        let ok = lock.withLock { () -> Bool in
            storedBytes += data.count
            guard (200..<300).contains(storedStatus) else {
                if errorBody.count < 65536 { errorBody.append(data) }
                return false
            }
            return true
        }
        if ok { try onData(data) }
    }

    /// The answer: success, or ClickHouse's error of a non-2xx status.
    func outcome() -> Result<Void, ClickHouseError> {
        lock.withLock {
            guard (200..<300).contains(storedStatus) else {
                return .failure(ClickHouseError.from(status: storedStatus, codeHeader: codeHeader,
                                                     body: redact(String(decoding: errorBody, as: UTF8.self))))
            }
            return .success(())
        }
    }

    static func error(_ failure: TransportFailure, host: String, timeout: Double) -> ClickHouseError {
        switch failure {
        case .cancelled: .cancelled
        case .timeout: .timeout(seconds: timeout)
        case .refused: .unavailable("cannot connect to \(host) (connection refused)")
        case .unknownHost: .unavailable("cannot connect to \(host) (unknown host)")
        case .closed: .unavailable("\(host) closed the connection before the answer was complete")
        case .other(let text): .unavailable("cannot talk to \(host): \(text)")
        }
    }
}

private final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = Data()
    func append(_ d: Data) { lock.lock(); stored.append(d); lock.unlock() }
    var data: Data { lock.lock(); defer { lock.unlock() }; return stored }
}
