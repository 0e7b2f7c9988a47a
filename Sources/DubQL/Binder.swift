// The binder: a parsed statement to a typed `BoundQuery` (event, columns, condition, resolved time
// range, limits), with positioned diagnostics for every name, type and range problem.

import DubQLSyntax
import Foundation

// MARK: - Binder

/// Resolves names against the ``Catalog``, types values, resolves time against a ``QueryContext``.
public struct Binder {
    /// Binds one statement. The query is `nil` when there are errors; warnings come with a query.
    public static func bind(_ statement: Statement, source: SourceFile, context: QueryContext) -> (query: BoundQuery?, diagnostics: [Diagnostic]) {
        var binder = Binder(source: source, context: context)
        let query = binder.bindStatement(statement)
        let diagnostics = binder.diagnostics.count < 2 ? binder.diagnostics
            : binder.diagnostics.sorted { $0.span.start < $1.span.start }
        // Not `hasErrors ? nil : query`, which copies the query into a new optional.
        if diagnostics.hasErrors { return (nil, diagnostics) }
        return (query, diagnostics)
    }

    /// The largest `LIMIT`.
    public static let maximumLimit = 1_000_000
    /// The largest `OFFSET` (and `(PAGE - 1) * LIMIT`).
    public static let maximumOffset = 10_000_000
    /// The time range when the query has none: `SINCE 24h`.
    public static let defaultPreset = "24h"
    /// Rows when the query has no `LIMIT`.
    public static let defaultLimit = 100

    let source: SourceFile
    let context: QueryContext
    var diagnostics: [Diagnostic] = []
    var event: EventType = .clicks
    var calendar: ZonedCalendar = .utc
    /// The fields of the condition being bound (``bindWhere(_:)``); `nil` outside it.
    var summary: ConditionSummary?
    /// The fields of the bound WHERE condition, once it is bound.
    var whereSummary: ConditionSummary?

    init(source: SourceFile, context: QueryContext) {
        self.source = source
        self.context = context
    }

    mutating func error(_ code: DiagnosticCode, _ message: String, _ span: Span, hints: [String] = [], notes: [DiagnosticNote] = []) {
        diagnostics.append(.error(code, message, at: span, notes: notes, hints: hints))
    }

    mutating func warning(_ code: DiagnosticCode, _ message: String, _ span: Span, hints: [String] = []) {
        diagnostics.append(.warning(code, message, at: span, hints: hints))
    }

    // MARK: - Statement

