// A model of what Dub's server does with the query parameters of `GET /events` (reference
// dub-api.md §1-§3): validation with Dub's exact 422 messages, the advanced-filter parser and its
// quirks, link lookups, `region`, `query` (read by `APIMetadataQuery`, which the planner needs too),
// and day-rounded time ranges. The local server and the planner's property test use it.

import DubQLSyntax
import Foundation

// MARK: - Errors

/// A request the API rejects: HTTP status, Dub error code and message (`too_big: limit: Max page size is 1000.`).
public struct APIModelError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The HTTP status (422 for validation, 400 ...).
    public var status: Int
    /// Dub's error code (`unprocessable_entity`, `bad_request`).
    public var code: String
    /// The message exactly as Dub writes it.
    public var message: String
    public init(status: Int = 422, code: String = "unprocessable_entity", message: String) {
        self.status = status
        self.code = code
        self.message = message
    }
    /// `422 unprocessable_entity: too_big: limit: Max page size is 1000.`
    public var description: String { "\(status) \(code): \(message)" }

    static func zod(_ issue: String, _ path: String, _ message: String) -> APIModelError {
        APIModelError(message: "\(issue): \(path): \(message)")
    }
}

// MARK: - Parsed parameters

/// One advanced-filter parameter after `parseFilterValue`: an include or an exclude list.
public struct APIFilter: Hashable, Sendable, Codable {
    /// True for `NOT IN` (a leading `-`).
    public var negated: Bool
    /// The values, split on `,`, empty ones removed, not trimmed.
    public var values: [String]
    public init(negated: Bool, values: [String]) {
        self.negated = negated
        self.values = values
    }

    /// Dub's `parseFilterValue`: `nil` when the filter is dropped (empty, `-`, `,,`).
    public static func parse(_ raw: String) -> APIFilter? {
        guard !raw.isEmpty else { return nil }
        let negated = raw.hasPrefix("-")
        let rest = negated ? String(raw.dropFirst()) : raw
        let values = rest.split(separator: ",", omittingEmptySubsequences: true).map(String.init)
        guard !values.isEmpty else { return nil }
        return APIFilter(negated: negated, values: values)
    }

    /// True when `value` passes (`IN` / `NOT IN`).
    public func admits(_ value: String) -> Bool { values.contains(value) != negated }
}

/// How the API resolves a single link before querying.
public enum APILinkLookup: Hashable, Sendable, Codable {
    /// `externalId=ext_<id>`: the link whose `externalId` is `<id>`.
    case externalId(String)
    /// `externalId` without `ext_`: first tried as a raw link id (else 400).
    case rawLinkId(String)
    /// `domain` (first value, leading `-` ignored) plus `key` (empty means `_root`).
    case domainKey(domain: String, key: String)
}

/// The parameters of one `GET /events` request as Dub's server understands them.
public struct APIQuery: Hashable, Sendable {
    /// `event` (default `clicks`).
    public var event: EventType
    /// Advanced filters by parameter name, link-level and event-level, as the server applies them
    /// (suppressed link-level filters already removed).
    public var filters: [String: APIFilter]
    /// The single link the server resolves first, if any.
    public var linkLookup: APILinkLookup?
    /// `customerId`, compared with `customer.id`.
    public var customerId: String?
    /// Deprecated `programId`, compared with `link.programId` (a link-level filter).
    public var programId: String?
    /// `region=CC-SUB`: `country` becomes `CC` and the stored subdivision must be `SUB`.
    public var regionSubdivision: String?
    /// `root`, unless a link filter suppresses it.
    public var root: Bool?
    /// `saleType`, only for sales.
    public var saleType: String?
    /// The parsed `query` conditions, all AND-ed.
    public var metadata: [APIMetadataCondition]
    /// Inclusive bounds in epoch ms.
    public var start: Int64
    public var end: Int64
    /// The time zone after `sanitizeTimezone` (invalid names become `UTC`).
    public var timeZone: String
    /// 1-based page and page size.
    public var page: Int
    public var limit: Int
    /// `sortOrder`, or the deprecated `order` when it is not `desc`.
    public var order: SortDirection

    /// `(page - 1) * limit`.
    public var offset: Int { (page - 1) * limit }

    /// Link-level advanced filters, ignored when `linkId` is set or a link was looked up.
    public static let linkLevelFilters: Set<String> = ["domain", "tagId", "folderId", "partnerId", "groupId", "tenantId", "partnerTagId"]
    /// Event-level advanced filters (`filters` JSON of the pipe).
    public static let eventLevelFilters: [String] = [
        "country", "city", "continent", "device", "browser", "os", "trigger", "referer", "refererUrl", "url",
        "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
    ]
}

