// Writes an AggregateResult (typed columns, typed rows) in one OutputFormat: numbers as numbers
// in JSON, plain numbers in CSV, right-aligned numbers in tables with money's unit in the header,
// instants in the query's time zone. A stop-gap until the results layer reads aggregate rows too.

import DubQL
import Foundation

/// Renders the rows of an aggregate query.
public struct AggregateWriter {
    public var format: OutputFormat
    public var sink: OutputSink
    public var width: Int?
    public var color: Bool

    public init(format: OutputFormat, sink: OutputSink, width: Int? = nil, color: Bool = false) {
        self.format = format
        self.sink = sink
        self.width = width
        self.color = color
    }

    /// Writes the whole result and flushes.
    public func write(_ result: AggregateResult) {
        let calendar = ZonedCalendar(identifier: result.timeZone) ?? .utc
        let names = result.columns.map(\.name)
        func text(_ v: AggregateValue) -> String { AggregateWriter.text(v, calendar: calendar) }
        switch format {
        case .table:
            let headers = result.columns.map { $0.type == .money ? $0.name + " (cents)" : $0.name }
            var cells = result.rows.map { $0.map(text) }
            // Right-align numeric columns by padding to the column's width before rendering.
            for (i, c) in result.columns.enumerated() where c.type.isNumeric {
                let w = max(headers[i].count, cells.map { $0[i].count }.max() ?? 0)
                for r in cells.indices { cells[r][i] = String(repeating: " ", count: w - cells[r][i].count) + cells[r][i] }
            }
            var padded = headers
            for (i, c) in result.columns.enumerated() where c.type.isNumeric {
                let w = max(headers[i].count, cells.map { $0[i].count }.max() ?? 0)
                padded[i] = String(repeating: " ", count: w - headers[i].count) + headers[i]
            }
            sink.write(TableRenderer.render(headers: padded, rows: cells, width: width, color: color))
        case .line:
            let w = names.map(\.count).max() ?? 0
            for (r, row) in result.rows.enumerated() {
                if r > 0 { sink.write("\n") }
                for (i, v) in row.enumerated() {
                    sink.write(String(repeating: " ", count: w - names[i].count) + names[i] + " = " + text(v) + "\n")
                }
            }
        case .csv:
            sink.write(names.map(CSV.field).joined(separator: ",") + "\r\n")
            for row in result.rows { sink.write(row.map { CSV.field(text($0)) }.joined(separator: ",") + "\r\n") }
        case .markdown:
            sink.write("| " + names.map(Markdown.cell).joined(separator: " | ") + " |\n")
            sink.write("|" + result.columns.map { $0.type.isNumeric ? "---:|" : "---|" }.joined() + "\n")
            for row in result.rows { sink.write("| " + row.map { Markdown.cell(text($0)) }.joined(separator: " | ") + " |\n") }
        case .json, .ndjson:
            if format == .json { sink.write(result.rows.isEmpty ? "[" : "[\n") }
            for (r, row) in result.rows.enumerated() {
                var out = ""
                let members = zip(names, row).map { JSONValue.JSONMember($0, AggregateWriter.json($1, calendar: calendar)) }
                JSONWriter.write(.object(members), to: &out)
                if format == .json { sink.write((r > 0 ? ",\n" : "") + out) } else { sink.write(out + "\n") }
            }
            if format == .json { sink.write(result.rows.isEmpty ? "]\n" : "\n]\n") }
        }
        sink.flush()
    }

    /// A value as text: numbers plainly (no separators, no currency), instants as ISO 8601 with the
    /// zone's offset, null as nothing.
    public static func text(_ v: AggregateValue, calendar: ZonedCalendar) -> String {
        switch v {
        case .null: ""
        case .bool(let b): b ? "true" : "false"
        case .integer(let i): String(i)
        case .number(let d): JSONWriter.number(d)
        case .text(let s): s
        case .instant(let ms): zoned(ms, calendar)
        }
    }

    /// A value as JSON: numbers as numbers, instants as ISO 8601 strings in the zone.
    public static func json(_ v: AggregateValue, calendar: ZonedCalendar) -> JSONValue {
        switch v {
        case .null: .null
        case .bool(let b): .bool(b)
        case .integer(let i): .number(Double(i))
        case .number(let d): .number(d)
        case .text(let s): .string(s)
        case .instant(let ms): .string(zoned(ms, calendar))
        }
    }

    /// `2026-08-19T00:00:00-04:00` (milliseconds when there are any; `Z` in UTC).
    static func zoned(_ ms: Int64, _ calendar: ZonedCalendar) -> String {
        let offset = calendar.offsetSeconds(at: ms)
        let utc = ISOInstant.format(ms + Int64(offset) * 1000)  // 2026-08-19T00:00:00.000Z or ...Z
        var local = utc.hasSuffix("Z") ? String(utc.dropLast()) : utc
        if local.hasSuffix(".000") { local.removeLast(4) }
        guard offset != 0 else { return local + "Z" }
        let a = abs(offset)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return local + (offset < 0 ? "-" : "+") + two(a / 3600) + ":" + two((a % 3600) / 60)
    }
}

extension AggregateValueType {
    /// True for the types printed as numbers (right-aligned in tables).
    public var isNumeric: Bool { self == .integer || self == .number || self == .money }
}
