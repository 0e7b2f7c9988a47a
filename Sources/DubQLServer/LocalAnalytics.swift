// Answers `GET /analytics` from loaded events as Dub's server would (reference dub-analytics.md §1):
// the request model (`AnalyticsModel`) decides which events each leg counts, quirks included; the
// engine's aggregator (`Executor.aggregate`) groups and counts them; this file adds what the pipes
// do around it: excluded keys, the 5,000-group cap, the composite joins, the sort orders and the
// response shapes with all four metrics on every row.

import DubQL
import DubQLAPIModel
import DubQLEngine
import Foundation

// MARK: - Link facts

/// What Dub reads from MySQL and the local server takes from the newest exported event of a link:
/// its `link` object (the `top_links` rows, the `Link` counters of the fast path).
struct LinkDirectory: Sendable {
    /// The newest row of every link id.
    let newest: [String: Int]
    /// The earliest event of the data: stands for `workspace.createdAt` (§1.5, `interval=all`).
    let firstTimestamp: Int64?

    init(store: EventStore) {
        var newest: [String: Int] = [:]
        var first: Int64?
        for row in 0..<store.count {
            let ts = store.timestamps[row]
            if first.map({ ts < $0 }) ?? true { first = ts }
            guard let id = store.string(.linkID, row), !id.isEmpty else { continue }
            if let old = newest[id], store.timestamps[old] > ts { continue }
            newest[id] = row
        }
        self.newest = newest
        self.firstTimestamp = first
    }
}

// MARK: - Metrics

/// The four metrics of every row (§1.3): the ones a leg did not compute stay 0.
struct Metrics {
    var clicks: Int64 = 0
    var leads: Int64 = 0
    var sales: Int64 = 0
    var saleAmount: Int64 = 0

    mutating func add(_ event: EventType, count: Int64, amount: Int64) {
        switch event {
        case .clicks: clicks += count
        case .leads: leads += count
        case .sales:
            sales += count
            saleAmount += amount
        }
    }

    func appendJSON(to out: inout String) {
        out += "\"clicks\":\(clicks),\"leads\":\(leads),\"sales\":\(sales),\"saleAmount\":\(saleAmount)"
    }
}

/// One group of a leg: its key values (as the groupBy's key fields) and metrics.
struct AnalyticsGroup {
    var key: [AggregateValue]
    var metrics: Metrics
}

// MARK: - The endpoint

extension LocalEventsSource {
    /// The body of `GET /analytics` for `params` at the server's clock, or Dub's error.
    public func analytics(_ params: [String: String], nowMillis: Int64) -> Result<[UInt8], DubErrorResponse> {
        let request: AnalyticsRequest
        do {
            request = try AnalyticsModel.parse(params, now: nowMillis, dataAvailableFrom: links.firstTimestamp ?? nowMillis)
        } catch {
            let code = DubErrorResponse.Code(rawValue: error.code) ?? .unprocessableEntity
            return .failure(DubErrorResponse(code, error.message))
        }
        if let failure = RequestLimits.check(params) { return .failure(failure) }
        if let failure = lookUpLink(request.linkLookup) { return .failure(failure) }
        switch request.answer {
        case .empty:
            return .success(Array("[]".utf8))
        case .internalError:
            return .failure(.internalError)
        case .linkCounters(let ids, let lookup):
            return .success(Array(linkCounters(ids, lookup, request.event).utf8))
        case .aggregate(let legs):
            return body(request, legs)
        }
    }

