// A model of what Dub's server does with the query parameters of `GET /analytics` (reference
// dub-analytics.md §1): validation with Dub's messages, the pipe each `groupBy` runs on, the time
// range and bucket size, and every documented quirk (§1.7) that changes which events are counted:
// filters a pipe ignores, the `region` bug, `query` on clicks, the MySQL fast path. The selection
// of each event type ("leg") is an ``APIQuery``, so it means what `/events` means.

import DubQLSyntax
import Foundation

// MARK: - Event and groupBy

/// `event` of `/analytics`: the three event types, or all of them at once.
public enum AnalyticsEvent: String, CaseIterable, Hashable, Sendable {
    case clicks, leads, sales, composite

    /// The event types whose metrics the answer carries.
    public var legs: [EventType] {
        switch self {
        case .clicks: [.clicks]
        case .leads: [.leads]
        case .sales: [.sales]
        case .composite: [.clicks, .leads, .sales]
        }
    }
}

/// The Tinybird pipe that answers a `groupBy` (§1.4); the quirks of §1.7 differ per pipe.
public enum AnalyticsPipe: String, Hashable, Sendable {
    case count, timeseries
    /// `v4_group_by`: dimension group-bys.
    case groupBy
    /// `v4_group_by_link_metadata`: group-bys on link attributes.
    case linkMetadata
}

/// `groupBy` of `/analytics`: Dub's `VALID_ANALYTICS_ENDPOINTS` (27 values, `trigger` a deprecated
/// alias of `triggers`), in Dub's order.
public enum AnalyticsGroupBy: String, CaseIterable, Hashable, Sendable {
    case count, timeseries, continents, regions, countries, cities, devices, browsers, os, trigger, triggers
    case referers, refererUrls = "referer_urls", topFolders = "top_folders", topLinkTags = "top_link_tags"
    case topDomains = "top_domains", topLinks = "top_links", topUrls = "top_urls", topBaseUrls = "top_base_urls"
    case topPartners = "top_partners", topGroups = "top_groups", topPartnerTags = "top_partner_tags"
    case utmSources = "utm_sources", utmMediums = "utm_mediums", utmCampaigns = "utm_campaigns"
    case utmTerms = "utm_terms", utmContents = "utm_contents"

    public var pipe: AnalyticsPipe {
        switch self {
        case .count: .count
        case .timeseries: .timeseries
        case .topFolders, .topLinkTags, .topDomains, .topPartners, .topGroups, .topPartnerTags: .linkMetadata
        default: .groupBy
        }
    }

    /// Why exported events cannot answer it (the rows need names from Dub's database), or `nil`.
    public var missingFromExports: String? {
        switch self {
        case .topFolders: "folder names and access levels"
        case .topLinkTags: "the tags of each link (exported links carry no tag ids) and tag names and colours"
        case .topPartners: "partner names, emails, images and countries"
        case .topGroups: "partner group names, slugs and colours"
        case .topPartnerTags: "the partner tags of each link and their names"
        default: nil
        }
    }

    /// `Invalid type value. Valid values are: …` lists every value but the deprecated `trigger`.
    static let validValuesMessage =
        "Invalid type value. Valid values are: \(allCases.filter { $0 != .trigger }.map(\.rawValue).joined(separator: ", "))."
}

// MARK: - The request as Dub understands it

/// One `GET /analytics` request after Dub's validation, with the quirks of its pipe applied.
public struct AnalyticsRequest: Hashable, Sendable {
    /// What the server computes.
    public enum Answer: Hashable, Sendable {
        /// Aggregate the events each leg selects (one ``APIQuery`` per event type of ``event``).
        case aggregate([APIQuery])
        /// `[]` whatever the data: `region=CC-SUB` with a `v4_group_by` groupBy (§1.7 region bug).
        case empty
        /// Dub answers 500: `query` with clicks on `v4_group_by` is a ClickHouse error (§1.7).
        case internalError
        /// The MySQL fast path (§1.7): the `Link` counters of these links, not the events.
        /// `linkIds` are the `linkId` values with any negation ignored (as Dub does); a looked-up
        /// link is in the legs' ``APIQuery/linkLookup`` instead.
        case linkCounters(linkIds: [String], lookup: APILinkLookup?)
    }

