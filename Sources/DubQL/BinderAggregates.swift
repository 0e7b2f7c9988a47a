// Binding of aggregate statements: group keys (fields, `link`, time buckets), typed aggregates,
// HAVING over aggregates and keys, ORDER BY over output columns with Dub's default order, LIMIT and
// OFFSET on groups, and the range a time series fills.

import DubQLSyntax

extension Binder {
    /// A time series has at most this many buckets (`SELECT hour ... SINCE 1y` has 8,760).
    public static let maximumBuckets = 100_000

    // MARK: - Statement

    mutating func bindAggregateStatement(_ statement: Statement, zoneName: String) -> BoundQuery? {
        let select = statement.select
        let time = bindTime(select.time)
        var condition: BoundCondition?
        if let w = select.whereClause {
            condition = bindWhere(w.condition)
            if let c = condition {
                checkKeys(c, pinned: false)
                warnIfNeverTrue(c, w.condition.span, time: time, defaultTime: select.time == nil)
            }
        }
        var state = AggregationState()

        for path in select.groupBy?.keys ?? [] {
            guard let key = resolveKey(path) else { continue }
            if !state.keys.contains(where: { $0.kind == key.kind }) { state.keys.append(key) }
        }

        switch select.projection {
        case .all(let span)?:
            error(.notGrouped, "'*' cannot be grouped: an aggregate query names its columns", span,
                  hints: ["SELECT country, count() FROM \(event.rawValue) GROUP BY country"])
        case nil:
            error(.notGrouped, "an aggregate query names its columns", select.event.span,
                  hints: ["SELECT \(select.groupBy.map { $0.keys.map(Printer.print).joined(separator: ", ") + ", " } ?? "")count() FROM \(event.rawValue) ..."])
        case .columns(let items, _)?:
            for item in items { bindItem(item, into: &state) }
        }

        if let h = select.having {
            var comparesAggregate = false
            state.having = bindHaving(h.condition, into: &state, comparesAggregate: &comparesAggregate)
            if !comparesAggregate, state.having != nil {
                error(.misplacedAggregate, "HAVING filters groups by their aggregates, but this condition compares none", h.condition.span,
                      hints: ["move conditions on fields to WHERE", "compare an aggregate: HAVING count() > 5"])
            }
        }

        let order = bindGroupOrder(select.orderBy, into: &state)
        let (limit, offset) = bindPaging(select, groups: true)
        var fill: BucketFill?
        if state.keys.count == 1, case .bucket(let b) = state.keys[0].kind {
            fill = BucketFill(bucket: b, start: time.start, end: time.end ?? context.now)
            if let start = time.start, let f = fill {
                let minimum: Int64 = switch b {
                case .hour: 3_600_000
                case .day: 23 * 3_600_000
                case .week: 7 * 86_400_000 - 3_600_000
                case .month: 28 * 86_400_000 - 3_600_000
                }
                let buckets = (f.end - start) / minimum + 1
                if buckets > Int64(Binder.maximumBuckets) {
                    error(.invalidTimeRange, "a series of \(b.rawValue) buckets over this range has about \(buckets) buckets; at most \(Binder.maximumBuckets)",
                          select.time?.span ?? select.groupBy?.span ?? select.span, hints: ["narrow the range, or use a larger bucket (day, week, month)"])
                }
            }
        }

        let aggregation = BoundAggregation(keys: state.keys, aggregates: state.aggregates, columns: state.columns,
                                           having: state.having, order: order, limit: limit, offset: offset, fill: fill)
        var query = BoundQuery(event: event, columns: [], condition: condition, time: time, timeZone: zoneName,
                               order: .descending, limit: limit ?? Binder.maximumLimit, offset: offset,
                               explain: statement.isExplain, aggregation: aggregation)
        query.queryText = QueryText(printing: statement)
        query.hasDefaultTime = select.time == nil
        return query
    }

    // MARK: - Keys

