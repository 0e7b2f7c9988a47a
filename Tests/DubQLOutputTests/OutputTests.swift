// Output helpers: money, CSV quoting, JSON text, tables that fit a width, timestamps.

import DubQL
@testable import DubQLEngine
@testable import DubQLOutput
import DubQLTestSupport
import Foundation
import Testing

@Suite("Output")
struct OutputTests {
    @Test(arguments: [(4900.0, "usd", "$49.00"), (123_456_7.0, "usd", "$12,345.67"), (5.0, "usd", "$0.05"), (1999.0, "eur", "19.99 EUR")])
    func money(_ cents: Double, _ currency: String, _ text: String) {
        #expect(Money.format(cents: cents, currency: currency) == text)
    }

    @Test(arguments: [("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("two\nlines", "\"two\nlines\"")])
    func csvQuoting(_ raw: String, _ quoted: String) {
        #expect(CSV.field(raw) == quoted)
    }

    @Test func jsonWriterEscapes() {
        let v = JSONValue.object([.init("a", .string("q\"\\\n\u{1}")), .init("n", .number(3)), .init("f", .number(2.5)), .init("z", .null)])
        #expect(JSONWriter.string(v) == #"{"a":"q\"\\\n\u0001","n":3,"f":2.5,"z":null}"#)
    }

    @Test func tablesFitTheWidthAndCutWithEllipsis() {
        let text = TableRenderer.render(headers: ["id", "url"], rows: [["1", String(repeating: "x", count: 100)]], width: 40, color: false)
        let lines = text.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 40 })
        #expect(text.contains("…"))
        #expect(lines.last == "(1 row)")
    }

    @Test func tablesWithoutWidthKeepEverything() {
        let long = String(repeating: "y", count: 300)
        let text = TableRenderer.render(headers: ["v"], rows: [[long], ["b"]], width: nil, color: false)
        #expect(text.contains(long))
        #expect(text.hasSuffix("(2 rows)\n"))
    }

    @Test(arguments: [Int64(0), 1_787_061_792_345, 951_782_400_000, 4_102_444_799_999])
    func isoRoundTrip(_ millis: Int64) {
        #expect(TimestampParser.parse(TimestampFormatter.iso(millis)) == millis)
        #expect(TimestampFormatter.iso(millis) == ISOInstant.format(millis))
    }

    @Test func javascriptFormRoundTrip() {
        var out: [UInt8] = []
        TimestampFormatter.appendJavaScript(1_787_061_792_000, to: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text == "Tue Aug 18 2026 14:03:12 GMT+0000 (Coordinated Universal Time)")
        #expect(TimestampParser.parse(text) == 1_787_061_792_000)
    }

    @Test func resultWriterJSONKeepsOriginalBytes() throws {
        let line = clickLine(id: "z", extra: #","weird":  [ 1 ,2 ]"#)
        let store = try load(line)
        let sink = OutputSink.memory()
        let listing = EventListing(columns: [], event: .clicks)
        let w = ResultWriter(format: .json, schema: listing.schema, sink: sink)
        w.begin(); w.write(listing.row(store, 0, saleType: .store, values: w.needsValues)); w.end()
        #expect(sink.text == "[\n" + line + "\n]\n")
    }

    @Test func fileSinkWritesCSV() throws {
        let store = try load(clickLine(id: "a", country: "DE") + "\n" + clickLine(id: "b", ts: "2026-08-18T15:00:00.000Z", country: "FR"))
        let dir = try makeTemporaryDirectory(prefix: "dubql-sink")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out.csv").path
        do {
            let sink = try OutputSink.file(path: path)
            let listing = EventListing(columns: [BoundColumn(name: "country", field: .catalog("country"))], event: .clicks)
            let w = ResultWriter(format: .csv, schema: listing.schema, sink: sink)
            w.begin()
            Executor.run(LocalPlan(event: .clicks, filter: nil, time: TimeRange(start: nil, end: nil), timeZone: "UTC",
                                   order: .descending, offset: 0, limit: 10, columns: []), on: store) {
                w.write(listing.row(store, $0, saleType: .store))
            }
            w.end()
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "country\r\nFR\r\nDE\r\n")
    }
}
