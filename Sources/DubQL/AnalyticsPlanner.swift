// Aggregates on Dub's API: a bound aggregate query becomes `GET /analytics` requests when Dub's
// answer is the query's answer, else `GET /events` pages aggregated locally, with a cap on the
// events fetched (dub-analytics.md §1: groupBy values, response shapes, caps and quirks).

import DubQLSyntax

// MARK: - Aggregate API plan

/// How an aggregate query runs on Dub's API. It is attached to an ``APIPlan`` (``APIPlan/aggregate``):
///
/// - ``Strategy/analytics``: the plan's requests are `GET /analytics` requests. The first answers
///   the groups (`groupBy`); when the groups might be incomplete (Dub drops keys `''` and
///   `Unknown`, keeps at most 5,000 groups, and drops rows of deleted links), a second one,
///   `groupBy=count` with the same filters, gives the totals the groups must add up to. When they
///   do not, the answer is computed from ``fallback`` instead, so it is never incomplete.
/// - ``Strategy/events``: the plan is a `GET /events` listing (requests, residual, paging) of
///   every selected event, aggregated locally with the reference ``Evaluator``; at most
///   ``maxEvents`` events, more is an error naming the cap.
public struct AggregateAPIPlan: Hashable, Sendable, Codable {
    public enum Strategy: String, Hashable, Sendable, Codable {
        case analytics, events
    }

    /// One aggregate as read from Dub's metrics.
    public enum Metric: String, Hashable, Sendable, Codable {
        /// `count()`: the event's metric (`clicks`, `leads` or `sales`).
        case count
        /// `sum(sale.amount)`: `saleAmount` (integer cents).
        case saleAmount
        /// `avg(sale.amount)`: `saleAmount / sales`.
        case averageSaleAmount
    }

    /// Where a group key's value is in an `/analytics` row.
    public enum KeySource: Hashable, Sendable, Codable {
        /// A text field of the row (`country`, `id`, `refererUrl` ...).
        case field(String)
        /// `link`: the short link of the row's `domain` and `key`.
        case shortLink
        /// A time bucket of the query, from the row's `start` (Dub's buckets may be finer: hours
        /// are added up into days, days into weeks or months).
        case bucket(TimeBucket)
    }

    public var strategy: Strategy
    /// The aggregate query (its aggregation: keys, aggregates, HAVING, order, LIMIT).
    public var query: BoundQuery
    /// ``Strategy/analytics``: Dub's `groupBy`.
    public var groupBy: String?
    /// ``Strategy/analytics``: per group key, where its value is in a row.
    public var keys: [KeySource]
    /// ``Strategy/analytics``: per aggregate, the metric it is read from.
    public var metrics: [Metric]
    /// ``Strategy/analytics``: Dub's bucket size when `groupBy=timeseries`.
    public var granularity: TimeBucket?
    /// ``Strategy/analytics``: the plan's second request gives the totals the groups must add up to.
    public var checksTotal: Bool
    /// ``Strategy/events``: why `/analytics` would not give the query's answer.
    public var reasons: [String]
    /// The most events a `/events` fallback may fetch and aggregate.
    public var maxEvents: Int
    /// ``Strategy/analytics`` with ``checksTotal``: the `/events` plan used when the groups do not
    /// add up to the totals (zero or one plan).
    public var fallbacks: [APIPlan]
    /// The fallback reads each sale's type (`saleType` is a group key or an aggregate's argument).
    public var needsSaleTypes: Bool

    /// The `/events` plan of a checked `/analytics` plan.
    public var fallback: APIPlan? { fallbacks.first }
}

extension APIPlan {
    /// True for an aggregate plan whose requests go to `GET /analytics`.
    public var usesAnalytics: Bool { aggregate?.strategy == .analytics }
}

extension APIRequest {
    /// The full URL of a `GET /analytics` request: its parameters exactly, no paging (Dub has none there).
    public func analyticsURL(baseURL: String) -> String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        let query = DubAPI.query(params)
        return base + path + (query.isEmpty ? "" : "?" + query)
    }
}

// MARK: - Planner

