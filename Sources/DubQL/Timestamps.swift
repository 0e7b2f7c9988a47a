// Instants as epoch milliseconds: the one parser of the timestamps DubQL reads (ISO 8601 and
// JavaScript's `Date#toString`, as Dub writes them) and the one formatter, used by the binder,
// `--now`, the evaluator, the API model and the engine's loader (millions of timestamps a second).

import DubQLSyntax

// MARK: - Civil calendar

/// Parsing and formatting of instants as epoch milliseconds, on the proleptic Gregorian calendar.
///
/// Parsing is strict about the calendar: `2024-02-31` and `2023-02-29` are no instants (they do
/// not roll over into March), wherever the text comes from.
public enum ISOInstant {
    /// Epoch milliseconds of a UTC civil date and time. The components are not checked.
    public static func millis(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
                              millisecond: Int = 0) -> Int64 {
        let days = daysFromCivil(year, month, day)
        return ((Int64(days) * 24 + Int64(hour)) * 60 + Int64(minute)) * 60_000 + Int64(second) * 1000 + Int64(millisecond)
    }

    /// The UTC civil date and time of an instant.
    public struct Civil: Hashable, Sendable {
        public var year, month, day, hour, minute, second, millisecond: Int
    }

    /// The UTC civil date and time of `millis`.
    public static func civil(_ millis: Int64) -> Civil {
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
    @inlinable
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

    /// `v` in decimal, left-padded with zeros to `n` digits.
    static func pad(_ v: Int, _ n: Int) -> String {
        let s = String(v)
        return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
    }
}

// MARK: - Parsing

extension ISOInstant {
    /// Parses an ISO 8601 instant (`2026-08-18T14:03:12.345Z`, `2026-08-18T14:03:12+02:00`,
    /// `2026-08-18 14:03:12`: no zone means UTC; `2026-08-18`: UTC midnight) or JavaScript's
    /// `Date#toString` (`Tue Aug 18 2026 14:03:12 GMT+0000 (Coordinated Universal Time)`, Dub's
    /// top-level `timestamp`). `nil` for anything else, including dates that do not exist.
    public static func parse(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { buf in
            guard let base = buf.baseAddress else { return nil }
            return parse(base, count: buf.count)
        }
    }

    /// ``parse(_:)`` on `count` bytes, without allocating (the loader's hot path: inlinable, so the
    /// engine compiles it into its loop as when it was its own).
    @inlinable
    public static func parse(_ p: UnsafePointer<UInt8>, count n: Int) -> Int64? {
        guard n >= 10 else { return nil }
        if isDigit(p[0]) { return parseISO(p, n) }
        return parseJavaScript(p, n)
    }

    @inlinable @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }

    @inlinable
    static func digits(_ p: UnsafePointer<UInt8>, _ at: Int, _ count: Int, _ n: Int) -> Int? {
        guard at + count <= n else { return nil }
        var v = 0
        for k in 0..<count {
            let b = p[at + k]
            guard isDigit(b) else { return nil }
            v = v * 10 + Int(b - 48)
        }
        return v
    }

    /// The instant of checked civil components: the one place the calendar is enforced.
    @inlinable
    static func instant(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int, _ ms: Int,
                                offsetMinutes: Int) -> Int64? {
        guard (1...12).contains(mo), d >= 1, d <= DateScanner.daysIn(month: mo, year: y), h < 24, mi < 60, s < 61
        else { return nil }
        let days = daysFromCivil(y, mo, d)
        let secs = ((days * 24 + h) * 60 + mi) * 60 + s - offsetMinutes * 60
        return Int64(secs) * 1000 + Int64(ms)
    }

