// Query strings read as Dub reads them: `URLSearchParams` decoding, the last value of a repeated
// key wins; and a per-key, per-second rate limiter that answers as Dub's does.

import Foundation

// MARK: - Search parameters

/// Decodes a query string like `URLSearchParams`: `+` is a space, `%XX` is a byte, invalid
/// escapes stay as written, and a repeated key keeps its **last** value (Dub's `getSearchParams`).
public enum SearchParams {
    public static func parse(_ query: String?) -> [String: String] {
        var result: [String: String] = [:]
        guard let query, !query.isEmpty else { return result }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            result[name] = value
        }
        return result
    }

    /// One form-encoded component.
    public static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        let utf8 = Array(text.utf8)
        var i = 0
        while i < utf8.count {
            let byte = utf8[i]
            if byte == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if byte == UInt8(ascii: "%"), i + 2 < utf8.count,
                      let hi = hexValue(utf8[i + 1]), let lo = hexValue(utf8[i + 2]) {
                bytes.append(hi << 4 | lo)
                i += 2
            } else {
                bytes.append(byte)
            }
            i += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

// MARK: - Rate limiter

/// At most `limit` requests per key in each one-second window.
///
/// When the limit is exceeded the answer is Dub's 429 with `Retry-After` and `X-RateLimit-Reset`
/// both holding the window's reset as an epoch in **milliseconds**, as Dub's server sends them.
public final class RateLimiter: @unchecked Sendable {
    public let limit: Int
    private let lock = NSLock()
    private var windows: [String: (start: Int64, count: Int)] = [:]

    public init(limit: Int) { self.limit = max(1, limit) }

    /// Counts one request of `key` at `nowMillis`; the 429 to answer when it is over the limit.
    public func check(key: String, nowMillis: Int64) -> DubErrorResponse? {
        let windowStart = nowMillis - nowMillis % 1000
        lock.lock()
        var window = windows[key] ?? (windowStart, 0)
        if window.start != windowStart { window = (windowStart, 0) }
        window.count += 1
        windows[key] = window
        if windows.count > 10_000 { windows = [key: window] }
        lock.unlock()
        let reset = String(windowStart + 1000)
        guard window.count > limit else { return nil }
        return DubErrorResponse(.rateLimitExceeded, "Too many requests.", headers: [
            ("Retry-After", reset), ("X-RateLimit-Limit", String(limit)),
            ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", reset),
        ])
    }
}