    /// A field path as a group key: `hour day week month` are time buckets, `link` the short link,
    /// anything else a field with a value per event.
    mutating func resolveKey(_ path: FieldPath) -> BoundGroupKey? {
        let name = Printer.print(path)
        if path.components.count == 1 {
            let word = path.components[0].text.lowercased()
            if Catalog.index(named: word) == nil {
                if let b = TimeBucket(rawValue: word) { return BoundGroupKey(name: name, kind: .bucket(b), type: .instant, span: path.span) }
                if word == "link" { return BoundGroupKey(name: name, kind: .link, type: .text, span: path.span) }
            }
        }
        guard let field = bindField(path) else { return nil }
        let type: AggregateValueType
        switch field.type {
        case .timestamp:
            error(.invalidGroupKey, "cannot group by '\(name)': every event has its own instant", path.span,
                  hints: ["group by a time bucket: hour, day, week or month (in the query's time zone)"])
            return nil
        case .boolean: type = .boolean
        case .number: type = field.ref == .catalog("sale.amount") ? .money : .number
        case .json: type = .json
        case .text, .country, .region, .continent, .trigger, .saleType: type = .text
        }
        return BoundGroupKey(name: name, kind: .field(field.ref), type: type, span: path.span)
    }

    // MARK: - Items

    mutating func bindItem(_ item: SelectItem, into state: inout AggregationState) {
        let name = item.alias?.text ?? Printer.print(item.expression)
        if let alias = item.alias, state.columns.contains(where: { $0.name.lowercased() == alias.text.lowercased() }) {
            error(.aliasInListing, "the column name '\(alias.text)' is used twice", alias.span)
            return
        }
        switch item.expression {
        case .call(let call):
            guard let i = bindAggregate(call, into: &state) else { return }
            state.columns.append(BoundOutputColumn(name: name, source: .aggregate(i), type: state.aggregates[i].type))
        case .field(let path):
            guard let key = resolveKey(path) else { return }
            guard let i = state.keys.firstIndex(where: { $0.kind == key.kind }) else {
                error(.notGrouped, "'\(Printer.print(path))' is neither grouped nor aggregated", path.span,
                      hints: ["add it to GROUP BY: GROUP BY \(Printer.print(path))",
                              "or aggregate it: count(DISTINCT \(Printer.print(path)))"])
                return
            }
            state.columns.append(BoundOutputColumn(name: name, source: .key(i), type: state.keys[i].type))
        }
    }

    /// The index of the call's aggregate in `state.aggregates` (added when new), or `nil` after an error.
    mutating func bindAggregate(_ call: FunctionCall, into state: inout AggregationState) -> Int? {
        let fname = call.name.text.lowercased()
        guard FunctionCall.knownNames.contains(fname) else {
            // Function names are short: allow two edits, and know the usual other spellings.
            let synonyms = ["average": "avg", "mean": "avg", "total": "sum", "minimum": "min", "maximum": "max",
                            "uniq": "count(DISTINCT ...)", "count_distinct": "count(DISTINCT ...)", "countdistinct": "count(DISTINCT ...)"]
            let near = synonyms[fname].map { [$0] }
                ?? FunctionCall.knownNames.filter { EditDistance.between(Array(fname), Array($0)) <= 2 }
            var hints = [DidYouMean.hint(near)].compactMap { $0 }
            if TimeBucket(rawValue: fname) != nil {
                hints = ["time buckets are names, not calls: SELECT \(fname), count() FROM \(event.rawValue) GROUP BY \(fname)"]
            }
            hints.append("aggregates: count() count(*) count(field) count(DISTINCT field) sum avg min max")
            error(.unknownFunction, "unknown function '\(call.name.text)'", call.name.span, hints: hints)
            return nil
        }
        var function: AggregateFunction
        var field: ResolvedField?
        switch call.argument {
        case .none, .star:
            guard fname == "count" else {
                error(.unknownFunction, "'\(fname)' needs a field, such as \(fname)(sale.amount)", call.span)
                return nil
            }
            function = .count
        case .field(let path, let distinct):
            if distinct && fname != "count" {
                error(.unknownFunction, "DISTINCT works in count(DISTINCT field) only", call.span)
                return nil
            }
            guard let f = bindField(path) else { return nil }
            field = f
            switch fname {
            case "count": function = distinct ? .countDistinct : .count
            case "sum": function = .sum
            case "avg": function = .avg
            case "min": function = .min
            default: function = .max
            }
        }
        let isMoney = field?.ref == .catalog("sale.amount")
        let type: AggregateValueType
        switch (function, field?.type) {
        case (.count, _), (.countDistinct, _):
            type = .integer
        case (.min, .timestamp?), (.max, .timestamp?):
            type = .instant
        case (.sum, .number?), (.min, .number?), (.max, .number?):
            type = isMoney ? .money : .number
        case (.avg, .number?):
            type = isMoney ? .money : .number
        case (_, .json?):
            type = .number
        default:
            let what = function == .min || function == .max ? "numbers or instants" : "numbers"
            let path = call.argument.fieldPath.map(Printer.print) ?? "?"
            error(.aggregateTypeMismatch, "'\(fname)' needs \(what), but '\(path)' is \(field?.type.displayName ?? "not a field")",
                  call.argument.fieldPath?.span ?? call.span,
                  hints: ["count its values instead: count(DISTINCT \(path))",
                          event == .sales ? "amounts are in sale.amount: \(fname)(sale.amount)" : nil].compactMap { $0 })
            return nil
        }
        let ref = field?.ref
        if let i = state.aggregates.firstIndex(where: { $0.function == function && $0.field == ref }) { return i }
        state.aggregates.append(BoundAggregate(function: function, field: ref, isMoney: isMoney, text: Printer.print(call), type: type, span: call.span))
        return state.aggregates.count - 1
    }

