// The bound form of aggregate queries (`SELECT country, count() FROM clicks GROUP BY country`) and
// their result: group keys, typed aggregates, HAVING, ORDER BY over output columns, LIMIT/OFFSET on
// groups, and rows of typed values that every backend produces and every output format reads.

import DubQLSyntax

// MARK: - Group keys

/// A calendar bucket of `timestamp` in the query's time zone.
public enum TimeBucket: String, CaseIterable, Hashable, Sendable, Codable {
    case hour, day, week, month
}

/// What a group key computes from an event.
public enum GroupKeyKind: Hashable, Sendable, Codable {
    /// A field's value: a catalog field (`country`), `metadata.<key>` or another JSON path.
    case field(FieldRef)
    /// The short link `domain/key` (a root link is its domain alone).
    case link
    /// The start of the bucket the event's timestamp falls in, in the query's time zone.
    case bucket(TimeBucket)
}

/// One `GROUP BY` key.
public struct BoundGroupKey: Hashable, Sendable, Codable {
    /// The column header: the key as written canonically (`country`, `day`, `metadata.plan`).
    public var name: String
    public var kind: GroupKeyKind
    public var type: AggregateValueType
    /// Where it was written, for diagnostics of the planners.
    public var span: Span?
    public init(name: String, kind: GroupKeyKind, type: AggregateValueType, span: Span? = nil) {
        self.name = name
        self.kind = kind
        self.type = type
        self.span = span
    }
}

// MARK: - Aggregates

/// An aggregate function after binding.
public enum AggregateFunction: String, Hashable, Sendable, Codable {
    /// `count()` / `count(*)`: events; `count(f)`: events where `f` has a non-empty value.
    case count
    /// `count(DISTINCT f)`: distinct non-empty values of `f`.
    case countDistinct
    case sum, avg, min, max
}

/// One aggregate: a function over a field (none for `count()`).
public struct BoundAggregate: Hashable, Sendable, Codable {
    public var function: AggregateFunction
    /// The argument; `nil` for `count()` and `count(*)`.
    public var field: FieldRef?
    /// True when the argument is `sale.amount`, integer cents: sums are exact integers.
    public var isMoney: Bool
    /// The canonical text (`count()`, `sum(sale.amount)`, `count(DISTINCT customerId)`).
    public var text: String
    public var type: AggregateValueType
    /// Where it was first written, for diagnostics of the planners.
    public var span: Span?
    public init(function: AggregateFunction, field: FieldRef?, isMoney: Bool = false, text: String, type: AggregateValueType,
                span: Span? = nil) {
        self.span = span
        self.function = function
        self.field = field
        self.isMoney = isMoney
        self.text = text
        self.type = type
    }
}

/// Where an output column's value comes from.
public enum AggregateColumnSource: Hashable, Sendable, Codable {
    /// ``BoundAggregation/keys``[i]
    case key(Int)
    /// ``BoundAggregation/aggregates``[i]
    case aggregate(Int)
}

/// One column of the result, in SELECT order.
public struct BoundOutputColumn: Hashable, Sendable, Codable {
    /// The header: the alias, else the item as written canonically.
    public var name: String
    public var source: AggregateColumnSource
    public var type: AggregateValueType
    public init(name: String, source: AggregateColumnSource, type: AggregateValueType) {
        self.name = name
        self.source = source
        self.type = type
    }
}

// MARK: - HAVING and ORDER BY

/// A comparison of a group's key or aggregate with literals (`count() > 5`, `country IN (US, DE)`).
public struct HavingPredicate: Hashable, Sendable, Codable {
    public var source: AggregateColumnSource
    public var op: BoundOperator
    public var values: [AggregateValue]
    public init(source: AggregateColumnSource, op: BoundOperator, values: [AggregateValue]) {
        self.source = source
        self.op = op
        self.values = values
    }
}

/// The bound `HAVING` condition.
public indirect enum HavingCondition: Hashable, Sendable, Codable {
    case and([HavingCondition])
    case or([HavingCondition])
    case not(HavingCondition)
    case predicate(HavingPredicate)
}

/// One key of the groups' order.
public struct AggregateSortKey: Hashable, Sendable, Codable {
    public var source: AggregateColumnSource
    public var direction: SortDirection
    public init(source: AggregateColumnSource, direction: SortDirection) {
        self.source = source
        self.direction = direction
    }
}

// MARK: - Aggregation

/// The aggregate part of a ``BoundQuery``: what to group by, what to compute, which groups to
/// keep, in which order, how many.
public struct BoundAggregation: Hashable, Sendable, Codable {
    /// The `GROUP BY` keys; empty means one group over every selected event.
    public var keys: [BoundGroupKey]
    /// Every aggregate the query computes (SELECT, HAVING and ORDER BY), each once.
    public var aggregates: [BoundAggregate]
    /// The result's columns, in SELECT order.
    public var columns: [BoundOutputColumn]
    public var having: HavingCondition?
    /// The complete order: the written keys (or the default), then every group key ascending as
    /// tie breakers, so the order is total.
    public var order: [AggregateSortKey]
    /// Groups to return; `nil` is `LIMIT ALL` (the default for aggregates).
    public var limit: Int?
    /// Groups to skip.
    public var offset: Int
    /// For a time series (one bucket key, nothing else): the buckets to fill with empty groups.
    public var fill: BucketFill?

