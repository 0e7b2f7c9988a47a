// When and how long to wait before retrying a request: Retry-After parsing and backoff.

import Foundation

// MARK: - Policy

/// How failed requests are retried.
///
/// 429 waits for `Retry-After`; 5xx and network failures back off exponentially. Every wait is
/// capped by ``maxWait`` and the number of attempts by ``maxAttempts``.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in total, the first one included.
    public var maxAttempts: Int
    /// The first backoff, doubled on each further attempt.
    public var baseDelay: Double
    /// The longest single wait, in seconds, whatever the server asks for.
    public var maxWait: Double

    public init(maxAttempts: Int = 5, baseDelay: Double = 0.5, maxWait: Double = 30) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = max(0, baseDelay)
        self.maxWait = max(0, maxWait)
    }

    /// The default policy: 5 attempts, 0.5 s doubling backoff, at most 30 s per wait.
    public static let standard = RetryPolicy()

    /// The backoff before attempt `attempt + 1` (attempt counts from 1) after a 5xx or network error.
    public func backoff(afterAttempt attempt: Int) -> Double {
        let exponent = Double(max(0, min(attempt - 1, 16)))
        return min(maxWait, baseDelay * pow(2, exponent))
    }

    /// The wait a 429 asks for, capped; the backoff when the header is missing or unreadable.
    public func wait(retryAfter header: String?, afterAttempt attempt: Int, nowMillis: Int64) -> Double {
        guard let header, let seconds = RetryAfter.seconds(header, nowMillis: nowMillis) else {
            return backoff(afterAttempt: attempt)
        }
        return min(maxWait, max(0, seconds))
    }
}

// MARK: - Retry-After

/// Reads a `Retry-After` header in any of the forms servers send.
public enum RetryAfter {
    /// Seconds to wait for `value`, or `nil` when it cannot be read.
    ///
    /// - a small number is seconds to wait (`2`, `1.5`), as the HTTP standard and Dub's docs say;
    /// - a number above 10^11 is an epoch in milliseconds, which is what Dub's server sends
    ///   (Upstash's `reset`); above 10^9 an epoch in seconds;
    /// - an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`).
    public static func seconds(_ value: String, nowMillis: Int64) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let number = Double(text), number.isFinite, number >= 0 {
            if number >= 100_000_000_000 { return max(0, (number - Double(nowMillis)) / 1000) }
            if number >= 1_000_000_000 { return max(0, number - Double(nowMillis) / 1000) }
            return number
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let date = formatter.date(from: text) {
            return max(0, date.timeIntervalSince1970 - Double(nowMillis) / 1000)
        }
        return nil
    }
}
