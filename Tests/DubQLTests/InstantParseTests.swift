// The JavaScript `Date#toString` form of every month reads back to its instant, and a month
// written any other way (case, spelling) is no instant: the month names are matched byte for byte.

import DubQL
import DubQLTestSupport
import Testing

@Suite struct JavaScriptMonthTests {
    @Test(arguments: 1...12)
    func everyMonthRoundTrips(month: Int) {
        let millis = ISOInstant.millis(year: 2026, month: month, day: 28, hour: 23, minute: 59, second: 58)
        var out: [UInt8] = []
        ISOInstant.appendJavaScript(millis, to: &out)
        #expect(ISOInstant.parse(String(decoding: out, as: UTF8.self)) == millis)
    }

    @Test(arguments: ["aug", "AUG", "Agu", "Au ", "Sept", "Jun".uppercased(), "Dez", "Mai", "   "])
    func otherMonthSpellingsAreRefused(name: String) {
        let text = "Tue \(name) 18 2026 14:03:12 GMT+0000 (Coordinated Universal Time)"
        #expect(ISOInstant.parse(text) == nil)
    }
}

/// The straight-line readers of Dub's two forms (`Date#toJSON`, `Date#toString`) against the
/// general reading, on every one-byte change of real timestamps.
@Suite struct InstantFastFormTests {
    static let replacements: [UInt8] = Array("0123456789-:.TZtz +/ GMTa".utf8) + [0x00, 0x7F, 0xC3]

    /// Timestamps of several years, months and times (leap days, ends of months, midnight).
    static func samples() -> [Int64] {
        var random = SplitMix64(state: 42)
        var out: [Int64] = [0, 951_782_400_000, 1_709_164_800_000, 1_787_061_792_345, 4_102_444_799_999]
        for _ in 0..<40 { out.append(Int64(random.below(4_102_444_800)) * 1000 + Int64(random.below(1000))) }
        return out
    }

    @Test func toJSONFormReadsAsTheGeneralPathReadsIt() {
        var checked = 0
        for millis in Self.samples() {
            let text = Array(ISOInstant.format(millis).utf8)
            #expect(ISOInstant.parse(String(decoding: text, as: UTF8.self)) == millis)
            for k in text.indices where k != 10 {
                for r in Self.replacements {
                    var m = text
                    m[k] = r
                    // A lower-case `t` takes the general path for the same text (it reads `T` and `t` alike).
                    var general = m
                    general[10] = UInt8(ascii: "t")
                    #expect(parse(m) == parse(general), "\(String(decoding: m, as: UTF8.self))")
                    checked += 1
                }
            }
        }
        #expect(checked > 10_000)
    }

    @Test func javaScriptFormReadsAsBefore() {
        for millis in Self.samples() {
            var out: [UInt8] = []
            ISOInstant.appendJavaScript(millis - millis % 1000, to: &out)
            for text in [out, Array(out.prefix(33)), Array(out.prefix(34)), Array(out.prefix(32))] {
                #expect(parse(text) == Self.reference(text), "\(String(decoding: text, as: UTF8.self))")
                for k in 0..<min(text.count, 36) {
                    // A digit first makes it an ISO 8601 text: not this reader's.
                    for r in Self.replacements where k > 0 || !(48...57).contains(r) {
                        var m = text
                        m[k] = r
                        #expect(parse(m) == Self.reference(m), "\(String(decoding: m, as: UTF8.self))")
                    }
                }
            }
        }
    }

    private func parse(_ bytes: [UInt8]) -> Int64? {
        bytes.withUnsafeBufferPointer { b in ISOInstant.parse(b.baseAddress!, count: b.count) }
    }

    /// The JavaScript form as it was read before the straight-line reader (month by table).
    static func reference(_ t: [UInt8]) -> Int64? {
        let n = t.count
        func digits(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= n else { return nil }
            var v = 0
            for k in 0..<count {
                guard t[at + k] >= 48 && t[at + k] <= 57 else { return nil }
                v = v * 10 + Int(t[at + k] - 48)
            }
            return v
        }
        guard n >= 33, t[3] == UInt8(ascii: " "), t[7] == UInt8(ascii: " ") else { return nil }
        let names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let month = names.firstIndex(of: String(decoding: t[4..<7], as: UTF8.self)).map({ $0 + 1 }),
              let d = digits(8, 2), t[10] == UInt8(ascii: " "), let y = digits(11, 4), t[15] == UInt8(ascii: " "),
              let h = digits(16, 2), t[18] == UInt8(ascii: ":"), let mi = digits(19, 2), t[21] == UInt8(ascii: ":"),
              let s = digits(22, 2), t[24] == UInt8(ascii: " "), t[25] == UInt8(ascii: "G"), t[26] == UInt8(ascii: "M"),
              t[27] == UInt8(ascii: "T"), t[28] == UInt8(ascii: "+") || t[28] == UInt8(ascii: "-"),
              let oh = digits(29, 2), let om = digits(31, 2), n == 33 || t[33] == UInt8(ascii: " ")
        else { return nil }
        let lengths = [31, y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d >= 1, d <= lengths[month - 1], h < 24, mi < 60, s < 61 else { return nil }
        let offset = (t[28] == UInt8(ascii: "-") ? -1 : 1) * (oh * 60 + om)
        return ISOInstant.millis(year: y, month: month, day: d, hour: h, minute: mi, second: s) - Int64(offset) * 60_000
    }
}
