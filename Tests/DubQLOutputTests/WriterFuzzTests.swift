// Numbers from data are never trusted to fit: every writer, in every format, on events whose
// amounts are extreme (1e19, 1e400, 30-digit integers, huge exponents, fractions of a cent) and
// whose texts hold control characters, must not trap, must print projected numbers exactly as the
// data wrote them, and on a terminal must not pass a control character through.

import DubQL
@testable import DubQLEngine
@testable import DubQLOutput
import DubQLTestSupport
import Foundation
import Testing

extension SplitMix64 {
    fileprivate mutating func digits(_ n: Int) -> String { String((0..<n).map { _ in Character(String(below(10))) }) }
}

/// JSON number literals, from the ordinary to the hostile.
private func literal(_ r: inout SplitMix64) -> String {
    let fixed = ["1e19", "1e400", "-1e400", "1e-400", "0", "-0", "0.5", "4900.5", "99.995", "9223372036854775807",
                 "9223372036854775808", "18446744073709551616", "123456789012345678901234567890", "1E+19",
                 "1e999999999", "1e-999999999", "12345678901234567890123456789012345678901234567890123456789012345678",
                 "9007199254740993", "-9007199254740993", "4900", "1.7976931348623157e308"]
    if r.below(3) == 0 { return fixed[r.below(fixed.count)] }
    var s = r.below(4) == 0 ? "-" : ""
    s += r.below(5) == 0 ? "0" : String(1 + r.below(9)) + r.digits(r.below(40))
    if r.below(3) == 0 { s += "." + r.digits(1 + r.below(6)) }
    if r.below(3) == 0 { s += (r.below(2) == 0 ? "e" : "E") + ["", "+", "-"][r.below(3)] + String(r.below(r.below(2) == 0 ? 30 : 600)) }
    return s
}

/// Text with the characters a terminal obeys: ESC sequences, BEL, DEL, C1, line breaks.
private func hostileText(_ r: inout SplitMix64) -> String {
    let parts = ["\u{1B}]0;PWNED\u{07}", "\u{1B}[2J", "\u{7F}", "\u{9B}31m", "\u{85}", "tab\there", "two\nlines", "ok", "Zürich", "a,b", "say \"hi\"", "|pipe|", "\\"]
    return (0..<(1 + r.below(3))).map { _ in parts[r.below(parts.count)] }.joined()
}

private func sale(id: Int, amount: String, text: String) -> String {
    var quoted = ""
    JSONText.quote(text, to: &quoted)
    return #"{"event":"sale","timestamp":"2026-11-30T00:00:\#(String(format: "%02d", id % 60)).000Z","eventId":"e\#(id)","eventName":\#(quoted),"#
        + #""sale":{"amount":\#(amount),"currency":"usd"},"metadata":{"note":\#(quoted),"n":\#(amount)},"#
        + #""click":{"id":"c\#(id)","timestamp":"2026-11-30T00:00:00Z","url":"https://a.test/?utm_source=%1B%5D0%3BPWNED%07"},"#
        + #""link":{"shortLink":\#(quoted)},"customer":{"id":"cus_\#(id)","name":\#(quoted),"email":"x@y.z"}}"#
}

@Suite("Writers with hostile data")
struct WriterFuzzTests {
    static let projection = ["sale.amount", "saleType", "timestamp", "metadata.n", "metadata.note", "utm_source", "customer.name"]

    static func columns() -> [BoundColumn] {
        projection.map { name in
            switch name {
            case "metadata.n": BoundColumn(name: name, field: .metadata(["n"]))
            case "metadata.note": BoundColumn(name: name, field: .metadata(["note"]))
            case "sale.amount", "saleType", "timestamp", "utm_source": BoundColumn(name: name, field: .catalog(name))
            default: BoundColumn(name: name, field: .json(name.split(separator: ".").map(String.init)))
            }
        }
    }

    static func write(_ store: EventStore, _ listing: EventListing, _ format: OutputFormat, escape: Bool) -> String {
        let sink = OutputSink.memory()
        let writer = ResultWriter(format: format, schema: listing.schema, sink: sink,
                                  options: .init(width: escape ? 80 : nil, escapeControls: escape))
        writer.begin()
        for row in 0..<store.count { writer.write(listing.row(store, row, saleType: .store, values: writer.needsValues)) }
        writer.end()
        return sink.text
    }

