// The shared vocabulary of the DubQL library: events, value types, bound queries and plans.
// The binder produces these; the planners, the local engine, the client and the server consume them.

import DubQLSyntax

// MARK: - Events

/// The three kinds of Dub analytics event.
public enum EventType: String, CaseIterable, Hashable, Sendable, Codable {
    case clicks, leads, sales

    /// The value of the event JSON's top-level `event` field: `click`, `lead`, `sale`.
    public var singular: String {
        switch self {
        case .clicks: "click"
        case .leads: "lead"
        case .sales: "sale"
        }
    }

    /// The JSON path of the id that identifies an event: `click.id` for clicks, `eventId` otherwise.
    public var idPath: [String] { self == .clicks ? ["click", "id"] : ["eventId"] }

    public init?(singular: String) {
        guard let e = EventType.allCases.first(where: { $0.singular == singular }) else { return nil }
        self = e
    }
}

// MARK: - JSON values

/// A JSON value, as found in an event (metadata values, projected columns).
public enum JSONValue: Hashable, Sendable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Keys in document order.
    case object([JSONMember])

    public struct JSONMember: Hashable, Sendable, Codable {
        public var key: String
        public var value: JSONValue
        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The member named `key` of an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.first(where: { $0.key == key })?.value }
        return nil
    }

    /// Follows a path of object keys.
    public func value(at path: some Collection<String>) -> JSONValue? {
        var current: JSONValue = self
        for key in path {
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }
}

// MARK: - Bound values and conditions

/// A typed value after binding: what a condition compares against.
public enum ScalarValue: Hashable, Sendable, Codable, CustomStringConvertible {
    case string(String)
    /// A number; `text` is its canonical decimal form as written (`49.90`), used when it is sent
    /// and printed. For `sale.amount` the number is in cents (the data's unit) and `text` the
    /// dollars the query wrote (`.number(4990, text: "49.90")`).
    case number(Double, text: String)
    case bool(Bool)
    /// An instant in epoch milliseconds (comparisons on `timestamp` and other date fields).
    case timestamp(Int64)

    public var description: String {
        switch self {
        case .string(let s): s
        case .number(_, let t): t
        case .bool(let b): b ? "true" : "false"
        case .timestamp(let ms): String(ms)
        }
    }
}

/// What a bound condition refers to.
public enum FieldRef: Hashable, Sendable, Codable, CustomStringConvertible {
    /// A field of the catalog, by canonical name (`country`, `utm_source`, `saleType`).
    case catalog(String)
    /// `metadata.<key>...`: a value inside the event's `metadata` object (leads and sales).
    case metadata([String])
    /// Any other JSON path of the event, evaluated locally only (`customer.email`, `sale.amount`).
    case json([String])

    public var description: String {
        switch self {
        case .catalog(let n): n
        case .metadata(let p): (["metadata"] + p).joined(separator: ".")
        case .json(let p): p.joined(separator: ".")
        }
    }
}

/// The operator of a bound predicate. Equality is `in` with one value, inequality `notIn`.
public enum BoundOperator: String, Hashable, Sendable, Codable {
    case `in`, notIn, less, lessEqual, greater, greaterEqual
}

