// Executes aggregate API plans: `GET /analytics` requests turned into result rows (checked against
// Dub's totals, else the `/events` fallback), or `/events` pages aggregated locally up to a cap.

import DubQL
import Foundation

// MARK: - Aggregates

extension PlanRunner {
    /// Runs an aggregate plan (``DubQL/APIPlan/aggregate`` set) and returns its result.
    ///
    /// - `/analytics`: each request once (no pages), with the client's retries and timeouts; a
    ///   `404 Link not found.` (a `domain`+`key` or `externalId` that names no link) means no
    ///   events. When the groups do not add up to Dub's totals, the plan's `/events` fallback is
    ///   run instead (``Statistics/usedFallback``).
    /// - `/events`: every page of the listing, each row kept; more than
    ///   ``DubQL/AggregateAPIPlan/maxEvents`` events is ``DubClientError/tooManyEvents(cap:)``.
    public func runAggregate(_ plan: APIPlan) async throws -> (result: AggregateResult, statistics: Statistics) {
        guard let aggregate = plan.aggregate else {
            throw DubClientError.invalidResponse("not an aggregate plan")
        }
        switch aggregate.strategy {
        case .events:
            return try await aggregateEvents(plan, aggregate)
        case .analytics:
            var stats = Statistics()
            var answers: [[[String: JSONValue]]] = []
            let metric = AnalyticsPlanner.countField(plan.event)
            for request in plan.requests {
                if Task.isCancelled { throw DubClientError.cancelled }
                stats.requests += 1
                do {
                    let body = try await client.fetchAnalytics(request)
                    answers.append(try AnalyticsResponse.rows(body, metric: metric, key: client.configuration.apiKey))
                } catch {
                    if case .api(404, "not_found", "Link not found.", _) = error {
                        answers.append([])
                        continue
                    }
                    throw error
                }
            }
            let rows = answers.first ?? []
            let totals: [String: JSONValue]? = aggregate.checksTotal ? (answers.count > 1 ? (answers[1].first ?? [:]) : nil) : nil
            if let result = aggregate.result(rows: rows, totals: totals) {
                stats.rowsReturned = result.rows.count
                return (result, stats)
            }
            guard let fallback = aggregate.fallback, let events = fallback.aggregate else {
                throw DubClientError.invalidResponse("the /analytics answer has a row without a valid start instant")
            }
            var (result, more) = try await aggregateEvents(fallback, events)
            more.requests += stats.requests
            more.usedFallback = true
            return (result, more)
        }
    }

    /// Reads every event of an `/events` plan (at most the cap) and aggregates them.
    private func aggregateEvents(_ plan: APIPlan, _ aggregate: AggregateAPIPlan) async throws -> (result: AggregateResult, statistics: Statistics) {
        var events: [Event] = []
        var types: [String?] = []
        let cap = aggregate.maxEvents
        var stats = try await run(plan, saleTypes: aggregate.needsSaleTypes) { event, saleType in
            if events.count >= cap { throw DubClientError.tooManyEvents(cap: cap) }
            events.append(event)
            types.append(saleType)
        }
        let result: AggregateResult
        if aggregate.needsSaleTypes {
            result = aggregate.result(events: zip(events, types).map { TypedSale(event: $0, type: $1) })
        } else {
            result = aggregate.result(events: events)
        }
        stats.rowsReturned = result.rows.count
        return (result, stats)
    }
}

/// An event whose sale type the API told (the `SALE TYPES` request), not the page it came in.
struct TypedSale<E: EventRecord>: EventRecord {
    var event: E
    var type: String?
    var eventType: EventType { event.eventType }
    var timestampMillis: Int64 { event.timestampMillis }
    var eventID: String { event.eventID }
    func json(at path: [String]) -> JSONValue? { event.json(at: path) }
    var saleType: String? { type }
}

// MARK: - Decoding

/// The bodies of `GET /analytics`: an object for `groupBy=count`, an array of objects otherwise,
/// each with Dub's four metrics (`clicks`, `leads`, `sales`, `saleAmount`).
public enum AnalyticsResponse {
    /// The rows of a body (the count object as one row), with text and number fields as
    /// ``DubQL/JSONValue``s. Every row must carry the event's count `metric` as a number.
    public static func rows(_ body: Data, metric: String, key: String = "") throws(DubClientError) -> [[String: JSONValue]] {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: body, options: [])
        } catch {
            throw .invalidResponse("the /analytics body is not JSON: \(Secrets.snippet(body, key: key))")
        }
        let objects: [Any]
        if let object = parsed as? [String: Any] {
            objects = [object]
        } else if let array = parsed as? [Any] {
            objects = array
        } else {
            throw .invalidResponse("the /analytics body is neither an object nor an array: \(Secrets.snippet(body, key: key))")
        }
        var rows: [[String: JSONValue]] = []
        rows.reserveCapacity(objects.count)
        for object in objects {
            guard let fields = object as? [String: Any] else {
                throw .invalidResponse("an /analytics row is not an object: \(Secrets.snippet(body, key: key))")
            }
            var row: [String: JSONValue] = [:]
            for (name, value) in fields { row[name] = json(value) }
            guard case .number? = row[metric] else {
                throw .invalidResponse("an /analytics row has no number '\(metric)': \(Secrets.snippet(body, key: key))")
            }
            rows.append(row)
        }
        return rows
    }

    static func json(_ value: Any) -> JSONValue {
        switch value {
        case let s as String: return .string(s)
        case let n as NSNumber: return .number(n.doubleValue)
        case let a as [Any]: return .array(a.map(json))
        case let o as [String: Any]: return .object(o.keys.sorted().map { JSONValue.JSONMember($0, json(o[$0] as Any)) })
        default: return .null
        }
    }
}