// MARK: - Parsing

/// Dub's server semantics of `GET /events` parameters.
public enum APIModel {
    /// Parses and validates parameters as Dub does; `now` is the server's clock (epoch ms).
    /// Repeated keys must already be reduced to their last value. `eventsPipe` applies what only
    /// the `/events` pipe does (its guard on `partnerTagId`); `/analytics` has guards of its own.
    public static func parse(_ params: [String: String], now: Int64, eventsPipe: Bool = true) throws(APIModelError) -> APIQuery {
        // Validation in schema key order; zod reports the first issue only.
        let event: EventType
        if let e = params["event"] {
            guard let v = EventType(rawValue: e) else {
                throw .zod("invalid_value", "event", "Invalid option: expected one of \"clicks\"|\"leads\"|\"sales\"")
            }
            event = v
        } else {
            event = .clicks
        }
        if let i = params["interval"], !Catalog.apiIntervals.contains(i) {
            let list = Catalog.apiIntervals.map { "\"\($0)\"" }.joined(separator: "|")
            throw .zod("invalid_value", "interval", "Invalid option: expected one of \(list)")
        }
        var startInput: Int64?
        if let s = params["start"] {
            guard let v = parseDate(s, now: now) else { throw .zod("custom", "start", "Invalid date") }
            guard v >= Catalog.earliestInstant else {
                throw .zod("custom", "start", "The start date cannot be earlier than September 22, 2022.")
            }
            startInput = v
        }
        var endInput: Int64?
        if let s = params["end"] {
            guard let v = parseDate(s, now: now) else { throw .zod("custom", "end", "Invalid date") }
            endInput = v
        }
        let root = try parseBool(params["root"], "root")
        if let s = params["saleType"], s != "new", s != "recurring" {
            throw .zod("invalid_value", "saleType", "Invalid option: expected one of \"new\"|\"recurring\"")
        }
        // zod's `max(10000)` counts UTF-16 code units, as JavaScript's `length` does.
        if let q = params["query"], q.utf16.count > 10000 {
            throw .zod("too_big", "query", "Too big: expected string to have <=10000 characters")
        }
        let qr = try parseBool(params["qr"], "qr")
        let page = try parsePositiveInt(params["page"], "page", "Page", default: 1)
        // Since 2026-07 the limit's messages speak of the page size (dub-analytics.md §4).
        let limit = try parsePositiveInt(params["limit"], "limit", "Page size", default: 100)
        guard limit <= 1000 else { throw .zod("too_big", "limit", "Max page size is 1000.") }
        var order = SortDirection.descending
        for key in ["sortOrder", "order"] {
            guard let s = params[key] else { continue }
            guard s == "asc" || s == "desc" else {
                throw .zod("invalid_value", key, "Invalid option: expected one of \"asc\"|\"desc\"")
            }
            // The deprecated `order` overrides `sortOrder` when it is not `desc`.
            if key == "sortOrder" || s != "desc" { order = s == "asc" ? .ascending : .descending }
        }
        if let s = params["sortBy"], s != "timestamp" {
            throw .zod("invalid_value", "sortBy", "Invalid option: expected one of \"timestamp\"")
        }

        // Filters.
        var filters: [String: APIFilter] = [:]
        for name in APIQuery.linkLevelFilters.union(APIQuery.eventLevelFilters).union(["linkId"]) {
            if let raw = params[name], let f = APIFilter.parse(raw) { filters[name] = f }
        }
        if let d = filters["device"] { filters["device"] = APIFilter(negated: d.negated, values: d.values.map(ValueNormalization.capitalizeWords.apply)) }
        if let d = filters["browser"] { filters["browser"] = APIFilter(negated: d.negated, values: d.values.map(ValueNormalization.capitalizeWords.apply)) }
        if let d = filters["os"] { filters["os"] = APIFilter(negated: d.negated, values: d.values.map(ValueNormalization.capitalizeWordsKeepingIOS.apply)) }
        // qr=true without trigger means trigger IN [qr]; qr=false does nothing.
        if qr == true, filters["trigger"] == nil { filters["trigger"] = APIFilter(negated: false, values: ["qr"]) }

        // Link lookup: only without linkId; externalId wins over domain+key.
        var lookup: APILinkLookup?
        if filters["linkId"] == nil {
            if let ext = params["externalId"], !ext.isEmpty {
                lookup = ext.hasPrefix("ext_") ? .externalId(String(ext.dropFirst(4))) : .rawLinkId(ext)
            } else if let domainRaw = params["domain"], !domainRaw.isEmpty, let key = params["key"] {
                let first = (domainRaw.hasPrefix("-") ? String(domainRaw.dropFirst()) : domainRaw)
                    .split(separator: ",", omittingEmptySubsequences: false).first.map(String.init) ?? ""
                lookup = .domainKey(domain: first, key: key.isEmpty ? "_root" : key)
            }
        }
        var rootFilter = root
        if filters["linkId"] != nil || lookup != nil {
            for name in APIQuery.linkLevelFilters { filters[name] = nil }
            rootFilter = nil
        }

        // The events pipe's guard for the link subquery lists partnerTagId only for sales: on
        // clicks and leads it has an effect only beside another link-level filter.
        if eventsPipe, event != .sales, filters["partnerTagId"] != nil,
           !(APIQuery.linkLevelFilters.subtracting(["partnerTagId"]).contains { filters[$0] != nil } || rootFilter != nil
             || !(params["programId"] ?? "").isEmpty) {
            filters["partnerTagId"] = nil
        }

        var regionSub: String?
        if let r = params["region"], !r.isEmpty {
            let parts = r.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            filters["country"] = APIFilter(negated: false, values: [parts[0]])
            regionSub = parts.count > 1 ? parts[1] : nil
        }

        // Time (getStartEndDates).
        let tzName = ZonedCalendar(identifier: params["timezone"] ?? "UTC") != nil ? (params["timezone"] ?? "UTC") : "UTC"
        let cal = ZonedCalendar(identifier: tzName) ?? .utc
        var start: Int64, end: Int64
        if let s = startInput {
            start = cal.startOfDay(s)
            end = cal.endOfDay(endInput ?? now)
            if start > end { swap(&start, &end) }
        } else {
            (start, end) = intervalRange(params["interval"] ?? "30d", now: now, calendar: cal)
        }

        return APIQuery(event: event, filters: filters, linkLookup: lookup,
                        customerId: params["customerId"].flatMap { $0.isEmpty ? nil : $0 },
                        programId: lookup == nil && filters["linkId"] == nil ? params["programId"].flatMap { $0.isEmpty ? nil : $0 } : nil,
                        regionSubdivision: regionSub, root: rootFilter,
                        saleType: event == .sales ? params["saleType"] : nil,
                        metadata: event == .clicks ? [] : APIMetadataQuery.parse(params["query"] ?? ""),
                        start: start, end: end, timeZone: tzName, page: page, limit: limit, order: order)
    }