    // MARK: - HAVING

    mutating func bindHaving(_ c: Condition, into state: inout AggregationState, comparesAggregate: inout Bool) -> HavingCondition? {
        switch c {
        case .or(let parts, _), .and(let parts, _):
            var bound: [HavingCondition] = []
            var failed = false
            for p in parts {
                if let b = bindHaving(p, into: &state, comparesAggregate: &comparesAggregate) { bound.append(b) } else { failed = true }
            }
            if failed { return nil }
            if case .or = c { return .or(bound) }
            return .and(bound)
        case .not(let inner, _):
            return bindHaving(inner, into: &state, comparesAggregate: &comparesAggregate).map { .not($0) }
        case .predicate(let p):
            guard let source = resolveOutput(p.subject, into: &state, what: "HAVING") else { return nil }
            if case .aggregate = source { comparesAggregate = true }
            let type = state.type(of: source)
            switch p.kind {
            case .bare:
                guard type == .boolean else {
                    error(.incompleteField, "'\(Printer.print(p.subject))' is not boolean: compare it with a value", p.span,
                          hints: ["write \(Printer.print(p.subject)) > 5"])
                    return nil
                }
                return .predicate(HavingPredicate(source: source, op: .in, values: [.bool(true)]))
            case .comparison(let op, let value):
                guard let v = havingValue(value, type: type, subject: p.subject) else { return nil }
                let bop: BoundOperator = switch op {
                case .equal: .in
                case .notEqual: .notIn
                case .less: .less
                case .lessEqual: .lessEqual
                case .greater: .greater
                case .greaterEqual: .greaterEqual
                }
                return .predicate(HavingPredicate(source: source, op: bop, values: [v]))
            case .inList(let negated, let values):
                var bound: [AggregateValue] = []
                for value in values {
                    guard let v = havingValue(value, type: type, subject: p.subject) else { return nil }
                    bound.append(v)
                }
                return .predicate(HavingPredicate(source: source, op: negated ? .notIn : .in, values: bound))
            }
        }
    }

    /// A literal of HAVING as a value of the column's type.
    mutating func havingValue(_ value: Value, type: AggregateValueType, subject: Expression) -> AggregateValue? {
        func mismatch(_ expected: String) -> AggregateValue? {
            error(.typeMismatch, "'\(Printer.print(subject))' is \(expected): found \(Printer.print(value))", value.span)
            return nil
        }
        switch type {
        case .money:
            // Sums of sale.amount are written in dollars, like sale.amount itself; they are kept in cents.
            switch value.kind {
            case .number(let n), .money(let n, _):
                if let c = Binder.cents(ofDollars: n) {
                    if let i = Int64(exactly: c) { return .integer(i) }
                    return .number(c)
                }
            default: break
            }
            return mismatch("an amount in US dollars (a number such as 1000 or $1000)")
        case .integer:
            if case .number(let n) = value.kind {
                if let i = Int64(n) { return .integer(i) }
                if let d = Double(n) { return .number(d) }
            }
            if case .money(let n, _) = value.kind {
                moneyMisplaced(value, amount: n, fieldText: Printer.print(subject))
                return nil
            }
            return mismatch("a count (a number)")
        case .number:
            if case .number(let n) = value.kind, let d = Double(n) { return .number(d) }
            if case .money(let n, _) = value.kind {
                moneyMisplaced(value, amount: n, fieldText: Printer.print(subject))
                return nil
            }
            return mismatch("a number")
        case .boolean:
            if case .boolean(let b) = value.kind { return .bool(b) }
            return mismatch("boolean (TRUE or FALSE)")
        case .instant:
            if case .date(let d) = value.kind, let ms = millis(of: d, asEnd: false) { return .instant(ms) }
            return mismatch("an instant (a date such as 2024-01-01)")
        case .text:
            guard let t = Binder.text(of: value) else { return mismatch("text") }
            return .text(t)
        case .json:
            switch value.kind {
            case .text(let s): return .text(s)
            case .number(let n): return Double(n).map(AggregateValue.number)
            case .boolean(let b): return .bool(b)
            case .date(let d): return .text(d.description)
            case .money(let n, _):
                moneyMisplaced(value, amount: n, fieldText: Printer.print(subject))
                return nil
            }
        }
    }

