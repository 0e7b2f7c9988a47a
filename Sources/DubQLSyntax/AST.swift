// The abstract syntax tree. Every node has a span; `==` on nodes compares spans too, so tests of
// the round trip compare `erasingSpans()` copies (see ASTSpans.swift).

// MARK: - Script and statements

/// A parsed script: zero or more `;`-separated statements.
public struct Script: Hashable, Sendable, Codable {
    public var statements: [Statement]
    public var span: Span
    public init(statements: [Statement], span: Span) {
        self.statements = statements
        self.span = span
    }
}

/// One statement: an optional `EXPLAIN` prefix and a `SELECT`.
public struct Statement: Hashable, Sendable, Codable {
    /// The span of the `EXPLAIN` keyword, when present.
    public var explain: Span?
    public var select: SelectStatement
    public var span: Span
    public init(explain: Span?, select: SelectStatement, span: Span) {
        self.explain = explain
        self.select = select
        self.span = span
    }
    public var isExplain: Bool { explain != nil }

    /// An empty statement at `span` (what the parser fills in place), built without a
    /// `SelectStatement` argument to copy.
    init(explain: Span?, emptyAt span: Span) {
        self.explain = explain
        self.select = SelectStatement(event: Name("", span: span), span: span)
        self.span = span
    }
}

/// `SELECT event | SELECT projection FROM event` followed by clauses in any order, each at most once.
///
/// The clauses of most statements (`WHERE`, the time clause, `LIMIT`) are stored inline; the
/// others (projection, `TIMEZONE`, `GROUP BY`, `HAVING`, `ORDER BY`, `OFFSET`, `PAGE`) together in
/// one copy-on-write box made when the first of them is set. A statement is then about a third
/// of its former size (the 736 bytes were copied, nil-initialized and destroyed field by field
/// at every parse); it is still a value: equality, hashing and coding are those of its clauses.
public struct SelectStatement: Hashable, Sendable, Codable {
    /// The event name as written (`clicks`, `Sales`); the binder resolves it.
    public var event: Name
    /// `nil` for `SELECT sales`, which means `SELECT * FROM sales`.
    public var projection: Projection? {
        get { rare?.projection }
        set { if newValue != nil || rare != nil { updateRare { $0.projection = newValue } } }
    }
    public var whereClause: WhereClause?
    public var time: TimeClause?
    public var timezone: TimezoneClause? {
        get { rare?.timezone }
        set { if newValue != nil || rare != nil { updateRare { $0.timezone = newValue } } }
    }
    /// `GROUP BY keys`: makes the statement an aggregate query.
    public var groupBy: GroupByClause? {
        get { rare?.groupBy }
        set { if newValue != nil || rare != nil { updateRare { $0.groupBy = newValue } } }
    }
    /// `HAVING condition`: filters groups (aggregate queries only).
    public var having: HavingClause? {
        get { rare?.having }
        set { if newValue != nil || rare != nil { updateRare { $0.having = newValue } } }
    }
    public var orderBy: OrderByClause? {
        get { rare?.orderBy }
        set { if newValue != nil || rare != nil { updateRare { $0.orderBy = newValue } } }
    }
    public var limit: IntegerClause?
    public var offset: IntegerClause? {
        get { rare?.offset }
        set { if newValue != nil || rare != nil { updateRare { $0.offset = newValue } } }
    }
    public var page: IntegerClause? {
        get { rare?.page }
        set { if newValue != nil || rare != nil { updateRare { $0.page = newValue } } }
    }
    public var span: Span
    /// The rarer clauses; `nil` while none was set.
    private var rare: RareClauses?

    /// True when the statement aggregates: it has `GROUP BY` or `HAVING`, or an aggregate call
    /// among its columns (`SELECT count() FROM clicks`).
    public var isAggregate: Bool {
        guard let rare else { return false }
        if rare.groupBy != nil || rare.having != nil { return true }
        if case .columns(let items, _)? = rare.projection { return items.contains { $0.expression.isCall } }
        return false
    }

    /// A statement of no clauses (what the parser starts from). The optional clauses are left
    /// to their implicit `nil`: assigning `nil` here made the optimizer build and destroy a
    /// temporary of each.
    init(event: Name, span: Span) {
        self.event = event
        self.span = span
    }

