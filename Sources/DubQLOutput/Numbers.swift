// Numbers and money as text, exactly and within bounds, whatever the data holds: a number from
// an event is never trusted to fit an integer type (`1e19`, `1e400`, a 30-digit integer).

import DubQL

// MARK: - Plain numbers

/// Numbers as text for every format.
enum NumberText {
    /// A number as text: the data's literal when there is one, else integers without `.0` and other
    /// values in Swift's shortest round-trip form; `inf`, `-inf` and `nan` for what JSON cannot say.
    static func text(_ value: Double, literal: String?) -> String {
        if let literal { return literal }
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return JSONWriter.number(value)
    }

    /// A number as JSON: the literal (valid JSON, it came from JSON), else ``JSONWriter/number(_:)``,
    /// which writes `null` for what JSON cannot hold.
    static func json(_ value: Double, literal: String?) -> String {
        literal ?? JSONWriter.number(value)
    }

    /// True when a Double read from data may not be the number the data wrote: beyond 2^53 (or not
    /// finite); producers then keep the literal.
    static func needsLiteral(_ value: Double) -> Bool {
        !(value.magnitude < 9_007_199_254_740_992)
    }
}

// MARK: - Money

/// Money in cents as text.
public enum Money {
    /// The unit money columns name in table headers: amounts are US dollars (Dub converts sales
    /// to USD when it tracks them, and stores cents).
    public static let unit = "USD"

    /// Integer parts longer than this many digits are written in scientific notation (`$1e398`),
    /// so that a hostile exponent cannot make a cell of millions of zeros.
    public static let maximumPlainDigits = 64

    /// `$49.00` for USD, `49.00 EUR` for other currencies; cents are rounded half away from zero.
    ///
    /// Exact for every amount: `literal` (the amount as the data wrote it, see
    /// ``ResultValue/money(cents:currency:literal:)``) wins over `cents`; amounts whose dollars have
    /// more than ``maximumPlainDigits`` digits are written as `$1e398`.
    public static func format(cents: Double, currency: String, literal: String? = nil) -> String {
        let amount = dollars(cents: cents, literal: literal, grouped: true)
        return currency.lowercased() == "usd" ? "$" + amount : amount + " " + currency.uppercased()
    }

    /// How tables show money, under a header that says `(USD)`: `1,234.56`, with the currency
    /// code after amounts in another currency (`49.00 EUR`).
    public static func tableText(cents: Double, currency: String, literal: String? = nil) -> String {
        let amount = dollars(cents: cents, literal: literal, grouped: true)
        return currency.lowercased() == "usd" ? amount : amount + " " + currency.uppercased()
    }

    /// Money as a plain number of dollars for CSV and JSON: `1234.56` for whole cents (exact),
    /// the shortest form of `cents / 100` for fractions of a cent (averages).
    /// With a `literal` (a number a Double cannot hold), its exact value divided by 100.
    public static func plainDollars(cents: Double, literal: String? = nil) -> String {
        if let literal, let decimal = DecimalDigits(literal) { return decimal.exactDollarsText() }
        if cents.isFinite, cents != cents.rounded() { return JSONWriter.number(cents / 100) }
        return dollars(cents: cents, literal: nil, grouped: false)
    }

    /// Dollars with two decimals, rounded half away from zero to the cent.
    static func dollars(cents: Double, literal: String?, grouped: Bool) -> String {
        if literal == nil, cents.isFinite, let whole = Int64(exactly: cents.magnitude.rounded()) {
            return (cents < 0 && whole != 0 ? "-" : "") + plain(whole, grouped: grouped)
        } else if let decimal = literal.flatMap(DecimalDigits.init) ?? DecimalDigits(exactly: cents.rounded()) {
            return decimal.moneyText(grouped: grouped)
        } else {
            return cents.isNaN ? "nan" : (cents < 0 ? "-inf" : "inf")
        }
    }

    /// Whole cents as `12,345.67` (or `12345.67`).
    private static func plain(_ cents: Int64, grouped: Bool) -> String {
        let digits = String(cents / 100)
        let fraction = cents % 100
        return (grouped ? Money.grouped(Substring(digits)) : digits) + (fraction < 10 ? ".0" : ".") + String(fraction)
    }

