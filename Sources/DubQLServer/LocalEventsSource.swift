// Answers `GET /events` (and, in LocalAnalytics.swift, `GET /analytics`) from loaded events with Dub's semantics (the planner's `APIModel`):
// validation, filters, time range, link lookup, sort and paging; rows are the original JSON bytes.
// Also the local server's own bounds on the work of a request (`RequestLimits`).

import DubQL
import DubQLAPIModel
import DubQLEngine

// MARK: - Source

/// `GET /events` over an ``EventStore``.
///
/// The work of one request is bounded: every filter is compiled once (``CompiledQuery``) and
/// decided once per distinct value, the time range is a binary search, and the scan stops at
/// `limit` events; advanced-filter values longer than ``RequestLimits/maxFilterLength`` are
/// refused with a 422, as Dub refuses a `query` longer than 10,000 characters.
public struct LocalEventsSource: EventsSource {
    public let store: EventStore
    /// Links present in the data, for Dub's link lookup (`externalId`, `domain` + `key`).
    private let linkIDs: Set<String>
    private let externalIDs: Set<String>
    private let domainKeys: Set<String>
    /// The newest `link` object of every link, for `/analytics` (`top_links`, the fast path).
    let links: LinkDirectory

    public init(store: EventStore) {
        self.store = store
        var ids = Set<String>(), externals = Set<String>(), pairs = Set<String>()
        for row in 0..<store.count {
            if let id = store.string(.linkID, row) { ids.insert(id) }
            if let ext = store.string(.externalID, row) { externals.insert(ext) }
            if let domain = store.string(.domain, row), let key = store.string(.key, row) {
                pairs.insert(domain + "\u{0}" + key)
            }
        }
        self.linkIDs = ids
        self.externalIDs = externals
        self.domainKeys = pairs
        self.links = LinkDirectory(store: store)
    }

    public func events(_ params: [String: String], nowMillis: Int64) -> Result<EventsBody, DubErrorResponse> {
        let query: APIQuery
        do {
            query = try APIModel.parse(params, now: nowMillis)
        } catch {
            let code = DubErrorResponse.Code(rawValue: error.code) ?? .unprocessableEntity
            return .failure(DubErrorResponse(code, error.message))
        }
        if let failure = RequestLimits.check(params) { return .failure(failure) }
        if let failure = lookUpLink(query.linkLookup) { return .failure(failure) }
        var compiled = CompiledQuery(query, store: store)
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        var count = 0
        var ranges: [Range<Int>] = []
        guard !compiled.matchesNothing else {
            bytes.append(UInt8(ascii: "]"))
            return .success(EventsBody(bytes: bytes, count: 0, ranges: []))
        }
        // Rows in (timestamp, event id) order: the time range is a slice found by binary search.
        let rows = store.rowsInOrder(of: query.event)
        let first = Self.firstIndex(in: rows, store: store) { $0 >= query.start }
        let last = Self.firstIndex(in: rows, store: store) { $0 > query.end }
        var toSkip = query.offset
        func visit(_ row: Int) -> Bool {
            guard compiled.matches(row) else { return true }
            if toSkip > 0 {
                toSkip -= 1
                return true
            }
            if count > 0 { bytes.append(UInt8(ascii: ",")) }
            let start = bytes.count
            bytes.append(contentsOf: store.rawJSON(row))
            ranges.append(start..<bytes.count)
            count += 1
            return count < query.limit
        }
        if first < last {
            if query.order == .ascending {
                for i in first..<last where !visit(Int(rows[i])) { break }
            } else {
                for i in (first..<last).reversed() where !visit(Int(rows[i])) { break }
            }
        }
        bytes.append(UInt8(ascii: "]"))
        return .success(EventsBody(bytes: bytes, count: count, ranges: ranges))
    }

    /// The first position in `rows` (ascending by timestamp) whose timestamp satisfies `isAfter`
    /// (a predicate that is false, then true), or `rows.count`.
    private static func firstIndex(in rows: [UInt32], store: EventStore, _ isAfter: (Int64) -> Bool) -> Int {
        var lo = 0, hi = rows.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if isAfter(store.timestamps[Int(rows[mid])]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Dub resolves `externalId` or `domain` + `key` to one link first, and answers 404 when there
    /// is none (here: no event of the data has that link).
    func lookUpLink(_ lookup: APILinkLookup?) -> DubErrorResponse? {
        switch lookup {
        case nil:
            return nil
        case .externalId(let id):
            return externalIDs.contains(id) ? nil : DubErrorResponse(.notFound, "Link not found.")
        case .rawLinkId(let id):
            return linkIDs.contains(id)
                ? nil : DubErrorResponse(.badRequest, "Invalid externalId. Did you forget to prefix it with `ext_`?")
        case .domainKey(let domain, let key):
            return domainKeys.contains(domain + "\u{0}" + key) ? nil : DubErrorResponse(.notFound, "Link not found.")
        }
    }
}

// MARK: - Limits

/// What one request may ask of the local server, beyond Dub's own validation.
public enum RequestLimits {
    /// The longest value of an advanced filter (`country`, `utm_source`, ...), in UTF-16 code
    /// units as JavaScript counts: 10,000, the limit Dub puts on `query`. Dub's platform refuses
    /// URLs long before such a list anyway; here it bounds the work of one request.
    public static let maxFilterLength = 10_000

    /// Dub's 422 for the first parameter over a limit, in the words Dub uses for `query`.
    static func check(_ params: [String: String]) -> DubErrorResponse? {
        for name in filterNames {
            guard let value = params[name], value.utf16.count > maxFilterLength else { continue }
            return DubErrorResponse(.unprocessableEntity,
                                    "too_big: \(name): Too big: expected string to have <=\(maxFilterLength) characters")
        }
        return nil
    }

    /// Advanced-filter parameters in the order of Dub's schema (zod reports the first issue).
    static let filterNames = ["domain", "linkId", "tenantId", "tagId", "tagIds", "folderId", "partnerTagId", "groupId",
                              "partnerId", "country", "city", "continent", "device", "browser", "os", "trigger",
                              "referer", "refererUrl", "url", "utm_source", "utm_medium", "utm_campaign", "utm_term",
                              "utm_content"]
}
