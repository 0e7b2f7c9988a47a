// Writes a result (a schema and typed rows) in one OutputFormat to a sink, streaming every format
// but the table and the chart, which must see all rows to align and scale them. Nothing here knows where rows come from.

import DubQL

// MARK: - Writer

/// Renders the rows of one result in one ``OutputFormat``.
///
/// Call ``begin()``, then ``write(_:)`` for each row in order, then ``end()``. Rows stream to
/// the sink as they come, except in tables, which keep each cell's display text (at most
/// ``TableRenderer/maximumCellCharacters``) until ``end()``, and charts, which keep the rows.
/// A chart of a result that has none (``Chart/shape(of:)``) writes why instead; callers should
/// check first and report it as an error.
public final class ResultWriter {
    /// How a writer presents values.
    public struct Options: Sendable, Hashable {
        /// The width tables fit (`nil`: no limit).
        public var width: Int?
        /// ANSI colour in tables (bold headers, dim borders).
        public var color: Bool
        /// Show control characters escaped (``TerminalText``): for output to a terminal. Charts
        /// always escape them.
        public var escapeControls: Bool
        /// Tables or records (``TableRenderer/Expanded``): by default a table when rows fit `width`.
        public var expanded: TableRenderer.Expanded
        /// Charts draw with Unicode block characters; else plain ASCII (a terminal that is not UTF-8).
        public var unicode: Bool

        public init(width: Int? = nil, color: Bool = false, escapeControls: Bool = false,
                    expanded: TableRenderer.Expanded = .auto, unicode: Bool = true) {
            self.width = width
            self.color = color
            self.escapeControls = escapeControls
            self.expanded = expanded
            self.unicode = unicode
        }
    }

    public let format: OutputFormat
    public let schema: ResultSchema
    public let sink: OutputSink
    public let options: Options
    /// Rows written so far.
    public private(set) var rowCount = 0
    /// Set before ``end()`` when the rows stopped at the listing's LIMIT and more match: a table
    /// says so in its footer (other formats leave it to the caller, on standard error).
    public var truncation: Truncation?
    /// Display text of the rows of a table, kept until ``end()``.
    private var tableRows: [[String]] = []
    /// The rows of a chart, kept until ``end()``.
    private var chartRows: [ResultRow] = []
    /// The width charts fit without a width: a terminal's usual.
    public static let defaultChartWidth = 80
    private let headers: [String]
    /// Headers as people read them (table, line, markdown): with the unit of numbers and money,
    /// `sale.amount (USD)`. CSV and JSON keep the field names, which WHERE accepts.
    private let unitHeaders: [String]
    /// The time zone of each instant column that names one (``ResultColumn/unit``), else `nil`.
    private let zones: [ZonedCalendar?]

    public init(format: OutputFormat, schema: ResultSchema, sink: OutputSink, options: Options = Options()) {
        self.format = format
        self.schema = schema
        self.sink = sink
        self.options = options
        headers = schema.columns.map(\.name)
        unitHeaders = schema.columns.map { c in c.type.isNumeric ? c.unit.map { c.name + " (\($0))" } ?? c.name : c.name }
        zones = schema.columns.map { c in c.type == .instant ? c.unit.map { ZonedCalendar(identifier: $0) ?? .utc } : nil }
    }

    /// False when rows need no values: json and ndjson of whole events write only their JSON.
    /// Producers may then leave ``ResultRow/values`` empty.
    public var needsValues: Bool {
        !(schema.wholeEvents && (format == .json || format == .ndjson))
    }

    /// Writes what comes before the rows (CSV header, `[`).
    public func begin() {
        switch format {
        case .csv: sink.write(headers.map { shown(CSV.field($0)) }.joined(separator: ",") + "\r\n")
        case .markdown:
            sink.write("| " + unitHeaders.map { shown(Markdown.cell($0)) }.joined(separator: " | ") + " |\n")
            sink.write("|" + schema.columns.map { $0.type.isNumeric ? "---:|" : "---|" }.joined() + "\n")
        case .json: sink.write("[")
        default: break
        }
    }