    @Test(arguments: 0..<24)
    func everyFormatSurvivesExtremeNumbersAndControlCharacters(seed: Int) throws {
        var r = SplitMix64(seed: UInt64(seed) &* 7919 &+ 1)
        var lines: [String] = [], amounts: [String] = []
        for id in 0..<40 {
            let amount = literal(&r)
            amounts.append(amount)
            lines.append(sale(id: id, amount: amount, text: hostileText(&r)))
        }
        let store = try EventLoader.load(bytes: Array(lines.joined(separator: "\n").utf8), name: "fuzz.ndjson")
        #expect(store.count == lines.count)
        for listing in [EventListing(columns: [], event: .sales), EventListing(columns: Self.columns(), event: .sales)] {
            for format in OutputFormat.allCases {
                for escape in [false, true] {
                    let text = Self.write(store, listing, format, escape: escape)
                    if escape {
                        let bad = text.unicodeScalars.first { u in
                            (u.value < 0x20 && u != "\n" && u != "\r") || u.value == 0x7F || (0x80..<0xA0).contains(u.value)
                        }
                        #expect(bad == nil, "\(format) on a terminal passed U+\(String(bad?.value ?? 0, radix: 16)) through")
                    }
                    if format == .json {
                        #expect(throws: Never.self) { _ = try JSONValue.parse(Array(text.utf8)) }
                    }
                    if format == .ndjson {
                        for line in text.split(separator: "\n") {
                            #expect(throws: Never.self) { _ = try JSONValue.parse(Array(line.utf8)) }
                        }
                    }
                }
            }
        }
        // Projected amounts are exact in CSV and JSON, in dollars: the data's cents divided by 100,
        // every digit of the literal kept when a Double cannot hold it.
        let projected = EventListing(columns: [BoundColumn(name: "sale.amount", field: .catalog("sale.amount"))], event: .sales)
        let csv = Self.write(store, projected, .csv, escape: false).split(separator: "\r\n").dropFirst().map(String.init)
        let ndjson = Self.write(store, projected, .ndjson, escape: false).split(separator: "\n").map(String.init)
        #expect(ndjson == csv.map { #"{"sale.amount":\#($0)}"# })
        for (row, dollars) in csv.enumerated() {
            let cents = store.saleAmount(row) ?? .nan
            if NumberText.needsLiteral(cents) {
                let (a, b) = (Self.significand(amounts[row]), Self.significand(dollars))
                #expect(a.negative == b.negative && a.digits == b.digits && (a.digits.isEmpty || a.exponent - 2 == b.exponent),
                        "\(amounts[row]) cents as \(dollars) dollars")
            } else if cents == cents.rounded() {
                #expect(Double(dollars).map { ($0 * 100).rounded() == cents } == true && dollars.split(separator: ".").last?.count == 2,
                        "\(amounts[row]) cents as \(dollars) dollars")
            } else {
                #expect(dollars == JSONWriter.number(cents / 100))
            }
        }
    }

    /// Sign, significant digits (no leading or trailing zeros) and power of ten of a decimal text
    /// (`-12.50e3` is `-`, `125`, `2`): an exact comparison of numbers written differently.
    static func significand(_ text: String) -> (negative: Bool, digits: String, exponent: Int) {
        var t = Substring(text)
        let negative = t.hasPrefix("-")
        if negative { t = t.dropFirst() }
        var power = 0
        if let e = t.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            power = Int(t[t.index(after: e)...].replacingOccurrences(of: "+", with: "")) ?? 0
            t = t[..<e]
        }
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits = String(parts[0]) + fraction
        power -= fraction.count
        while digits.hasPrefix("0") { digits.removeFirst() }
        while digits.hasSuffix("0") { digits.removeLast(); power += 1 }
        return (negative && !digits.isEmpty, digits, digits.isEmpty ? 0 : power)
    }

    /// Money is exact for any integer number of cents: the same digits, grouped, with two decimals.
    @Test(arguments: 0..<8)
    func moneyKeepsEveryDigit(seed: Int) {
        var r = SplitMix64(seed: UInt64(seed) &+ 99)
        for _ in 0..<200 {
            let negative = r.below(3) == 0
            let digits = String(1 + r.below(9)) + r.digits(r.below(60))
            let literal = (negative ? "-" : "") + digits
            let padded = String(repeating: "0", count: max(0, 3 - digits.count)) + digits
            var whole = String(padded.dropLast(2))
            while whole.count > 1 && whole.first == "0" { whole.removeFirst() }
            let expected = (negative ? "$-" : "$") + Money.grouped(Substring(whole)) + "." + padded.suffix(2)
            #expect(Money.format(cents: Double(literal) ?? 0, currency: "usd", literal: literal) == expected, "\(literal)")
            if let small = Int64(literal), small.magnitude < 1 << 53 {
                #expect(Money.format(cents: Double(small), currency: "usd") == expected, "\(literal) through its Double")
            }
        }
    }

    @Test(arguments: [
        ("1e19", "$100,000,000,000,000,000.00"), ("1E+19", "$100,000,000,000,000,000.00"), ("1e400", "$1e398"),
        ("-1e400", "$-1e398"), ("1.5e70", "$1.5e68"), ("1e-400", "$0.00"), ("1e999999999999999999999", "$1e1099511627774"),
        ("4900.5", "$49.01"), ("0.4", "$0.00"), ("99.5", "$1.00"), ("123456789e-2", "$12,345.68"), ("-0", "$0.00"),
        ("123456789012345678901234567890", "$1,234,567,890,123,456,789,012,345,678.90"),
    ])
    func moneyFromLiterals(_ literal: String, _ text: String) {
        #expect(Money.format(cents: Double(literal) ?? .nan, currency: "usd", literal: literal) == text)
    }

    @Test func moneyFromDoublesThatDoNotFitAnInteger() {
        #expect(Money.format(cents: 1e19, currency: "usd") == "$100,000,000,000,000,000.00")
        #expect(Money.format(cents: -1e19, currency: "eur") == "-100,000,000,000,000,000.00 EUR")
        #expect(Money.format(cents: .infinity, currency: "usd") == "$inf")
        #expect(Money.format(cents: .nan, currency: "usd") == "$nan")
        #expect(Money.format(cents: Double(Int64.max), currency: "usd") == "$92,233,720,368,547,758.08")
    }
}
