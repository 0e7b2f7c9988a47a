// Random `/analytics` requests against `dubql serve`, checked against Dub's model: the answer kind
// and every leg's selection come from `AnalyticsModel.parse` and `APIQuery.matches` (the reference
// model, not the server's compiled filters), grouped and joined here as dub-analytics.md §1.3-§1.6
// describe; invalid requests must get the model's status and message.

import DubQL
import DubQLAPIModel
import DubQLEngine
import DubQLTestSupport
import Foundation
import Testing

@Suite struct AnalyticsPropertyTests {
    static let groupBys = ["count", "timeseries", "countries", "cities", "devices", "top_links", "utm_sources", "top_domains",
                           "triggers", "referer_urls", "bogus"]

    @Test func randomAnalyticsRequestsMeanWhatDubsModelSays() throws {
        let server = try APITestData.shared.get()
        let store = try EventLoader.load(paths: try APITestData.files()).store
        let records = store.records
        let parsed: [[String: Any]] = records.map {
            (try? JSONSerialization.jsonObject(with: Data($0.rawJSON))) as? [String: Any] ?? [:]
        }
        let vocabulary = ServerFuzzTests.vocabulary(store)
        let now = try #require(ISOInstant.parse(APITestData.now))
        let first = records.map(\.timestampMillis).min() ?? now
        var random = SplitMix64(state: 10)
        var kinds: [String: Int] = [:]
        for i in 0..<120 {
            var params = ServerFuzzTests.parameters(vocabulary, &random)
            if random.next() % 4 == 0 { params["event"] = "composite" }
            params["groupBy"] = Self.groupBys[Int(random.next() % UInt64(Self.groupBys.count))]
            let query = params.sorted { $0.key < $1.key }.map { "\($0.key)=\(queryEncode($0.value))" }.joined(separator: "&")
            let answer = try httpGet(server.url + "/analytics?" + query, authorization: "Bearer \(APITestData.key)")
            let request: AnalyticsRequest
            do throws(APIModelError) {
                request = try AnalyticsModel.parse(params, now: now, dataAvailableFrom: first)
            } catch {
                kinds["rejected", default: 0] += 1
                #expect(answer.status == error.status, "#\(i) \(query)")
                let message = ((answer.json as? [String: Any])?["error"] as? [String: Any])?["message"] as? String
                #expect(message == error.message, "#\(i) \(query)")
                continue
            }
            let groupBy = request.groupBy.rawValue
            switch request.answer {
            case .empty:
                kinds["empty", default: 0] += 1
                #expect(answer.text == "[]", "#\(i) \(query)")
            case .internalError:
                kinds["500", default: 0] += 1
                #expect(answer.status == 500, "#\(i) \(query)")
            case .linkCounters:
                kinds["counters", default: 0] += 1
                #expect(answer.status == 200 && answer.json is [String: Any], "#\(i) \(query)")
            case .aggregate(let legs):
                kinds["aggregate", default: 0] += 1
                #expect(answer.status == 200, "#\(i) \(query): \(answer.text.prefix(200))")
                // Each leg's events, by the model; clicks of a customer are the clicks of its leads.
                var selected: [[Int]] = []
                for leg in legs {
                    var q = leg
                    var clickIDs: Set<String>?
                    if leg.event == .clicks, let customer = leg.customerId {
                        q.customerId = nil
                        clickIDs = Set(records.indices.filter {
                            records[$0].eventType == .leads && AnalyticsHTTP.string(parsed[$0], "customer", "id") == customer
                        }.map { AnalyticsHTTP.string(parsed[$0], "click", "id") })
                    }
                    selected.append(records.indices.filter { r in
                        q.matches(records[r]) && (clickIDs?.contains(AnalyticsHTTP.string(parsed[r], "click", "id")) ?? true)
                    })
                }
                func amount(_ r: Int) -> Int { ((parsed[r]["sale"] as? [String: Any])?["amount"] as? Int) ?? 0 }
                func metrics(_ event: EventType, _ rows: [Int]) -> [String: Int] {
                    switch event {
                    case .clicks: ["clicks": rows.count]
                    case .leads: ["leads": rows.count]
                    case .sales: ["sales": rows.count, "saleAmount": rows.reduce(0) { $0 + amount($1) }]
                    }
                }
                if groupBy == "count" || groupBy == "timeseries" {
                    var expected = ["clicks": 0, "leads": 0, "sales": 0, "saleAmount": 0]
                    for (leg, rows) in zip(legs, selected) { expected.merge(metrics(leg.event, rows)) { $1 } }
                    var got: [String: Int] = [:]
                    if let object = answer.json as? [String: Any] {
                        got = object.compactMapValues { $0 as? Int }
                    } else if let rows = answer.json as? [[String: Any]] {
                        for m in AnalyticsHTTP.metrics { got[m] = rows.reduce(0) { $0 + AnalyticsHTTP.metric($1, m) } }
                    }
                    #expect(got == expected, "#\(i) \(query)")
                    continue
                }
                // Group-bys: the first leg's groups, the others joined on by key.
                var expected: [[String]: [String: Int]] = [:]
                for (n, (leg, rows)) in zip(legs, selected).enumerated() {
                    var groups: [[String]: [Int]] = [:]
                    for r in rows { if let k = AnalyticsHTTP.key(groupBy, parsed[r]) { groups[k, default: []].append(r) } }
                    for (k, members) in groups where n == 0 || expected[k] != nil {
                        expected[k, default: ["clicks": 0, "leads": 0, "sales": 0, "saleAmount": 0]].merge(metrics(leg.event, members)) { $1 }
                    }
                }
                var got: [[String]: [String: Int]] = [:]
                for row in (answer.json as? [[String: Any]]) ?? [] {
                    got[AnalyticsHTTP.key(groupBy, row: row)] = Dictionary(uniqueKeysWithValues: AnalyticsHTTP.metrics.map { ($0, AnalyticsHTTP.metric(row, $0)) })
                }
                #expect(got == expected, "#\(i) \(query): \(got.count) groups, the model says \(expected.count)")
                if !expected.isEmpty { kinds["groups", default: 0] += 1 }
            }
        }
        // The random requests reach every kind of answer.
        #expect(kinds["rejected", default: 0] > 5 && kinds["aggregate", default: 0] > 40, "\(kinds)")
        #expect(kinds["empty", default: 0] > 0 && kinds["500", default: 0] > 0 && kinds["groups", default: 0] > 10, "\(kinds)")
    }
}