    /// Writes one row.
    public func write(_ row: ResultRow) {
        defer { rowCount += 1 }
        switch format {
        case .table:
            tableRows.append(schema.columns.indices.map { shown(TableRenderer.cell(text(row, $0))) })
            return
        case .chart:
            chartRows.append(ResultRow(values: row.values))
            return
        case .line:
            if rowCount > 0 { sink.write("\n") }
            let shownHeaders = unitHeaders.map(shown)
            let w = shownHeaders.map(\.count).max() ?? 0
            for (i, header) in shownHeaders.enumerated() {
                sink.write(String(repeating: " ", count: w - header.count) + header + " = " + shown(text(row, i)) + "\n")
            }
        case .json, .ndjson:
            if format == .json { sink.write(rowCount == 0 ? "\n" : ",\n") }
            if schema.wholeEvents, let raw = row.json {
                writeJSON(raw.bytes)
            } else {
                var out = "{"
                for (i, column) in schema.columns.enumerated() {
                    if i > 0 { out += "," }
                    JSONWriter.quote(column.name, to: &out)
                    out += ":"
                    CellText.json(i < row.values.count ? row.values[i] : .null, zone: zones[i], to: &out)
                }
                out += "}"
                var bytes = out
                bytes.withUTF8 { writeJSON($0) }
            }
            if format == .ndjson { sink.write("\n") }
        case .csv:
            sink.write(schema.columns.indices.map { shown(CSV.field(text(row, $0, plain: true))) }.joined(separator: ",") + "\r\n")
        case .markdown:
            sink.write("| " + schema.columns.indices.map { shown(Markdown.cell(text(row, $0))) }.joined(separator: " | ") + " |\n")
        }
        sink.rowDone()
    }

    /// Writes what comes after the rows (the table itself, `]`) and flushes.
    public func end() {
        switch format {
        case .table:
            // Numbers and money say their unit in the header (`sum(sale.amount) (USD)`).
            // Timestamps are never cut; URLs are cut in the middle, other text at its end.
            let columns = zip(unitHeaders, schema.columns).enumerated().map { i, pair in
                let (header, column) = pair
                let cut: TableRenderer.Cut = column.type == .instant ? .never
                    : column.type == .text ? TableRenderer.cut(for: tableRows.lazy.map { $0[i] }) : .end
                return TableRenderer.Column(shown(TableRenderer.cell(header)), alignRight: column.type.isNumeric, cut: cut)
            }
            sink.write(TableRenderer.render(columns: columns, rows: tableRows, width: options.width, color: options.color,
                                            expanded: options.expanded, footer: truncation.map { "(\($0.text))" }))
            if let note = schema.tableNote { sink.write(shown(note) + "\n") }
            tableRows = []
        case .chart:
            let chart = Chart.Options(width: options.width ?? Self.defaultChartWidth, unicode: options.unicode, color: options.color)
            sink.write(Chart.render(schema: schema, rows: chartRows, options: chart))
            chartRows = []
        case .json: sink.write(rowCount == 0 ? "]\n" : "\n]\n")
        default: break
        }
        sink.flush()
    }

    // MARK: Cells

    /// The text of cell `i` for the text formats.
    /// `plain`: money as a plain number of dollars (CSV), not as tables show it.
    private func text(_ row: ResultRow, _ i: Int, plain: Bool = false) -> String {
        CellText.text(i < row.values.count ? row.values[i] : .null, zone: zones[i], plain: plain)
    }

    /// A cell as the format wrote it, escaped for a terminal when asked (after the format's own
    /// quoting, so that an escape is not quoted again).
    private func shown(_ s: String) -> String {
        options.escapeControls ? TerminalText.escape(s) : s
    }

    private func writeJSON(_ bytes: UnsafeBufferPointer<UInt8>) {
        if options.escapeControls, let escaped = TerminalText.escapeJSON(bytes) {
            escaped.withUnsafeBufferPointer { sink.write(bytes: $0) }
        } else {
            sink.write(bytes: bytes)
        }
    }
}