/// Plans aggregate queries for Dub's API.
///
/// **Cost rule.** Exactness first, then the fewest requests. `/analytics` answers in one request
/// (two with the totals check), whatever the number of events, whereas `/events` needs a page per
/// 1,000 events. So an aggregate goes to `/analytics` whenever Dub's answer there *is* the
/// query's answer, and to `/events` only when it is not:
///
/// - an aggregate that is not one of Dub's metrics (`count()`, and on sales `sum(sale.amount)` and
///   `avg(sale.amount)`): `count(DISTINCT f)`, `count(f)`, `min`, `max`, other sums;
/// - group keys no single `groupBy` gives (several dimensions, a dimension with a time bucket,
///   `customer.country`, `metadata.*`, `saleType`, `tenantId` ...);
/// - a condition that does not become parameters exactly (a residual, a union of requests);
/// - a filter Dub ignores or mishandles for that `groupBy`: `region` with the dimension group-bys
///   (they return no rows), `query` with `top_domains` (ignored there), `customerId` on clicks
///   with it (ignored); then the next `groupBy` that gives the keys is tried (`top_links` rows
///   also carry `domain`, `folderId` and `partnerId`);
/// - a time series whose bucket is coarser than none of Dub's (`week`, from `month` buckets), or
///   over `all` (Dub starts that series at the workspace's creation);
///
/// Dub's answer can be short: it drops the keys `''` and `Unknown` (which DubQL groups), keeps at
/// most 5,000 groups and drops rows of deleted links. A grouped plan therefore also asks for the
/// totals (`groupBy=count`), and when the groups do not add up to them the client aggregates
/// `/events` instead ( ``AggregateAPIPlan/fallback``). HAVING, ORDER BY, LIMIT and OFFSET are
/// always applied locally to the complete groups, so Dub's own sort order never matters.
///
/// The `/events` fallback fetches at most ``defaultMaxEvents`` events unless the caller raises it
/// (`--max-events`, `DUBQL_MAX_EVENTS`); more is an error, never a truncated answer.
public enum AnalyticsPlanner {
    /// The default cap of events a `/events` fallback fetches.
    public static let defaultMaxEvents = 100_000
    /// The largest cap that may be asked for.
    public static let maximumMaxEvents = 10_000_000
    /// Dub keeps at most this many groups.
    public static let groupCap = 5000

    /// Plans an aggregate query (``BoundQuery/aggregation`` set).
    public static func plan(_ query: BoundQuery, pageSize: Int = APIPlanner.maximumPageSize,
                            maxEvents: Int = defaultMaxEvents) -> (plan: APIPlan?, diagnostics: [Diagnostic]) {
        guard let aggregation = query.aggregation else { return APIPlanner.plan(query, pageSize: pageSize) }
        let cap = max(1, min(maxEvents, maximumMaxEvents))
        if let bad = aggregation.keys.first(where: { isAPIOnlyKey($0) }) {
            return (nil, [.error(.notPlannable,
                                 "'\(bad.name)' cannot be a group key on Dub's API: /analytics counts a link under each of its \(bad.name == "tagId" ? "tags" : "groups") (group-bys of tag and group names), and the events /events returns do not carry it",
                                 at: bad.span ?? Span(at: 0))])
        }
        let needsSaleTypes = query.event == .sales && readsSaleType(aggregation)
        var listing = query
        listing.aggregation = nil
        listing.columns = readFields(aggregation, event: query.event, saleType: needsSaleTypes)
        listing.order = .descending
        listing.offset = 0
        listing.limit = cap + 1
        let (events, diagnostics) = APIPlanner.plan(listing, pageSize: pageSize)
        guard var events else { return (nil, diagnostics) }
        // Every page is read (to an empty page): the listing's row limit is only the cap's tripwire.
        events.notes = events.notes.filter { !$0.hasPrefix("pages of ") }
        if !events.requests.isEmpty {
            events.notes.append("pages of \(events.paging.limit) from page 1\(events.residual == nil ? "" : ", filtered locally,") until an empty page")
        }

        var eventsAggregate = AggregateAPIPlan(strategy: .events, query: query, groupBy: nil, keys: [], metrics: [],
                                               granularity: nil, checksTotal: false, reasons: [], maxEvents: cap,
                                               fallbacks: [], needsSaleTypes: needsSaleTypes)
        switch analytics(query, aggregation, events: events) {
        case .failure(let why):
            eventsAggregate.reasons = why.reasons
            events.aggregate = eventsAggregate
            return (events, diagnostics)
        case .success(let shape):
            var plan = events
            plan.requests = shape.requests
            plan.residual = nil
            plan.residualText = nil
            plan.notes = shape.notes
            plan.aggregate = AggregateAPIPlan(strategy: .analytics, query: query, groupBy: shape.groupBy, keys: shape.keys,
                                              metrics: shape.metrics, granularity: shape.granularity,
                                              checksTotal: shape.requests.count > 1, reasons: [], maxEvents: cap,
                                              fallbacks: [], needsSaleTypes: needsSaleTypes)
            if shape.requests.count > 1 {
                events.aggregate = eventsAggregate
                plan.aggregate?.fallbacks = [events]
            }
            return (plan, diagnostics)
        }
    }