    /// What an expression of HAVING or ORDER BY names: an alias, an output column, a group key or
    /// an aggregate (added when new).
    mutating func resolveOutput(_ e: Expression, into state: inout AggregationState, what: String) -> AggregateColumnSource? {
        switch e {
        case .call(let call):
            return bindAggregate(call, into: &state).map { .aggregate($0) }
        case .field(let path):
            if path.components.count == 1 {
                let word = path.components[0].text.lowercased()
                if let c = state.columns.first(where: { $0.name.lowercased() == word }) { return c.source }
            }
            let printed = Printer.print(path)
            if let c = state.columns.first(where: { $0.name == printed }) { return c.source }
            // Quietly: a name that is no field gets the message below, not "unknown field".
            var probe = self
            guard let key = probe.resolveKey(path) else {
                let names = state.columns.map(\.name)
                error(.unknownOrderKey, "'\(printed)' in \(what) is not a column of the result", path.span,
                      hints: [DidYouMean.hint(DidYouMean.candidates(for: printed, in: names)),
                              names.isEmpty ? nil : "the columns: \(names.joined(separator: ", "))"].compactMap { $0 })
                return nil
            }
            guard let i = state.keys.firstIndex(where: { $0.kind == key.kind }) else {
                error(.notGrouped, "'\(printed)' in \(what) is neither grouped nor aggregated", path.span,
                      hints: ["add it to GROUP BY, or use WHERE to filter events by it"])
                return nil
            }
            return .key(i)
        }
    }

    // MARK: - ORDER BY, LIMIT, OFFSET

    /// The written order (ascending unless `DESC`), else Dub's: a time series by bucket ascending,
    /// other groups by their metric descending (the money sum for sales, else the event count,
    /// else the first aggregate); then every group key ascending, so the order is total.
    mutating func bindGroupOrder(_ clause: OrderByClause?, into state: inout AggregationState) -> [AggregateSortKey] {
        var order: [AggregateSortKey] = []
        if let clause {
            for key in clause.keys {
                guard let source = resolveOutput(key.expression, into: &state, what: "ORDER BY") else { continue }
                order.append(AggregateSortKey(source: source, direction: key.direction ?? .ascending))
            }
        } else if !state.keys.contains(where: { if case .bucket = $0.kind { true } else { false } }) {
            let aggregates = state.aggregates
            let metric = (event == .sales ? aggregates.firstIndex(where: { $0.function == .sum && $0.isMoney }) : nil)
                ?? aggregates.firstIndex(where: { $0.function == .count && $0.field == nil })
                ?? (aggregates.isEmpty ? nil : 0)
            if let metric { order.append(AggregateSortKey(source: .aggregate(metric), direction: .descending)) }
        }
        for i in state.keys.indices where !order.contains(where: { $0.source == .key(i) }) {
            order.append(AggregateSortKey(source: .key(i), direction: .ascending))
        }
        return order
    }
}

/// What the binder collects while binding an aggregate statement.
struct AggregationState {
    var keys: [BoundGroupKey] = []
    var aggregates: [BoundAggregate] = []
    var columns: [BoundOutputColumn] = []
    var having: HavingCondition?

    func type(of source: AggregateColumnSource) -> AggregateValueType {
        switch source {
        case .key(let i): keys[i].type
        case .aggregate(let i): aggregates[i].type
        }
    }
}

extension FunctionCall.Argument {
    var fieldPath: FieldPath? {
        if case .field(let f, _) = self { return f }
        return nil
    }
}