    @inlinable
    static func parseISO(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        // Dub's own form first (`Date#toJSON`), straight through; anything else (or a bad digit
        // in it) takes the general path below, which gives the same instant for this form.
        if n == 24, let t = parseToJSON(p) { return t }
        guard let y = digits(p, 0, 4, n), p[4] == UInt8(ascii: "-"), let mo = digits(p, 5, 2, n),
              p[7] == UInt8(ascii: "-"), let d = digits(p, 8, 2, n) else { return nil }
        if n == 10 { return instant(y, mo, d, 0, 0, 0, 0, offsetMinutes: 0) }
        guard n >= 16, p[10] == UInt8(ascii: "T") || p[10] == UInt8(ascii: " ") || p[10] == UInt8(ascii: "t"),
              let h = digits(p, 11, 2, n), p[13] == UInt8(ascii: ":"), let mi = digits(p, 14, 2, n) else { return nil }
        var i = 16
        var s = 0, ms = 0
        if i < n, p[i] == UInt8(ascii: ":") {
            guard let sec = digits(p, i + 1, 2, n) else { return nil }
            s = sec
            i += 3
            if i < n, p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: ",") {
                i += 1
                var scale = 100, any = false
                while i < n, isDigit(p[i]) {
                    ms += Int(p[i] - 48) * scale
                    scale /= 10
                    any = true
                    i += 1
                }
                guard any else { return nil }
            }
        }
        var offset = 0
        if i < n {
            switch p[i] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                i += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign = p[i] == UInt8(ascii: "-") ? -1 : 1
                guard let oh = digits(p, i + 1, 2, n) else { return nil }
                i += 3
                var om = 0
                if i < n, p[i] == UInt8(ascii: ":") { i += 1 }
                if i < n { guard let m = digits(p, i, 2, n) else { return nil }; om = m; i += 2 }
                offset = sign * (oh * 60 + om)
            default: return nil
            }
        }
        guard i == n else { return nil }
        return instant(y, mo, d, h, mi, s, ms, offsetMinutes: offset)
    }

    /// 1...12 for the English abbreviation `Jan`...`Dec` (exactly as ``monthNames`` spells
    /// them), 0 for anything else: one compare of the three bytes packed, no table to load.
    @inlinable @inline(__always)
    static func monthNumber(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int {
        switch UInt32(a) << 16 | UInt32(b) << 8 | UInt32(c) {
        case 0x4A616E: 1 // Jan
        case 0x466562: 2 // Feb
        case 0x4D6172: 3 // Mar
        case 0x417072: 4 // Apr
        case 0x4D6179: 5 // May
        case 0x4A756E: 6 // Jun
        case 0x4A756C: 7 // Jul
        case 0x417567: 8 // Aug
        case 0x536570: 9 // Sep
        case 0x4F6374: 10 // Oct
        case 0x4E6F76: 11 // Nov
        case 0x446563: 12 // Dec
        default: 0
        }
    }

    /// `2026-08-18T14:03:12.345Z` exactly (24 bytes), or `nil`.
    @inlinable @inline(__always)
    static func parseToJSON(_ p: UnsafePointer<UInt8>) -> Int64? {
        guard p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"), p[10] == UInt8(ascii: "T"), p[13] == UInt8(ascii: ":"),
              p[16] == UInt8(ascii: ":"), p[19] == UInt8(ascii: "."), p[23] == UInt8(ascii: "Z") else { return nil }
        @inline(__always) func d(_ k: Int) -> Int { Int(p[k] &- 48) }
        // A byte that is no digit wraps to 10 or more after `- 48`; all positions, no branches.
        @inline(__always) func no(_ k: Int) -> UInt8 { p[k] &- 48 > 9 ? 1 : 0 }
        let date = no(0) | no(1) | no(2) | no(3) | no(5) | no(6) | no(8) | no(9)
        let time = no(11) | no(12) | no(14) | no(15) | no(17) | no(18) | no(20) | no(21) | no(22)
        guard date | time == 0 else { return nil }
        return instant(d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3), d(5) * 10 + d(6), d(8) * 10 + d(9),
                       d(11) * 10 + d(12), d(14) * 10 + d(15), d(17) * 10 + d(18), d(20) * 100 + d(21) * 10 + d(22),
                       offsetMinutes: 0)
    }

    @usableFromInline
    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Tue Aug 18 2026 14:03:12 GMT+0000 (Coordinated Universal Time)`; the zone name is ignored.
    @inlinable
    static func parseJavaScript(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        guard n >= 33, p[3] == UInt8(ascii: " "), p[7] == UInt8(ascii: " "), p[10] == UInt8(ascii: " "),
              p[15] == UInt8(ascii: " "), p[18] == UInt8(ascii: ":"), p[21] == UInt8(ascii: ":"), p[24] == UInt8(ascii: " "),
              p[25] == UInt8(ascii: "G"), p[26] == UInt8(ascii: "M"), p[27] == UInt8(ascii: "T"),
              p[28] == UInt8(ascii: "+") || p[28] == UInt8(ascii: "-"), n == 33 || p[33] == UInt8(ascii: " ")
        else { return nil }
        let month = monthNumber(p[4], p[5], p[6])
        @inline(__always) func d(_ k: Int) -> Int { Int(p[k] &- 48) }
        // A byte that is no digit wraps to 10 or more after `- 48`; all positions, no branches.
        @inline(__always) func no(_ k: Int) -> UInt8 { p[k] &- 48 > 9 ? 1 : 0 }
        let date = no(8) | no(9) | no(11) | no(12) | no(13) | no(14)
        let time = no(16) | no(17) | no(19) | no(20) | no(22) | no(23) | no(29) | no(30) | no(31) | no(32)
        guard month > 0, date | time == 0 else { return nil }
        let offset = (p[28] == UInt8(ascii: "-") ? -1 : 1) * (d(29) * 600 + d(30) * 60 + d(31) * 10 + d(32))
        return instant(d(11) * 1000 + d(12) * 100 + d(13) * 10 + d(14), month, d(8) * 10 + d(9),
                       d(16) * 10 + d(17), d(19) * 10 + d(20), d(22) * 10 + d(23), 0, offsetMinutes: offset)
    }
}

// MARK: - Formatting

extension ISOInstant {
    /// `2024-01-01T10:30:00.000Z`, as Dub writes instants (`Date#toJSON`).
    public static func format(_ millis: Int64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        appendISO(millis, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `2024-01-01` (the UTC date).
    public static func formatDate(_ millis: Int64) -> String {
        let c = civil(millis)
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
    }

    /// Appends ``format(_:)``'s form to a byte buffer (the generator's hot path).
    public static func appendISO(_ millis: Int64, to out: inout [UInt8]) {
        let ms = Int(((millis % 1000) + 1000) % 1000)
        let secs = Int((millis - Int64(ms)) / 1000)
        let days = secs >= 0 ? secs / 86_400 : (secs - 86_399) / 86_400
        let rem = secs - days * 86_400
        let (y, m, d) = civilFromDays(days)
        append4(y, &out); out.append(UInt8(ascii: "-")); append2(m, &out); out.append(UInt8(ascii: "-")); append2(d, &out)
        out.append(UInt8(ascii: "T"))
        append2(rem / 3600, &out); out.append(UInt8(ascii: ":")); append2(rem / 60 % 60, &out)
        out.append(UInt8(ascii: ":")); append2(rem % 60, &out); out.append(UInt8(ascii: "."))
        out.append(UInt8(48 + ms / 100)); out.append(UInt8(48 + ms / 10 % 10)); out.append(UInt8(48 + ms % 10))
        out.append(UInt8(ascii: "Z"))
    }

    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]

    /// Appends JavaScript's `Date#toString` form in UTC, as Dub's top-level `timestamp` has it.
    public static func appendJavaScript(_ millis: Int64, to out: inout [UInt8]) {
        let secs = Int(millis >= 0 ? millis / 1000 : (millis - 999) / 1000)
        let days = secs >= 0 ? secs / 86_400 : (secs - 86_399) / 86_400
        let rem = secs - days * 86_400
        let (y, m, d) = civilFromDays(days)
        out.append(contentsOf: weekdays[((days % 7) + 7) % 7].utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: monthNames[m - 1].utf8)
        out.append(UInt8(ascii: " ")); append2(d, &out); out.append(UInt8(ascii: " ")); append4(y, &out)
        out.append(UInt8(ascii: " ")); append2(rem / 3600, &out); out.append(UInt8(ascii: ":")); append2(rem / 60 % 60, &out)
        out.append(UInt8(ascii: ":")); append2(rem % 60, &out)
        out.append(contentsOf: " GMT+0000 (Coordinated Universal Time)".utf8)
    }

    @inline(__always) static func append2(_ v: Int, _ out: inout [UInt8]) {
        out.append(UInt8(48 + v / 10 % 10)); out.append(UInt8(48 + v % 10))
    }

    @inline(__always) static func append4(_ v: Int, _ out: inout [UInt8]) {
        out.append(UInt8(48 + v / 1000 % 10)); out.append(UInt8(48 + v / 100 % 10))
        out.append(UInt8(48 + v / 10 % 10)); out.append(UInt8(48 + v % 10))
    }
}
