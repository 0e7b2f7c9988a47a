// Aggregate queries on ClickHouse (DESIGN.md §2.3): the groups and their aggregates are computed
// where the data lives, in one `GROUP BY` statement over Dub's tables; the order and `LIMIT` go
// into the statement too when ClickHouse's order is provably the reference order. What stays on
// the client is what the reference defines and the groups alone decide: the empty buckets of a
// time series, `HAVING`, and the final order (``Evaluator/finish(_:_:calendar:eventSpan:timeZone:)``).

import DubQLSyntax

// MARK: - Plan

/// How one column of an aggregate answer (TabSeparated) becomes an ``AggregateValue``.
public enum ClickHouseValueKind: String, Hashable, Sendable, Codable {
    /// Text; `\N` (NULL) is ``AggregateValue/null``.
    case text
    /// A 64-bit integer (counts, cents); `\N` is null.
    case integer
    /// A floating-point number (averages, sums of `metadata.*`); `\N` is null.
    case number
    case boolean
    /// Epoch milliseconds; `\N` is null.
    case instant
    /// Raw JSON text (`JSONExtractRaw`): empty is a missing value (null); objects and arrays
    /// become their compact text, as the evaluator's group keys do.
    case json
}

/// The aggregate part of a ``ClickHousePlan``: what each column of the answer holds.
public struct ClickHouseAggregateColumns: Hashable, Sendable, Codable {
    /// The kinds of the group keys, then of the aggregates, in ``BoundAggregation`` order.
    public var kinds: [ClickHouseValueKind]
    /// True when two more columns follow: each group's first and last instant (epoch ms), which
    /// a time series needs to know where its buckets start and end.
    public var hasSpan: Bool
    /// True when `ORDER BY`, `OFFSET` and `LIMIT` ran in ClickHouse: the answer is the page.
    public var isPaged: Bool
    public init(kinds: [ClickHouseValueKind], hasSpan: Bool, isPaged: Bool) {
        self.kinds = kinds
        self.hasSpan = hasSpan
        self.isPaged = isPaged
    }
}

// MARK: - Expressions

/// One value of an event as SQL: its expression, how to read it back, and when it has a value
/// in the sense of `count(f)` (neither missing, null nor empty text).
struct ClickHouseValue {
    var expr: String
    var kind: ClickHouseValueKind
    var isPresent: String
    /// For an integer column (`amount`, cents): the value as an exact integer.
    var integer: String? = nil
}

extension ClickHousePlanner {
    /// Why a group key or an aggregate's field cannot be computed from Dub's tables for `event`.
    static func unanswerableInAggregate(_ field: FieldRef, event: EventType) -> String? {
        if let why = unanswerable(field, event: event) { return why }
        if case .catalog(let name) = field, let spec = Catalog.field(canonical: name), spec.derivation == .unavailable {
            return ClickHouseSchema.missingReason(name)
        }
        return nil
    }

    /// The fields an aggregation reads: its keys' and its aggregates' (with where they were written).
    static func fields(of a: BoundAggregation) -> [(FieldRef, Span?)] {
        var out: [(FieldRef, Span?)] = []
        for k in a.keys { if case .field(let f) = k.kind { out.append((f, k.span)) } }
        for g in a.aggregates { if let f = g.field { out.append((f, g.span)) } }
        return out
    }
}