    private func body(_ request: AnalyticsRequest, _ legs: [APIQuery]) -> Result<[UInt8], DubErrorResponse> {
        let shape = AnalyticsShape(request.groupBy)
        let calendar = ZonedCalendar(identifier: request.timeZone) ?? .utc
        if request.groupBy == .count {
            var metrics = Metrics()
            for leg in legs {
                for g in aggregate(leg, keys: [], fill: nil) { metrics.add(leg.event, count: g.metrics.count, amount: g.metrics.amount) }
            }
            var out = "{"
            metrics.appendJSON(to: &out)
            return .success(Array((out + "}").utf8))
        }
        var rows: [AnalyticsGroup]
        if request.groupBy == .timeseries {
            // v4_timeseries: every bucket from the range's first to its last, zero-filled, ascending;
            // the leads and sales series LEFT JOINed onto the clicks series by bucket; no cap.
            let fill = BucketFill(bucket: request.bucket, start: request.start, end: request.end)
            let key = BoundGroupKey(name: request.bucket.rawValue, kind: .bucket(request.bucket), type: .instant)
            rows = join(legs.map { leg in (leg.event, aggregate(leg, keys: [key], fill: fill)) }, limit: nil, excluding: { _ in false })
            rows.sort { AggregateValue.compare($0.key[0], $1.key[0]) < 0 }
        } else {
            // Each leg: grouped, keys '' and 'Unknown' left out (the link-metadata pipe drops empty
            // attributes), ordered by its metric, cut at 5,000 groups (§1.6: `LIMIT 5000` in every
            // event node). Composite LEFT JOINs leads and sales onto the clicks groups (§1.3), so a
            // group without clicks in the range is dropped.
            let keys = shape.keys
            let excluded: (AggregateValue) -> Bool = request.groupBy.pipe == .linkMetadata
                ? { $0.isEmpty }
                : { $0.isEmpty || $0 == .text("Unknown") }
            rows = join(legs.map { leg in (leg.event, aggregate(leg, keys: keys, fill: nil)) }, limit: 5000,
                        excluding: { excluded($0[0]) })
            // §1.6 sort orders: clicks DESC (clicks, composite), leads DESC, saleAmount DESC (sales,
            // and composite in the link-metadata pipe). Ties have no order in Dub; here the key
            // ascending, so answers are reproducible.
            let byAmount = request.event == .sales || (request.event == .composite && request.groupBy.pipe == .linkMetadata)
            let metric: (Metrics) -> Int64 = byAmount ? { $0.saleAmount } : (request.event == .leads ? { $0.leads } : { $0.clicks })
            rows = stableSorted(rows, by: metric)
        }
        var out = "["
        for (i, row) in rows.enumerated() {
            if i > 0 { out += "," }
            out += "{"
            switch shape.write(row.key, links: links, store: store, bucket: request.bucket, calendar: calendar, to: &out) {
            case .success: break
            case .failure(let failure): return .failure(failure)
            }
            row.metrics.appendJSON(to: &out)
            out += "}"
        }
        return .success(Array((out + "]").utf8))
    }

    /// Groups sorted by `metric` descending, ties by key ascending.
    private func stableSorted(_ rows: [AnalyticsGroup], by metric: (Metrics) -> Int64) -> [AnalyticsGroup] {
        rows.enumerated().sorted { a, b in
            let x = metric(a.element.metrics), y = metric(b.element.metrics)
            return x != y ? x > y : a.offset < b.offset
        }.map(\.element)
    }

    /// Composes the legs: each leg's groups sorted by its own metric and cut at `limit`; the first
    /// leg's groups are the rows, the other legs' metrics LEFT JOINed onto them by key.
    private func join(_ legs: [(EventType, [LegGroup])], limit: Int?, excluding: ([AggregateValue]) -> Bool) -> [AnalyticsGroup] {
        var rows: [AnalyticsGroup] = []
        var index: [[AggregateValue]: Int] = [:]
        for (n, (event, groups)) in legs.enumerated() {
            let kept = groups.filter { !excluding($0.key) }.prefix(limit ?? Int.max)
            for g in kept {
                if n == 0 {
                    index[g.key] = rows.count
                    var m = Metrics()
                    m.add(event, count: g.metrics.count, amount: g.metrics.amount)
                    rows.append(AnalyticsGroup(key: g.key, metrics: m))
                } else if let i = index[g.key] {
                    rows[i].metrics.add(event, count: g.metrics.count, amount: g.metrics.amount)
                }
            }
        }
        return rows
    }

