// Output formats of query results (table, line, json, ndjson, csv, markdown), the columns shown by
// default for each event type, and how a cell's text is read from a stored row.

import DubQL
import DubQLEngine

// MARK: - Formats

/// How result rows are written.
public enum OutputFormat: String, CaseIterable, Sendable {
    /// Aligned columns fitted to the terminal, long cells cut with `…`, a row-count footer.
    case table
    /// One `column = value` line per cell, a blank line between rows.
    case line
    /// A JSON array shaped like the API's response (the original event JSON when nothing is projected).
    case json
    /// One JSON object per line.
    case ndjson
    /// RFC 4180: header row, CRLF line ends, quotes where needed.
    case csv
    /// A GitHub-flavoured Markdown table.
    case markdown
}

// MARK: - Columns

/// A column of output: header and what it reads.
public struct DisplayColumn: Sendable, Hashable {
    public enum Style: Sendable, Hashable {
        /// The field's value as text (JSON values compactly).
        case plain
        /// Cents shown as money: `$49.00`.
        case money
        /// `customer.name`, else `customer.email`.
        case customer
    }
    public var header: String
    public var field: FieldRef
    public var style: Style
    public init(header: String, field: FieldRef, style: Style = .plain) {
        self.header = header
        self.field = field
        self.style = style
    }

    /// The columns of a query: its projection, or the defaults of the event type.
    public static func columns(for columns: [BoundColumn], event: EventType) -> [DisplayColumn] {
        columns.isEmpty ? defaults(for: event) : columns.map { DisplayColumn(header: $0.name, field: $0.field) }
    }

    /// What `SELECT clicks` shows: when, where, on what, from where.
    public static func defaults(for event: EventType) -> [DisplayColumn] {
        let time = DisplayColumn(header: "timestamp", field: .catalog("timestamp"))
        let link = DisplayColumn(header: "link", field: .json(["link", "shortLink"]))
        let country = DisplayColumn(header: "country", field: .catalog("country"))
        let city = DisplayColumn(header: "city", field: .catalog("city"))
        switch event {
        case .clicks:
            return [time, link, country, city, DisplayColumn(header: "device", field: .catalog("device")),
                    DisplayColumn(header: "browser", field: .catalog("browser")), DisplayColumn(header: "os", field: .catalog("os")),
                    DisplayColumn(header: "referer", field: .catalog("referer"))]
        case .leads:
            return [time, DisplayColumn(header: "event", field: .json(["eventName"])),
                    DisplayColumn(header: "customer", field: .json(["customer"]), style: .customer),
                    DisplayColumn(header: "email", field: .json(["customer", "email"])), link, country, city]
        case .sales:
            return [time, DisplayColumn(header: "event", field: .json(["eventName"])),
                    DisplayColumn(header: "amount", field: .json(["sale", "amount"]), style: .money),
                    DisplayColumn(header: "saleType", field: .catalog("saleType")),
                    DisplayColumn(header: "customer", field: .json(["customer"]), style: .customer), link, country]
        }
    }
}

// MARK: - Cells

/// Reads cells of stored rows, from columns where possible and from the JSON otherwise.
public struct CellReader: Sendable {
    public let store: EventStore
    public init(store: EventStore) { self.store = store }

    /// The value of a field in a row, as the evaluator defines it (timestamps as ISO text).
    public func value(_ field: FieldRef, row: Int) -> JSONValue? {
        if case .catalog(let name) = field, let spec = Catalog.field(named: name) {
            if spec.derivation == .timestamp { return .string(ISOInstant.format(store.timestamps[row])) }
            if spec.derivation == .path, let column = StringColumn.at(spec.jsonPath) {
                return store.string(column, row).map(JSONValue.string)
            }
        }
        if case .json(let path) = field, let column = StringColumn.at(path) {
            // Null and absent differ in JSON output; the column cannot tell them apart.
            if let s = store.string(column, row) { return .string(s) }
            return store.json(at: path, row: row)
        }
        return Evaluator.fieldValue(field, in: store.record(row))
    }

    /// The cell's text for table-like formats.
    public func text(_ column: DisplayColumn, row: Int) -> String {
        switch column.style {
        case .money:
            guard let cents = store.saleAmount(row) else { return "" }
            let currency = store.string(.currency, row) ?? "usd"
            return Money.format(cents: cents, currency: currency)
        case .customer:
            let name = store.string(.customerName, row) ?? ""
            return name.isEmpty ? (store.string(.customerEmail, row) ?? "") : name
        case .plain:
            return CellReader.text(value(column.field, row: row))
        }
    }

    /// A JSON value as cell text: strings bare, null empty, numbers without a needless `.0`.
    public static func text(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case .bool(let b)?: return b ? "true" : "false"
        case .number(let n)?: return JSONWriter.number(n)
        case let v?: return JSONWriter.string(v)
        }
    }
}

/// Money in cents as text.
public enum Money {
    /// `$49.00` for USD, `49.00 EUR` for other currencies.
    public static func format(cents: Double, currency: String) -> String {
        let negative = cents < 0
        let c = Int64(abs(cents).rounded())
        var whole = String(c / 100)
        // Thousands separators read better in a money column.
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole = String(whole.dropLast(3))
        }
        let cents = c % 100
        let amount = (negative ? "-" : "") + whole + grouped + (cents < 10 ? ".0" : ".") + String(cents)
        return currency.lowercased() == "usd" ? "$" + amount : amount + " " + currency.uppercased()
    }
}
