// The HTTP client for Dub's API: one `GET /events` page at a time, with auth, timeouts,
// retries and readable errors, over HTTPTransport (AsyncHTTPClient).

import DubQL
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

// MARK: - Configuration

/// Where the API is, which key to send, and how patient to be.
public struct DubClientConfiguration: Sendable {
    /// The base URL; request paths (`/events`) are appended to its path.
    public var baseURL: URL
    /// The API key, sent as `Authorization: Bearer KEY`; never printed.
    public var apiKey: String
    /// Seconds one attempt of a request may take in all, from connecting to the last byte of
    /// the body (a server that drips its answer is cut off too).
    public var timeout: Double
    public var retry: RetryPolicy
    /// Log every request and response (with the key masked) through the client's log.
    public var verbose: Bool
    /// The `User-Agent` header.
    public var userAgent: String

    /// A configuration from explicit values, checking the URL and the key.
    ///
    /// - Parameters:
    ///   - baseURL: the API's base URL; `nil` or empty means Dub's (``DubAPI/defaultBaseURL``).
    ///   - apiKey: `DUB_API_KEY`; `nil` or empty is ``DubClientError/missingKey``.
    public init(baseURL: String?, apiKey: String?, timeout: Double = 30, retry: RetryPolicy = .standard,
                verbose: Bool = false, userAgent: String = "dubql") throws(DubClientError) {
        let text = DubAPI.baseURL(option: baseURL, environment: [:])
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", url.host != nil else {
            // The URL may carry credentials (`https://user:KEY@host`): never shown.
            throw .invalidBaseURL(Secrets.displayURL(text, key: apiKey))
        }
        guard let apiKey, !apiKey.isEmpty else { throw .missingKey }
        self.baseURL = url
        self.apiKey = apiKey
        self.timeout = timeout
        self.retry = retry
        self.verbose = verbose
        self.userAgent = userAgent
    }

    /// A configuration from the environment: `DUB_API_KEY`, the base URL by ``DubAPI/baseURL(option:environment:)``
    /// (`apiURL`, else `DUB_API_URL`, else Dub's), `DUBQL_API_TIMEOUT` (seconds per request,
    /// default 30) and `DUBQL_API_RETRIES` (attempts per request, default 5).
    ///
    /// A set but invalid `DUBQL_API_TIMEOUT` or `DUBQL_API_RETRIES` is an error
    /// (``DubClientError/invalidSetting(name:value:expected:)``), never silently the default;
    /// an empty one counts as not set.
    public static func fromEnvironment(_ environment: [String: String], apiURL: String? = nil,
                                       verbose: Bool = false, userAgent: String = "dubql") throws(DubClientError) -> Self {
        var timeout = 30.0
        if let text = environment["DUBQL_API_TIMEOUT"], !text.isEmpty {
            guard let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds.isFinite,
                  seconds > 0, seconds <= 3600 else {
                throw .invalidSetting(name: "DUBQL_API_TIMEOUT", value: text,
                                      expected: "a number of seconds above 0 and at most 3600, such as 30 or 2.5")
            }
            timeout = seconds
        }
        var retry = RetryPolicy.standard
        if let text = environment["DUBQL_API_RETRIES"], !text.isEmpty {
            guard let attempts = Int(text.trimmingCharacters(in: .whitespaces)), (1...20).contains(attempts) else {
                throw .invalidSetting(name: "DUBQL_API_RETRIES", value: text,
                                      expected: "a whole number of attempts from 1 (no retries) to 20")
            }
            retry.maxAttempts = attempts
        }
        return try DubClientConfiguration(baseURL: DubAPI.baseURL(option: apiURL, environment: environment),
                                          apiKey: environment["DUB_API_KEY"], timeout: timeout, retry: retry,
                                          verbose: verbose, userAgent: userAgent)
    }

    /// The URL of one page of `request`, as sent (and as `dubql explain --format url` shows the
    /// first one): ``APIRequest/url(baseURL:page:limit:)``.
    public func url(for request: APIRequest, page: Int, limit: Int) -> URL? {
        URL(string: request.url(baseURL: baseURL.absoluteString, page: page, limit: limit))
    }
}