    /// One leg through the engine: the events the leg's ``APIQuery`` selects (Dub's filter
    /// semantics, compiled once per request), grouped by `keys`, counted (and, for sales, their
    /// amounts summed in cents), ordered by the leg's own metric descending then keys ascending.
    func aggregate(_ leg: APIQuery, keys: [BoundGroupKey], fill: BucketFill?) -> [LegGroup] {
        var selection = leg
        // Clicks with `customerId`: Dub counts the clicks whose click id is in that customer's
        // leads (§1.2); exported clicks have no customer, so the leads say which.
        var clickIDs: Set<String>?
        if leg.event == .clicks, let customer = leg.customerId {
            selection.customerId = nil
            clickIDs = clicks(ofCustomer: customer)
        }
        let compiled = CompiledRows(CompiledQuery(selection, store: store))
        var aggregates = [BoundAggregate(function: .count, field: nil, text: "count()", type: .integer)]
        if leg.event == .sales {
            aggregates.append(BoundAggregate(function: .sum, field: .catalog("sale.amount"), isMoney: true,
                                             text: "sum(sale.amount)", type: .money))
        }
        let metric = AggregateColumnSource.aggregate(leg.event == .sales ? 1 : 0)
        let order = fill != nil
            ? [AggregateSortKey(source: .key(0), direction: .ascending)]
            : [AggregateSortKey(source: metric, direction: .descending)]
                + keys.indices.map { AggregateSortKey(source: .key($0), direction: .ascending) }
        let columns = keys.enumerated().map { BoundOutputColumn(name: $1.name, source: .key($0), type: $1.type) }
            + aggregates.enumerated().map { BoundOutputColumn(name: $1.text, source: .aggregate($0), type: $1.type) }
        let aggregation = BoundAggregation(keys: keys, aggregates: aggregates, columns: columns, order: order, fill: fill)
        let plan = LocalPlan(event: leg.event, filter: nil, time: TimeRange(start: leg.start, end: leg.end),
                             timeZone: leg.timeZone, order: .ascending, offset: 0, limit: Int.max, columns: [],
                             isEmpty: compiled.matchesNothing, aggregation: aggregation)
        let store = self.store
        let result = Executor.aggregate(plan, on: store, rowFilter: { row in
            if let clickIDs, !clickIDs.contains(store.string(.clickID, row) ?? "") { return false }
            return compiled.matches(row)
        })
        let k = keys.count
        return result.rows.map { row in
            var count: Int64 = 0, amount: Int64 = 0
            if case .integer(let c) = row[k] { count = c }
            if row.count > k + 1, case .integer(let a) = row[k + 1] { amount = a }
            return LegGroup(key: Array(row[0..<k]), metrics: (count, amount))
        }
    }

    /// The click ids of a customer's leads.
    private func clicks(ofCustomer customer: String) -> Set<String> {
        var ids = Set<String>()
        for row in store.rowsInOrder(of: .leads) where store.string(.customerID, Int(row)) == customer {
            if let id = store.string(.clickID, Int(row)) { ids.insert(id) }
        }
        return ids
    }

    /// §1.7 MySQL fast path: `SUM` of the `Link` counters of the links (`linkId` negation ignored,
    /// `customerId` ignored), here the counters of each link's newest exported `link` object.
    /// Only the requested event's metrics are read; the rest are zod's defaults, 0.
    private func linkCounters(_ ids: [String], _ lookup: APILinkLookup?, _ event: AnalyticsEvent) -> String {
        var rows: [Int] = []
        for id in Set(ids) { if let r = links.newest[id] { rows.append(r) } }
        if let lookup {
            for (_, r) in links.newest where Self.isLink(r, lookup, store) { rows.append(r) }
        }
        var m = Metrics()
        func counter(_ row: Int, _ name: String) -> Int64 {
            if case .number(let n)? = store.json(at: ["link", name], row: row), n.isFinite, n.magnitude < 9e15 { return Int64(n) }
            return 0
        }
        for r in rows {
            if event == .clicks || event == .composite { m.clicks += counter(r, "clicks") }
            if event == .leads || event == .composite { m.leads += counter(r, "leads") }
            if event == .sales || event == .composite {
                m.sales += counter(r, "sales")
                m.saleAmount += counter(r, "saleAmount")
            }
        }
        var out = "{"
        m.appendJSON(to: &out)
        return out + "}"
    }

    private static func isLink(_ row: Int, _ lookup: APILinkLookup, _ store: EventStore) -> Bool {
        switch lookup {
        case .externalId(let id): store.string(.externalID, row) == id
        case .rawLinkId(let id): store.string(.linkID, row) == id
        case .domainKey(let d, let k): store.string(.domain, row) == d && store.string(.key, row) == k
        }
    }
}

/// A leg's group before composition: key values, event count and amount in cents.
struct LegGroup {
    var key: [AggregateValue]
    var metrics: (count: Int64, amount: Int64)
}

/// ``CompiledQuery`` behind a reference, for the engine's row filter (one request, one thread).
final class CompiledRows {
    private var query: CompiledQuery
    let matchesNothing: Bool
    init(_ query: CompiledQuery) {
        self.query = query
        self.matchesNothing = query.matchesNothing
    }
    func matches(_ row: Int) -> Bool { query.matches(row) }
}

// MARK: - Response shapes

