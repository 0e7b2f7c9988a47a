// The results of listing queries (`SELECT clicks`, `SELECT a, b FROM sales`): their schema (the
// projected columns, or the default columns of the event type) and their typed rows, read from
// rows of an EventStore: the local engine's store, or the store of one page of an API answer.
// Stored columns are read from the store's columns; only other paths look into the event's JSON.

import DubQL
import DubQLEngine

// MARK: - Listing

/// The result of a listing query: its schema, and how each row is read from an ``EventStore``.
public struct EventListing: Sendable {
    /// The columns: the query's projection, or the defaults of the event type.
    public private(set) var schema: ResultSchema
    /// True when a column shows `saleType`. Over Dub's API the client must then learn which sales
    /// are new (``DubQL/APIPlan/saleTypeRequest(for:)``): a page does not know a sale's history.
    public let showsSaleType: Bool
    private let cells: [Cell]

    /// The listing of a bound query.
    public init(query: BoundQuery) {
        self.init(columns: query.columns, event: query.event)
        if query.selectsAll, query.columns.isEmpty {
            schema.tableNote = "SELECT * shows the default columns of \(query.event.rawValue): name fields to see others "
                + "(.fields \(query.event.rawValue) in the REPL lists them), or use --format json for whole events"
        }
    }

    /// The listing of `columns` (empty: the defaults of `event`, and rows are whole events).
    public init(columns: [BoundColumn], event: EventType) {
        let parts = columns.isEmpty ? EventListing.defaults(for: event) : columns.map { EventListing.projected($0) }
        cells = parts.map(\.cell)
        schema = ResultSchema(columns: parts.map(\.column), wholeEvents: columns.isEmpty)
        showsSaleType = cells.contains { if case .saleType = $0 { true } else { false } }
    }

    /// Where a row's `saleType` comes from.
    public enum SaleTypes: Sendable, Hashable {
        /// The store's derivation (first sale of each link and customer in the store): right when
        /// the store holds all the data, as the local engine's does.
        case store
        /// Known from elsewhere (Dub's API): `new`, `recurring`, or `nil` for no value.
        case known(String?)
    }

    /// Row `row` of `store`: with `values`, a value per column; for whole events, the original JSON.
    public func row(_ store: EventStore, _ row: Int, saleType: SaleTypes, values: Bool = true) -> ResultRow {
        let json = schema.wholeEvents ? RawJSON(bytes: store.rawJSON(row), owner: store) : nil
        guard values else { return ResultRow(values: [], json: json) }
        return ResultRow(values: cells.map { $0.value(store, row, saleType) }, json: json)
    }

    // MARK: Columns

    /// What `SELECT clicks` shows: when, where, on what, from where. Every header is a field name
    /// that WHERE accepts (`shortLink`, `eventName`, `sale.amount`), and every cell is that field's value.
    static func defaults(for event: EventType) -> [(column: ResultColumn, cell: Cell)] {
        let time = (ResultColumn("timestamp", .instant), Cell.timestamp)
        let link = (ResultColumn("shortLink", .text), Cell.text(.shortLink))
        let country = (ResultColumn("country", .text), Cell.text(.country))
        let city = (ResultColumn("city", .text), Cell.text(.city))
        let eventName = (ResultColumn("eventName", .text), Cell.text(.eventName))
        let email = (ResultColumn("customer.email", .text), Cell.text(.customerEmail))
        switch event {
        case .clicks:
            return [time, link, country, city, (ResultColumn("device", .text), .text(.device)),
                    (ResultColumn("browser", .text), .text(.browser)), (ResultColumn("os", .text), .text(.os)),
                    (ResultColumn("referer", .text), .text(.referer))]
        case .leads:
            return [time, eventName, (ResultColumn("customer.name", .text), .text(.customerName)), email, link, country, city]
        case .sales:
            return [time, eventName, (ResultColumn(Catalog.moneyField, .money, unit: Money.unit), .money),
                    (ResultColumn("saleType", .text), .saleType), email, link, country]
        }
    }