// MARK: - Client

/// Fetches pages of `GET /events`, retrying what can be retried.
public final class DubClient: Sendable {
    public let configuration: DubClientConfiguration
    /// Where progress and verbose lines go (stderr in the command line).
    private let log: @Sendable (String) -> Void
    private let transport: HTTPTransport

    public init(configuration: DubClientConfiguration, log: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.log = log
        self.transport = HTTPTransport(idleTimeout: configuration.timeout)
    }

    /// One page of `request`: its parameters with `page` and `limit` for that page.
    ///
    /// Returns the body, checked to be a JSON array (its elements are checked by the decoder).
    public func fetchPage(_ request: APIRequest, page: Int, limit: Int) async throws(DubClientError) -> Data {
        guard let url = configuration.url(for: request, page: page, limit: limit) else {
            throw .invalidBaseURL(configuration.baseURL.absoluteString)
        }
        return try await fetch(url, method: request.method)
    }

    /// One `GET /analytics` request (``DubQL/APIRequest/analyticsURL(baseURL:)``), with the same
    /// retries, timeouts and redaction as pages of `/events`. Returns the body, checked to be a
    /// JSON object (`groupBy=count`) or array (every other `groupBy`).
    public func fetchAnalytics(_ request: APIRequest) async throws(DubClientError) -> Data {
        guard let url = URL(string: request.analyticsURL(baseURL: configuration.baseURL.absoluteString)) else {
            throw .invalidBaseURL(configuration.baseURL.absoluteString)
        }
        return try await fetch(url, method: request.method, objectAllowed: true)
    }

    /// GET `url` with retries; the body of a 2xx answer that looks like a JSON array (or, with
    /// `objectAllowed`, an object).
    public func fetch(_ url: URL, method: String = "GET", objectAllowed: Bool = false) async throws(DubClientError) -> Data {
        let policy = configuration.retry
        var attempt = 1
        while true {
            if Task.isCancelled { throw .cancelled }
            let started = Date()
            if configuration.verbose {
                log("> \(method) \(Secrets.displayURL(url.absoluteString, key: configuration.apiKey))")
                log("> Authorization: Bearer \(Secrets.mask(configuration.apiKey))")
            }
            let outcome = await perform(url, method: method)
            let millis = Int(Date().timeIntervalSince(started) * 1000)
            let failure: DubClientError
            var wait: Double
            switch outcome {
            case .failure(let error):
                if configuration.verbose { log("< failed after \(millis) ms: \(error.description)") }
                guard error != .cancelled else { throw .cancelled }
                // An unknown host or a refused connection at the first attempt is a wrong URL or
                // no server, not a passing fault: say so at once (retries are for 429, 5xx,
                // timeouts and connections that broke).
                if attempt == 1, Self.failsFast(error) { throw error }
                failure = error
                wait = policy.backoff(afterAttempt: attempt)
            case .success(let (status, headers, body)):
                if configuration.verbose { log("< HTTP \(status), \(body.count) bytes, \(millis) ms") }
                if (200..<300).contains(status) { return try checkArray(body, headers: headers, objectAllowed: objectAllowed) }
                let error = errorFor(status: status, body: body)
                guard status == 429 || status >= 500 else { throw error }
                failure = error
                wait = status == 429
                    ? policy.wait(retryAfter: headers["retry-after"], afterAttempt: attempt,
                                  nowMillis: Int64(Date().timeIntervalSince1970 * 1000))
                    : policy.backoff(afterAttempt: attempt)
            }
            guard attempt < policy.maxAttempts else {
                throw attempt == 1 ? failure : .retriesExhausted(attempts: attempt, last: failure)
            }
            wait = max(0, wait)
            log("dubql: \(Self.shortReason(failure)); retrying in \(DubClientError.format((wait * 10).rounded() / 10)) s "
                + "(attempt \(attempt + 1) of \(policy.maxAttempts))")
            do {
                try await Task.sleep(nanoseconds: UInt64(wait * 1_000_000_000))
            } catch {
                throw .cancelled
            }
            attempt += 1
        }
    }