    // MARK: - Can /analytics answer it?

    struct Shape {
        var groupBy: String
        var keys: [AggregateAPIPlan.KeySource]
        var metrics: [AggregateAPIPlan.Metric]
        var granularity: TimeBucket?
        var requests: [APIRequest]
        var notes: [String]
    }

    struct Refusal: Error {
        var reasons: [String]
    }

    /// One `groupBy` and what its rows carry: DubQL group key name to response field.
    struct GroupBySpec {
        var name: String
        /// `v4_group_by` (dimension keys) or the link-metadata pipe.
        var linkMetadata: Bool
        var fields: [String: AggregateAPIPlan.KeySource]
    }

    /// The group-bys, fewest fields first (the first that covers the keys is taken).
    static let groupBys: [GroupBySpec] = {
        func one(_ groupBy: String, _ key: String, _ field: String? = nil, linkMetadata: Bool = false) -> GroupBySpec {
            GroupBySpec(name: groupBy, linkMetadata: linkMetadata, fields: [key: .field(field ?? key)])
        }
        return [
            one("countries", "country"), one("continents", "continent"), one("devices", "device"),
            one("browsers", "browser"), one("os", "os"), one("triggers", "trigger"), one("referers", "referer"),
            one("referer_urls", "refererUrl"), one("top_base_urls", "url"),
            one("utm_sources", "utm_source"), one("utm_mediums", "utm_medium"), one("utm_campaigns", "utm_campaign"),
            one("utm_terms", "utm_term"), one("utm_contents", "utm_content"),
            one("top_domains", "domain", linkMetadata: true),
            GroupBySpec(name: "regions", linkMetadata: false, fields: ["country": .field("country"), "region": .field("region")]),
            // Its rows carry the link's folder and partner (null when it has none), so links without
            // one form DubQL's null group, which top_folders and top_partners drop.
            GroupBySpec(name: "top_links", linkMetadata: false,
                        fields: ["linkId": .field("id"), "link": .shortLink, "domain": .field("domain"),
                                 "folderId": .field("folderId"), "partnerId": .field("partnerId")]),
            GroupBySpec(name: "cities", linkMetadata: false,
                        fields: ["country": .field("country"), "region": .field("region"), "city": .field("city")]),
        ]
    }()

    /// Dub's metric field of `event`'s count.
    public static func countField(_ event: EventType) -> String {
        switch event {
        case .clicks: "clicks"
        case .leads: "leads"
        case .sales: "sales"
        }
    }

