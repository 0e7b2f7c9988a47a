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
}

/// `SELECT event | SELECT projection FROM event` followed by clauses in any order, each at most once.
public struct SelectStatement: Hashable, Sendable, Codable {
    /// The event name as written (`clicks`, `Sales`); the binder resolves it.
    public var event: Name
    /// `nil` for `SELECT sales`, which means `SELECT * FROM sales`.
    public var projection: Projection?
    public var whereClause: WhereClause?
    public var time: TimeClause?
    public var timezone: TimezoneClause?
    public var orderBy: OrderByClause?
    public var limit: IntegerClause?
    public var offset: IntegerClause?
    public var page: IntegerClause?
    public var span: Span

    public init(event: Name, projection: Projection? = nil, whereClause: WhereClause? = nil,
                time: TimeClause? = nil, timezone: TimezoneClause? = nil, orderBy: OrderByClause? = nil,
                limit: IntegerClause? = nil, offset: IntegerClause? = nil, page: IntegerClause? = nil,
                span: Span) {
        self.event = event
        self.projection = projection
        self.whereClause = whereClause
        self.time = time
        self.timezone = timezone
        self.orderBy = orderBy
        self.limit = limit
        self.offset = offset
        self.page = page
        self.span = span
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
    case columns([FieldPath], Span)

    public var span: Span {
        switch self {
        case .all(let s), .columns(_, let s): s
        }
    }
}

/// `country`, `click.country`, `metadata.plan`, ``metadata.`plan tier` ``, `metadata['plan tier']`.
///
/// The components are names; how they were written (dot, back quotes, brackets) is not kept: the
/// printer writes the canonical form.
public struct FieldPath: Hashable, Sendable, Codable, CustomStringConvertible {
    public var components: [Name]
    public var span: Span
    public init(components: [Name], span: Span) {
        self.components = components
        self.span = span
    }
    /// The components joined by `.` without any quoting, e.g. `metadata.plan tier`.
    public var dotted: String { components.map(\.text).joined(separator: ".") }
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

/// Sort direction.
public enum SortDirection: String, Hashable, Sendable, Codable {
    case ascending = "ASC", descending = "DESC"
}

/// `ORDER BY timestamp [ASC|DESC]`.
public struct OrderByClause: Hashable, Sendable, Codable {
    /// The field as written; the binder accepts only `timestamp`.
    public var field: FieldPath
    /// `nil` when no direction was written (descending).
    public var direction: SortDirection?
    public var span: Span
    public init(field: FieldPath, direction: SortDirection?, span: Span) {
        self.field = field
        self.direction = direction
        self.span = span
    }
}

/// `LIMIT n`, `OFFSET n` or `PAGE n`.
///
/// `value` is `nil` when the literal does not fit an `Int` (the parser reports it); `text` is the
/// literal as written.
public struct IntegerClause: Hashable, Sendable, Codable {
    public var value: Int?
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
public indirect enum Condition: Hashable, Sendable, Codable {
    /// Two or more operands.
    case or([Condition], Span)
    /// Two or more operands.
    case and([Condition], Span)
    case not(Condition, Span)
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
public struct Predicate: Hashable, Sendable, Codable {
    public enum Kind: Hashable, Sendable, Codable {
        case comparison(ComparisonOperator, Value)
        case inList(negated: Bool, [Value])
        /// A bare field standing for `field = TRUE` (boolean fields such as `root`, `qr`).
        case bare
    }
    public var field: FieldPath
    public var kind: Kind
    public var span: Span
    public init(field: FieldPath, kind: Kind, span: Span) {
        self.field = field
        self.kind = kind
        self.span = span
    }
}

/// A literal value. Bare words and quoted strings are both ``Kind/text`` (bare words in value
/// position are values, never fields), so `country = US` and `country = 'US'` are the same query.
public struct Value: Hashable, Sendable, Codable {
    public enum Kind: Hashable, Sendable, Codable {
        /// A bare word, a single- or double-quoted string, or a duration-looking word such as `7d`.
        case text(String)
        /// An integer or decimal literal, kept as written (`42`, `49.90`, `-3`).
        case number(String)
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
        case date(DateLiteral)
    }
    public var kind: Kind
    public var span: Span
    public init(_ kind: Kind, span: Span) {
        self.kind = kind
        self.span = span
    }
}
