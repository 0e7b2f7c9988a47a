// The API planner (DESIGN.md §2.1): a bound query to `GET /events` requests, an exact residual,
// a union when a disjunction splits into exact requests, explicit time, and a paging description.

import DubQLSyntax

// MARK: - APIPlanner

/// Plans queries for Dub's API.
///
/// Cost rule for disjunctions: a top-level OR becomes a **union** (one request per branch, merged
/// by timestamp and de-duplicated by event id) when it has at most ``maximumUnionRequests``
/// branches and every branch, AND-ed with the rest of the condition, turns into parameters
/// exactly (no residual). A union then fetches only matching events, whereas the alternative, a
/// **wider request** with the OR as residual, fetches everything matching the rest and filters
/// locally. Otherwise (more branches, or a branch that needs a residual anyway) the wider request
/// is cheaper in requests, which is what Dub's rate limits (2-16 requests per second) count.
public enum APIPlanner {
    /// The most requests a union may have.
    public static let maximumUnionRequests = 4
    /// Dub's maximum `limit`.
    public static let maximumPageSize = 1000
    /// Dub's default `limit` (left out of the parameters when it is the page size).
    public static let defaultPageSize = 100

    /// Plans a bound query; `nil` with errors when part of the condition can neither be sent nor
    /// evaluated on returned events.
    ///
    /// `pageSize` caps the page size below Dub's 1000 (tests use it to exercise paging on small data).
    /// Aggregate queries are planned by ``AnalyticsPlanner`` (`maxEvents` caps its `/events` fallback).
    public static func plan(_ query: BoundQuery, pageSize: Int = maximumPageSize,
                            maxEvents: Int = AnalyticsPlanner.defaultMaxEvents) -> (plan: APIPlan?, diagnostics: [Diagnostic]) {
        if query.aggregation.isSome { return AnalyticsPlanner.plan(query, pageSize: pageSize, maxEvents: maxEvents) }
        var notes: [String] = []
        // Only the range changes: a copy of the whole query would copy (and release) every member.
        var range = query.time
        var normalized = Normalizer.normalize(query.condition)
        // `timestamp` bounds in WHERE narrow the range that is sent (TimeNarrowing.swift).
        if let narrowed = TimeNarrowing.narrow(query.time, by: normalized) {
            if narrowed.isEmpty {
                normalized = .constant(false)
            } else {
                if narrowed.narrowed { notes.append("time range narrowed by the condition on timestamp: \(TimeNarrowing.describe(narrowed.time))") }
                range = narrowed.time
                normalized = narrowed.condition
            }
        }
        let time = planTime(range, timeZone: query.timeZone, notes: &notes)

        if case .constant(false)? = normalized {
            notes.append("the condition can never be true: no request is sent")
            let paging = Paging(pageSize: min(query.limit, maximumPageSize), firstPage: 1, skipRows: 0, takeRows: query.limit)
            return (APIPlan(event: query.event, requests: [], residual: nil, residualText: nil, order: query.order,
                            limit: query.limit, offset: query.offset, paging: paging, columns: query.columns,
                            timeZone: query.timeZone, notes: notes), [])
        }

        var leaves = split(normalized), ors: [BoundCondition] = []
        // Usually no operand is an OR: the split list is the leaves as it is, no arrays are built.
        if leaves.contains(where: { if case .or = $0 { true } else { false } }) {
            let all = leaves
            leaves = []
            for c in all {
                if case .or = c { ors.append(c) } else { leaves.append(c) }
            }
        }
        let base = Pushdowns.plan(leaves, event: query.event)

        // The union's requests, when the condition splits into several; else the one request of `base`.
        var unionBranches: [ParameterList]?
        var residualParts: [BoundCondition] = base.residual
        var unplannable = base.unplannable
        var planNotes = base.notes
        if let candidate = unionCandidate(leaves: leaves, ors: ors),
           let union = planUnion(leaves: candidate.leaves, disjuncts: candidate.disjuncts, event: query.event) {
            unionBranches = union.branches
            planNotes = union.notes
            residualParts = []
            // Every branch is exact: what the single request could not send (`customerId IN (a, b)`
            // on clicks) is sent by the branches.
            unplannable = []
            notes.append("union of \(union.branches.count) requests: merged by timestamp, one row per \(query.event.idPath.joined(separator: "."))")
        } else {
            residualParts += ors
            for or in ors {
                for p in predicates(in: or) where Pushdowns.mustBeSent(p.field, event: query.event) {
                    unplannable.append((p, "it is inside an OR that does not split into exact requests"))
                }
            }
        }
        for n in planNotes where !notes.contains(n) { notes.append(n) }

        if !unplannable.isEmpty {
            let diagnostics = unplannable.map { p, reason in
                Diagnostic.error(.notPlannable,
                                 "'\(p.field)' cannot be sent to the API here (\(reason)), and the events the API returns do not carry it",
                                 at: p.span ?? Span(at: 0),
                                 hints: hints(for: p, reason: reason))
            }
            return (nil, diagnostics)
        }

        let residualList = time.residual.isEmpty ? residualParts : residualParts + time.residual
        let residual: BoundCondition? = residualList.isEmpty ? nil : (residualList.count == 1 ? residualList[0] : .and(residualList))
        let hasResidual = residual.isSome
        let isUnion = unionBranches.isSome
        let paging = planPaging(query, residual: hasResidual, union: isUnion, cap: max(1, min(pageSize, maximumPageSize)))
        if hasResidual || isUnion || paging.takeRows > paging.pageSize || paging.skipRows > 0 {
            notes.append(pagingNote(paging, residual: hasResidual))
        }

        let requests = unionBranches.map { branches in
            branches.map { APIRequest(params: orderedParams($0, event: query.event, time: time.params, paging: paging, order: query.order)) }
        } ?? [APIRequest(params: orderedParams(base.params, event: query.event, time: time.params, paging: paging, order: query.order))]
        return (APIPlan(event: query.event, requests: requests, residual: residual,
                        residualText: residual.map(ResidualPrinter.text), order: query.order, limit: query.limit,
                        offset: query.offset, paging: paging, columns: query.columns, timeZone: query.timeZone, notes: notes), [])
    }