    /// The range of an `interval` preset at `now` in a time zone (inclusive bounds).
    public static func intervalRange(_ interval: String, now: Int64, calendar cal: ZonedCalendar) -> (Int64, Int64) {
        let endOfToday = cal.endOfDay(now)
        let day: Int64 = 86_400_000
        switch interval {
        case "24h": return (now - day, now)
        case "7d": return (now - 7 * day, endOfToday)
        case "90d": return (now - 90 * day, endOfToday)
        case "1y": return (cal.addingMonths(-12, to: now), endOfToday)
        case "mtd": return (cal.startOfMonth(now), endOfToday)
        case "qtd": return (cal.startOfQuarter(now), endOfToday)
        case "ytd": return (cal.startOfYear(now), endOfToday)
        case "all": return (Catalog.earliestInstant, endOfToday)
        default: return (now - 30 * day, endOfToday)
        }
    }

    /// What the server accepts as a date: ISO 8601 forms (chrono-node also takes natural language,
    /// which the model does not need because the planner never sends it).
    static func parseDate(_ s: String, now: Int64) -> Int64? {
        ISOInstant.parse(s.trimmingCharacters(in: .whitespaces))
    }

    private static func parseBool(_ s: String?, _ name: String) throws(APIModelError) -> Bool? {
        guard let s else { return nil }
        switch s {
        case "true": return true
        case "false": return false
        default: throw .zod("invalid_value", name, "Invalid option: expected one of \"true\"|\"false\"")
        }
    }

    private static func parsePositiveInt(_ s: String?, _ path: String, _ label: String, default d: Int) throws(APIModelError) -> Int {
        guard let s else { return d }
        // z.coerce.number(): Number("") is 0, Number(" 7 ") is 7.
        let t = s.trimmingCharacters(in: .whitespaces)
        guard let v = t.isEmpty ? 0 : Double(t), !v.isNaN else {
            throw .zod("invalid_type", path, "\(label) must be a number.")
        }
        guard v.rounded() == v, v.magnitude < 1e15 else { throw .zod("invalid_type", path, "\(label) must be an integer.") }
        guard v > 0 else { throw .zod("too_small", path, "\(label) must be greater than 0.") }
        return Int(v)
    }