    public init(event: Name, projection: Projection? = nil, whereClause: WhereClause? = nil,
                time: TimeClause? = nil, timezone: TimezoneClause? = nil, groupBy: GroupByClause? = nil,
                having: HavingClause? = nil, orderBy: OrderByClause? = nil,
                limit: IntegerClause? = nil, offset: IntegerClause? = nil, page: IntegerClause? = nil,
                span: Span) {
        self.event = event
        self.whereClause = whereClause
        self.time = time
        self.limit = limit
        self.span = span
        self.projection = projection
        self.timezone = timezone
        self.groupBy = groupBy
        self.having = having
        self.orderBy = orderBy
        self.offset = offset
        self.page = page
    }

    /// The box of the rarer clauses: shared between copies of a statement until one of them
    /// changes a clause in it (then that copy gets its own).
    private final class RareClauses: @unchecked Sendable {
        var projection: Projection?
        var timezone: TimezoneClause?
        var groupBy: GroupByClause?
        var having: HavingClause?
        var orderBy: OrderByClause?
        var offset: IntegerClause?
        var page: IntegerClause?

        init() {}
        init(copying other: RareClauses) {
            projection = other.projection
            timezone = other.timezone
            groupBy = other.groupBy
            having = other.having
            orderBy = other.orderBy
            offset = other.offset
            page = other.page
        }
    }

    private mutating func updateRare(_ change: (RareClauses) -> Void) {
        if rare == nil {
            rare = RareClauses()
        } else if !isKnownUniquelyReferenced(&rare!) {
            rare = RareClauses(copying: rare!)
        }
        change(rare!)
    }

    // Equality, hashing and coding over the clauses, as when they were all stored properties.
    private enum CodingKeys: String, CodingKey {
        case event, projection, whereClause, time, timezone, groupBy, having, orderBy, limit, offset, page, span
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        event = try c.decode(Name.self, forKey: .event)
        whereClause = try c.decodeIfPresent(WhereClause.self, forKey: .whereClause)
        time = try c.decodeIfPresent(TimeClause.self, forKey: .time)
        limit = try c.decodeIfPresent(IntegerClause.self, forKey: .limit)
        span = try c.decode(Span.self, forKey: .span)
        projection = try c.decodeIfPresent(Projection.self, forKey: .projection)
        timezone = try c.decodeIfPresent(TimezoneClause.self, forKey: .timezone)
        groupBy = try c.decodeIfPresent(GroupByClause.self, forKey: .groupBy)
        having = try c.decodeIfPresent(HavingClause.self, forKey: .having)
        orderBy = try c.decodeIfPresent(OrderByClause.self, forKey: .orderBy)
        offset = try c.decodeIfPresent(IntegerClause.self, forKey: .offset)
        page = try c.decodeIfPresent(IntegerClause.self, forKey: .page)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(event, forKey: .event)
        try c.encodeIfPresent(projection, forKey: .projection)
        try c.encodeIfPresent(whereClause, forKey: .whereClause)
        try c.encodeIfPresent(time, forKey: .time)
        try c.encodeIfPresent(timezone, forKey: .timezone)
        try c.encodeIfPresent(groupBy, forKey: .groupBy)
        try c.encodeIfPresent(having, forKey: .having)
        try c.encodeIfPresent(orderBy, forKey: .orderBy)
        try c.encodeIfPresent(limit, forKey: .limit)
        try c.encodeIfPresent(offset, forKey: .offset)
        try c.encodeIfPresent(page, forKey: .page)
        try c.encode(span, forKey: .span)
    }

    public static func == (a: SelectStatement, b: SelectStatement) -> Bool {
        guard a.event == b.event, a.whereClause == b.whereClause, a.time == b.time, a.limit == b.limit,
              a.span == b.span else { return false }
        if a.rare === b.rare { return true }
        return a.projection == b.projection && a.timezone == b.timezone && a.groupBy == b.groupBy
            && a.having == b.having && a.orderBy == b.orderBy && a.offset == b.offset && a.page == b.page
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(event)
        hasher.combine(projection)
        hasher.combine(whereClause)
        hasher.combine(time)
        hasher.combine(timezone)
        hasher.combine(groupBy)
        hasher.combine(having)
        hasher.combine(orderBy)
        hasher.combine(limit)
        hasher.combine(offset)
        hasher.combine(page)
        hasher.combine(span)
    }
}