    static func analytics(_ query: BoundQuery, _ a: BoundAggregation, events: APIPlan) -> Result<Shape, Refusal> {
        var reasons: [String] = []
        if events.requests.isEmpty {
            return .failure(Refusal(reasons: []))
        }
        if events.requests.count > 1 {
            reasons.append("the condition becomes a union of \(events.requests.count) /events requests; /analytics takes one set of filters")
        }
        if let r = events.residualText {
            reasons.append("part of the condition is checked on the events (\(r)); /analytics cannot apply it")
        }
        var metrics: [AggregateAPIPlan.Metric] = []
        for aggregate in a.aggregates {
            switch (aggregate.function, aggregate.field) {
            case (.count, nil): metrics.append(.count)
            case (.sum, _) where aggregate.isMoney && query.event == .sales: metrics.append(.saleAmount)
            case (.avg, _) where aggregate.isMoney && query.event == .sales: metrics.append(.averageSaleAmount)
            default:
                reasons.append("\(aggregate.text) is not one of Dub's metrics (/analytics counts events and sums sale amounts)")
            }
        }
        // Time: what /events sends is what /analytics takes (same parameters, same rounding).
        let base = events.requests.first.map { $0.params.filter { !["page", "limit", "sortOrder"].contains($0.name) } } ?? []
        var sentParams = Set(base.map(\.name))
        sentParams.remove("event")

        var groupBy = "count"
        var keys: [AggregateAPIPlan.KeySource] = []
        var granularity: TimeBucket?
        if a.isTimeSeries, case .bucket(let bucket)? = a.keys.first?.kind {
            groupBy = "timeseries"
            switch dubGranularity(query, base: base, fillEnd: a.fill?.end) {
            case .failure(let why): reasons.append(why.reasons[0])
            case .success(let g):
                granularity = g
                if !finer(g, than: bucket) {
                    reasons.append("Dub's time series of this range has \(g.rawValue) buckets, which do not add up to \(bucket.rawValue) buckets")
                }
            }
            keys = [.bucket(bucket)]
        } else if !a.keys.isEmpty {
            var names: [String] = []
            for k in a.keys {
                switch k.kind {
                case .link: names.append("link")
                case .field(.catalog(let n)): names.append(n)
                case .field(let other): names.append(other.description)
                case .bucket(let b): names.append(b.rawValue)
                }
            }
            let wanted = Set(names)
            let candidates = groupBys.filter { spec in wanted.isSubset(of: Set(spec.fields.keys)) }
            if candidates.isEmpty {
                if a.keys.contains(where: { if case .bucket = $0.kind { true } else { false } }) {
                    reasons.append("/analytics groups by time (groupBy=timeseries) or by a dimension, not both")
                } else if a.keys.count > 1 {
                    reasons.append("no groupBy of /analytics gives \(names.joined(separator: ", ")) together")
                } else {
                    reasons.append("/analytics has no groupBy for \(names[0])")
                }
            } else {
                var refusals: [String] = []
                var chosen: GroupBySpec?
                for spec in candidates {
                    if let why = quirk(spec, params: sentParams, event: query.event) { refusals.append(why) } else { chosen = spec; break }
                }
                if let spec = chosen {
                    groupBy = spec.name
                    keys = names.map { spec.fields[$0] ?? .field($0) }
                } else {
                    reasons += refusals
                }
            }
        }
        if query.event == .clicks, sentParams.contains("query") {
            reasons.append("Dub ignores or fails on metadata filters (query) for clicks")
        }
        guard reasons.isEmpty else { return .failure(Refusal(reasons: reasons)) }

        var notes: [String] = []
        func request(_ groupBy: String) -> APIRequest {
            var params = base
            params.insert(APIParameter("groupBy", groupBy), at: min(1, params.count))
            // Dub answers groupBy=count for one link over interval=all from its link counters,
            // which ignore a negated linkId and customerId: a start date avoids that path.
            if groupBy == "count", let i = params.firstIndex(where: { $0.name == "interval" && $0.value == "all" }),
               params.contains(where: { ["linkId", "key", "externalId"].contains($0.name) }) {
                params[i] = APIParameter("start", APIPlanner.formatInstant(Catalog.earliestInstant))
                if !notes.contains(fastPathNote) { notes.append(fastPathNote) }
            }
            return APIRequest(path: "/analytics", params: params)
        }
        var requests = [request(groupBy)]
        let grouped = groupBy != "count" && groupBy != "timeseries"
        if grouped {
            requests.append(request("count"))
            notes.append("the groups must add up to the totals of groupBy=count (Dub drops the keys '' and Unknown, keeps at most "
                         + "\(groupCap) groups and drops rows of deleted links); when they do not, the answer is aggregated from "
                         + "GET /events (at most \(events.paging.takeRows - 1) events)")
        }
        if groupBy == "timeseries", let g = granularity, case .bucket(let b)? = keys.first, g != b {
            notes.append("Dub's \(g.rawValue) buckets are added up into \(b.rawValue) buckets in \(query.timeZone)")
        }
        if groupBy == "timeseries" {
            notes.append("Dub counts a time series with ClickHouse's uniq(), exact below 65,536 events per bucket")
        }
        if a.having != nil || a.limit != nil || a.offset > 0 || grouped {
            notes.append("HAVING, ORDER BY and LIMIT are applied to the complete groups")
        }
        return .success(Shape(groupBy: groupBy, keys: keys, metrics: metrics, granularity: granularity, requests: requests, notes: notes))
    }

