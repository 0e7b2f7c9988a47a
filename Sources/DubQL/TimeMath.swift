// Calendars: day, month, quarter and year boundaries in an IANA time zone (what the binder, the
// API model and EXPLAIN need). Instants are parsed and formatted in Timestamps.swift.

import Foundation

// MARK: - Zoned calendar

/// Calendar arithmetic in one IANA time zone.
public struct ZonedCalendar: Sendable {
    public let timeZone: TimeZone
    private let calendar: Calendar

    /// `nil` when Foundation does not know the zone.
    public init?(identifier: String) {
        guard let tz = TimeZone(identifier: identifier) else { return nil }
        self.init(timeZone: tz)
    }

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        self.calendar = cal
    }

    public static let utc = ZonedCalendar(timeZone: TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current)

    private func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
    private func ms(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }

    /// The offset from UTC at an instant, in seconds.
    public func offsetSeconds(at millis: Int64) -> Int { timeZone.secondsFromGMT(for: date(millis)) }

    /// The first millisecond of the day containing `millis`.
    public func startOfDay(_ millis: Int64) -> Int64 { ms(calendar.startOfDay(for: date(millis))) }

    /// The last millisecond of the day containing `millis` (23:59:59.999).
    public func endOfDay(_ millis: Int64) -> Int64 {
        let start = calendar.startOfDay(for: date(millis))
        guard let next = calendar.date(byAdding: .day, value: 1, to: start) else { return startOfDay(millis) + 86_399_999 }
        return ms(next) - 1
    }

    /// The first millisecond of the month, quarter or year containing `millis`.
    public func startOfMonth(_ millis: Int64) -> Int64 { startOf(millis, monthsPerUnit: 1) }
    public func startOfQuarter(_ millis: Int64) -> Int64 { startOf(millis, monthsPerUnit: 3) }
    public func startOfYear(_ millis: Int64) -> Int64 { startOf(millis, monthsPerUnit: 12) }

    private func startOf(_ millis: Int64, monthsPerUnit: Int) -> Int64 {
        var c = calendar.dateComponents([.year, .month], from: date(millis))
        let month = c.month ?? 1
        c.month = ((month - 1) / monthsPerUnit) * monthsPerUnit + 1
        c.day = 1
        c.hour = 0
        c.minute = 0
        c.second = 0
        return calendar.date(from: c).map(ms) ?? startOfDay(millis)
    }

    /// `millis` plus a number of calendar months (negative goes back).
    public func addingMonths(_ months: Int, to millis: Int64) -> Int64 {
        calendar.date(byAdding: .month, value: months, to: date(millis)).map(ms) ?? millis
    }

    /// The first millisecond of a civil date in this zone.
    public func startOfDay(year: Int, month: Int, day: Int) -> Int64? {
        var c = DateComponents()
        c.year = year
        c.month = month
        c.day = day
        guard let d = calendar.date(from: c) else { return nil }
        let v = calendar.dateComponents([.year, .month, .day], from: d)
        guard v.year == year, v.month == month, v.day == day else { return nil }
        return ms(calendar.startOfDay(for: d))
    }

    /// A civil date and time in this zone (for local date-times without an offset).
    public func instant(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, nanosecond: Int) -> Int64? {
        var c = DateComponents()
        c.year = year
        c.month = month
        c.day = day
        c.hour = hour
        c.minute = minute
        c.second = second
        guard let d = calendar.date(from: c) else { return nil }
        return ms(d) + Int64(nanosecond / 1_000_000)
    }

    /// The civil date of an instant in this zone, as `YYYY-MM-DD`.
    public func dateString(_ millis: Int64) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date(millis))
        return "\(ISOInstant.pad(c.year ?? 0, 4))-\(ISOInstant.pad(c.month ?? 1, 2))-\(ISOInstant.pad(c.day ?? 1, 2))"
    }
}