// MARK: - Cell text

/// How values are spelled: as text (table, line, csv, markdown) and as JSON.
enum CellText {
    /// A value as cell text: strings bare, null empty, numbers exact (see ``NumberText``), money as
    /// ``Money/tableText(cents:currency:literal:)`` (`plain`: ``Money/plainDollars(cents:literal:)``),
    /// instants in ISO 8601 (UTC, or in `zone`), JSON compactly.
    static func text(_ value: ResultValue, zone: ZonedCalendar? = nil, plain: Bool = false) -> String {
        switch value {
        case .null: return ""
        case .text(let s): return s
        case .integer(let i): return String(i)
        case .number(let d, let literal): return NumberText.text(d, literal: literal)
        case .boolean(let b): return b ? "true" : "false"
        case .instant(let ms): return InstantText.format(ms, zone: zone)
        case .money(let cents, let currency, let literal):
            return plain ? Money.plainDollars(cents: cents, literal: literal)
                : Money.tableText(cents: cents, currency: currency, literal: literal)
        case .json(let v): return text(v)
        }
    }

    /// A JSON value as cell text: strings bare, null empty, numbers without a needless `.0`.
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: return ""
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return NumberText.text(n, literal: nil)
        default: return JSONWriter.string(value)
        }
    }

    /// Appends a value as JSON: instants as ISO strings, money as its plain number of dollars.
    static func json(_ value: ResultValue, zone: ZonedCalendar? = nil, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .text(let s): JSONWriter.quote(s, to: &out)
        case .integer(let i): out += String(i)
        case .number(let d, let literal): out += NumberText.json(d, literal: literal)
        case .boolean(let b): out += b ? "true" : "false"
        case .instant(let ms): JSONWriter.quote(InstantText.format(ms, zone: zone), to: &out)
        case .money(let cents, _, let literal):
            let text = Money.plainDollars(cents: cents, literal: literal)
            // What JSON cannot hold (`inf`, `nan`) is null, as for other numbers.
            out += text.first.map { $0 == "-" || $0.isNumber } == true && !text.hasSuffix("inf") ? text : "null"
        case .json(let v): JSONWriter.write(v, to: &out)
        }
    }
}

// MARK: - Instants

/// Instants as ISO 8601 text.
enum InstantText {
    /// Without a zone, UTC with milliseconds (`2026-08-18T14:03:12.345Z`, how events print); in a
    /// zone, its local time and offset, milliseconds only when there are some
    /// (`2026-08-19T00:00:00-04:00`, `…Z` in UTC: how time buckets print).
    static func format(_ ms: Int64, zone: ZonedCalendar?) -> String {
        guard let zone else { return ISOInstant.format(ms) }
        let offset = zone.offsetSeconds(at: ms)
        var local = String(ISOInstant.format(ms + Int64(offset) * 1000).dropLast())  // without its `Z`
        if local.hasSuffix(".000") { local.removeLast(4) }
        guard offset != 0 else { return local + "Z" }
        let a = abs(offset)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return local + (offset < 0 ? "-" : "+") + two(a / 3600) + ":" + two((a % 3600) / 60)
    }
}

// MARK: - Format helpers

enum CSV {
    /// Quotes a field when it holds a comma, quote, CR or LF (RFC 4180), doubling quotes.
    static func field(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return s }
        var out = "\""
        for u in s.unicodeScalars {
            if u == "\"" { out += "\"\"" } else { out.unicodeScalars.append(u) }
        }
        return out + "\""
    }
}

enum Markdown {
    /// Escapes `\` and `|`; line breaks become spaces.
    static func cell(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x5C || $0 == 0x7C || $0 == 0x0A }) else { return s }
        var out = ""
        var previous: Unicode.Scalar?
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "|": out += "\\|"
            case "\n":
                if previous == "\r" { out.unicodeScalars.removeLast() }
                out += " "
            default: out.unicodeScalars.append(u)
            }
            previous = u
        }
        return out
    }
}