/// A name as written (identifier or back-quoted), with its span.
public struct Name: Hashable, Sendable, Codable {
    public var text: String
    public var span: Span
    public init(_ text: String, span: Span) {
        self.text = text
        self.span = span
    }
}

// MARK: - Projection

/// `*` or a list of columns.
public enum Projection: Hashable, Sendable, Codable {
    case all(Span)
    case columns([SelectItem], Span)

    public var span: Span {
        switch self {
        case .all(let s), .columns(_, let s): s
        }
    }
}

/// One item of the SELECT list: an expression and an optional `AS` alias.
public struct SelectItem: Hashable, Sendable, Codable {
    public var expression: Expression
    /// The name after `AS`, when written.
    public var alias: Name?
    public var span: Span
    public init(_ expression: Expression, alias: Name? = nil, span: Span) {
        self.expression = expression
        self.alias = alias
        self.span = span
    }
    /// A plain field item (`country`), the only kind a listing query has.
    public init(field: FieldPath) {
        self.init(.field(field), span: field.span)
    }
    /// The field, when the item is a plain field without an alias.
    public var plainField: FieldPath? {
        if alias == nil, case .field(let f) = expression { return f }
        return nil
    }
}

/// What a select item, a group key or a sort key computes: a field (or a time bucket such as
/// `day`, which is a name like any field until the binder resolves it) or a function call.
public enum Expression: Hashable, Sendable, Codable {
    case field(FieldPath)
    case call(FunctionCall)

    public var span: Span {
        switch self {
        case .field(let f): f.span
        case .call(let c): c.span
        }
    }
    public var isCall: Bool { if case .call = self { true } else { false } }
}

/// `count()`, `count(*)`, `count(field)`, `count(DISTINCT field)`, `sum(field)` ...
///
/// The parser lower-cases the names of the known functions (`COUNT()` is `count()`); the binder
/// checks the name, the argument and its type.
public struct FunctionCall: Hashable, Sendable, Codable {
    public enum Argument: Hashable, Sendable, Codable {
        /// `count()`
        case none
        /// `count(*)`
        case star
        /// `f(field)`, or `f(DISTINCT field)` when `distinct` is true.
        case field(FieldPath, distinct: Bool)
    }
    /// The functions the language knows, in lower case.
    public static let knownNames = ["count", "sum", "avg", "min", "max"]

    public var name: Name
    public var argument: Argument
    public var span: Span
    public init(name: Name, argument: Argument, span: Span) {
        self.name = name
        self.argument = argument
        self.span = span
    }
}

/// `country`, `click.country`, `metadata.plan`, ``metadata.`plan tier` ``, `metadata['plan tier']`.
///
/// The components are names; how they were written (dot, back quotes, brackets) is not kept: the
/// printer writes the canonical form.
public struct FieldPath: Hashable, Sendable, Codable, CustomStringConvertible {
    public var components: Components
    public var span: Span
    public init(components: [Name], span: Span) {
        self.components = Components(components)
        self.span = span
    }
    public init(components: Components, span: Span) {
        self.components = components
        self.span = span
    }
    /// The path of one name (`country`), spanning the name.
    public init(_ name: Name) {
        self.components = Components(name)
        self.span = name.span
    }

