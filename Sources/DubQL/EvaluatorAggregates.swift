// The reference meaning of aggregate queries (DESIGN.md §1.4): one row per group, typed
// aggregates, time buckets in the query's time zone, gap-free time series, HAVING, the total order
// of groups and LIMIT/OFFSET on them. The local engine computes groups differently and must agree.

import DubQLSyntax

// MARK: - Time buckets

/// Where hour, day, week and month buckets start, with the time zone's rules: a day starts at
/// local midnight (DST days last 23 or 25 hours), a week on Monday (ISO 8601; Dub's timeseries has
/// no week granularity), a month on its first day, an hour at the local hour (Asia/Kolkata's hours
/// start at :30 UTC, as Dub aligns them).
public enum TimeBuckets {
    /// The start of the bucket holding `millis`.
    public static func start(_ bucket: TimeBucket, of millis: Int64, in calendar: ZonedCalendar) -> Int64 {
        switch bucket {
        case .hour:
            let local = millis + Int64(calendar.offsetSeconds(at: millis)) * 1000
            let into = ((local % 3_600_000) + 3_600_000) % 3_600_000
            return millis - into
        case .day:
            return calendar.startOfDay(millis)
        case .week:
            let day = calendar.startOfDay(millis)
            let local = day + Int64(calendar.offsetSeconds(at: day)) * 1000
            let days = Int(local >= 0 ? local / 86_400_000 : (local - 86_399_999) / 86_400_000)
            // 1970-01-01 was a Thursday: Monday is 0.
            let weekday = ((days % 7) + 7 + 3) % 7
            let (y, m, d) = ISOInstant.civilFromDays(days - weekday)
            return calendar.startOfDay(year: y, month: m, day: d) ?? day
        case .month:
            return calendar.startOfMonth(millis)
        }
    }

    /// The start of the bucket after the one starting at `start`.
    public static func next(_ bucket: TimeBucket, after start: Int64, in calendar: ZonedCalendar) -> Int64 {
        // Step past the bucket's shortest length by less than its longest, then align.
        let step: Int64 = switch bucket {
        case .hour: 5_400_000
        case .day: 36 * 3_600_000
        case .week: 7 * 86_400_000 + 12 * 3_600_000
        case .month: 45 * 86_400_000
        }
        return Self.start(bucket, of: start + step, in: calendar)
    }
}

// MARK: - Evaluator

extension Evaluator {
    /// The result of an aggregate query over `events`: the selected events (type, time, WHERE)
    /// grouped by the keys, one row per group (exactly one without GROUP BY, even over no events),
    /// a time series filled with empty buckets, then HAVING, the order, OFFSET and LIMIT.
    ///
    /// - `count()` counts events; `count(f)` events where `f` is neither missing, null nor empty
    ///   text; `count(DISTINCT f)` the distinct such values.
    /// - `sum` of no values is 0 (Dub's `/analytics` answers 0); `avg`, `min`, `max` of no values
    ///   are null. Non-numeric values (in `metadata.*`) are skipped.
    /// - `sale.amount` is integer cents: sums, minimums and maximums are exact integers (a
    ///   fractional amount counts rounded to the cent); other sums are exact, rounded once to a
    ///   double (``ExactSum``), so they do not depend on the order the events are added in.
    /// - A group key that is missing or null forms its own group (null).
    public static func aggregate<E: EventRecord>(_ query: BoundQuery, from events: [E]) -> AggregateResult {
        guard let aggregation = query.aggregation else { return AggregateResult(columns: [], rows: [], timeZone: query.timeZone) }
        let calendar = ZonedCalendar(identifier: query.timeZone) ?? .utc
        let selected = sortEvents(events.filter { selects(query, $0) }, .ascending)
        var index: [[AggregateValue]: Int] = [:]
        var keys: [[AggregateValue]] = []
        var accumulators: [[Accumulator]] = []
        if aggregation.keys.isEmpty {
            index[[]] = 0
            keys.append([])
            accumulators.append(aggregation.aggregates.map(Accumulator.init))
        }
        for event in selected {
            let key = aggregation.keys.map { keyValue($0, of: event, calendar: calendar) }
            let g: Int
            if let i = index[key] {
                g = i
            } else {
                g = keys.count
                index[key] = g
                keys.append(key)
                accumulators.append(aggregation.aggregates.map(Accumulator.init))
            }
            for (j, aggregate) in aggregation.aggregates.enumerated() {
                let value: JSONValue? = aggregate.field.map { fieldValue($0, in: event) } ?? nil
                accumulators[g][j].add(value, aggregate)
            }
        }
        let groups = zip(keys, accumulators).map { key, accs in key + accs.map(\.result) }
        let span = selected.isEmpty ? nil : (selected[0].timestampMillis, selected[selected.count - 1].timestampMillis)
        return finish(groups, aggregation, calendar: calendar, eventSpan: span, timeZone: query.timeZone)
    }