    /// SQL `LIKE`: `%` matches any run of bytes, `_` any one byte, `\\` escapes; case-sensitive.
    public static func like(_ text: String, _ pattern: String) -> Bool {
        like(Array(text.utf8), from: 0, Array(pattern.utf8))
    }

    /// SQL `LIKE` of the bytes `t[from...]` against `pattern`, anchored at `from`: `%` any run,
    /// `_` any byte, `\\` escapes. The server's compiled filters call it on bytes they keep.
    public static func like(_ t: [UInt8], from: Int, _ p: [UInt8]) -> Bool {
        var ti = from, pi = 0
        var star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == UInt8(ascii: "%") {
                star = pi
                mark = ti
                pi += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "\\"), pi + 1 < p.count, p[pi + 1] == t[ti] {
                pi += 2
                ti += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "_") || (p[pi] == t[ti] && p[pi] != UInt8(ascii: "\\")) {
                pi += 1
                ti += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "%") { pi += 1 }
        return pi == p.count
    }
}

// MARK: - Matching

extension APIQuery {
    /// True when the server would return the event (before paging).
    public func matches(_ e: some EventRecord) -> Bool {
        guard e.eventType == event else { return false }
        let t = e.timestampMillis
        guard t >= start, t <= end else { return false }
        func str(_ path: [String]) -> String {
            if case .string(let s)? = e.json(at: path) { return s }
            return ""
        }
        switch linkLookup {
        case .externalId(let id)?: guard str(["link", "externalId"]) == id else { return false }
        case .rawLinkId(let id)?: guard str(["link", "id"]) == id else { return false }
        case .domainKey(let d, let k)?: guard str(["link", "domain"]) == d, str(["link", "key"]) == k else { return false }
        case nil: break
        }
        for (name, f) in filters {
            let value: String
            switch name {
            case "linkId": value = str(["link", "id"])
            case "domain", "tenantId", "folderId", "partnerId": value = str(["link", name])
            case "tagId", "groupId", "partnerTagId":
                // Not in exported events: the model has nothing to compare, so nothing passes an include list.
                if !f.negated { return false } else { continue }
            case "refererUrl", "url": value = URLText.withoutQuery(str(["click", name]))
            case let u where u.hasPrefix("utm_"):
                let url = str(["click", "url"])
                // ClickHouse `LIKE '%utm_x=<encoded>%'`: `%` and `_` in the pattern are wildcards.
                let hit = f.values.contains { APIModel.like(url, "%\(u)=\(URLText.formEncode($0))%") }
                guard hit != f.negated else { return false }
                continue
            default: value = str(["click", name])
            }
            guard f.admits(value) else { return false }
        }
        if let sub = regionSubdivision {
            let region = str(["click", "region"])
            let stored = region.firstIndex(of: "-").map { String(region[region.index(after: $0)...]) } ?? region
            guard stored == sub else { return false }
        }
        if let r = root, (str(["link", "key"]) == "_root") != r { return false }
        if let c = customerId, str(["customer", "id"]) != c { return false }
        if let p = programId, str(["link", "programId"]) != p { return false }
        if let s = saleType, e.saleType != s { return false }
        for m in metadata where !m.matches(e.json(at: ["metadata", m.key])) { return false }
        return true
    }

    /// The page the server returns from `events`: matching, sorted, `(page-1)*limit` skipped, `limit` kept.
    public func select<E: EventRecord>(from events: [E]) -> [E] {
        let kept = Evaluator.sortEvents(events.filter { matches($0) }, order)
        return Array(kept.dropFirst(offset).prefix(limit))
    }
}

extension APIMetadataCondition {
    /// ClickHouse: `JSONExtractString` is `""` for non-strings; numeric operators compare
    /// `toFloat64OrNull` of both sides, and a NULL comparison is false.
    public func matches(_ value: JSONValue?) -> Bool {
        let s: String
        if case .string(let v)? = value { s = v } else { s = "" }
        switch op {
        case .equals: return s == self.value
        case .notEquals: return s != self.value
        default:
            guard let a = Double(s), let b = Double(self.value) else { return false }
            switch op {
            case .greaterThan: return a > b
            case .lessThan: return a < b
            case .greaterThanOrEqual: return a >= b
            default: return a <= b
            }
        }
    }
}