    mutating func bindStatement(_ statement: Statement) -> BoundQuery? {
        let select = statement.select
        guard let event = EventType(caseInsensitive: select.event.text) else {
            let near = DidYouMean.candidates(for: select.event.text, in: Catalog.eventNames)
            error(.unknownEvent, "unknown event '\(select.event.text)': expected clicks, leads or sales", select.event.span,
                  hints: [DidYouMean.hint(near)].compactMap { $0 })
            return nil
        }
        self.event = event

        // Time zone first: day boundaries of every date depend on it.
        var zoneName = "UTC"
        if let tz = select.timezone {
            if let cal = ZonedCalendar(identifier: tz.name) {
                zoneName = tz.name
                calendar = cal
            } else {
                let near = DidYouMean.candidates(for: tz.name, in: TimeZone.knownTimeZoneIdentifiers)
                error(.unknownTimeZone, "unknown time zone '\(tz.name)': expected an IANA name such as 'America/New_York'",
                      tz.nameSpan, hints: [DidYouMean.hint(near)].compactMap { $0 })
            }
        } else if let name = context.timeZone {
            if let cal = ZonedCalendar(identifier: name) {
                zoneName = name
                calendar = cal
            } else {
                error(.unknownTimeZone, "unknown time zone '\(name)' (from --timezone)", Span(at: select.span.start))
            }
        }

        if select.isAggregate {
            return bindAggregateStatement(statement, zoneName: zoneName)
        }

        var columns: [BoundColumn] = []
        if case .columns(let items, _)? = select.projection {
            for item in items {
                guard let p = item.plainField else {
                    error(.aliasInListing, "'AS' names the columns of aggregate queries only", item.alias?.span ?? item.span,
                          hints: ["listing queries show fields under their own names"])
                    continue
                }
                if let ref = bindField(p) { columns.append(BoundColumn(name: p.dotted, field: ref.ref)) }
            }
        }

        // Read once: each read of an optional clause copies it.
        let timeClause = select.time
        let defaultTime = !timeClause.isSome
        let time = bindTime(timeClause)
        var condition: BoundCondition?
        if let w = select.whereClause {
            condition = bindWhere(w.condition)
            if let c = condition {
                checkKeys(c, pinned: false)
                warnIfNeverTrue(c, w.condition.span, time: time, defaultTime: defaultTime)
            }
        }

        var order = SortDirection.descending
        if let o = select.orderBy, let key = o.keys.first {
            if case .field(let f) = key.expression, f.dotted.lowercased() == "timestamp" {
                order = key.direction ?? .descending
            } else {
                error(.unsupportedOrder, "cannot order by '\(Printer.print(key.expression))': events are ordered by timestamp only",
                      key.expression.span, hints: ["write ORDER BY timestamp ASC or ORDER BY timestamp DESC",
                                                   "to order groups, aggregate: SELECT country, count() FROM clicks GROUP BY country ORDER BY count() DESC"])
            }
            for extra in o.keys.dropFirst() {
                error(.unsupportedOrder, "events are ordered by one key, timestamp (ties by event id)", extra.span)
            }
        }

        let paging = bindPaging(select, groups: false)
        let limit = paging.limit ?? Binder.maximumLimit
        let offset = paging.offset

        var selectsAll = false
        if case .all? = select.projection { selectsAll = true }
        // Built in one step (setting members afterwards copies the query); the text is printed
        // when read (EXPLAIN, messages), not per plan.
        return BoundQuery(event: event, columns: columns, condition: condition, time: time, timeZone: zoneName,
                          order: order, limit: limit, offset: offset, explain: statement.isExplain,
                          queryText: QueryText(printing: statement), hasDefaultTime: defaultTime,
                          limitIsAll: paging.limit == nil, hasDefaultLimit: !select.limit.isSome, selectsAll: selectsAll)
    }

    // MARK: - Paging

    /// `LIMIT n`, `OFFSET n`, `PAGE p` of a listing (`groups: false`: at most
    /// ``Binder/maximumLimit`` events, default ``Binder/defaultLimit``; `LIMIT ALL` is every event
    /// up to that cap) or of an aggregate's groups (`groups: true`: `LIMIT ALL` is the default).
    /// `PAGE` needs `LIMIT n`. A `nil` limit means every row.
    mutating func bindPaging(_ select: SelectStatement, groups: Bool) -> (limit: Int?, offset: Int) {
        var limit: Int? = groups ? nil : Binder.defaultLimit
        if !groups, let l = select.limit, l.isAll { limit = nil }
        if let l = select.limit, let v = l.value {
            if v < 1 || v > Binder.maximumLimit {
                error(.limitOutOfRange, "LIMIT must be between 1 and \(Binder.maximumLimit)\(groups ? " (or ALL)" : ""), found \(l.text)", l.valueSpan)
            } else {
                limit = v
            }
        }
        var offset = 0
        if let o = select.offset, let v = o.value {
            if v < 0 || v > Binder.maximumOffset {
                error(.offsetOutOfRange, "OFFSET must be between 0 and \(Binder.maximumOffset), found \(o.text)", o.valueSpan)
            } else {
                offset = v
            }
        }
        if let p = select.page, let v = p.value {
            if select.offset != nil {
                error(.pageOutOfRange, "PAGE and OFFSET cannot both be given", p.span, hints: ["PAGE p means OFFSET (p-1)*LIMIT"])
            } else if let limit {
                if v < 1 || (v - 1) > Binder.maximumOffset / limit {
                    error(.pageOutOfRange, "PAGE must be between 1 and \(Binder.maximumOffset / limit + 1) with LIMIT \(limit), found \(p.text)", p.valueSpan)
                } else {
                    offset = (v - 1) * limit
                }
            } else {
                error(.pageOutOfRange, "PAGE needs LIMIT n: it skips (PAGE-1)*LIMIT \(groups ? "groups" : "rows")", p.span)
            }
        }
        return (limit, offset)
    }