    /// Thousands separators: a money column reads better with them.
    static func grouped(_ digits: Substring) -> String {
        var out = ""
        out.reserveCapacity(digits.count + digits.count / 3)
        let n = digits.count
        for (i, ch) in digits.enumerated() {
            if i > 0 && (n - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return out
    }
}

// MARK: - Decimal digits

/// A JSON number literal as sign, significant digits and a power of ten: exact arithmetic for the
/// few numbers a Double cannot hold.
struct DecimalDigits {
    var negative: Bool
    /// Significant digits without leading zeros (`"0"` never; empty means zero).
    var digits: [UInt8]
    /// The value is `digits × 10^exponent`.
    var exponent: Int

    /// Parses `-12.5e3`, `1e19`, `123456789012345678901234567890`, Swift's `1e+19`; `nil` for
    /// anything else. Exponents saturate far beyond any printable size.
    init?(_ text: String) {
        var bytes = Array(text.utf8)[...]
        guard !bytes.isEmpty else { return nil }
        negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }
        var digits: [UInt8] = []
        var fractionDigits = 0
        var seenDigit = false, inFraction = false
        while let b = bytes.first, b != UInt8(ascii: "e"), b != UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if b == UInt8(ascii: ".") {
                guard !inFraction else { return nil }
                inFraction = true
                continue
            }
            guard b >= 48 && b <= 57 else { return nil }
            seenDigit = true
            if inFraction { fractionDigits += 1 }
            if digits.isEmpty && b == 48 { continue }
            digits.append(b - 48)
        }
        guard seenDigit else { return nil }
        var exponent = 0
        if !bytes.isEmpty {
            bytes = bytes.dropFirst()
            var negativeExponent = false
            if let s = bytes.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") {
                negativeExponent = s == UInt8(ascii: "-")
                bytes = bytes.dropFirst()
            }
            guard !bytes.isEmpty else { return nil }
            for b in bytes {
                guard b >= 48 && b <= 57 else { return nil }
                exponent = min(exponent * 10 + Int(b - 48), 1 << 40)
            }
            if negativeExponent { exponent = -exponent }
        }
        // Trailing zeros of the significand move into the exponent.
        var trailing = 0
        while trailing < digits.count && digits[digits.count - 1 - trailing] == 0 { trailing += 1 }
        digits.removeLast(trailing)
        self.digits = digits
        self.exponent = digits.isEmpty ? 0 : exponent - fractionDigits + trailing
        if digits.isEmpty { self.negative = false }
    }

    /// The exact value of a whole Double (`2^63` is `9223372036854775808`); `nil` when it is not
    /// finite or not whole.
    init?(exactly value: Double) {
        guard value.isFinite, value == value.rounded() else { return nil }
        negative = value < 0
        exponent = 0
        guard value != 0 else { digits = []; negative = false; return }
        // |value| = mantissa × 2^shift, with a 53-bit mantissa.
        var mantissa = value.significandBitPattern | (value.isNormal ? 1 << 52 : 0)
        var shift = Int(value.exponent) - 52
        if shift < 0 {
            mantissa >>= UInt64(-shift)  // exact: the value is whole
            shift = 0
        }
        var decimal = Array(String(mantissa).utf8.map { $0 - 48 })
        for _ in 0..<shift {
            var carry: UInt8 = 0
            for i in decimal.indices.reversed() {
                let d = decimal[i] * 2 + carry
                decimal[i] = d % 10
                carry = d / 10
            }
            if carry > 0 { decimal.insert(carry, at: 0) }
        }
        while decimal.last == 0 {
            decimal.removeLast()
            exponent += 1
        }
        digits = decimal
    }

    /// The amount in dollars (from cents) as `1,234.56`, rounded half away from zero to the cent;
    /// in scientific notation (`1e398`, `1.5e70`) when the integer part would be too long.
    func moneyText(grouped: Bool = true) -> String {
        guard !digits.isEmpty else { return "0.00" }
        // Units with two decimals: the number of whole-cent digits is digits + exponent.
        let centDigits = digits.count + exponent
        if centDigits - 2 > Money.maximumPlainDigits {
            return (negative ? "-" : "") + scientific(exponentShift: -2)
        }
        var cents: [UInt8]
        if exponent >= 0 {
            cents = digits + [UInt8](repeating: 0, count: exponent)
        } else {
            let drop = -exponent
            if drop > digits.count {
                cents = []  // below half a cent: the first dropped digit is a leading zero
            } else {
                cents = Array(digits[0..<(digits.count - drop)])
                if digits[digits.count - drop] >= 5 { DecimalDigits.increment(&cents) }
            }
        }
        let isZero = cents.allSatisfy { $0 == 0 }
        while cents.count < 3 { cents.insert(0, at: 0) }
        let text = String(decoding: cents.map { $0 + 48 }, as: UTF8.self)
        let whole = text.dropLast(2)
        return (negative && !isZero ? "-" : "") + (grouped ? Money.grouped(whole) : String(whole)) + "." + text.suffix(2)
    }

    /// The exact value divided by 100 (cents as dollars), every digit kept: plain with at least two
    /// decimals (`49.00`, `49.005`) while that takes at most ``Money/maximumPlainDigits`` digits,
    /// else in scientific notation (`1e398`).
    func exactDollarsText() -> String {
        guard !digits.isEmpty else { return "0.00" }
        let e = exponent - 2
        let sign = negative ? "-" : ""
        let text = String(decoding: digits.map { $0 + 48 }, as: UTF8.self)
        if e >= 0 {
            guard digits.count + e <= Money.maximumPlainDigits else { return sign + scientific(exponentShift: -2) }
            return sign + text + String(repeating: "0", count: e) + ".00"
        }
        let fraction = -e
        guard fraction <= Money.maximumPlainDigits, digits.count <= Money.maximumPlainDigits + fraction else {
            return sign + scientific(exponentShift: -2)
        }
        if fraction >= digits.count {
            let zeros = String(repeating: "0", count: fraction - digits.count)
            let decimals = zeros + text
            return sign + "0." + decimals + (decimals.count < 2 ? "0" : "")
        }
        let whole = text.prefix(digits.count - fraction)
        var decimals = String(text.suffix(fraction))
        while decimals.count < 2 { decimals += "0" }
        return sign + whole + "." + decimals
    }

    /// `d.ddd…e±x` of the value times 10^`exponentShift`, every significant digit kept.
    func scientific(exponentShift: Int) -> String {
        let power = digits.count - 1 + exponent + exponentShift
        var out = String(digits[0])
        if digits.count > 1 {
            out += "." + String(decoding: digits.dropFirst().map { $0 + 48 }, as: UTF8.self)
        }
        return out + "e" + String(power)
    }

    private static func increment(_ digits: inout [UInt8]) {
        var i = digits.count - 1
        while i >= 0 {
            if digits[i] < 9 { digits[i] += 1; return }
            digits[i] = 0
            i -= 1
        }
        digits.insert(1, at: 0)
    }
}