    /// A projected field: its type from the catalog (or the store's columns) and the fastest way to read it.
    static func projected(_ column: BoundColumn) -> (column: ResultColumn, cell: Cell) {
        let name = column.name
        switch column.field {
        case .metadata(let path):
            return (ResultColumn(name, .json), .json(["metadata"] + path))
        case .json(let path):
            if path == ["sale", "amount"] { return (ResultColumn(name, .money, unit: Money.unit), .money) }
            if let stored = StringColumn.at(path) { return (ResultColumn(name, .text), .textThenJSON(stored, path)) }
            return (ResultColumn(name, .json), .json(path))
        case .catalog(let canonical):
            guard let spec = Catalog.field(canonical: canonical) else { return (ResultColumn(name, .json), .field(column.field, nil)) }
            let stored = StringColumn.at(spec.jsonPath)
            switch spec.derivation {
            case .timestamp: return (ResultColumn(name, .instant), .timestamp)
            case .saleType: return (ResultColumn(name, .text), .saleType)
            case .isRoot: return (ResultColumn(name, .boolean), .isRoot)
            case .withoutQuery:
                // A projection shows the stored URL, query string and all: only comparisons drop it.
                if let stored { return (ResultColumn(name, .text), .text(stored)) }
            case .urlParameter(let parameter):
                if let stored { return (ResultColumn(name, .text), .urlParameter(parameter, stored)) }
            case .path:
                if let stored { return (ResultColumn(name, .text), .text(stored)) }
                if spec.jsonPath == ["sale", "amount"] { return (ResultColumn(name, .money, unit: Money.unit), .money) }
                if spec.jsonPath == ["click", "qr"] { return (ResultColumn(name, .boolean), .qr) }
            case .unavailable:
                break
            }
            let type: ValueType = spec.type == .boolean ? .boolean : spec.type == .number ? .number : spec.type == .json ? .json : .text
            if spec.derivation == .withoutQuery { return (ResultColumn(name, .text), .json(spec.jsonPath)) }
            return (ResultColumn(name, type), .field(column.field, spec.derivation == .path ? spec.jsonPath : nil))
        }
    }

    // MARK: Cells

    /// How one column's value is read from a store row.
    enum Cell: Sendable {
        case timestamp
        /// A stored text column (`nil` is null).
        case text(StringColumn)
        /// A stored text column; when it is empty, whatever the JSON holds there (null or absent).
        case textThenJSON(StringColumn, [String])
        case urlParameter(String, StringColumn)
        case isRoot
        case qr
        case saleType
        /// `sale.amount` with `sale.currency`.
        case money
        /// The JSON value at a path, read from the event's bytes.
        case json([String])
        /// Any other field, as the evaluator reads it; the path of its JSON value, if it has one.
        case field(FieldRef, [String]?)

        func value(_ store: EventStore, _ row: Int, _ saleTypes: SaleTypes) -> ResultValue {
            switch self {
            case .timestamp:
                return .instant(store.timestamps[row])
            case .text(let column):
                return store.string(column, row).map(ResultValue.text) ?? .null
            case .textThenJSON(let column, let path):
                if let s = store.string(column, row) { return .text(s) }
                return EventListing.value(store.json(at: path, row: row), store, row, path)
            case .urlParameter(let name, let column):
                return store.string(column, row).flatMap { URLText.queryParameter(name, in: $0) }.map(ResultValue.text) ?? .null
            case .isRoot:
                return .boolean(store.string(.key, row) == "_root")
            case .qr:
                return store.clickQR(row).map(ResultValue.boolean) ?? .null
            case .saleType:
                switch saleTypes {
                case .store: return store.saleType(row).map(ResultValue.text) ?? .null
                case .known(let type): return type.map(ResultValue.text) ?? .null
                }
            case .money:
                guard let cents = store.saleAmount(row) else { return .null }
                return .money(cents: cents, currency: store.string(.currency, row) ?? "usd",
                              literal: EventListing.literal(cents, store, row, ["sale", "amount"]))
            case .json(let path):
                return EventListing.value(store.json(at: path, row: row), store, row, path)
            case .field(let field, let path):
                return EventListing.value(Evaluator.fieldValue(field, in: store.record(row)), store, row, path)
            }
        }
    }

    /// A JSON value read from an event as a result value; a number keeps its literal when a
    /// Double cannot hold it exactly (`path` says where to read it).
    static func value(_ json: JSONValue?, _ store: EventStore, _ row: Int, _ path: [String]?) -> ResultValue {
        switch json {
        case nil, .null?: return .null
        case .string(let s)?: return .text(s)
        case .bool(let b)?: return .boolean(b)
        case .number(let d)?: return .number(d, literal: path.flatMap { literal(d, store, row, $0) })
        case let v?: return .json(v)
        }
    }

    /// The literal of a number whose Double may not be exact; `nil` for every ordinary number.
    static func literal(_ value: Double, _ store: EventStore, _ row: Int, _ path: [String]) -> String? {
        NumberText.needsLiteral(value) ? store.numberLiteral(at: path, row: row) : nil
    }
}
