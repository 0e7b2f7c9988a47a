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

    @Test func columnsGiveWayByPriority() {
        let stamp = "2026-08-18T14:03:12.345Z"
        let url = "https://acme.com/" + String(repeating: "p", count: 60) + "?utm_source=x"
        let columns = [TableRenderer.Column("timestamp", cut: .never), TableRenderer.Column("url", cut: .middle),
                       TableRenderer.Column("country")]
        let text = TableRenderer.render(columns: columns, rows: [[stamp, url, "US"]], width: 80, color: false)
        let lines = text.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 80 }, "\(text)")
        // The timestamp whole, the URL's start and end kept around the `…`.
        #expect(lines[2].contains(stamp))
        #expect(lines[2].contains("https://acme.com/"))
        #expect(lines[2].contains("…") && lines[2].contains("utm_source=x"), "\(text)")
        #expect(lines[2].hasSuffix("US"))
    }

    @Test func rowsThatCannotFitPrintAsRecords() {
        let headers = (1...8).map { "column\($0)" }
        let row = (1...8).map { "value-number-\($0)" }
        let auto = TableRenderer.render(headers: headers, rows: [row, row], width: 80, color: false)
        #expect(auto.hasPrefix("─[ row 1 ]"), "\(auto)")
        #expect(auto.contains("\ncolumn8 │ value-number-8\n"))
        #expect(auto.contains("─[ row 2 ]"))
        #expect(auto.hasSuffix("(2 rows)\n"))
        let off = TableRenderer.render(headers: headers, rows: [row], width: 80, color: false, expanded: .off)
        #expect(!off.contains("─[ row"))
        #expect(off.split(separator: "\n").allSatisfy { $0.count <= 80 })
        let on = TableRenderer.render(headers: ["a"], rows: [["b"]], width: nil, color: false, expanded: .on)
        #expect(on == "─[ row 1 ]\na │ b\n(1 row)\n")
        // No rows: a table's header, whatever the width.
        #expect(TableRenderer.render(headers: headers, rows: [], width: 80, color: false).hasSuffix("(0 rows)\n"))
    }

    @Test func onlyColumnsOfURLsAreCutInTheMiddle() {
        #expect(TableRenderer.cut(for: ["https://a.com/x", "", "http://b.org"]) == .middle)
        #expect(TableRenderer.cut(for: ["https://a.com/x", "dub.sh/x"]) == .end)
        #expect(TableRenderer.cut(for: ["", ""]) == .end)
    }

    @Test func tablesWithoutWidthKeepEverything() {
        let long = String(repeating: "y", count: 300)
        let text = TableRenderer.render(headers: ["v"], rows: [[long], ["b"]], width: nil, color: false)
        #expect(text.contains(long))
        #expect(text.hasSuffix("(2 rows)\n"))
    }

    @Test func truncationIsInTheTableFooterOnly() throws {
        let schema = ResultSchema(columns: [ResultColumn("country", .text)])
        let cut = Truncation(shown: 1, more: .total(5412))
        #expect(cut.text == "1 of 5,412 rows shown; add LIMIT n or LIMIT ALL")
        #expect(Truncation(shown: 100, offset: 10, more: .exist).text == "rows 11-110 shown; more rows exist; add LIMIT n or LIMIT ALL")
        #expect(Truncation(shown: 1_000_000, more: .mayExist, capped: true).text
                == "1,000,000 rows shown; more may exist (the last page was full): a listing returns at most 1,000,000 rows; read on with OFFSET 1000000")
        for format in [OutputFormat.table, .csv] {
            let sink = OutputSink.memory()
            let w = ResultWriter(format: format, schema: schema, sink: sink)
            w.begin(); w.write(ResultRow(values: [.text("US")])); w.truncation = cut; w.end()
            #expect(sink.text.hasSuffix(format == .table ? "(1 of 5,412 rows shown; add LIMIT n or LIMIT ALL)\n" : "US\r\n"), "\(sink.text)")
        }
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

    /// The README's example: a result that is not events (an aggregate) is just another schema.
    @Test func readmeResultsExample() {
        let schema = ResultSchema(columns: [ResultColumn("country", .text), ResultColumn("count()", .integer),
                                            ResultColumn("sum(sale.amount)", .money, unit: "USD")])
        let rows = [ResultRow(values: [.text("US"), .integer(1204), .money(cents: 5_880_000, currency: "usd")]),
                    ResultRow(values: [.text("DE"), .integer(87), .money(cents: 43_100, currency: "usd")])]
        func write(_ format: OutputFormat) -> String {
            let sink = OutputSink.memory()
            let writer = ResultWriter(format: format, schema: schema, sink: sink)
            writer.begin()
            for row in rows { writer.write(row) }
            writer.end()
            return sink.text
        }
        #expect(write(.table) == """
             country │ count() │ sum(sale.amount) (USD)
            ─────────┼─────────┼────────────────────────
             US      │    1204 │              58,800.00
             DE      │      87 │                 431.00
            (2 rows)

            """)
        #expect(write(.ndjson) == #"{"country":"US","count()":1204,"sum(sale.amount)":58800.00}"# + "\n"
                + #"{"country":"DE","count()":87,"sum(sale.amount)":431.00}"# + "\n")
        #expect(write(.csv) == "country,count(),sum(sale.amount)\r\nUS,1204,58800.00\r\nDE,87,431.00\r\n")
        #expect(write(.markdown).hasPrefix("| country | count() | sum(sale.amount) (USD) |\n|---|---:|---:|\n| US | 1204 | 58,800.00 |\n"))
    }

    /// Instants print in UTC with milliseconds, or in the column's time zone (time buckets).
    @Test func instantsInAZone() {
        let schema = ResultSchema(columns: [ResultColumn("day", .instant, unit: "America/New_York"), ResultColumn("at", .instant)])
        let sink = OutputSink.memory()
        let writer = ResultWriter(format: .csv, schema: schema, sink: sink)
        writer.begin()
        writer.write(ResultRow(values: [.instant(1_787_025_600_000), .instant(1_787_025_600_000)]))
        writer.end()
        #expect(sink.text == "day,at\r\n2026-08-18T00:00:00-04:00,2026-08-18T04:00:00.000Z\r\n")
    }

    @Test(arguments: [("plain", "plain"), ("\u{1B}]0;x\u{07}", #"\x1b]0;x\x07"#), ("a\nb\tc\r", #"a\nb\tc\r"#),
                      ("\u{7F}\u{9B}\u{85}", #"\x7f\u{9b}\u{85}"#), ("é\u{A0}", "é\u{A0}"), ("back\\slash", "back\\slash")])
    func terminalEscapes(_ raw: String, _ shown: String) {
        #expect(TerminalText.escape(raw) == shown)
    }

    @Test func terminalJSONEscapesOnlyDELAndC1() {
        let json = Array("{\"a\":\"\u{7F}x\u{9B}\"}\n\t".utf8)
        let escaped = json.withUnsafeBufferPointer { TerminalText.escapeJSON($0) }
        #expect(escaped.map { String(decoding: $0, as: UTF8.self) } == #"{"a":"\u007fx\u009b"}"# + "\n\t")
        let clean = Array(#"{"a":"é"}"#.utf8)
        #expect(clean.withUnsafeBufferPointer { TerminalText.escapeJSON($0) } == nil)
    }

    @Test func tableCellsAreCutLazily() {
        let huge = String(repeating: "x", count: 5_000_000)
        let cell = TableRenderer.cell(huge)
        #expect(cell.count == TableRenderer.maximumCellCharacters && cell.hasSuffix("…"))
        #expect(TableRenderer.cell("two\nlines") == "two lines")
    }
}
