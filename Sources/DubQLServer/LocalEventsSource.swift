// Answers `GET /events` from loaded events with Dub's semantics (the planner's `APIModel`):
// validation, filters, time range, link lookup, sort and paging; rows are the original JSON bytes.

import DubQL
import DubQLAPIModel
import DubQLEngine

// MARK: - Source

/// `GET /events` over an ``EventStore``.
public struct LocalEventsSource: EventsSource {
    public let store: EventStore
    /// Rows of each event type in ascending (timestamp, event id) order.
    private let ascending: [EventType: [Int]]
    /// Links present in the data, for Dub's link lookup (`externalId`, `domain` + `key`).
    private let linkIDs: Set<String>
    private let externalIDs: Set<String>
    private let domainKeys: Set<String>

    public init(store: EventStore) {
        self.store = store
        var byType: [EventType: [Int]] = [:]
        var ids = Set<String>(), externals = Set<String>(), pairs = Set<String>()
        for row in 0..<store.count {
            byType[store.eventType(row), default: []].append(row)
            let record = store.record(row)
            if case .string(let id)? = record.json(at: ["link", "id"]) { ids.insert(id) }
            if case .string(let ext)? = record.json(at: ["link", "externalId"]) { externals.insert(ext) }
            if case .string(let domain)? = record.json(at: ["link", "domain"]),
               case .string(let key)? = record.json(at: ["link", "key"]) {
                pairs.insert(domain + "\u{0}" + key)
            }
        }
        for (type, rows) in byType {
            byType[type] = rows.sorted { Evaluator.precedes(store.record($0), store.record($1), .ascending) }
        }
        self.ascending = byType
        self.linkIDs = ids
        self.externalIDs = externals
        self.domainKeys = pairs
    }

    public func events(_ params: [String: String], nowMillis: Int64) -> Result<EventsBody, DubErrorResponse> {
        let query: APIQuery
        do {
            query = try APIModel.parse(params, now: nowMillis)
        } catch {
            let code = DubErrorResponse.Code(rawValue: error.code) ?? .unprocessableEntity
            return .failure(DubErrorResponse(code, error.message))
        }
        if let failure = lookUpLink(query.linkLookup) { return .failure(failure) }
        let rows = ascending[query.event] ?? []
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        var toSkip = query.offset
        var count = 0
        var ranges: [Range<Int>] = []
        func visit(_ row: Int) -> Bool {
            let record = store.record(row)
            guard query.matches(record) else { return true }
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
        if query.order == .ascending {
            for row in rows where !visit(row) { break }
        } else {
            for row in rows.reversed() where !visit(row) { break }
        }
        bytes.append(UInt8(ascii: "]"))
        return .success(EventsBody(bytes: bytes, count: count, ranges: ranges))
    }

    /// Dub resolves `externalId` or `domain` + `key` to one link first, and answers 404 when there
    /// is none (here: no event of the data has that link).
    private func lookUpLink(_ lookup: APILinkLookup?) -> DubErrorResponse? {
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