extension SQLBuilder {
    /// The SQL of a field's value in an event of `event`, read as the listing reads it back into
    /// the event's JSON, so that the local engine, reading those events, sees the same value.
    mutating func value(_ field: FieldRef, event: EventType) -> ClickHouseValue {
        switch field {
        case .metadata(let path):
            let keys = path.map { param($0, "String") }.joined(separator: ", ")
            let raw = "JSONExtractRaw(e.metadata, \(keys))"
            let present = "(JSONType(e.metadata, \(keys)) NOT IN ('Null', 'String') OR JSONExtractString(e.metadata, \(keys)) != '')"
            return ClickHouseValue(expr: raw, kind: .json, isPresent: "(\(raw) != '' AND \(present))")
        case .json(let path):
            return pathValue(path, event: event)
        case .catalog(let name):
            guard let spec = Catalog.field(canonical: name) else { return Self.null }
            switch spec.derivation {
            case .path:
                return pathValue(spec.jsonPath, event: event)
            case .withoutQuery:
                let v = pathValue(spec.jsonPath, event: event)
                let expr = "splitByString('?', \(v.expr))[1]"
                return ClickHouseValue(expr: expr, kind: .text, isPresent: "(\(v.isPresent) AND \(expr) != '')")
            case .urlParameter(let parameter):
                let v = pathValue(spec.jsonPath, event: event)
                let expr = "if(has(extractURLParameterNames(\(v.expr)), '\(parameter)'), "
                    + "decodeURLFormComponent(extractURLParameter(\(v.expr), '\(parameter)')), NULL)"
                return ClickHouseValue(expr: expr, kind: .text, isPresent: "(isNotNull(\(expr)) AND \(expr) != '')")
            case .isRoot:
                return ClickHouseValue(expr: "toBool(e.key = '_root')", kind: .boolean, isPresent: "1")
            case .saleType:
                guard event == .sales else { return Self.null }
                return ClickHouseValue(expr: "if(e.event_id = fs.first_event_id, 'new', 'recurring')", kind: .text, isPresent: "1")
            case .timestamp:
                return ClickHouseValue(expr: "toUnixTimestamp64Milli(e.timestamp)", kind: .instant, isPresent: "1")
            case .unavailable:
                return Self.null
            }
        }
    }

    static let null = ClickHouseValue(expr: "CAST(NULL, 'Nullable(String)')", kind: .text, isPresent: "0")

    /// The value at a JSON path of the event, from the listing's output column for that path;
    /// a path the event type does not have (a click's `customer.id`) is null, as in its JSON.
    mutating func pathValue(_ path: [String], event: EventType) -> ClickHouseValue {
        guard let column = ClickHouseSchema.output(event).first(where: { $0.1 == path }) else { return Self.null }
        let expr = column.0
        switch column.2 {
        case .text:
            return ClickHouseValue(expr: expr, kind: .text, isPresent: "\(expr) != ''")
        case .nullableText:
            return ClickHouseValue(expr: expr, kind: .text, isPresent: "(isNotNull(\(expr)) AND \(expr) != '')")
        case .number:
            return ClickHouseValue(expr: "toFloat64(\(expr))", kind: .number, isPresent: "1", integer: "toInt64(\(expr))")
        case .boolean:
            return ClickHouseValue(expr: expr, kind: .boolean, isPresent: "1")
        case .millis:
            return ClickHouseValue(expr: expr, kind: .instant, isPresent: "1")
        case .json:
            return ClickHouseValue(expr: expr, kind: .json, isPresent: "(\(expr) NOT IN ('', 'null'))")
        }
    }

    /// A group key as SQL and how to read it.
    mutating func key(_ key: BoundGroupKey, event: EventType, timeZone: String) -> (String, ClickHouseValueKind) {
        switch key.kind {
        case .bucket(let b):
            // The bucket's start in the query's zone, as an instant: ClickHouse applies the
            // zone's rules (DST days of 23 or 25 hours, hours at :30 in Asia/Kolkata).
            let tz = param(timeZone, "String")
            let local = "toDateTime(e.timestamp, \(tz))"
            let start = switch b {
            case .hour: "toStartOfHour(\(local))"
            case .day: "toStartOfDay(\(local))"
            case .week: "toDateTime(toMonday(\(local)), \(tz))"
            case .month: "toDateTime(toStartOfMonth(\(local)), \(tz))"
            }
            return ("toInt64(toUnixTimestamp(\(start))) * 1000", .instant)
        case .link:
            return ("if(e.key = '_root', e.domain, concat(e.domain, '/', e.key))", .text)
        case .field(let f):
            let v = value(f, event: event)
            if key.type == .money, v.kind == .number { return (v.integer ?? "toInt64(round(\(v.expr)))", .integer) }
            return (v.expr, v.kind)
        }
    }