    // MARK: - Time

    /// `SINCE a [UNTIL b]`, `BETWEEN a AND b`, or the default `SINCE 24h`.
    mutating func bindTime(_ clause: TimeClause?) -> TimeRange {
        let now = context.now
        guard let clause else {
            return TimeRange(start: now - 86_400_000, end: nil, preset: Binder.defaultPreset)
        }
        switch clause {
        case .since(let a, let until, let span):
            let start = resolve(a, asEnd: false)
            var range = TimeRange(start: start.millis, end: nil, preset: until == nil ? start.preset : nil)
            if let until {
                if case .preset(let p) = until.kind, p == .all || p == .allUnfiltered {
                    error(.invalidTimeRange, "'\(p.rawValue)' cannot end a time range", until.span)
                    return range
                }
                let end = resolve(until, asEnd: true)
                range.end = end.millis
                if let s = range.start, let e = range.end, s > e {
                    error(.startAfterEnd, "the time range starts after it ends (\(ISOInstant.format(s)) > \(ISOInstant.format(e)))", span)
                }
            }
            return range
        case .between(let a, let b, let span):
            for i in [a, b] {
                if case .preset(let p) = i.kind, p == .all || p == .allUnfiltered {
                    error(.invalidTimeRange, "'\(p.rawValue)' cannot bound a BETWEEN range", i.span)
                    return TimeRange(start: nil, end: nil)
                }
            }
            let s = resolve(a, asEnd: false).millis, e = resolve(b, asEnd: true).millis
            if let s, let e, s > e {
                error(.startAfterEnd, "BETWEEN starts after it ends (\(ISOInstant.format(s)) > \(ISOInstant.format(e)))", span,
                      hints: ["swap the two instants"])
            }
            return TimeRange(start: s, end: e)
        }
    }

    /// An instant in epoch ms (`nil` for `all`), and the preset text when it is one.
    /// Plain dates start their day, or end it (23:59:59.999) when `asEnd`.
    mutating func resolve(_ instant: Instant, asEnd: Bool) -> (millis: Int64?, preset: String?) {
        let now = context.now
        switch instant.kind {
        case .duration(let amount, let unit):
            let text = Binder.durationText(amount, unit.rawValue)
            // Durations longer than Dub's history (and absurd ones that would overflow) all reach
            // before 2022-09-22: clamp them to a century, which the planner sends as `all`.
            let century: Int64 = 100 * 366 * 86_400_000
            func back(_ unitMillis: Int64) -> Int64 {
                let (span, overflow) = Int64(clamping: amount).multipliedReportingOverflow(by: unitMillis)
                return now - (overflow || span > century ? century : span)
            }
            switch unit {
            case .minutes: return (back(60_000), text)
            case .hours: return (back(3_600_000), text)
            case .days: return (back(86_400_000), text)
            case .weeks: return (back(7 * 86_400_000), text)
            case .months: return (amount > 1200 ? now - century : calendar.addingMonths(-amount, to: now), text)
            case .years: return (amount > 100 ? now - century : calendar.addingMonths(-12 * amount, to: now), text)
            }
        case .preset(let p):
            switch p {
            case .mtd: return (calendar.startOfMonth(now), p.rawValue)
            case .qtd: return (calendar.startOfQuarter(now), p.rawValue)
            case .ytd: return (calendar.startOfYear(now), p.rawValue)
            case .all, .allUnfiltered: return (nil, p.rawValue)
            }
        case .date(let d):
            guard let ms = millis(of: d, asEnd: asEnd) else {
                error(.invalidTimeRange, "'\(d)' is not a valid instant", instant.span)
                return (nil, nil)
            }
            if ms < Catalog.earliestInstant {
                error(.instantTooEarly, "'\(d)' is before 2022-09-22, the earliest instant Dub's API accepts", instant.span)
            }
            return (ms, nil)
        }
    }