    /// What to do about a condition that cannot be planned.
    static func hints(for p: BoundPredicate, reason: String) -> [String] {
        if reason.contains("inside an OR") { return ["move the \(p.field) condition out of the OR: ... AND \(p.field) = ..."] }
        if reason.contains("another link-level filter") {
            return ["add a link-level condition the links share, such as AND domain = 'dub.sh' (or folderId, partnerId, tenantId, tagId, groupId, root)"]
        }
        if reason.contains("a union has at most") { return ["split the values over several queries of at most \(maximumUnionRequests) values each"] }
        return []
    }

    // MARK: - Union

    /// The OR to split into requests: the only top-level OR, or else an IN list on a parameter
    /// that takes one value (`customerId IN (a, b)`, `metadata.plan IN (pro, team)`).
    static func unionCandidate(leaves: [BoundCondition], ors: [BoundCondition]) -> (leaves: [BoundCondition], disjuncts: [BoundCondition])? {
        if ors.count == 1, case .or(let disjuncts) = ors[0] { return (leaves, disjuncts) }
        guard ors.isEmpty else { return nil }
        // Usually no leaf is an IN list of several values: found before anything is built.
        let anyList = leaves.withUnsafeBufferPointer { buffer in
            buffer.contains { leaf in
                if case .predicate(let p) = leaf { p.op == .in && p.values.count >= 2 } else { false }
            }
        }
        guard anyList else { return nil }
        for i in leaves.indices {
            guard case .predicate(let p) = leaves[i], p.op == .in, (2...maximumUnionRequests).contains(p.values.count) else { continue }
            let singleValued: Bool
            switch p.field {
            case .metadata: singleValued = true
            case .catalog(let name): singleValued = [.single, .region, .externalId, .key].contains(Catalog.field(canonical: name)?.pushdown)
            case .json: singleValued = false
            }
            guard singleValued else { continue }
            var rest = leaves
            rest.remove(at: i)
            return (rest, p.values.map { .predicate(BoundPredicate(field: p.field, op: .in, value: $0, span: p.span)) })
        }
        return nil
    }