    public var event: AnalyticsEvent
    public var groupBy: AnalyticsGroupBy
    public var answer: Answer
    /// Inclusive range in epoch ms (the same for every leg).
    public var start: Int64
    public var end: Int64
    /// After `sanitizeTimezone`.
    public var timeZone: String
    /// For `timeseries`: the granularity Dub derives from the range (§1.5).
    public var bucket: TimeBucket
    /// The single link Dub resolves first (404 when it does not exist).
    public var linkLookup: APILinkLookup?
}

// MARK: - Parsing

/// Dub's server semantics of `GET /analytics` parameters.
public enum AnalyticsModel {
    /// Parameters `/events` has and `/analytics` does not: zod strips unknown keys, so they are
    /// ignored, never validated (§1.2).
    static let strippedParameters = ["page", "limit", "sortBy", "sortOrder", "order"]

    /// Event-level parameters that keep Dub off the MySQL fast path (`DIMENSIONAL_ANALYTICS_FILTERS`).
    static let dimensionalFilters = APIQuery.eventLevelFilters + ["region", "saleType", "qr", "query"]

    /// Parses and validates parameters as Dub does. `now` is the server's clock; `dataAvailableFrom`
    /// stands for `program.startedAt ?? workspace.createdAt`, where `interval=all` time series start.
    /// Repeated keys must already be reduced to their last value.
    public static func parse(_ raw: [String: String], now: Int64, dataAvailableFrom: Int64) throws(APIModelError) -> AnalyticsRequest {
        var params = raw
        for name in strippedParameters { params[name] = nil }
        // zod reports the first issue in schema order: event, then groupBy, then the rest.
        var event = AnalyticsEvent.clicks
        if let e = params["event"] {
            guard let v = AnalyticsEvent(rawValue: e) else {
                throw .zod("invalid_value", "event", "Invalid event type. Valid event types are: clicks, leads, sales")
            }
            event = v
        }
        var groupBy = AnalyticsGroupBy.count
        if let g = params["groupBy"] {
            guard let v = AnalyticsGroupBy(rawValue: g) else {
                throw .zod("invalid_value", "groupBy", AnalyticsGroupBy.validValuesMessage)
            }
            groupBy = v
        }
        params["groupBy"] = nil
        // parseAnalyticsQuery copies the deprecated `tagIds` into `tagId` when `tagId` is absent.
        if APIFilter.parse(params["tagId"] ?? "") == nil, let tags = params["tagIds"] { params["tagId"] = tags }

        // Each leg is the `/events` selection of its event type: the same validation, filters,
        // link lookup and day-rounded range. `query` is dropped for clicks and `saleType` applies
        // to sales only, in every pipe (§1.3, "saleType and query apply per leg").
        var legs: [APIQuery] = []
        for leg in event.legs {
            var p = params
            p["event"] = leg.rawValue
            legs.append(try APIModel.parse(p, now: now, eventsPipe: false))
        }
        if let reason = groupBy.missingFromExports {
            throw APIModelError(message: "groupBy=\(groupBy.rawValue) needs \(reason) from Dub's database, which exported "
                                + "events do not carry: the local server cannot answer it.")
        }
        var first = legs[0]
        let calendar = ZonedCalendar(identifier: first.timeZone) ?? .utc

        // Time. `interval=all` time series take the start path from `dataAvailableFrom`, and
        // there `end` is honoured (§1.2, §1.5).
        let interval = params["interval"] ?? "30d"
        let hasStart = params["start"] != nil
        if groupBy == .timeseries, !hasStart, interval == "all" {
            var endInput = now
            if let s = params["end"], let v = APIModel.parseDate(s, now: now) { endInput = v }
            var s = calendar.startOfDay(dataAvailableFrom), e = calendar.endOfDay(endInput)
            if s > e { swap(&s, &e) }
            for i in legs.indices { legs[i].start = s; legs[i].end = e }
            first = legs[0]
        }
        let bucket: TimeBucket
        if hasStart || (groupBy == .timeseries && interval == "all") {
            // date-fns `differenceInDays(end, start)` on a UTC server: whole 24-hour days.
            let days = (first.end - first.start) / 86_400_000
            bucket = days <= 2 ? .hour : (days > 180 ? .month : .day)
        } else {
            switch interval {
            case "24h": bucket = .hour
            case "1y", "ytd", "all": bucket = .month
            default: bucket = .day
            }
        }

        let lookup = first.linkLookup
        var answer = AnalyticsRequest.Answer.aggregate(legs)
        // §1.7 MySQL fast path: linkId (given or looked up) + count + interval=all, no start/end,
        // no dimensional filter: the Link table's counters answer, whatever the events say.
        let hasLink = first.filters["linkId"] != nil || lookup != nil
        let dimensional = dimensionalFilters.contains { name in
            guard let v = params[name] else { return false }
            switch name {
            case "qr": return v == "true"
            case "region", "saleType", "query": return !v.isEmpty
            default: return APIFilter.parse(v) != nil
            }
        }
        if hasLink, groupBy == .count, params["interval"] == "all", !hasStart, params["end"] == nil, !dimensional {
            answer = .linkCounters(linkIds: first.filters["linkId"]?.values ?? [], lookup: lookup)
        } else {
            switch groupBy.pipe {
            case .count:
                break
            case .timeseries:
                // §1.7: `partnerTagId` as the only link-level filter is ignored by v4_timeseries.
                legs = legs.map(droppingLonePartnerTag)
                answer = .aggregate(legs)
            case .groupBy:
                if first.regionSubdivision != nil {
                    // §1.7 region bug: the `region` alias of the groupBy key shadows the column in
                    // WHERE, so `region = 'SUB'` is never true and every v4_group_by answer is [].
                    answer = .empty
                } else if event == .clicks || event == .composite,
                          !APIMetadataQuery.parse(params["query"] ?? "").isEmpty {
                    // §1.7: the click table has no `metadata` column: ClickHouse fails, Dub says 500.
                    answer = .internalError
                } else {
                    // §1.7: `partnerTagId` alone is ignored for clicks and leads, applied for sales.
                    legs = legs.map { $0.event == .sales ? $0 : droppingLonePartnerTag($0) }
                    answer = .aggregate(legs)
                }
            case .linkMetadata:
                // §1.7: this pipe always joins the links, so link-level filters apply together
                // with `linkId`; it ignores `query` for every event and `customerId` for clicks.
                var withoutLink = params
                for name in ["linkId", "externalId", "key"] { withoutLink[name] = nil }
                if lookup != nil { withoutLink["domain"] = nil }  // the lookup drops `domain` (§1.1 step 6)
                withoutLink["event"] = legs[0].event.rawValue
                let linkLevel = try APIModel.parse(withoutLink, now: now, eventsPipe: false)
                legs = legs.map { leg in
                    var q = leg
                    for name in APIQuery.linkLevelFilters { q.filters[name] = linkLevel.filters[name] }
                    q.root = linkLevel.root
                    q.programId = linkLevel.programId
                    q.metadata = []
                    if q.event == .clicks { q.customerId = nil }
                    return q
                }
                answer = .aggregate(legs)
            }
        }
        return AnalyticsRequest(event: event, groupBy: groupBy, answer: answer, start: first.start, end: first.end,
                                timeZone: first.timeZone, bucket: bucket, linkLookup: lookup)
    }