    /// `30d`: the amount's digits and the unit, written into a stack buffer (a short result is a
    /// small string: no allocation, unlike `String(amount) + unit`).
    static func durationText(_ amount: Int, _ unit: String) -> String {
        guard amount >= 0, unit.utf8.count <= 4 else { return String(amount) + unit }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            var digits = 0, rest = amount
            repeat { digits += 1; rest /= 10 } while rest > 0
            rest = amount
            for i in stride(from: digits - 1, through: 0, by: -1) {
                buffer[i] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            var n = digits
            for b in unit.utf8 { buffer[n] = b; n += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[0..<n]), as: UTF8.self)
        }
    }

    /// A date literal as an instant in the query's time zone (plain dates: start or end of the day).
    func millis(of d: DateLiteral, asEnd: Bool) -> Int64? {
        guard let t = d.time else {
            guard let start = calendar.startOfDay(year: d.year, month: d.month, day: d.day) else { return nil }
            return asEnd ? calendar.endOfDay(start) : start
        }
        if let offset = t.utcOffsetSeconds {
            let utc = ISOInstant.millis(year: d.year, month: d.month, day: d.day, hour: t.hour, minute: t.minute,
                                        second: t.second, millisecond: t.nanosecond / 1_000_000)
            return utc - Int64(offset) * 1000
        }
        return calendar.instant(year: d.year, month: d.month, day: d.day, hour: t.hour, minute: t.minute,
                                second: t.second, nanosecond: t.nanosecond)
    }

    // MARK: - Checks on the whole condition

    /// `key` must sit in a conjunction that pins `domain` to exactly one value.
    mutating func checkKeys(_ c: BoundCondition, pinned: Bool) {
        // Most conditions have no `key` at all: nothing to check, no sets of domains.
        if let s = whereSummary, !s.other {
            guard s.contains(ConditionSummary.key) else { return }
        } else {
            guard Binder.mentions("key", c) else { return }
        }
        checkKeysOf(c, pinned: pinned)
    }

    /// True when some predicate of `c` is on the catalog field `name`.
    static func mentions(_ name: String, _ c: BoundCondition) -> Bool {
        switch c {
        case .constant: return false
        case .predicate(let p): return p.field.isCatalog(name)
        case .not(let inner): return mentions(name, inner)
        case .and(let parts), .or(let parts): return parts.contains { mentions(name, $0) }
        }
    }

    private mutating func checkKeysOf(_ c: BoundCondition, pinned: Bool) {
        switch c {
        case .constant: return
        case .not(let inner): checkKeysOf(inner, pinned: pinned)
        case .or(let parts): for p in parts { checkKeysOf(p, pinned: pinned) }
        case .and(let parts):
            var domains = Set<ScalarValue>()
            // As written: `NOT domain != x` (bound as `domain = x`) pins nothing, as its NOT says.
            for case .predicate(let p) in parts where p.op == .in && !p.foldedNot && p.field.isCatalog("domain") {
                domains.formUnion(p.values)
            }
            let pins = pinned || domains.count == 1
            for p in parts { checkKeysOf(p, pinned: pins) }
        case .predicate(let p):
            guard !pinned, p.field.isCatalog("key") else { return }
            error(.keyWithoutDomain, "'key' needs exactly one 'domain' in the same AND: a slug is unique only within its domain",
                  p.span ?? Span(at: 0), hints: ["add AND domain = 'dub.sh' (your short link's domain)"])
        }
    }

    /// True when a predicate's field occurred before (in `seen`, filled in tree order) or has a
    /// closed domain; walks the tree without building arrays of predicates.
    static func mayFold(_ c: BoundCondition, seen: inout SeenSet<FieldRef>) -> Bool {
        switch c {
        case .constant:
            return false
        case .predicate(let p):
            if Normalizer.hasClosedDomain(p.field) { return true }
            return !seen.insert(p.field)
        case .not(let inner):
            return mayFold(inner, seen: &seen)
        case .and(let parts), .or(let parts):
            for part in parts where mayFold(part, seen: &seen) { return true }
            return false
        }
    }

    mutating func warnIfNeverTrue(_ c: BoundCondition, _ span: Span, time: TimeRange, defaultTime: Bool) {
        // Only a field that occurs twice, or one with a closed set of values, can fold to a constant;
        // only a condition on `timestamp` can leave the time range empty.
        let folds: Bool, timed: Bool
        if let s = whereSummary, !s.other {
            // Known from binding: no walk of the tree.
            folds = s.repeated || s.contains(ConditionSummary.root) || s.contains(ConditionSummary.saleType)
            timed = s.contains(ConditionSummary.timestamp)
        } else {
            var seen = SeenSet<FieldRef>()
            folds = Binder.mayFold(c, seen: &seen)
            timed = Binder.mentionsTimestamp(c)
        }
        guard folds || timed else { return }
        let normalized = Normalizer.normalize(c)
        switch normalized {
        case .constant(false)?:
            warning(.neverTrue, "this condition can never be true: the query returns no rows", span)
            return
        case .constant(true)?:
            warning(.alwaysTrue, "this condition is always true: it filters nothing", span)
            return
        default:
            break
        }
        guard timed, let narrowed = TimeNarrowing.narrow(time, by: normalized), narrowed.isEmpty else { return }
        // What the condition alone asks for, to show beside the range it misses.
        let asked = TimeNarrowing.narrow(TimeRange(start: nil, end: nil), by: normalized)?.time ?? TimeRange(start: nil, end: nil)
        let range = TimeNarrowing.describe(time) + (defaultTime ? ", the default SINCE \(Binder.defaultPreset)" : "")
        var hints = ["put the time in the time clause: "
                     + (asked.start.map { "SINCE \(APIPlanner.formatInstant($0))" } ?? "SINCE all")
                     + (asked.end.map { " UNTIL \(APIPlanner.formatInstant($0))" } ?? "")]
        if defaultTime { hints.append("a query without SINCE or BETWEEN covers the last \(Binder.defaultPreset)") }
        warning(.neverTrue, "this condition can never be true in the time range (\(range)): the query returns no rows", span, hints: hints)
    }

    /// True when some predicate of `c` compares `timestamp`.
    static func mentionsTimestamp(_ c: BoundCondition) -> Bool {
        switch c {
        case .constant: return false
        case .predicate(let p): return p.field.isCatalog("timestamp")
        case .not(let inner): return mentionsTimestamp(inner)
        case .and(let parts), .or(let parts): return parts.contains(where: mentionsTimestamp)
        }
    }
}