/// The key fields of a groupBy's rows (§1.4) and how they are written.
struct AnalyticsShape {
    let groupBy: AnalyticsGroupBy

    init(_ groupBy: AnalyticsGroupBy) { self.groupBy = groupBy }

    private static func key(_ name: String, _ ref: FieldRef) -> BoundGroupKey {
        BoundGroupKey(name: name, kind: .field(ref), type: .text)
    }

    /// The group keys; the first is the one Dub excludes when `''` or `'Unknown'`.
    var keys: [BoundGroupKey] {
        switch groupBy {
        case .continents: [Self.key("continent", .catalog("continent"))]
        case .countries: [Self.key("country", .catalog("country"))]
        // `concat(country,'-',region)`: exported events hold it already (`region_processed`).
        case .regions: [Self.key("region", .catalog("region")), Self.key("country", .catalog("country"))]
        case .cities: [Self.key("city", .catalog("city")), Self.key("country", .catalog("country")),
                       Self.key("region", .catalog("region"))]
        case .devices: [Self.key("device", .catalog("device"))]
        case .browsers: [Self.key("browser", .catalog("browser"))]
        case .os: [Self.key("os", .catalog("os"))]
        case .trigger, .triggers: [Self.key("trigger", .catalog("trigger"))]
        case .referers: [Self.key("referer", .catalog("referer"))]
        case .refererUrls: [Self.key("refererUrl", .catalog("refererUrl"))]  // without its query string
        case .topLinks: [Self.key("id", .catalog("linkId"))]
        case .topUrls: [Self.key("url", .json(["click", "url"]))]  // the full URL
        case .topBaseUrls: [Self.key("url", .catalog("url"))]  // without its query string
        case .utmSources: [Self.key("utm_source", .catalog("utm_source"))]
        case .utmMediums: [Self.key("utm_medium", .catalog("utm_medium"))]
        case .utmCampaigns: [Self.key("utm_campaign", .catalog("utm_campaign"))]
        case .utmTerms: [Self.key("utm_term", .catalog("utm_term"))]
        case .utmContents: [Self.key("utm_content", .catalog("utm_content"))]
        case .topDomains: [Self.key("domain", .catalog("domain"))]
        case .count, .timeseries, .topFolders, .topLinkTags, .topPartners, .topGroups, .topPartnerTags: []
        }
    }

    static let continents: Set<String> = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"]
    static let triggers: Set<String> = ["qr", "link", "pageview", "deeplink"]

    /// Appends the key fields of a row and a trailing comma. A value Dub's response schema
    /// refuses (a zod enum) makes Dub answer 500, and so does the local server.
    func write(_ key: [AggregateValue], links: LinkDirectory, store: EventStore, bucket: TimeBucket,
               calendar: ZonedCalendar, to out: inout String) -> Result<Void, DubErrorResponse> {
        func text(_ v: AggregateValue) -> String {
            if case .text(let s) = v { return s }
            return v == .null ? "" : v.description
        }
        func field(_ name: String, _ value: String) {
            out += JSONText.string(name) + ":" + JSONText.string(value) + ","
        }
        switch groupBy {
        case .timeseries:
            if case .instant(let ms) = key[0] { field("start", AnalyticsModel.bucketLabel(ms, bucket: bucket, calendar: calendar)) }
        case .continents:
            guard Self.continents.contains(text(key[0])) else { return .failure(.internalError) }
            field("continent", text(key[0]))
        case .countries:
            field("country", text(key[0])); field("region", "*"); field("city", "*")
        case .regions:
            field("country", text(key[1])); field("region", text(key[0])); field("city", "*")
        case .cities:
            field("country", text(key[1])); field("region", text(key[2])); field("city", text(key[0]))
        case .trigger, .triggers:
            guard Self.triggers.contains(text(key[0])) else { return .failure(.internalError) }
            field("trigger", text(key[0]))
        case .topLinks:
            let id = text(key[0])
            field("link", id)
            field("id", id)
            let row = links.newest[id]
            for name in ["domain", "key", "shortLink", "url", "title", "comments", "folderId", "partnerId", "createdAt"] {
                out += JSONText.string(name) + ":"
                if let row, let value = store.json(at: ["link", name], row: row) {
                    JSONWriter.write(value, to: &out)
                } else {
                    out += "null"
                }
                out += ","
            }
        default:
            field(keys[0].name, text(key[0]))
        }
        return .success(())
    }
}
