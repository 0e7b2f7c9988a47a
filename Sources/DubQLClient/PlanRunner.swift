// Executes an API plan: pages through each request, applies the residual condition, merges a
// union by timestamp with one event per id, learns each sale's type when the rows show it, and
// hands rows to the output as they arrive.

import DubQL
import DubQLSyntax
import Foundation

// MARK: - Runner

/// Runs an ``APIPlan`` against Dub's API with a ``DubClient``.
///
/// `Event` is whatever the caller decodes a page into (the engine's store rows in the command
/// line); the runner only reads it through ``EventRecord``.
public struct PlanRunner<Event: EventRecord>: Sendable {
    /// Turns the body of one page (a JSON array) into its events, in order.
    public typealias Decoder = @Sendable (Data) throws -> [Event]

    public let client: DubClient
    private let decode: Decoder
    private let matches: @Sendable (BoundCondition, Event) -> Bool

    /// - Parameters:
    ///   - decode: page body to events; a thrown error becomes ``DubClientError/invalidResponse(_:)``.
    ///   - matches: the meaning of the residual condition (the planner's `Evaluator`).
    ///
    /// Streams are merged in the order of `Evaluator.precedes` (timestamp, ties by event id), the
    /// order of the local engine and of `dubql serve`.
    public init(client: DubClient, decode: @escaping Decoder,
                matches: @escaping @Sendable (BoundCondition, Event) -> Bool) {
        self.client = client
        self.decode = decode
        self.matches = matches
    }

    /// What a run did, for `--verbose` and `.timer`.
    public struct Statistics: Sendable, Hashable {
        /// Every request sent, sale-type requests included.
        public var requests = 0
        public var eventsFetched = 0
        public var rowsReturned = 0
        /// Of ``requests``, those that learned sale types (``DubQL/APIPlan/saleTypeRequest(for:)``).
        public var saleTypeRequests = 0
        /// When the run stopped at the plan's rows: whether more rows would have followed.
        public var more: MoreRows = .no
        /// An aggregate on `/analytics` whose groups did not add up to Dub's totals was computed
        /// from its `/events` fallback.
        public var usedFallback = false
    }

    /// What is known, when the rows were taken, about rows after them.
    public enum MoreRows: Sendable, Hashable {
        /// None: every request ran out (or the rows were not cut).
        case no
        /// Rows that pass were fetched beyond the last one returned.
        case yes
        /// A request's last page was full, so its next page may hold more.
        case maybe
    }

    /// Runs `plan`, calling `emit` for each row of the answer in order, as soon as it is known.
    ///
    /// With `saleTypes`, `emit` also gets each sale's exact type, `new` or `recurring` (else `nil`):
    /// from the request's own `saleType`, or from its ``DubQL/APIPlan/saleTypeRequest(for:)``, read
    /// page by page only as far as the emitted rows reach (up to a sale older than the row, in the
    /// plan's order, or an empty page). Without it, `emit` gets `nil` and nothing more is fetched.
    ///
    /// Stops fetching as soon as the plan's rows are taken. `emit` may throw to stop early (a
    /// closed pipe); that error is rethrown unchanged.
    ///
    /// `progress` is called after every page fetched, with the statistics so far (on the task
    /// that runs the plan, between calls of `emit`): the shell draws a progress line from it.
    @discardableResult
    public func run(_ plan: APIPlan, saleTypes: Bool = false, progress: ((Statistics) -> Void)? = nil,
                    emit: (_ event: Event, _ saleType: String?) throws -> Void) async throws -> Statistics {
        var stats = Statistics()
        let paging = plan.paging
        guard paging.takeRows > 0, !plan.requests.isEmpty else { return stats }
        let pageSize = paging.limit
        var streams = plan.requests.map { Stream(request: $0, nextPage: paging.startPage) }
        var lookups: [SaleTypeLookup?] = plan.requests.map { request in
            guard saleTypes, plan.event == .sales else { return nil }
            return plan.saleTypeRequest(for: request).map { SaleTypeLookup(request: $0) }
        }
        var newSales = Set<String>()
        var seen = Set<String>()
        var toSkip = max(0, paging.skipRows)

        var reported = 0
        func report() {
            guard let progress, stats.requests != reported else { return }
            reported = stats.requests
            progress(stats)
        }
        while true {
            for index in streams.indices where streams[index].buffer.isEmpty && !streams[index].exhausted {
                try await fill(&streams[index], plan: plan, pageSize: pageSize, stats: &stats)
                report()
            }
            var best: Int?
            for index in streams.indices {
                guard let head = streams[index].buffer.first else { continue }
                if let b = best, let current = streams[b].buffer.first, !Evaluator.precedes(head, current, plan.order) { continue }
                best = index
            }
            guard let chosen = best else { return stats }
            let event = streams[chosen].buffer.removeFirst()
            guard seen.insert(event.eventID).inserted else { continue }
            if toSkip > 0 {
                toSkip -= 1
                continue
            }
            var saleType: String?
            if saleTypes && plan.event == .sales {
                if let fixed = streams[chosen].request["saleType"] {
                    saleType = fixed
                } else if lookups[chosen] != nil {
                    try await reach(&lookups[chosen]!, event.timestampMillis, plan: plan, newSales: &newSales, stats: &stats)
                    report()
                    saleType = newSales.contains(event.eventID) ? "new" : "recurring"
                }
            }
            try emit(event, saleType)
            stats.rowsReturned += 1
            if stats.rowsReturned >= paging.takeRows {
                if streams.contains(where: { $0.buffer.contains { !seen.contains($0.eventID) } }) {
                    stats.more = .yes
                } else if streams.contains(where: { !$0.exhausted && $0.lastPageFull }) {
                    stats.more = .maybe
                }
                return stats
            }
        }
    }

