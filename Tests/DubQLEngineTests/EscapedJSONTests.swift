// JSON escapes change nothing: an event written with randomly escaped keys and values
// (`"c\u006funtry"`, `"\/"`) loads to exactly the values of the same event written plainly.

import DubQL
import DubQLEngine
import DubQLTestSupport
import Testing

// MARK: - A JSON writer that escapes at random

/// A deterministic random stream (SplitMix64), so a failure can be replayed from its seed.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Writes a ``JSONValue`` as compact JSON; with `escapeRate` > 0, each character of a key (and of
/// a string value, with `escapeValues`) is escaped with that probability, in one of the forms
/// JSON allows for it (`\uXXXX` in either case, a surrogate pair, `\/`, `\"`, `\\`).
struct EscapingWriter {
    var random: SeededRandom
    var escapeRate: Double
    var escapeValues: Bool

    mutating func write(_ value: JSONValue) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    private mutating func write(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d):
            out += d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .string(let s): string(s, escape: escapeValues, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, member) in members.enumerated() {
                if i > 0 { out += "," }
                string(member.key, escape: true, to: &out)
                out += ":"
                write(member.value, to: &out)
            }
            out += "}"
        }
    }

    private mutating func string(_ s: String, escape: Bool, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            let v = scalar.value
            let chosen = escape && escapeRate > 0 && Double.random(in: 0..<1, using: &random) < escapeRate
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += chosen ? "\\u005\(Bool.random(using: &random) ? "C" : "c")" : "\\\\"
            case "/" where chosen && Bool.random(using: &random): out += "\\/"
            case _ where v < 0x20 || chosen:
                if v > 0xFFFF {
                    let high = 0xD800 + ((v - 0x10000) >> 10), low = 0xDC00 + ((v - 0x10000) & 0x3FF)
                    out += hex(high) + hex(low)
                } else {
                    out += hex(v)
                }
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    private mutating func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16, uppercase: Bool.random(using: &random))
        return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
    }
}

// MARK: - Tests

@Suite("Escaped JSON")
struct EscapedJSONTests {
    /// Every value the store keeps, for one row.
    static func snapshot(_ store: EventStore, _ row: Int) -> [String] {
        var values = ["\(store.eventType(row))", "\(store.timestamps[row])", store.eventID(row),
                      "\(store.saleAmount(row).map { "\($0)" } ?? "-")", store.saleType(row) ?? "-",
                      "\(store.metadata(row).map { "\($0)" } ?? "-")"]
        for column in StringColumn.allCases { values.append("\(column): \(store.string(column, row) ?? "<nil>")") }
        for path in [["click", "qr"], ["customer", "email"], ["metadata", "plan"], ["link", "utm_source"]] {
            values.append("\(path): \(store.record(row).json(at: path).map { "\($0)" } ?? "-")")
        }
        return values
    }

    @Test(arguments: [(EventType.clicks, UInt64(1)), (.leads, 2), (.sales, 3), (.clicks, 4), (.sales, 5)])
    func randomlyEscapedEventsLoadToTheSameValues(event: EventType, seed: UInt64) throws {
        let generated = Generator(GeneratorOptions(event: event, count: 150, seed: seed, days: 10, end: 1_786_000_000_000)).bytes()
        let events = try generated.split(separator: UInt8(ascii: "\n")).map { try JSONValue.parse(Array($0)) }
        var plain = EscapingWriter(random: SeededRandom(state: seed), escapeRate: 0, escapeValues: false)
        var escaped = EscapingWriter(random: SeededRandom(state: seed), escapeRate: 0.3, escapeValues: seed % 2 == 1)
        let plainText = events.map { plain.write($0) }.joined(separator: "\n")
        let escapedText = events.map { escaped.write($0) }.joined(separator: "\n")
        #expect(escapedText.contains("\\u"), "the escaping writer escaped nothing")
        let a = try EventLoader.load(bytes: Array(plainText.utf8), name: "plain.ndjson")
        let b = try EventLoader.load(bytes: Array(escapedText.utf8), name: "escaped.ndjson")
        #expect(a.count == events.count)
        #expect(b.count == a.count)
        for row in 0..<min(a.count, b.count) {
            let left = Self.snapshot(a, row), right = Self.snapshot(b, row)
            #expect(left == right, "seed \(seed), row \(row): \(zip(left, right).first { $0 != $1 }.map { "\($0) vs \($1)" } ?? "")")
            if left != right { break }
        }
    }

    /// The issue's example: an escaped key names the same field.
    @Test func escapedKeysAreTheirDecodedText() throws {
        let line = #"{"ev\u0065nt":"click","timestamp":"2026-08-18T14:03:12.345Z","click":{"id":"c1","timestamp":"2026-08-18T14:03:12.345Z","c\u006funtry":"BR","\u0063ity":"S\u00e3o Paulo"},"link":{"id":"l1","domain":"dub.sh","key":"try"}}"#
        let store = try load(line)
        #expect(store.count == 1)
        #expect(store.string(.country, 0) == "BR")
        #expect(store.string(.city, 0) == "São Paulo")
        // Escaped values of the event type and timestamp are decoded too.
        let escapedValues = #"{"event":"\u0063lick","timestamp":"2026-08-18T14:03:12.345\u005A","click":{"id":"c1","country":"BR"}}"#
        let other = try load(escapedValues)
        #expect(other.eventType(0) == .clicks)
        #expect(other.timestamps[0] == 1_787_061_792_345)
    }
}