    /// A group key's value for one event.
    public static func keyValue(_ key: BoundGroupKey, of event: some EventRecord, calendar: ZonedCalendar) -> AggregateValue {
        switch key.kind {
        case .bucket(let b):
            return .instant(TimeBuckets.start(b, of: event.timestampMillis, in: calendar))
        case .link:
            guard case .string(let domain)? = event.json(at: ["link", "domain"]),
                  case .string(let slug)? = event.json(at: ["link", "key"]) else { return .null }
            return .text(shortLink(domain: domain, key: slug))
        case .field(let ref):
            let v = AggregateValue(fieldValue(ref, in: event))
            if key.type == .money, case .number(let d) = v { return .integer(Cents.of(d)) }
            return v
        }
    }

    /// The `link` group key: `domain/key`, or the domain alone for its root link (`_root`).
    public static func shortLink(domain: String, key: String) -> String {
        key == "_root" ? domain : domain + "/" + key
    }

    // MARK: - Accumulating

    /// The running state of one aggregate over one group.
    struct Accumulator {
        var count: Int64 = 0
        var cents: Int64 = 0
        var sum = ExactSum()
        var best: AggregateValue = .null
        var distinct: Set<AggregateValue> = []
        let aggregate: BoundAggregate

        init(_ aggregate: BoundAggregate) { self.aggregate = aggregate }

        mutating func add(_ value: JSONValue?, _ a: BoundAggregate) {
            switch a.function {
            case .count:
                if a.field == nil || !AggregateValue(value).isEmpty { count += 1 }
            case .countDistinct:
                let v = AggregateValue(value)
                if !v.isEmpty { distinct.insert(v) }
            case .sum, .avg, .min, .max:
                guard case .number(let d)? = value else { return }
                count += 1
                let v: AggregateValue
                if a.isMoney {
                    let c = Cents.of(d)
                    cents = Cents.add(cents, c)
                    v = .integer(c)
                } else {
                    sum.add(d)
                    v = a.type == .instant ? .instant(Int64(d)) : .number(d)
                }
                if a.function == .min, best == .null || AggregateValue.compare(v, best) < 0 { best = v }
                if a.function == .max, best == .null || AggregateValue.compare(v, best) > 0 { best = v }
            }
        }

        var result: AggregateValue {
            switch aggregate.function {
            case .count: return .integer(count)
            case .countDistinct: return .integer(Int64(distinct.count))
            case .sum: return aggregate.isMoney ? .integer(cents) : .number(sum.value)
            case .avg:
                guard count > 0 else { return .null }
                return .number((aggregate.isMoney ? Double(cents) : sum.value) / Double(count))
            case .min, .max: return best
            }
        }
    }

    /// The value of an aggregate over no events (an empty bucket of a time series).
    public static func emptyValue(_ a: BoundAggregate) -> AggregateValue {
        switch a.function {
        case .count, .countDistinct: .integer(0)
        case .sum: a.isMoney ? .integer(0) : .number(0)
        case .avg, .min, .max: .null
        }
    }

    // MARK: - Finishing