    /// The names of a path, used like an array of ``Name`` (`count`, `[0]`, `map`, `append`,
    /// array literals; coded as an array). The first name is stored inline and only the others
    /// in an array, so a path of one name, nearly every field, allocates nothing.
    public struct Components: RandomAccessCollection, MutableCollection, Hashable, Sendable, Codable,
                              ExpressibleByArrayLiteral, CustomStringConvertible {
        /// `nil` only when there are no names (then `rest` is empty too).
        private var head: Name?
        private var rest: [Name]

        public init() {
            head = nil
            rest = []
        }
        public init(_ name: Name) {
            head = name
            rest = []
        }
        public init(_ names: some Sequence<Name>) {
            var iterator = names.makeIterator()
            head = iterator.next()
            rest = []
            while let name = iterator.next() { rest.append(name) }
        }
        public init(arrayLiteral names: Name...) { self.init(names) }

        public var startIndex: Int { 0 }
        public var endIndex: Int { head == nil ? 0 : 1 + rest.count }
        public subscript(position: Int) -> Name {
            get {
                if position == 0, let head { return head }
                return rest[position - 1]
            }
            set {
                if position == 0 {
                    precondition(head != nil, "index out of range")
                    head = newValue
                } else {
                    rest[position - 1] = newValue
                }
            }
        }
        public mutating func append(_ name: Name) {
            if head == nil { head = name } else { rest.append(name) }
        }

        public init(from decoder: any Decoder) throws {
            self.init(try [Name](from: decoder))
        }
        public func encode(to encoder: any Encoder) throws {
            try Array(self).encode(to: encoder)
        }
        public var description: String { Array(self).description }
    }
    /// The components joined by `.` without any quoting, e.g. `metadata.plan tier`.
    public var dotted: String {
        components.count == 1 ? components[0].text : components.map(\.text).joined(separator: ".")
    }
    public var description: String { dotted }
}

// MARK: - Clauses

/// `WHERE condition`; `span` covers the keyword and the condition.
public struct WhereClause: Hashable, Sendable, Codable {
    public var condition: Condition
    public var span: Span
    public init(condition: Condition, span: Span) {
        self.condition = condition
        self.span = span
    }
}

/// `SINCE a [UNTIL b]` or `BETWEEN a AND b`.
public enum TimeClause: Hashable, Sendable, Codable {
    case since(Instant, until: Instant?, span: Span)
    case between(Instant, Instant, span: Span)

    public var span: Span {
        switch self {
        case .since(_, _, let s), .between(_, _, let s): s
        }
    }
}

/// `TIMEZONE 'America/New_York'`.
public struct TimezoneClause: Hashable, Sendable, Codable {
    /// The zone name as written (quotes removed).
    public var name: String
    /// The span of the name.
    public var nameSpan: Span
    public var span: Span
    public init(name: String, nameSpan: Span, span: Span) {
        self.name = name
        self.nameSpan = nameSpan
        self.span = span
    }
}

/// `GROUP BY key, ...`: fields or time buckets (`day`), as written.
public struct GroupByClause: Hashable, Sendable, Codable {
    public var keys: [FieldPath]
    public var span: Span
    public init(keys: [FieldPath], span: Span) {
        self.keys = keys
        self.span = span
    }
}

/// `HAVING condition`: a condition over aggregates and output columns.
public struct HavingClause: Hashable, Sendable, Codable {
    public var condition: Condition
    public var span: Span
    public init(condition: Condition, span: Span) {
        self.condition = condition
        self.span = span
    }
}

/// Sort direction.
public enum SortDirection: String, Hashable, Sendable, Codable {
    case ascending = "ASC", descending = "DESC"
}

/// One key of `ORDER BY`: an expression and its direction as written.
public struct SortKey: Hashable, Sendable, Codable {
    /// A field, output column name or aggregate call; listing queries accept only `timestamp`.
    public var expression: Expression
    /// `nil` when no direction was written.
    public var direction: SortDirection?
    public var span: Span
    public init(_ expression: Expression, direction: SortDirection?, span: Span) {
        self.expression = expression
        self.direction = direction
        self.span = span
    }
}

/// `ORDER BY key [ASC|DESC] { , key [ASC|DESC] }`.
public struct OrderByClause: Hashable, Sendable, Codable {
    /// One or more keys, in priority order.
    public var keys: [SortKey]
    public var span: Span
    public init(keys: [SortKey], span: Span) {
        self.keys = keys
        self.span = span
    }
    /// `ORDER BY field [ASC|DESC]` (the listing form).
    public init(field: FieldPath, direction: SortDirection?, span: Span) {
        self.init(keys: [SortKey(.field(field), direction: direction, span: field.span)], span: span)
    }
}