    /// An aggregate as SQL and how to read it; empty groups follow the evaluator (avg, min and max
    /// of no values are null, sums 0).
    mutating func aggregate(_ a: BoundAggregate, event: EventType) -> (String, ClickHouseValueKind) {
        guard let field = a.field else { return ("count()", .integer) }
        let v = value(field, event: event)
        // `f(x)` over the events where the value counts, `fIf(x, cond)` when that is not all of them.
        func over(_ f: String, _ x: String, _ cond: String) -> String { cond == "1" ? "\(f)(\(x))" : "\(f)If(\(x), \(cond))" }
        switch a.function {
        case .count:
            return (v.isPresent == "1" ? "count()" : "countIf(\(v.isPresent))", .integer)
        case .countDistinct:
            return (over("uniqExact", v.expr, v.isPresent), .integer)
        case .sum, .avg, .min, .max:
            // The numbers among the values: a metadata value of another kind is skipped.
            var number = v.expr, isNumber = v.isPresent
            if v.kind == .json, case .metadata(let path) = field {
                let keys = path.map { param($0, "String") }.joined(separator: ", ")
                number = "JSONExtractFloat(e.metadata, \(keys))"
                isNumber = "JSONType(e.metadata, \(keys)) IN ('Int64', 'UInt64', 'Double')"
            }
            if a.isMoney { number = v.integer ?? "toInt64(round(\(number)))" }
            let none = isNumber == "1" ? "count() = 0" : "countIf(\(isNumber)) = 0"
            let count = isNumber == "1" ? "count()" : "countIf(\(isNumber))"
            switch a.function {
            case .sum:
                return a.isMoney ? (over("sum", number, isNumber), .integer) : ("toFloat64(\(over("sum", number, isNumber)))", .number)
            case .avg:
                return ("if(\(none), NULL, toFloat64(\(over("sum", number, isNumber))) / \(count))", .number)
            default:
                let kind: ClickHouseValueKind = a.type == .instant ? .instant : (a.isMoney ? .integer : .number)
                return ("if(\(none), NULL, \(over(a.function == .min ? "min" : "max", number, isNumber)))", kind)
            }
        }
    }

    /// The aggregate statement: the selected events (as a listing selects them), grouped.
    mutating func aggregateStatement(_ query: BoundQuery, _ a: BoundAggregation, options: ClickHouseOptions,
                                     condition: BoundCondition?, saleType: Bool) -> (String, ClickHouseAggregateColumns) {
        var items: [String] = []
        var kinds: [ClickHouseValueKind] = []
        for (i, k) in a.keys.enumerated() {
            let (expr, kind) = key(k, event: query.event, timeZone: query.timeZone)
            items.append("\(expr) AS k\(i + 1)")
            kinds.append(kind)
        }
        for (j, g) in a.aggregates.enumerated() {
            let (expr, kind) = aggregate(g, event: query.event)
            items.append("\(expr) AS a\(j + 1)")
            kinds.append(kind)
        }
        let hasSpan = a.fill != nil
        if hasSpan {
            items.append("min(toUnixTimestamp64Milli(e.timestamp)) AS first_ms")
            items.append("max(toUnixTimestamp64Milli(e.timestamp)) AS last_ms")
        }
        var lines = ["SELECT"] + items.enumerated().map { "  " + $0.element + ($0.offset + 1 < items.count ? "," : "") }
        lines += from(query, options: options, condition: condition, saleType: saleType)
        if !a.keys.isEmpty {
            lines.append("GROUP BY " + a.keys.indices.map { "k\($0 + 1)" }.joined(separator: ", "))
        }
        // The order runs in ClickHouse only when it is the reference order for every value it can
        // meet: no empty buckets to add, no HAVING, and no JSON values (whose kinds mix).
        let isPaged = !a.keys.isEmpty && a.fill == nil && a.having == nil && !kinds.contains(.json)
        if isPaged {
            let order = a.order.map { key -> String in
                let column = switch key.source {
                case .key(let i): "k\(i + 1)"
                case .aggregate(let j): "a\(j + 1)"
                }
                // The reference puts null after every value ascending, before every value descending.
                return key.direction == .ascending ? "\(column) ASC NULLS LAST" : "\(column) DESC NULLS FIRST"
            }
            lines.append("ORDER BY " + order.joined(separator: ", "))
            if let limit = a.limit { lines.append("LIMIT \(param(String(limit), "UInt64"))" + (a.offset > 0 ? " OFFSET \(param(String(a.offset), "UInt64"))" : "")) }
            else if a.offset > 0 { lines.append("LIMIT 18446744073709551615 OFFSET \(param(String(a.offset), "UInt64"))") }
        }
        return (lines.joined(separator: "\n"), ClickHouseAggregateColumns(kinds: kinds, hasSpan: hasSpan, isPaged: isPaged))
    }
}