extension EventType {
    /// The event type named `name`, ignoring case (`Sales` is ``sales``), compared on bytes.
    init?(caseInsensitive name: String) {
        // As written in lower case (the usual spelling): small strings compare in one step.
        if name == "clicks" { self = .clicks; return }
        if name == "sales" { self = .sales; return }
        if name == "leads" { self = .leads; return }
        let u = name.utf8
        guard !u.contains(where: { $0 >= 0x80 }) else {
            self.init(rawValue: name.lowercased())
            return
        }
        // clicks, leads, sales: five or six letters, told apart by the first.
        guard u.count == 5 || u.count == 6 else { return nil }
        let e: EventType
        switch NameTable.fold(u[u.startIndex]) {
        case UInt8(ascii: "c"): e = .clicks
        case UInt8(ascii: "l"): e = .leads
        case UInt8(ascii: "s"): e = .sales
        default: return nil
        }
        guard u.count == e.rawValue.utf8.count, zip(e.rawValue.utf8, u).allSatisfy({ $0 == NameTable.fold($1) }) else { return nil }
        self = e
    }
}

extension FieldRef {
    /// True for the catalog field of canonical name `name`, without building a `FieldRef`.
    @inline(__always) func isCatalog(_ name: String) -> Bool {
        if case .catalog(let n) = self { return n == name }
        return false
    }
}