/// `LIMIT n`, `LIMIT ALL`, `OFFSET n` or `PAGE n`.
///
/// `value` is `nil` when the literal does not fit an `Int` (the parser reports it) and for
/// `LIMIT ALL`; `text` is the literal as written (`ALL` for `LIMIT ALL`).
public struct IntegerClause: Hashable, Sendable, Codable {
    public var value: Int?
    /// True for `LIMIT ALL` (no cap).
    public var isAll: Bool { value == nil && text == "ALL" }
    public var text: String
    public var valueSpan: Span
    public var span: Span
    public init(value: Int?, text: String, valueSpan: Span, span: Span) {
        self.value = value
        self.text = text
        self.valueSpan = valueSpan
        self.span = span
    }
}

// MARK: - Conditions

/// A boolean condition. Precedence: NOT > AND > OR.
///
/// The parser flattens nested operators of the same kind (`a AND (b AND c)` is `and([a, b, c])`)
/// and keeps no node for parentheses, so the canonical printer can write minimal parentheses and
/// the round trip `parse(print(ast)) == ast` holds.
///
/// Only `not` is boxed (`indirect`): operands of `and`/`or` live inline in their array and a
/// predicate inline in its condition, so a parse allocates no box per node.
public enum Condition: Hashable, Sendable, Codable {
    /// Two or more operands.
    case or([Condition], Span)
    /// Two or more operands.
    case and([Condition], Span)
    indirect case not(Condition, Span)
    case predicate(Predicate)

    public var span: Span {
        switch self {
        case .or(_, let s), .and(_, let s), .not(_, let s): s
        case .predicate(let p): p.span
        }
    }
}

/// A comparison operator. `<>` is parsed as ``notEqual``.
public enum ComparisonOperator: String, Hashable, Sendable, Codable, CaseIterable {
    case equal = "=", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
}

/// `field op value`, `field [NOT] IN (values)`, or a bare boolean `field`.
///
/// In `HAVING` the left side may be an aggregate call (`count() > 5`): then ``call`` is set and
/// ``field`` is the function's name as a one-component path (so code that only knows fields
/// still reads a name and a span).
public struct Predicate: Hashable, Sendable, Codable {
    public enum Kind: Hashable, Sendable, Codable {
        case comparison(ComparisonOperator, Value)
        /// The values are used like an array (coded as one); the first is stored inline, so
        /// `IN (US)` allocates nothing for its list.
        case inList(negated: Bool, Values)
        /// A bare field standing for `field = TRUE` (boolean fields such as `root`, `qr`).
        case bare

        /// `[NOT] IN (values)` from an array of values.
        public static func inList(negated: Bool, _ values: [Value]) -> Kind {
            .inList(negated: negated, Values(values))
        }
    }
    public var field: FieldPath
    /// The aggregate call on the left side, in HAVING (`count() > 5`).
    public var call: FunctionCall? {
        get { callBox?.call }
        set { callBox = newValue.map(CallBox.init) }
    }
    public var kind: Kind
    public var span: Span
    /// The call, boxed: it is rare (HAVING only) and 80 bytes inline, which every condition, and
    /// so every statement, would carry.
    private var callBox: CallBox?

    public init(field: FieldPath, kind: Kind, span: Span) {
        self.field = field
        self.kind = kind
        self.span = span
    }
    public init(call: FunctionCall, kind: Kind, span: Span) {
        self.field = FieldPath(call.name)
        self.callBox = CallBox(call)
        self.kind = kind
        self.span = span
    }

    private final class CallBox: Sendable {
        let call: FunctionCall
        init(_ call: FunctionCall) { self.call = call }
    }

    // Equality, hashing and coding as if `call` were a stored property (as it was).
    private enum CodingKeys: String, CodingKey { case field, call, kind, span }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        field = try c.decode(FieldPath.self, forKey: .field)
        kind = try c.decode(Kind.self, forKey: .kind)
        span = try c.decode(Span.self, forKey: .span)
        call = try c.decodeIfPresent(FunctionCall.self, forKey: .call)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(field, forKey: .field)
        try c.encodeIfPresent(call, forKey: .call)
        try c.encode(kind, forKey: .kind)
        try c.encode(span, forKey: .span)
    }

    public static func == (a: Predicate, b: Predicate) -> Bool {
        a.field == b.field && a.call == b.call && a.kind == b.kind && a.span == b.span
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(field)
        hasher.combine(call)
        hasher.combine(kind)
        hasher.combine(span)
    }
    /// The left side as an expression.
    public var subject: Expression { call.map(Expression.call) ?? .field(field) }
}