    /// The query without `partnerTagId` when it is the only link-level filter: the pipes whose
    /// guard on the `workspace_links` subquery does not list it never apply it alone (§1.7).
    static func droppingLonePartnerTag(_ q: APIQuery) -> APIQuery {
        guard q.filters["partnerTagId"] != nil, q.root == nil, q.programId == nil,
              APIQuery.linkLevelFilters.allSatisfy({ $0 == "partnerTagId" || q.filters[$0] == nil }) else { return q }
        var out = q
        out.filters["partnerTagId"] = nil
        return out
    }

    /// A timeseries bucket label as ClickHouse's `formatDateTime(bucket, '%FT%T.000%z')` prints it:
    /// day and month buckets in the request's zone (`2026-08-14T00:00:00.000-0400`), hour buckets in
    /// the server's zone, UTC (`…T04:30:00.000+0000`), because the pipe casts them without a zone (§0).
    public static func bucketLabel(_ start: Int64, bucket: TimeBucket, calendar: ZonedCalendar) -> String {
        let offset = bucket == .hour ? 0 : calendar.offsetSeconds(at: start)
        let local = ISOInstant.format(start + Int64(offset) * 1000)
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        let zone = sign + two(minutes / 60) + two(minutes % 60)
        return String(local.dropLast()) + zone
    }
}