    /// From groups (each its key values, then its aggregate values, in ``BoundAggregation`` order)
    /// to the result: empty buckets added to a time series, HAVING, order, OFFSET, LIMIT, columns.
    /// `eventSpan` is the first and last selected instant (a series without a lower bound starts
    /// at the first; an event after the range's end extends it).
    public static func finish(_ groups: [[AggregateValue]], _ a: BoundAggregation, calendar: ZonedCalendar,
                              eventSpan: (Int64, Int64)?, timeZone: String) -> AggregateResult {
        var rows = groups
        if let fill = a.fill, let lowest = fill.start ?? eventSpan?.0 {
            var present = Set<AggregateValue>()
            for g in groups { present.insert(g[0]) }
            let empty = a.aggregates.map(emptyValue)
            var bucket = TimeBuckets.start(fill.bucket, of: lowest, in: calendar)
            let last = TimeBuckets.start(fill.bucket, of: max(fill.end, eventSpan?.1 ?? fill.end), in: calendar)
            var made = 0
            while bucket <= last && made <= Binder.maximumBuckets {
                if !present.contains(.instant(bucket)) { rows.append([.instant(bucket)] + empty) }
                bucket = TimeBuckets.next(fill.bucket, after: bucket, in: calendar)
                made += 1
            }
        }
        let k = a.keys.count
        func value(_ row: [AggregateValue], _ s: AggregateColumnSource) -> AggregateValue {
            switch s {
            case .key(let i): row[i]
            case .aggregate(let j): row[k + j]
            }
        }
        if let having = a.having { rows = rows.filter { holds(having) { value($0, $1) }($0) } }
        rows.sort { x, y in
            for key in a.order {
                let c = AggregateValue.compare(value(x, key.source), value(y, key.source))
                if c != 0 { return key.direction == .ascending ? c < 0 : c > 0 }
            }
            return false
        }
        let page = rows.dropFirst(a.offset).prefix(a.limit ?? Int.max)
        let columns = a.columns.map { c in
            var isKey = false
            if case .key = c.source { isKey = true }
            return AggregateColumn(name: c.name, type: c.type, isKey: isKey)
        }
        return AggregateResult(columns: columns, rows: page.map { row in a.columns.map { value(row, $0.source) } }, timeZone: timeZone)
    }

    /// HAVING on one group: `=` and `IN` hold for equal values of the same kind, `!=` and
    /// `NOT IN` are their negation (true for null), orderings hold only between values of one kind.
    static func holds(_ c: HavingCondition, _ value: @escaping ([AggregateValue], AggregateColumnSource) -> AggregateValue) -> ([AggregateValue]) -> Bool {
        { row in
            func eval(_ c: HavingCondition) -> Bool {
                switch c {
                case .and(let parts): return parts.allSatisfy(eval)
                case .or(let parts): return parts.contains(where: eval)
                case .not(let inner): return !eval(inner)
                case .predicate(let p):
                    let v = value(row, p.source)
                    switch p.op {
                    case .in: return p.values.contains { comparable(v, $0) && AggregateValue.compare(v, $0) == 0 }
                    case .notIn: return !p.values.contains { comparable(v, $0) && AggregateValue.compare(v, $0) == 0 }
                    case .less, .lessEqual, .greater, .greaterEqual:
                        guard let l = p.values.first, comparable(v, l) else { return false }
                        let c = AggregateValue.compare(v, l)
                        switch p.op {
                        case .less: return c < 0
                        case .lessEqual: return c <= 0
                        case .greater: return c > 0
                        default: return c >= 0
                        }
                    }
                }
            }
            return eval(c)
        }
    }

    /// True when two values are of one kind (and neither is null).
    static func comparable(_ a: AggregateValue, _ b: AggregateValue) -> Bool {
        switch (a, b) {
        case (.bool, .bool), (.text, .text), (.instant, .instant): true
        case (.integer, .integer), (.integer, .number), (.number, .integer), (.number, .number): true
        default: false
        }
    }
}