/// A literal value. Bare words and quoted strings are both ``Kind/text`` (bare words in value
/// position are values, never fields), so `country = US` and `country = 'US'` are the same query.
public struct Value: Hashable, Sendable, Codable {
    public enum Kind: Hashable, Sendable, Codable {
        /// A bare word, a single- or double-quoted string, or a duration-looking word such as `7d`.
        case text(String)
        /// An integer or decimal literal, kept as written (`42`, `49.90`, `-3`).
        case number(String)
        /// An amount of money in US dollars: `$49.90` (`currency` is `nil`) or `49.90 usd`
        /// (`currency` is the word as written). `amount` is the number as written.
        ///
        /// Boxed (`indirect`) like dates: inline, the two texts would make every value 16 bytes larger.
        indirect case money(String, currency: String?)
        case boolean(Bool)
        /// An unquoted date or date-time literal. Boxed (`indirect`): a date is ~90 bytes, and
        /// inline it would make every value of an IN list that large (112 bytes instead of 40).
        indirect case date(DateLiteral)
    }
    public var kind: Kind
    public var span: Span
    public init(_ kind: Kind, span: Span) {
        self.kind = kind
        self.span = span
    }
}

// MARK: - Time

/// A calendar date, optionally with a time of day and an offset, exactly as written.
public struct DateLiteral: Hashable, Sendable, Codable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int
    /// Time of day; `nil` for a plain date.
    public var time: TimeOfDay?

    public struct TimeOfDay: Hashable, Sendable, Codable {
        public var hour: Int
        public var minute: Int
        public var second: Int
        /// Fraction of a second in nanoseconds.
        public var nanosecond: Int
        /// Offset from UTC in seconds (`Z` is 0); `nil` when none was written, meaning the query's time zone.
        public var utcOffsetSeconds: Int?
        /// The fraction digits as written (e.g. `"250"` for `.250`), so printing preserves them.
        public var fractionText: String
        public init(hour: Int, minute: Int, second: Int, nanosecond: Int = 0,
                    utcOffsetSeconds: Int?, fractionText: String = "") {
            self.hour = hour
            self.minute = minute
            self.second = second
            self.nanosecond = nanosecond
            self.utcOffsetSeconds = utcOffsetSeconds
            self.fractionText = fractionText
        }
    }

    public init(year: Int, month: Int, day: Int, time: TimeOfDay? = nil) {
        self.year = year
        self.month = month
        self.day = day
        self.time = time
    }

    /// ISO 8601: `2024-01-01`, `2024-01-01T10:30:00Z`, `2024-01-01T10:30:00.250+02:00`.
    public var description: String {
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
        }
        var out = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        if let t = time {
            out += "T\(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2))"
            if !t.fractionText.isEmpty { out += "." + t.fractionText }
            if let off = t.utcOffsetSeconds {
                if off == 0 { out += "Z" } else {
                    let sign = off < 0 ? "-" : "+"
                    let a = abs(off)
                    out += "\(sign)\(pad(a / 3600, 2)):\(pad((a % 3600) / 60, 2))"
                }
            }
        }
        return out
    }
}

/// A named preset of the time clause that is not a duration.
public enum PresetName: String, CaseIterable, Hashable, Sendable, Codable {
    case mtd, qtd, ytd, all, allUnfiltered = "all_unfiltered"
}

/// A point in time as written in `SINCE`, `UNTIL` or `BETWEEN`.
///
/// Durations (`30d`) mean "that long before now"; the presets `1h 24h 7d 30d 90d 1y` are
/// durations too. Quoted instants (`'2024-01-01'`) are parsed into ``date``.
public struct Instant: Hashable, Sendable, Codable {
    public enum Kind: Hashable, Sendable, Codable {
        case duration(amount: Int, unit: DurationUnit)
        case preset(PresetName)
        /// Boxed (`indirect`): a date is ~90 bytes, and inline it would make every time clause,
        /// and so every statement, that much larger to move.
        indirect case date(DateLiteral)
    }
    public var kind: Kind
    public var span: Span
    public init(_ kind: Kind, span: Span) {
        self.kind = kind
        self.span = span
    }
}