    static let fastPathNote = "interval=all sent as start=2022-09-22 with one link: Dub answers that from its link counters otherwise"

    /// The reason `spec` gives a wrong answer with these filters, or `nil`.
    static func quirk(_ spec: GroupBySpec, params: Set<String>, event: EventType) -> String? {
        if !spec.linkMetadata, params.contains("region") {
            return "Dub's groupBy=\(spec.name) returns no rows when region is sent (its v4_group_by pipe compares region with the country-region key)"
        }
        if spec.linkMetadata, params.contains("query") {
            return "Dub's groupBy=\(spec.name) ignores the metadata filter (query)"
        }
        if spec.linkMetadata, event == .clicks, params.contains("customerId") {
            return "Dub's groupBy=\(spec.name) ignores customerId for clicks"
        }
        return nil
    }

    /// Dub's bucket size for `groupBy=timeseries` with these time parameters (dub-analytics.md §1.5).
    static func dubGranularity(_ query: BoundQuery, base: [APIParameter], fillEnd: Int64?) -> Result<TimeBucket, Refusal> {
        func value(_ n: String) -> String? { base.first { $0.name == n }?.value }
        if let interval = value("interval") {
            switch interval {
            case "24h": return .success(.hour)
            case "7d", "30d", "90d", "mtd", "qtd": return .success(.day)
            case "1y", "ytd": return .success(.month)
            default:
                return .failure(Refusal(reasons: ["Dub starts a time series over interval=all at the workspace's creation, not at the first event"]))
            }
        }
        guard let s = value("start").flatMap(ISOInstant.parse) else {
            return .failure(Refusal(reasons: ["the time range has no start /analytics takes"]))
        }
        let calendar = ZonedCalendar(identifier: query.timeZone) ?? .utc
        let end = value("end").flatMap(ISOInstant.parse) ?? fillEnd ?? s
        let days = (calendar.endOfDay(end) - calendar.startOfDay(s)) / 86_400_000
        if days <= 2 { return .success(.hour) }
        if days > 180 { return .success(.month) }
        return .success(.day)
    }

    /// True when buckets of `g` add up exactly into buckets of `b`.
    static func finer(_ g: TimeBucket, than b: TimeBucket) -> Bool {
        switch (g, b) {
        case (.hour, _): true
        case (.day, .day), (.day, .week), (.day, .month): true
        case (.month, .month): true
        default: false
        }
    }

    // MARK: - Fields

    /// Group keys exported events lack and `/analytics` counts differently (a link under each tag).
    static func isAPIOnlyKey(_ key: BoundGroupKey) -> Bool {
        guard case .field(.catalog(let name)) = key.kind else { return false }
        return name == "tagId" || name == "groupId"
    }

    static func readsSaleType(_ a: BoundAggregation) -> Bool {
        a.keys.contains { $0.kind == .field(.catalog("saleType")) } || a.aggregates.contains { $0.field == .catalog("saleType") }
    }