    // MARK: - One attempt

    private func perform(_ url: URL, method: String) async -> Result<(Int, [String: String], Data), DubClientError> {
        let host = url.host.map { h in url.port.map { "\(h):\($0)" } ?? h } ?? url.absoluteString
        let timeout = configuration.timeout
        let answer = Answer()
        do {
            // One deadline for the whole attempt, body included: a server sending a byte now and
            // then cannot hold the client past it.
            try await transport.exchange(url: url, method: method, headers: [
                ("Authorization", "Bearer \(configuration.apiKey)"),
                ("Accept", "application/json"),
                ("User-Agent", configuration.userAgent),
            ], body: nil, deadline: timeout, onHead: { answer.head = $0 }, onChunk: { answer.append($0) })
        } catch let failure as TransportFailure {
            return .failure(Self.classify(failure, host: host, timeout: timeout))
        } catch {
            return .failure(.unreachable(host: host, reason: String(describing: error)))
        }
        guard let head = answer.head else { return .failure(.invalidResponse("not an HTTP response")) }
        return .success((head.status, head.headers, answer.body))
    }

    static let unknownHost = "unknown host"
    static let connectionRefused = "connection refused"

    /// True for failures that waiting does not mend: the host name does not resolve, or nothing
    /// listens at the port.
    static func failsFast(_ error: DubClientError) -> Bool {
        guard case .unreachable(_, let reason) = error else { return false }
        return reason == unknownHost || reason == connectionRefused
    }

    private static func classify(_ failure: TransportFailure, host: String, timeout: Double) -> DubClientError {
        switch failure {
        case .cancelled: .cancelled
        case .timeout: .timeout(seconds: timeout)
        case .refused: .unreachable(host: host, reason: connectionRefused)
        case .unknownHost: .unreachable(host: host, reason: unknownHost)
        case .closed: .unreachable(host: host, reason: "the connection was closed before an answer")
        case .other(let text): .unreachable(host: host, reason: text)
        }
    }

    // MARK: - Answers

    private func errorFor(status: Int, body: Data) -> DubClientError {
        let key = configuration.apiKey
        if let dub = DubErrorBody.parse(body) {
            return .api(status: status, code: Secrets.redact(dub.code, key: key),
                        message: Secrets.redact(dub.message, key: key),
                        docURL: dub.doc_url.map { Secrets.redact($0, key: key) })
        }
        return .httpStatus(status: status, body: Secrets.snippet(body, key: key))
    }

    private func checkArray(_ body: Data, headers: [String: String], objectAllowed: Bool) throws(DubClientError) -> Data {
        guard let first = body.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) else {
            throw .invalidResponse("an empty body, expected a JSON array of events")
        }
        switch first {
        case UInt8(ascii: "["):
            return body
        case UInt8(ascii: "{") where objectAllowed:
            return body
        case UInt8(ascii: "{"):
            throw .invalidResponse("a JSON object, expected a JSON array of events: \(Secrets.snippet(body, key: configuration.apiKey))")
        default:
            let type = headers["content-type"].map { " (\($0))" } ?? ""
            throw .invalidResponse("the body is not JSON\(type): \(Secrets.snippet(body, key: configuration.apiKey))")
        }
    }

    private static func shortReason(_ error: DubClientError) -> String {
        switch error {
        case .api(429, _, _, _), .httpStatus(429, _): "rate limited by the API (HTTP 429)"
        case .api(let status, _, _, _), .httpStatus(let status, _): "the API answered HTTP \(status)"
        default: error.description
        }
    }
}

/// One answer as it arrives: the head, then the body's pieces.
private final class Answer: @unchecked Sendable {
    private let lock = NSLock()
    private var storedHead: HTTPHead?
    private var bytes = Data()
    var head: HTTPHead? {
        get { lock.withLock { storedHead } }
        set { lock.withLock { storedHead = newValue } }
    }
    func append(_ d: Data) { lock.withLock { bytes.append(d) } }
    var body: Data { lock.withLock { bytes } }
}