/// The values of a ``BoundPredicate``, in order: a collection like `[ScalarValue]`, holding the
/// usual one value inline (no array, so binding `f = v` allocates nothing for it) and an array
/// only for longer lists. Compared, hashed and coded as the array of its values.
public struct ScalarValues: RandomAccessCollection, Hashable, Sendable, Codable, ExpressibleByArrayLiteral,
                            CustomStringConvertible, CustomDebugStringConvertible {
    private enum Storage: Sendable {
        case one(ScalarValue)
        /// Zero, two or more values (one value is always ``one``).
        case list([ScalarValue])
    }

    private var storage: Storage

    /// One value, held inline.
    @inline(__always) public init(_ value: ScalarValue) { storage = .one(value) }

    public init(_ values: [ScalarValue]) {
        storage = values.count == 1 ? .one(values[0]) : .list(values)
    }

    public init(arrayLiteral elements: ScalarValue...) { self.init(elements) }

    public var startIndex: Int { 0 }
    public var endIndex: Int {
        switch storage {
        case .one: 1
        case .list(let a): a.count
        }
    }
    public var count: Int { endIndex }
    public var isEmpty: Bool { endIndex == 0 }

    public subscript(position: Int) -> ScalarValue {
        switch storage {
        case .one(let v):
            precondition(position == 0, "index out of range")
            return v
        case .list(let a):
            return a[position]
        }
    }

    /// The values as an array.
    public var array: [ScalarValue] {
        switch storage {
        case .one(let v): [v]
        case .list(let a): a
        }
    }

    public static func == (a: ScalarValues, b: ScalarValues) -> Bool {
        switch (a.storage, b.storage) {
        case (.one(let x), .one(let y)): x == y
        case (.list(let x), .list(let y)): x == y
        default: false
        }
    }

    /// As `[ScalarValue]` hashes: the count, then each value.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for v in self { hasher.combine(v) }
    }

    public init(from decoder: any Decoder) throws {
        self.init(try [ScalarValue](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        switch storage {
        case .one(let v):
            var container = encoder.unkeyedContainer()
            try container.encode(v)
        case .list(let a):
            try a.encode(to: encoder)
        }
    }

    public var description: String { array.description }
    public var debugDescription: String { array.debugDescription }
}

/// One comparison after binding: `field op values`.
public struct BoundPredicate: Hashable, Sendable, Codable {
    public var field: FieldRef
    public var op: BoundOperator
    /// One value for ordering operators; one or more for `in`/`notIn`.
    public var values: ScalarValues
    /// Where it was written, for diagnostics; `nil` when the normalizer made it up.
    public var span: Span?
    /// True when the query wrote `NOT` before this comparison and the binder folded it in:
    /// `NOT f = v` is bound as `f NOT IN (v)`, `NOT f IN (a, b)` as `f NOT IN (a, b)` and
    /// `NOT f != v` as `f IN (v)`, which mean the same (DESIGN.md §1.4) without a box for the NOT.
    /// ``op`` is the meaning; this says only what was written, for checks that speak to it (a value
    /// compared with `=` under a NOT is still a value the query names). Equality, hashing and
    /// coding leave it out: the two spellings are the same condition.
    public internal(set) var foldedNot = false

    public init(field: FieldRef, op: BoundOperator, values: [ScalarValue], span: Span? = nil) {
        self.field = field
        self.op = op
        self.values = ScalarValues(values)
        self.span = span
    }

    public init(field: FieldRef, op: BoundOperator, values: ScalarValues, span: Span? = nil) {
        self.field = field
        self.op = op
        self.values = values
        self.span = span
    }

    /// `field op value`: one value, held inline (no array).
    public init(field: FieldRef, op: BoundOperator, value: ScalarValue, span: Span? = nil) {
        self.field = field
        self.op = op
        self.values = ScalarValues(value)
        self.span = span
    }

    public static func == (a: BoundPredicate, b: BoundPredicate) -> Bool {
        a.op == b.op && a.field == b.field && a.values == b.values && a.span == b.span
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(field)
        hasher.combine(op)
        hasher.combine(values)
        hasher.combine(span)
    }

    enum CodingKeys: String, CodingKey {
        case field, op, values, span
    }
}

/// A bound condition: typed predicates combined with AND, OR and NOT.
///
/// Only `not` is boxed: operand lists are arrays already, and a predicate inline saves the
/// planners an allocation (and a release) per leaf.
public enum BoundCondition: Hashable, Sendable, Codable {
    case constant(Bool)
    case and([BoundCondition])
    case or([BoundCondition])
    indirect case not(BoundCondition)
    case predicate(BoundPredicate)
}

// MARK: - Time

/// A resolved time range, in epoch milliseconds, both ends inclusive (as the API compares them).
public struct TimeRange: Hashable, Sendable, Codable {
    /// Inclusive lower bound; `nil` means no lower bound (`all`).
    public var start: Int64?
    /// Inclusive upper bound; `nil` means up to now and beyond.
    public var end: Int64?
    /// The preset or duration as written (`30d`, `ytd`, `all`, `1h`), when the range came from one;
    /// the API planner uses it to send `interval`.
    public var preset: String?

    public init(start: Int64?, end: Int64?, preset: String? = nil) {
        self.start = start
        self.end = end
        self.preset = preset
    }

    public func contains(_ millis: Int64) -> Bool {
        if let s = start, millis < s { return false }
        if let e = end, millis > e { return false }
        return true
    }
}

// MARK: - Bound query

/// A projected column: its header and what it reads.
public struct BoundColumn: Hashable, Sendable, Codable {
    /// The header, as written (`customer.email`).
    public var name: String
    public var field: FieldRef
    public init(name: String, field: FieldRef) {
        self.name = name
        self.field = field
    }
}

/// A query after binding: names resolved, values typed, time resolved against the clock.
public struct BoundQuery: Hashable, Sendable, Codable {
    public var event: EventType
    /// Projected columns; empty means the default columns of the event type.
    public var columns: [BoundColumn]
    /// The WHERE condition as bound (not yet normalized); `nil` when there is none.
    public var condition: BoundCondition?
    public var time: TimeRange
    /// IANA time zone name that aligns day boundaries (default `UTC`).
    public var timeZone: String
    public var order: SortDirection
    /// Rows to return (default 100).
    public var limit: Int
    /// Rows to skip (`OFFSET`, or `(PAGE-1)*LIMIT`).
    public var offset: Int
    public var explain: Bool
    /// The canonical DubQL text of the statement. A query from the binder prints it from its
    /// statement when it is read (EXPLAIN, messages, history), not when it is bound: planning
    /// per request never pays for it. Setting it replaces the statement's text.
    public var text: String {
        get { queryText.text }
        set { queryText = QueryText(newValue) }
    }
    /// Where ``text`` comes from (compared, hashed and coded as that text).
    var queryText: QueryText
    /// True when the statement has no time clause and ``time`` is the default `SINCE 24h`
    /// (``Binder/defaultPreset``): runners say so, since it shapes the answer.
    public var hasDefaultTime = false
    /// True for a listing with `LIMIT ALL`: ``limit`` is then ``Binder/maximumLimit``, the most a
    /// listing returns.
    public var limitIsAll = false
    /// True for a listing without `LIMIT`: ``limit`` is ``Binder/defaultLimit``.
    public var hasDefaultLimit = false
    /// For aggregate queries (`GROUP BY`, `count()` ...): the groups, aggregates, HAVING, order and
    /// paging of groups. `nil` for listing queries, whose ``columns``, ``order``, ``limit`` and
    /// ``offset`` describe events; with an aggregation those describe nothing.
    public var aggregation: BoundAggregation?
    /// True for `SELECT * FROM e`: the default columns (``columns`` is empty), and tables say
    /// how to see every field.
    public var selectsAll = false

    public init(event: EventType, columns: [BoundColumn] = [], condition: BoundCondition? = nil,
                time: TimeRange, timeZone: String = "UTC", order: SortDirection = .descending,
                limit: Int = 100, offset: Int = 0, explain: Bool = false, text: String = "",
                aggregation: BoundAggregation? = nil) {
        self.aggregation = aggregation
        self.event = event
        self.columns = columns
        self.condition = condition
        self.time = time
        self.timeZone = timeZone
        self.order = order
        self.limit = limit
        self.offset = offset
        self.explain = explain
        self.queryText = QueryText(text)
    }

    /// Every member at once (the binder's listings), so that nothing is set on a copy afterwards.
    init(event: EventType, columns: [BoundColumn], condition: BoundCondition?, time: TimeRange, timeZone: String,
         order: SortDirection, limit: Int, offset: Int, explain: Bool, queryText: QueryText,
         hasDefaultTime: Bool, limitIsAll: Bool, hasDefaultLimit: Bool, selectsAll: Bool) {
        self.event = event
        self.columns = columns
        self.condition = condition
        self.time = time
        self.timeZone = timeZone
        self.order = order
        self.limit = limit
        self.offset = offset
        self.explain = explain
        self.queryText = queryText
        self.hasDefaultTime = hasDefaultTime
        self.limitIsAll = limitIsAll
        self.hasDefaultLimit = hasDefaultLimit
        self.aggregation = nil
        self.selectsAll = selectsAll
    }

    /// The members coded, as before ``text`` became lazy: `text` holds the printed statement.
    enum CodingKeys: String, CodingKey {
        case event, columns, condition, time, timeZone, order, limit, offset, explain
        case queryText = "text"
        case hasDefaultTime, limitIsAll, hasDefaultLimit, aggregation, selectsAll
    }
}

/// The text of a ``BoundQuery``: given as a string, or the statement it was bound from, printed
/// (``Printer/print(_:)-(Statement)``) each time it is read. Two are equal when their texts are.
struct QueryText: Hashable, Sendable, Codable {
    /// The statement, boxed: a bound query copies one reference instead of the whole tree.
    final class StatementBox: Sendable {
        let statement: Statement
        init(_ statement: Statement) { self.statement = statement }
    }

    private var given: String
    private var statement: StatementBox?

    init(_ text: String) {
        given = text
        statement = nil
    }

    init(printing statement: Statement) {
        given = ""
        self.statement = StatementBox(statement)
    }

    var text: String { statement.map { Printer.print($0.statement) } ?? given }

    static func == (a: QueryText, b: QueryText) -> Bool {
        if a.statement == nil, b.statement == nil { return a.given == b.given }
        if let x = a.statement, let y = b.statement, x === y { return true }
        return a.text == b.text
    }

    func hash(into hasher: inout Hasher) { hasher.combine(text) }

    init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

extension Optional {
    /// True when there is a value: a look at the case, where `!= nil` on an `Equatable` value
    /// copies the value and compares it with `nil`.
    @inline(__always) var isSome: Bool {
        if case .some = self { return true }
        return false
    }
}

// MARK: - Plans

/// Which backend a plan is for.
public enum Backend: String, Hashable, Sendable, Codable {
    case api, local, clickhouse
}

/// One query parameter exactly as sent.
public struct APIParameter: Hashable, Sendable, Codable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One `GET /events` request.
public struct APIRequest: Hashable, Sendable, Codable {
    public var method: String
    public var path: String
    /// Every parameter exactly as sent, in a stable order. `page` and `limit` here describe the
    /// first page; the client pages as ``APIPlan/paging`` says.
    public var params: [APIParameter]
    public init(method: String = "GET", path: String = "/events", params: [APIParameter]) {
        self.method = method
        self.path = path
        self.params = params
    }
    public subscript(name: String) -> String? { params.first(where: { $0.name == name })?.value }
}

/// How the client pages through each request and when it stops.
public struct Paging: Hashable, Sendable, Codable {
    /// The `limit` sent with every page (1...1000).
    public var pageSize: Int
    /// The first `page` requested (1-based).
    public var firstPage: Int
    /// Rows of the merged, residual-filtered stream to drop before returning any (the part of the
    /// query's OFFSET not covered by skipping pages).
    public var skipRows: Int
    /// Rows to return at most, after skipping; the client stops fetching once it has them.
    public var takeRows: Int
    public init(pageSize: Int, firstPage: Int, skipRows: Int, takeRows: Int) {
        self.pageSize = pageSize
        self.firstPage = firstPage
        self.skipRows = skipRows
        self.takeRows = takeRows
    }
}

/// A plan for Dub's API: requests, the residual condition evaluated on fetched events, paging.
public struct APIPlan: Hashable, Sendable, Codable {
    public var event: EventType
    /// Zero requests when the condition can never be true; several for a union.
    public var requests: [APIRequest]
    /// The part of the condition the API cannot express exactly; evaluated on every fetched event.
    public var residual: BoundCondition?
    /// ``residual`` as canonical DubQL text, or `nil`.
    public var residualText: String?
    public var order: SortDirection
    public var limit: Int
    public var offset: Int
    public var paging: Paging
    /// With several requests: merge by timestamp in ``order`` and keep one event per id
    /// (``EventType/idPath``).
    public var isUnion: Bool { requests.count > 1 }
    /// Columns to project from each event.
    public var columns: [BoundColumn]
    public var timeZone: String
    /// Human-readable remarks (why something is residual, what was dropped as always true ...).
    public var notes: [String]
    /// For aggregate queries: how the answer is computed (`GET /analytics`, or these `/events`
    /// requests aggregated locally); see ``AnalyticsPlanner``. `nil` for listings.
    public var aggregate: AggregateAPIPlan?

    public init(event: EventType, requests: [APIRequest], residual: BoundCondition?, residualText: String?,
                order: SortDirection, limit: Int, offset: Int, paging: Paging,
                columns: [BoundColumn], timeZone: String, notes: [String], aggregate: AggregateAPIPlan? = nil) {
        self.aggregate = aggregate
        self.event = event
        self.requests = requests
        self.residual = residual
        self.residualText = residualText
        self.order = order
        self.limit = limit
        self.offset = offset
        self.paging = paging
        self.columns = columns
        self.timeZone = timeZone
        self.notes = notes
    }
}

/// A plan for the local engine: Scan -> Filter(condition, time) -> Sort -> Offset/Limit -> Project.
public struct LocalPlan: Hashable, Sendable, Codable {
    public var event: EventType
    /// The normalized condition; `nil` means every event of the type (within ``time``).
    public var filter: BoundCondition?
    public var time: TimeRange
    public var timeZone: String
    public var order: SortDirection
    public var offset: Int
    public var limit: Int
    /// Empty means the default columns of the event type.
    public var columns: [BoundColumn]
    /// True when the condition can never be true: nothing needs scanning.
    public var isEmpty: Bool
    /// For aggregate queries: Scan -> Filter -> Aggregate (hash on dictionary codes) -> Having ->
    /// Sort -> Offset/Limit over groups. ``order``, ``offset``, ``limit`` and ``columns`` are unused then.
    public var aggregation: BoundAggregation?

    public init(event: EventType, filter: BoundCondition?, time: TimeRange, timeZone: String,
                order: SortDirection, offset: Int, limit: Int, columns: [BoundColumn], isEmpty: Bool = false,
                aggregation: BoundAggregation? = nil) {
        self.aggregation = aggregation
        self.event = event
        self.filter = filter
        self.time = time
        self.timeZone = timeZone
        self.order = order
        self.offset = offset
        self.limit = limit
        self.columns = columns
        self.isEmpty = isEmpty
    }
}
