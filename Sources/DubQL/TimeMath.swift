// Instants and calendars: ISO 8601 parsing and formatting in epoch milliseconds, and day, month,
// quarter and year boundaries in an IANA time zone (what the binder, the API model and EXPLAIN need).

import DubQLSyntax
import Foundation

// MARK: - ISO instants

/// Parsing and formatting of instants as epoch milliseconds.
public enum ISOInstant {
    /// Parses `2024-01-01T10:30:00Z`, `2024-01-01T10:30:00.250+02:00`, `2024-01-01 10:30:00` (UTC),
    /// `2024-01-01` (UTC midnight), or JavaScript `Date#toString` output
    /// (`Tue Aug 18 2026 14:03:12 GMT+0000 (…)`, Dub's top-level `timestamp`).
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        if let v = parseISO(b) { return v }
        return parseJSDateString(b)
    }

    /// `2024-01-01T10:30:00.000Z`.
    public static func format(_ millis: Int64) -> String {
        let c = civil(millis)
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2)).\(pad(c.millisecond, 3))Z"
    }

    /// `2024-01-01` (the UTC date).
    public static func formatDate(_ millis: Int64) -> String {
        let c = civil(millis)
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
    }

    /// Epoch milliseconds of a UTC civil date and time (proleptic Gregorian).
    public static func millis(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
                              millisecond: Int = 0) -> Int64 {
        let days = daysFromCivil(year, month, day)
        return ((Int64(days) * 24 + Int64(hour)) * 60 + Int64(minute)) * 60_000 + Int64(second) * 1000 + Int64(millisecond)
    }

    struct Civil { var year, month, day, hour, minute, second, millisecond: Int }

    static func civil(_ millis: Int64) -> Civil {
        let msPerDay: Int64 = 86_400_000
        var days = millis / msPerDay
        var rem = millis % msPerDay
        if rem < 0 { rem += msPerDay; days -= 1 }
        let (y, m, d) = civilFromDays(Int(days))
        let r = Int(rem)
        return Civil(year: y, month: m, day: d, hour: r / 3_600_000, minute: r / 60_000 % 60,
                     second: r / 1000 % 60, millisecond: r % 1000)
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func pad(_ v: Int, _ n: Int) -> String {
        let s = String(v)
        return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
    }

    // MARK: Parsing

    private static func digits(_ b: [UInt8], _ at: Int, _ n: Int) -> Int? {
        guard at + n <= b.count else { return nil }
        var v = 0
        for i in at..<(at + n) {
            let c = b[i]
            guard c >= 48, c <= 57 else { return nil }
            v = v * 10 + Int(c - 48)
        }
        return v
    }

    private static func parseISO(_ b: [UInt8]) -> Int64? {
        guard let y = digits(b, 0, 4), b.count >= 10, b[4] == 45, let mo = digits(b, 5, 2), b[7] == 45,
              let d = digits(b, 8, 2), (1...12).contains(mo), (1...31).contains(d) else { return nil }
        if b.count == 10 { return millis(year: y, month: mo, day: d) }
        guard b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "),
              let h = digits(b, 11, 2), b.count > 13, b[13] == 58, let mi = digits(b, 14, 2) else { return nil }
        var i = 16
        var s = 0, ms = 0
        if i < b.count, b[i] == 58 {
            guard let sv = digits(b, i + 1, 2) else { return nil }
            s = sv
            i += 3
            if i < b.count, b[i] == 46 {
                i += 1
                var scale = 100
                let start = i
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    ms += Int(b[i] - 48) * scale
                    scale /= 10
                    i += 1
                }
                guard i > start else { return nil }
            }
        }
        guard h < 24, mi < 60, s < 61 else { return nil }
        var offset = 0
        if i < b.count {
            if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
                i += 1
            } else if b[i] == 43 || b[i] == 45 {
                let sign = b[i] == 45 ? -1 : 1
                guard let oh = digits(b, i + 1, 2) else { return nil }
                var j = i + 3
                var om = 0
                if j < b.count, b[j] == 58 { j += 1 }
                if let m2 = digits(b, j, 2) { om = m2; j += 2 }
                offset = sign * (oh * 3600 + om * 60)
                i = j
            } else {
                return nil
            }
        }
        guard i == b.count else { return nil }
        return millis(year: y, month: mo, day: d, hour: h, minute: mi, second: s, millisecond: ms) - Int64(offset) * 1000
    }

    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Tue Aug 18 2026 14:03:12 GMT+0000 (Coordinated Universal Time)`.
    private static func parseJSDateString(_ b: [UInt8]) -> Int64? {
        let parts = String(decoding: b, as: UTF8.self).split(separator: " ", maxSplits: 6)
        guard parts.count >= 6, let mo = monthNames.firstIndex(of: String(parts[1])),
              let d = Int(parts[2]), let y = Int(parts[3]) else { return nil }
        let hms = parts[4].split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3, parts[5].hasPrefix("GMT"), parts[5].count == 8 else { return nil }
        let off = Array(parts[5].utf8.dropFirst(3))
        guard let oh = digits(off, 1, 2), let om = digits(off, 3, 2) else { return nil }
        let sign = off[0] == 45 ? -1 : 1
        let offset = sign * (oh * 3600 + om * 60)
        return millis(year: y, month: mo + 1, day: d, hour: hms[0], minute: hms[1], second: hms[2]) - Int64(offset) * 1000
    }
}

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
