// The results layer: what every backend produces and every output format reads. A result is a
// schema (column names, value types, units) and rows of typed values; rows that are whole events
// also carry the event's original JSON, which json/ndjson write untouched.

import DubQL

// MARK: - Schema

/// The type of a column's values: how formats align, quote and spell them.
public enum ValueType: String, Sendable, Hashable, CaseIterable {
    /// Text (`US`, `https://dub.sh/try`).
    case text
    /// A whole number that the engine computed, such as a count.
    case integer
    /// A number from the data or a computed one (`sale.amount`, an average).
    case number
    /// An amount of money: ``ResultValue/money(cents:currency:literal:)`` values (printed with
    /// their currency, `$49.00`), or numbers in the column's ``ResultColumn/unit`` (`cents`).
    case money
    /// An instant, printed in UTC as ISO 8601 (`timestamp`, a time bucket's start).
    case instant
    /// `true` or `false`.
    case boolean
    /// Any JSON value (`metadata.plan`, a JSON path whose kind the schema does not know).
    case json

    /// True for the types tables right-align: integer, number and money.
    public var isNumeric: Bool { self == .integer || self == .number || self == .money }
}

/// What a column of a result is: a plain value (a listing's field), or a group key or an aggregate
/// of an aggregate result (what charts look for).
public enum ColumnRole: String, Sendable, Hashable {
    case value
    /// A `GROUP BY` key (`country`, a time bucket such as `day`).
    case groupKey
    /// An aggregate (`count()`, `sum(sale.amount)`).
    case aggregate
}

/// One column of a result.
public struct ResultColumn: Sendable, Hashable {
    /// The header (`country`, `customer.email`, `count()`).
    public var name: String
    /// What the values are. A value may still be ``ResultValue/null``, or ``ResultValue/json(_:)``
    /// when the data holds another kind of value than the type says (data is never trusted).
    public var type: ValueType
    /// The unit of the values, when they have one. For numbers and money printed as numbers, what
    /// they count (`cents` for `sale.amount`, `sum(sale.amount)`), which table headers show; money
    /// values that carry a currency need none. For instants, the IANA time zone they are printed in
    /// (time buckets start at local midnight); without one, UTC.
    public var unit: String?
    /// Whether the column is a group key, an aggregate or a plain value.
    public var role: ColumnRole

    public init(_ name: String, _ type: ValueType, unit: String? = nil, role: ColumnRole = .value) {
        self.name = name
        self.type = type
        self.unit = unit
        self.role = role
    }
}

/// The columns of a result, and whether its rows are whole events.
public struct ResultSchema: Sendable, Hashable {
    public var columns: [ResultColumn]
    /// True when each row is one event of the data and nothing was projected: json and ndjson then
    /// write each row's ``ResultRow/json`` (the event's original bytes) instead of its columns.
    public var wholeEvents: Bool
    /// A line tables print under their rows (`SELECT *`: how to see every field); other formats
    /// leave it out.
    public var tableNote: String?

    public init(columns: [ResultColumn], wholeEvents: Bool = false, tableNote: String? = nil) {
        self.columns = columns
        self.wholeEvents = wholeEvents
        self.tableNote = tableNote
    }
}

// MARK: - Values

/// One cell of a result.
public enum ResultValue: Sendable, Hashable {
    /// No value: absent or JSON `null`.
    case null
    case text(String)
    case integer(Int64)
    /// A number. `literal` is the number exactly as the data wrote it when `Double` cannot hold it
    /// exactly (beyond 2^53, `1e400`, a 30-digit integer); formats then print the literal.
    case number(Double, literal: String? = nil)
    case boolean(Bool)
    /// Epoch milliseconds.
    case instant(Int64)
    /// An amount in cents and its currency (lower case, `usd`); `literal` as for ``number(_:literal:)``.
    case money(cents: Double, currency: String, literal: String? = nil)
    /// Any JSON value, written as JSON (compactly in text formats, strings bare).
    case json(JSONValue)
}

// MARK: - Rows

/// One row of a result: a value per column of the schema, and, for whole events, the original JSON.
public struct ResultRow: Sendable {
    /// A value per column, in schema order; empty when the writer asked for none
    /// (``ResultWriter/needsValues``).
    public var values: [ResultValue]
    /// The event's original JSON bytes, for rows of a ``ResultSchema/wholeEvents`` result.
    public var json: RawJSON?

    public init(values: [ResultValue], json: RawJSON? = nil) {
        self.values = values
        self.json = json
    }
}

/// Bytes of JSON exactly as they were read, kept alive by their owner (a memory-mapped file, a
/// page of an API answer) for as long as the value exists.
public struct RawJSON: @unchecked Sendable {
    /// Keeps ``bytes`` valid; the owner never changes them (an `EventStore` does not).
    private let owner: AnyObject
    /// The JSON text.
    public let bytes: UnsafeBufferPointer<UInt8>

    /// Bytes that `owner` keeps alive and never changes.
    public init(bytes: UnsafeBufferPointer<UInt8>, owner: AnyObject) {
        self.bytes = bytes
        self.owner = owner
    }
}