    // MARK: - Paging

    private struct Stream {
        var request: APIRequest
        var nextPage: Int
        var buffer: [Event] = []
        var exhausted = false
        /// Ids this stream has fetched, to notice a server that answers every page alike.
        var fetched = Set<String>()
        /// True when the last page held a whole page of events: a next page may follow.
        var lastPageFull = false
    }

    /// The sales of one request that are new, fetched page by page as the rows need them.
    private struct SaleTypeLookup {
        var request: APIRequest
        var nextPage = 1
        var exhausted = false
        /// The oldest (descending) or newest (ascending) timestamp fetched so far.
        var reached: Int64?
        var fetched = Set<String>()
    }

    /// Fetches pages of `lookup` until it holds every new sale at `timestamp` or before it in the
    /// plan's order: until it returned a sale beyond `timestamp` or ran out. The API sorts by
    /// timestamp, so all the sales at `timestamp` come before any beyond it.
    private func reach(_ lookup: inout SaleTypeLookup, _ timestamp: Int64, plan: APIPlan,
                       newSales: inout Set<String>, stats: inout Statistics) async throws {
        let order = plan.order
        func beyond(_ t: Int64) -> Bool { order == .ascending ? t > timestamp : t < timestamp }
        while !lookup.exhausted, !(lookup.reached.map(beyond) ?? false) {
            if Task.isCancelled { throw DubClientError.cancelled }
            stats.requests += 1
            stats.saleTypeRequests += 1
            let body: Data
            do {
                body = try await client.fetchPage(lookup.request, page: lookup.nextPage, limit: plan.saleTypePageSize)
            } catch {
                // The link named by key/domain or externalId does not exist: it has no sales.
                if case .api(404, "not_found", "Link not found.", _) = error {
                    lookup.exhausted = true
                    return
                }
                throw error
            }
            lookup.nextPage += 1
            let events: [Event]
            do {
                events = try decode(body)
            } catch {
                throw DubClientError.invalidResponse("\(error)")
            }
            stats.eventsFetched += events.count
            var fresh = false
            for event in events where lookup.fetched.insert(event.eventID).inserted {
                fresh = true
                newSales.insert(event.eventID)
                let t = event.timestampMillis
                if let r = lookup.reached {
                    lookup.reached = order == .ascending ? max(r, t) : min(r, t)
                } else {
                    lookup.reached = t
                }
            }
            // An empty page ends it; so does one it has seen before (a server that ignores `page`).
            if !fresh { lookup.exhausted = true }
        }
    }

    /// Fetches pages of `stream` until it has a row that passes the residual or it ends.
    ///
    /// A short page is not the end (Dub drops events of deleted links after paging): only an
    /// empty page is. A page whose events this stream fetched before also ends it, so that a
    /// server that ignores `page` cannot keep the client busy forever. (Events another stream of
    /// a union returned do not count: the requests overlap by design.)
    private func fill(_ stream: inout Stream, plan: APIPlan, pageSize: Int, stats: inout Statistics) async throws {
        while stream.buffer.isEmpty && !stream.exhausted {
            if Task.isCancelled { throw DubClientError.cancelled }
            let body: Data
            stats.requests += 1
            do {
                body = try await client.fetchPage(stream.request, page: stream.nextPage, limit: pageSize)
            } catch {
                // The link named by key/domain or externalId does not exist: no event can match.
                if case .api(404, "not_found", "Link not found.", _) = error {
                    stream.exhausted = true
                    return
                }
                throw error
            }
            stream.nextPage += 1
            let events: [Event]
            do {
                events = try decode(body)
            } catch {
                // What the decoder says may quote the body, and so an echo of the key.
                throw DubClientError.invalidResponse(Secrets.redact("\(error)", key: client.configuration.apiKey))
            }
            stats.eventsFetched += events.count
            stream.lastPageFull = events.count >= pageSize
            var fresh = false
            for event in events where stream.fetched.insert(event.eventID).inserted { fresh = true }
            if !fresh {
                stream.exhausted = true
                return
            }
            if let residual = plan.residual {
                stream.buffer = events.filter { matches(residual, $0) }
            } else {
                stream.buffer = events
            }
        }
    }
}