    /// The fields the aggregation reads from each event, as the listing's columns (so that sale
    /// types are learnt only when they are read).
    static func readFields(_ a: BoundAggregation, event: EventType, saleType: Bool) -> [BoundColumn] {
        var columns: [BoundColumn] = [BoundColumn(name: "timestamp", field: .catalog("timestamp"))]
        func add(_ f: FieldRef) {
            guard event != .sales || f != .catalog("saleType") || saleType else { return }
            if !columns.contains(where: { $0.field == f }) { columns.append(BoundColumn(name: f.description, field: f)) }
        }
        for k in a.keys {
            switch k.kind {
            case .field(let f): add(f)
            case .link:
                add(.catalog("domain"))
                add(.catalog("key"))
            case .bucket: break
            }
        }
        for g in a.aggregates { if let f = g.field { add(f) } }
        return columns
    }
}

// MARK: - Combining answers

extension AggregateAPIPlan {
    /// The query's result from the `/analytics` answers: `rows` of the groups request (the count
    /// object as one row) and, with ``checksTotal``, the totals object. `nil` when the groups do
    /// not add up to the totals (Dub left some out): the caller aggregates ``fallback`` instead.
    public func result(rows: [[String: JSONValue]], totals: [String: JSONValue]?) -> AggregateResult? {
        guard let aggregation = query.aggregation else { return nil }
        let calendar = ZonedCalendar(identifier: query.timeZone) ?? .utc
        let countKey = AnalyticsPlanner.countField(query.event)
        func number(_ row: [String: JSONValue], _ name: String) -> Int64 {
            if case .number(let d)? = row[name] { return Int64(d.rounded()) }
            return 0
        }
        var index: [[AggregateValue]: Int] = [:]
        var groupKeys: [[AggregateValue]] = []
        var sums: [(count: Int64, amount: Int64)] = []
        if aggregation.keys.isEmpty {
            index[[]] = 0
            groupKeys.append([])
            sums.append((0, 0))
        }
        var total: (count: Int64, amount: Int64) = (0, 0)
        var span: (Int64, Int64)?
        for row in rows {
            let count = number(row, countKey), amount = query.event == .sales ? number(row, "saleAmount") : 0
            total.count += count
            total.amount += amount
            if !aggregation.keys.isEmpty && count == 0 && amount == 0 { continue }
            var key: [AggregateValue] = []
            for source in keys {
                switch source {
                case .field(let name):
                    if case .string(let s)? = row[name] { key.append(.text(s)) } else { key.append(.null) }
                case .shortLink:
                    if case .string(let d)? = row["domain"], case .string(let k)? = row["key"] {
                        key.append(.text(Evaluator.shortLink(domain: d, key: k)))
                    } else {
                        key.append(.null)
                    }
                case .bucket(let b):
                    guard case .string(let s)? = row["start"], let instant = ISOInstant.parse(s) else { return nil }
                    let start = TimeBuckets.start(b, of: instant, in: calendar)
                    key.append(.instant(start))
                    span = (min(span?.0 ?? start, start), max(span?.1 ?? start, start))
                }
            }
            let g: Int
            if let i = index[key] {
                g = i
            } else {
                g = groupKeys.count
                index[key] = g
                groupKeys.append(key)
                sums.append((0, 0))
            }
            sums[g].count += count
            sums[g].amount += amount
        }
        if checksTotal {
            guard let totals else { return nil }
            if total.count != number(totals, countKey) { return nil }
            if query.event == .sales, total.amount != number(totals, "saleAmount") { return nil }
        }
        let groups = zip(groupKeys, sums).map { key, s in
            key + metrics.map { metric -> AggregateValue in
                switch metric {
                case .count: return .integer(s.count)
                case .saleAmount: return .integer(s.amount)
                case .averageSaleAmount: return s.count == 0 ? .null : .number(Double(s.amount) / Double(s.count))
                }
            }
        }
        return Evaluator.finish(groups, aggregation, calendar: calendar, eventSpan: span, timeZone: query.timeZone)
    }

    /// The query's result from the events a `/events` plan fetched (already filtered exactly).
    public func result<E: EventRecord>(events: [E]) -> AggregateResult {
        var q = query
        // The fetched events are the selected ones: the condition was applied by the API and the
        // residual (and saleType comes from the API, not from the page).
        q.condition = nil
        return Evaluator.aggregate(q, from: events)
    }
}
