// What a query is bound against besides its text: the clock (injectable, for reproducible
// relative times) and the default time zone (`--timezone`).

import DubQLSyntax
import Foundation

// MARK: - QueryContext

/// The clock and default time zone a query is bound against.
public struct QueryContext: Hashable, Sendable, Codable {
    /// "Now", in epoch milliseconds: relative times (`SINCE 30d`) count back from it.
    public var now: Int64
    /// The time zone for day boundaries when the query has no `TIMEZONE` clause (`--timezone`);
    /// `nil` means UTC.
    public var timeZone: String?

    public init(now: Int64, timeZone: String? = nil) {
        self.now = now
        self.timeZone = timeZone
    }

    /// The current time of the system clock, in epoch milliseconds.
    public static func currentMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// A context on the system clock.
    public static func current(timeZone: String? = nil) -> QueryContext {
        QueryContext(now: currentMillis(), timeZone: timeZone)
    }

    /// Parses an instant as `--now` takes it: ISO 8601 with `Z` or an offset
    /// (`2024-06-01T12:00:00Z`), a date (`2024-06-01`, UTC midnight), or epoch milliseconds.
    public static func parseInstant(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if !t.isEmpty, t.allSatisfy(\.isASCIIDigit), t.count <= 15, let ms = Int64(t) { return ms }
        return ISOInstant.parse(t)
    }

    /// Builds a context from command-line options (`--now`, `--timezone`), checking both.
    /// Throws a ``ContextError`` with a readable message for an unparseable instant or unknown zone.
    public static func make(now: String?, timeZone: String?) throws(ContextError) -> QueryContext {
        var millis = currentMillis()
        if let now {
            guard let v = parseInstant(now) else { throw .invalidInstant(now) }
            millis = v
        }
        if let timeZone, TimeZone(identifier: timeZone) == nil {
            throw .unknownTimeZone(timeZone, suggestions: DidYouMean.candidates(for: timeZone, in: TimeZone.knownTimeZoneIdentifiers))
        }
        return QueryContext(now: millis, timeZone: timeZone)
    }
}

/// A bad `--now` or `--timezone`.
public enum ContextError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidInstant(String)
    case unknownTimeZone(String, suggestions: [String])

    public var description: String {
        switch self {
        case .invalidInstant(let s):
            return "invalid instant '\(s)': expected ISO 8601 such as 2024-06-01T12:00:00Z, a date, or epoch milliseconds"
        case .unknownTimeZone(let s, let suggestions):
            return "unknown time zone '\(s)'" + (DidYouMean.hint(suggestions).map { "; \($0)" } ?? "")
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