    static func planUnion(leaves: [BoundCondition], disjuncts: [BoundCondition], event: EventType) -> (branches: [ParameterList], notes: [String])? {
        guard disjuncts.count <= maximumUnionRequests else { return nil }
        var branches: [ParameterList] = []
        var notes: [String] = []
        for d in disjuncts {
            let combined = Normalizer.normalize(.and(leaves + [d]))
            if case .constant(false)? = combined { continue }
            let p = Pushdowns.plan(split(combined), event: event)
            guard p.isExact else { return nil }
            if !branches.contains(p.params) { branches.append(p.params) }
            for n in p.notes where !notes.contains(n) { notes.append(n) }
        }
        return branches.count > 1 ? (branches, notes) : nil
    }

    static func split(_ c: BoundCondition?) -> [BoundCondition] {
        switch c {
        case nil, .constant(true)?: []
        case .and(let parts)?: parts
        case let other?: [other]
        }
    }

    static func predicates(in c: BoundCondition) -> [BoundPredicate] {
        // One array filled in place rather than one per node.
        var out: [BoundPredicate] = []
        collectPredicates(c, into: &out)
        return out
    }

    private static func collectPredicates(_ c: BoundCondition, into out: inout [BoundPredicate]) {
        switch c {
        case .constant: break
        case .predicate(let p): out.append(p)
        case .not(let inner): collectPredicates(inner, into: &out)
        case .and(let parts), .or(let parts): for part in parts { collectPredicates(part, into: &out) }
        }
    }

    // MARK: - Parameters in order

    static func orderedParams(_ params: ParameterList, event: EventType, time: TimeParameters, paging: Paging,
                              order: SortDirection) -> [APIParameter] {
        var out: [APIParameter] = []
        out.reserveCapacity(params.items.count + time.count + 4)
        out.append(APIParameter("event", event.rawValue))
        // Already in catalog order, `query` last.
        for p in params.items { out.append(APIParameter(p.name, p.value)) }
        time.append(to: &out)
        APIRequest.appendPagingParameters(page: paging.firstPage, limit: paging.pageSize, to: &out)
        if order == .ascending { out.append(APIParameter("sortOrder", "asc")) }
        return out
    }

    // MARK: - Paging

    /// Exact single requests skip whole pages. Unions read each request from its first page, at most
    /// OFFSET + LIMIT rows each; anything filtered locally reads pages of 1000 from the first page,
    /// since how many rows the residual keeps is unknown and requests, not bytes, are rate-limited.
    static func planPaging(_ query: BoundQuery, residual: Bool, union: Bool, cap maximumPageSize: Int) -> Paging {
        let limit = query.limit, offset = query.offset
        if union && !residual {
            return Paging(pageSize: min(maximumPageSize, offset + limit), firstPage: 1, skipRows: offset, takeRows: limit)
        }
        if !residual {
            if limit <= maximumPageSize, offset % limit == 0 {
                return Paging(pageSize: limit, firstPage: offset / limit + 1, skipRows: 0, takeRows: limit)
            }
            if offset + limit <= maximumPageSize {
                return Paging(pageSize: offset + limit, firstPage: 1, skipRows: offset, takeRows: limit)
            }
            return Paging(pageSize: maximumPageSize, firstPage: offset / maximumPageSize + 1,
                          skipRows: offset % maximumPageSize, takeRows: limit)
        }
        return Paging(pageSize: maximumPageSize, firstPage: 1, skipRows: offset, takeRows: limit)
    }

    static func pagingNote(_ p: Paging, residual: Bool) -> String {
        var s = "pages of \(p.pageSize) from page \(p.firstPage)"
        if p.skipRows > 0 { s += ", skipping \(p.skipRows) rows" }
        s += residual ? ", filtered locally," : ","
        s += " until \(p.takeRows) rows or an empty page"
        return s
    }