    public init(keys: [BoundGroupKey], aggregates: [BoundAggregate], columns: [BoundOutputColumn],
                having: HavingCondition? = nil, order: [AggregateSortKey], limit: Int? = nil, offset: Int = 0,
                fill: BucketFill? = nil) {
        self.keys = keys
        self.aggregates = aggregates
        self.columns = columns
        self.having = having
        self.order = order
        self.limit = limit
        self.offset = offset
        self.fill = fill
    }

    /// True when the only key is a time bucket: the result is a gap-free time series.
    public var isTimeSeries: Bool { fill != nil }
}

/// The range of a time series: every bucket from the one holding ``start`` to the one holding
/// ``end`` appears, empty ones with zero counts.
public struct BucketFill: Hashable, Sendable, Codable {
    public var bucket: TimeBucket
    /// The query's lower bound; `nil` (`SINCE all`) starts at the first selected event's bucket.
    public var start: Int64?
    /// The query's upper bound, or the clock when it has none; a later event extends it.
    public var end: Int64
    public init(bucket: TimeBucket, start: Int64?, end: Int64) {
        self.bucket = bucket
        self.start = start
        self.end = end
    }
}

// MARK: - Results

/// The type of a result column.
public enum AggregateValueType: String, Hashable, Sendable, Codable {
    case text, boolean
    /// Exact integers (counts).
    case integer
    /// Floating-point numbers (averages, sums of JSON numbers).
    case number
    /// Cents of `sale.amount` (Dub stores amounts as integer cents, effectively USD): sums,
    /// minimums and maximums are integers, averages may have a fraction.
    case money
    /// An instant in epoch milliseconds (time buckets, `min(timestamp)`).
    case instant
    /// A JSON value of any kind (group keys on `metadata.*` and other JSON paths).
    case json
}

/// One typed value of a result row.
public enum AggregateValue: Hashable, Sendable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case text(String)
    /// Epoch milliseconds.
    case instant(Int64)

    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .integer(let i): String(i)
        case .number(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .text(let s): s
        case .instant(let ms): ISOInstant.format(ms)
        }
    }

    /// The value of a field in an event as a group key: strings, numbers and booleans as they
    /// are, missing and null as ``null``, arrays and objects as their compact JSON text.
    public init(_ json: JSONValue?) {
        switch json {
        case nil, .null?: self = .null
        case .bool(let b)?: self = .bool(b)
        case .number(let n)?: self = .number(n)
        case .string(let s)?: self = .text(s)
        case let other?:
            var out = ""
            JSONWriter.write(other, to: &out)
            self = .text(out)
        }
    }

    /// True for ``null`` and the empty text: what `count(f)` and `count(DISTINCT f)` skip.
    public var isEmpty: Bool {
        switch self {
        case .null: true
        case .text(let s): s.isEmpty
        default: false
        }
    }

    /// The total order of sort keys: by kind (booleans, numbers, texts, instants), then by value;
    /// ``null`` sorts after every value (last ascending, first descending), as in PostgreSQL.
    public static func compare(_ a: AggregateValue, _ b: AggregateValue) -> Int {
        func rank(_ v: AggregateValue) -> Int {
            switch v {
            case .bool: 0
            case .integer, .number: 1
            case .text: 2
            case .instant: 3
            case .null: 4
            }
        }
        func cmp<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x > y ? 1 : 0) }
        let ra = rank(a), rb = rank(b)
        if ra != rb { return cmp(ra, rb) }
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return cmp(x ? 1 : 0, y ? 1 : 0)
        case (.integer(let x), .integer(let y)): return cmp(x, y)
        case (.integer(let x), .number(let y)): return cmp(Double(x), y)
        case (.number(let x), .integer(let y)): return cmp(x, Double(y))
        case (.number(let x), .number(let y)): return cmp(x, y)
        case (.text(let x), .text(let y)): return cmp(x, y)
        case (.instant(let x), .instant(let y)): return cmp(x, y)
        default: return 0
        }
    }
}

/// One column of an ``AggregateResult``.
public struct AggregateColumn: Hashable, Sendable, Codable {
    public var name: String
    public var type: AggregateValueType
    /// True for a `GROUP BY` key, false for an aggregate.
    public var isKey: Bool
    public init(name: String, type: AggregateValueType, isKey: Bool = false) {
        self.name = name
        self.type = type
        self.isKey = isKey
    }
}

/// The answer of an aggregate query: typed columns and rows of typed values, in order. No
/// formatting: output formats read it.
public struct AggregateResult: Hashable, Sendable, Codable {
    public var columns: [AggregateColumn]
    public var rows: [[AggregateValue]]
    /// The query's time zone (time buckets are printed in it).
    public var timeZone: String
    public init(columns: [AggregateColumn], rows: [[AggregateValue]], timeZone: String = "UTC") {
        self.columns = columns
        self.rows = rows
        self.timeZone = timeZone
    }
}

// MARK: - Cents

/// Amounts of `sale.amount` as integer cents, for sums, minimums and maximums. Numbers from data
/// are never trusted to fit: an amount beyond what 64-bit cents hold (`1e30`) and a sum that
/// would overflow stop at the largest (or smallest) value instead of trapping or wrapping, the
/// same in the reference evaluator and in the engine.
public enum Cents {
    /// `amount` rounded to whole cents (half away from zero), saturated to `Int64`.
    @inlinable public static func of(_ amount: Double) -> Int64 {
        if let exact = Int64(exactly: amount) { return exact }
        let r = amount.rounded()
        if r >= 9_223_372_036_854_775_807.0 { return .max }
        if r <= -9_223_372_036_854_775_808.0 { return .min }
        return Int64(r)
    }

    /// `a + b`, saturated.
    @inlinable public static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (s, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : s
    }
}
