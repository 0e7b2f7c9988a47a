// Dub's error responses: the codes, their HTTP statuses and the body `{"error":{...}}` with its
// documentation URL, exactly as Dub's `handleApiError` writes them.

import DubQL

// MARK: - Error response

/// One error answer of Dub's API.
public struct DubErrorResponse: Error, Sendable, Hashable {
    /// Dub's error codes (`apps/web/lib/api/error-codes.ts`) and their statuses.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        case badRequest = "bad_request"
        case unauthorized
        case forbidden
        case exceededLimit = "exceeded_limit"
        case notFound = "not_found"
        case conflict
        case unprocessableEntity = "unprocessable_entity"
        case rateLimitExceeded = "rate_limit_exceeded"
        case internalServerError = "internal_server_error"
        /// 405. Not in Dub's table: Dub runs on Next.js, which answers a method the route does
        /// not export with an empty 405; the local server says why in Dub's body shape.
        case methodNotAllowed = "method_not_allowed"
        /// 414. Not in Dub's table either (Dub's platform refuses long URLs before the app):
        /// a request head over the local server's limit.
        case uriTooLong = "uri_too_long"

        /// The HTTP status of the code.
        public var status: Int {
            switch self {
            case .badRequest: 400
            case .unauthorized: 401
            case .forbidden, .exceededLimit: 403
            case .notFound: 404
            case .conflict: 409
            case .unprocessableEntity: 422
            case .rateLimitExceeded: 429
            case .internalServerError: 500
            case .methodNotAllowed: 405
            case .uriTooLong: 414
            }
        }

        /// The anchor of the documentation URL: Dub replaces only the **first** `_` with `-`, so
        /// `rate_limit_exceeded` becomes `rate-limit_exceeded`.
        public var anchor: String {
            guard let underscore = rawValue.firstIndex(of: "_") else { return rawValue }
            var text = rawValue
            text.replaceSubrange(underscore...underscore, with: "-")
            return text
        }
    }

    public var code: Code
    public var message: String
    /// Extra headers (`Retry-After` and the rate-limit headers of a 429).
    public var headers: [(name: String, value: String)]

    public init(_ code: Code, _ message: String, headers: [(name: String, value: String)] = []) {
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var status: Int { code.status }

    /// `https://dub.co/docs/api-reference/errors#<anchor>`.
    public var docURL: String { "https://dub.co/docs/api-reference/errors#\(code.anchor)" }

    /// The JSON body.
    public var body: String {
        "{\"error\":{\"code\":\(Self.quote(code.rawValue)),\"message\":\(Self.quote(message)),\"doc_url\":\(Self.quote(docURL))}}"
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.code == b.code && a.message == b.message
            && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
    }

    /// A JSON string literal.
    static func quote(_ text: String) -> String { JSONText.string(text) }
}

// MARK: - Messages

extension DubErrorResponse {
    /// 400 for an `Authorization` header that does not start with `Bearer `.
    public static let misconfiguredAuthorization = DubErrorResponse(
        .badRequest, "Misconfigured authorization header. Did you forget to add 'Bearer '? Learn more: https://d.to/auth")
    /// 401 without an `Authorization` header.
    public static let missingAuthorization = DubErrorResponse(.unauthorized, "Missing Authorization header.")
    /// 401 for a key the server does not know.
    public static let invalidKey = DubErrorResponse(.unauthorized, "Unauthorized: Invalid API key.")
    /// 404 for a path other than `/events` and `/analytics`.
    public static let notFound = DubErrorResponse(.notFound, "Not found.")
    /// The methods `/events` answers: GET, and HEAD and OPTIONS as Next.js derives them.
    public static let allowedMethods = "GET, HEAD, OPTIONS"
    /// 405 for any other method, with the `Allow` header.
    public static func methodNotAllowed(_ method: String, path: String = "/events") -> DubErrorResponse {
        DubErrorResponse(.methodNotAllowed, "Method \(method) is not allowed on \(path). Allowed: \(allowedMethods).",
                         headers: [("Allow", allowedMethods)])
    }
    /// 500, as Dub words it.
    public static let internalError = DubErrorResponse(
        .internalServerError, "An internal server error occurred. Please contact our support if the problem persists.")
}