    // MARK: - Time

    struct TimePlan {
        var params = TimeParameters()
        var residual: [BoundCondition] = []
    }

    /// The time parameters in the order they are sent: `interval`, or `start` and maybe `end`,
    /// then `timezone` when it is not UTC. At most three, held inline: no array per plan.
    struct TimeParameters {
        private var first: APIParameter?, second: APIParameter?, third: APIParameter?
        private(set) var count = 0

        mutating func append(_ p: APIParameter) {
            switch count {
            case 0: first = p
            case 1: second = p
            default: third = p
            }
            count += 1
        }

        func append(to out: inout [APIParameter]) {
            if let first { out.append(first) }
            if let second { out.append(second) }
            if let third { out.append(third) }
        }
    }

    /// The `interval` preset the API accepts for what the language writes (`1w` is `7d`), or
    /// `nil`; a switch on short strings rather than a dictionary, which would hash the preset.
    static func interval(for preset: String) -> String? {
        switch preset {
        case "24h", "1d": "24h"
        case "7d", "1w": "7d"
        case "30d": "30d"
        case "90d": "90d"
        case "1y", "12mo": "1y"
        case "mtd": "mtd"
        case "qtd": "qtd"
        case "ytd": "ytd"
        case "all", "all_unfiltered": "all"
        default: nil
        }
    }

    /// Time is always sent: `interval` for the presets the API accepts, else `start`/`end`, which
    /// the API widens to whole days in the time zone; the exact bounds then join the residual.
    /// Open ranges (`SINCE x`) send no `end`: the API ends them at the end of today, and no event
    /// is later than now.
    static func planTime(_ range: TimeRange, timeZone: String, notes: inout [String]) -> TimePlan {
        var plan = TimePlan()
        let zone: APIParameter? = timeZone == "UTC" ? nil : APIParameter("timezone", timeZone)
        let earliest = Catalog.earliestInstant
        if range.end == nil, let preset = range.preset, let interval = interval(for: preset) {
            if preset == "all_unfiltered" { notes.append("all_unfiltered is no longer accepted by Dub's API: sent as interval=all") }
            plan.params.append(APIParameter("interval", interval))
            if let zone { plan.params.append(zone) }
            return plan
        }
        if range.end == nil, range.start.map({ $0 <= earliest }) ?? true {
            if range.start != nil { notes.append("Dub has no events before 2022-09-22: sent as interval=all") }
            plan.params.append(APIParameter("interval", "all"))
            if let zone { plan.params.append(zone) }
            return plan
        }
        // Only explicit ranges need the calendar (creating one costs microseconds).
        let cal = ZonedCalendar(identifier: timeZone) ?? .utc
        var start = range.start ?? earliest
        if start < earliest { start = earliest }
        plan.params.append(APIParameter("start", formatInstant(start)))
        if start != cal.startOfDay(start) {
            plan.residual.append(.predicate(BoundPredicate(field: .catalog("timestamp"), op: .greaterEqual, value: .timestamp(start))))
        }
        if let end = range.end {
            plan.params.append(APIParameter("end", formatInstant(end)))
            if end != cal.endOfDay(end) {
                plan.residual.append(.predicate(BoundPredicate(field: .catalog("timestamp"), op: .lessEqual, value: .timestamp(end))))
            }
        }
        if !plan.residual.isEmpty {
            let what = range.preset.map { "\($0) is not an interval Dub accepts and " } ?? ""
            notes.append("\(what)the API rounds start/end to whole days in \(timeZone): exact bounds checked locally")
        }
        if let zone { plan.params.append(zone) }
        return plan
    }

    /// `2024-01-01T00:00:00Z`, with milliseconds only when there are some.
    public static func formatInstant(_ millis: Int64) -> String {
        let s = ISOInstant.format(millis)
        return millis % 1000 == 0 ? String(s.dropLast(5)) + "Z" : s
    }
}
