// Reads ISO 8601 dates and date-times (`2024-01-01`, `2024-01-01T10:30:00.250+02:00`) from bytes,
// checking that they name a real calendar instant.

/// Strict reader of the date forms DubQL accepts, shared by the lexer (unquoted dates) and the
/// parser (quoted instants such as `'2024-01-01'`).
public enum DateScanner {
    /// Parses exactly `text` as a date or date-time; the error says what is wrong, for a diagnostic.
    public static func parse(_ text: String) -> Result<DateLiteral, DateError> {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { parse($0, 0, $0.count) }
    }

    /// Why a date-looking text is no date.
    public enum DateError: Error, Hashable, Sendable, CustomStringConvertible {
        /// Not of the form `YYYY-MM-DD[THH:MM[:SS[.fff]][Z|±HH:MM]]`.
        case malformed
        case month(Int)
        case day(Int, month: Int, year: Int)
        case hour(Int)
        case minute(Int)
        case second(Int)
        case offset

        public var description: String {
            switch self {
            case .malformed: "expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS with an optional Z or ±HH:MM"
            case .month(let m): "month \(m) is not between 1 and 12"
            case .day(let d, let m, let y): "day \(d) does not exist in \(monthNames[max(0, min(11, m - 1))]) \(y)"
            case .hour(let h): "hour \(h) is not between 0 and 23"
            case .minute(let m): "minute \(m) is not between 0 and 59"
            case .second(let s): "second \(s) is not between 0 and 59"
            case .offset: "the UTC offset must be between -23:59 and +23:59"
            }
        }
    }

    private static let monthNames = ["January", "February", "March", "April", "May", "June", "July",
                                     "August", "September", "October", "November", "December"]

    /// The number of days of a month of the proleptic Gregorian calendar.
    @inlinable
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // MARK: - Scanning

    static func parse(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Result<DateLiteral, DateError> {
        var i = start
        func digits(_ n: Int) -> Int? {
            guard end - i >= n else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func take(_ c: UInt8) -> Bool {
            if i < end, b[i] == c { i += 1; return true }
            return false
        }
        guard let year = digits(4), take(45), let month = digits(2), take(45), let day = digits(2) else {
            return .failure(.malformed)
        }
        guard (1...12).contains(month) else { return .failure(.month(month)) }
        guard day >= 1, day <= daysIn(month: month, year: year) else {
            return .failure(.day(day, month: month, year: year))
        }
        var literal = DateLiteral(year: year, month: month, day: day)
        if i == end { return .success(literal) }
        guard take(84) || take(116) else { return .failure(.malformed) } // T t
        guard let hour = digits(2), take(58), let minute = digits(2) else { return .failure(.malformed) }
        var second = 0, nanos = 0, fraction = ""
        if take(58) {
            guard let s = digits(2) else { return .failure(.malformed) }
            second = s
            if take(46) {
                let fs = i
                while i < end, b[i] >= 48, b[i] <= 57 { i += 1 }
                guard i > fs, i - fs <= 9 else { return .failure(.malformed) }
                fraction = String(decoding: UnsafeBufferPointer(rebasing: b[fs..<i]), as: UTF8.self)
                var n = 0
                for k in fs..<i { n = n * 10 + Int(b[k] - 48) }
                for _ in 0..<(9 - (i - fs)) { n *= 10 }
                nanos = n
            }
        }
        guard hour <= 23 else { return .failure(.hour(hour)) }
        guard minute <= 59 else { return .failure(.minute(minute)) }
        guard second <= 59 else { return .failure(.second(second)) }
        var offset: Int?
        if take(90) || take(122) { // Z z
            offset = 0
        } else if i < end, b[i] == 43 || b[i] == 45 { // + -
            let sign = b[i] == 45 ? -1 : 1
            i += 1
            guard let oh = digits(2), take(58), let om = digits(2) else { return .failure(.malformed) }
            guard oh <= 23, om <= 59 else { return .failure(.offset) }
            offset = sign * (oh * 3600 + om * 60)
        }
        guard i == end else { return .failure(.malformed) }
        literal.time = .init(hour: hour, minute: minute, second: second, nanosecond: nanos,
                             utcOffsetSeconds: offset, fractionText: fraction)
        return .success(literal)
    }
}
