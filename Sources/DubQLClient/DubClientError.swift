// The errors of talking to Dub's API, with the readable message and the exit code each one means.

import Foundation

// MARK: - Error

/// Why a request to Dub's API (or a server that speaks it) failed.
///
/// Every message is safe to print: the API key never appears in one (see ``Secrets``).
public enum DubClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No API key: `--api` was asked for but `DUB_API_KEY` is not set.
    case missingKey
    /// The base URL (`--api-url`, `DUB_API_URL`) is not an http(s) URL (as shown: user info masked).
    case invalidBaseURL(String)
    /// A setting of the environment (`DUBQL_API_TIMEOUT`, `DUBQL_API_RETRIES`) has a value that
    /// is not one: an error rather than a silent default.
    case invalidSetting(name: String, value: String, expected: String)
    /// The API answered with Dub's error body `{"error":{"code","message","doc_url"}}`.
    case api(status: Int, code: String, message: String, docURL: String?)
    /// The API answered with an error status but without Dub's error body.
    case httpStatus(status: Int, body: String)
    /// The answer was not what `GET /events` returns (not JSON, not an array of events ...).
    case invalidResponse(String)
    /// The server could not be reached, or the connection broke.
    case unreachable(host: String, reason: String)
    /// No answer within the request timeout.
    case timeout(seconds: Double)
    /// A retryable failure (429, 5xx, network) happened on every attempt.
    indirect case retriesExhausted(attempts: Int, last: DubClientError)
    /// The user pressed Ctrl-C (or the surrounding task was cancelled).
    case cancelled
    /// An aggregate computed from `GET /events` would need more events than its cap
    /// (``DubQL/AggregateAPIPlan/maxEvents``): an error rather than an answer from some of them.
    case tooManyEvents(cap: Int)

    /// The message, without the `error: ` prefix the command line adds.
    public var description: String {
        switch self {
        case .missingKey:
            return "no Dub API key: set DUB_API_KEY (export DUB_API_KEY=dub_...), "
                + "or query exported files with --data FILE"
        case .invalidBaseURL(let url):
            return "invalid API URL '\(url)': expected an http:// or https:// URL (from --api-url or DUB_API_URL)"
        case .invalidSetting(let name, let value, let expected):
            return "invalid \(name) '\(value)': expected \(expected)"
        case .api(_, let code, let message, let docURL):
            var text = "\(code): \(message)"
            if let docURL, !docURL.isEmpty { text += "\n  see \(docURL)" }
            return text
        case .httpStatus(let status, let body):
            let snippet = body.isEmpty ? "" : ": \(body)"
            return "the API answered HTTP \(status) without Dub's error body\(snippet)"
        case .invalidResponse(let reason):
            return "unexpected response from the API: \(reason)"
        case .unreachable(let host, let reason):
            return "cannot reach the API at \(host): \(reason)"
        case .tooManyEvents(let cap):
            return "this aggregate is computed from GET /events and needs more than \(cap) events (the cap): narrow the time range "
                + "or the condition, or raise the cap with --max-events N or DUBQL_MAX_EVENTS=N"
        case .timeout(let seconds):
            return "the API did not answer within \(Self.format(seconds)) s"
        case .retriesExhausted(let attempts, let last):
            return "\(last.description)\n  (gave up after \(attempts) attempts)"
        case .cancelled:
            return "cancelled"
        }
    }

    /// The HTTP status behind the error, when there was one.
    public var status: Int? {
        switch self {
        case .api(let status, _, _, _), .httpStatus(let status, _): status
        case .retriesExhausted(_, let last): last.status
        default: nil
        }
    }

    /// What kind of failure this is, which decides the exit code (README "Talking to Dub's API").
    public var kind: Kind {
        switch self {
        case .missingKey: return .unauthorized
        case .tooManyEvents: return .queryError
        case .invalidBaseURL, .invalidSetting: return .usage
        case .api(let status, _, _, _), .httpStatus(let status, _):
            switch status {
            case 401, 403: return .unauthorized
            case 400, 404, 422: return .queryError
            default: return .unavailable
            }
        case .invalidResponse, .unreachable, .timeout, .retriesExhausted: return .unavailable
        case .cancelled: return .cancelled
        }
    }

    /// Failure classes of the command line.
    public enum Kind: Sendable, Equatable {
        /// 77: no key, or the API said 401/403.
        case unauthorized
        /// 65: the API rejected the query (400, 404, 422).
        case queryError
        /// 69: unreachable, timed out, not the expected answer, or retries exhausted.
        case unavailable
        /// 64: the command line itself was wrong (a bad `--api-url`, `DUBQL_API_TIMEOUT`, `DUBQL_API_RETRIES`).
        case usage
        /// 130: Ctrl-C.
        case cancelled

        /// The sysexits code the command line exits with.
        public var exitCode: Int32 {
            switch self {
            case .unauthorized: 77
            case .queryError: 65
            case .unavailable: 69
            case .usage: 64
            case .cancelled: 130
            }
        }
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }
}

// MARK: - Dub's error body

/// Dub's error body: `{"error":{"code":"forbidden","message":"...","doc_url":"https://..."}}`.
struct DubErrorBody: Decodable {
    struct Inner: Decodable {
        var code: String
        var message: String
        var doc_url: String?
    }
    var error: Inner

    /// The error in `data`, when it is Dub's shape.
    static func parse(_ data: Data) -> Inner? {
        try? JSONDecoder().decode(DubErrorBody.self, from: data).error
    }
}
