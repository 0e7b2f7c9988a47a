// The executor against the reference: random conditions over generated events must select exactly
// what the planner's Evaluator selects, in the same order; and whole queries through the pipeline.

import DubQL
import DubQLEngine
import DubQLSyntax
import DubQLTestSupport
import Testing

/// Generated fixture events: a few hundred of each type over 10 days ending at a fixed instant.
enum StoreFixture {
    static let end: Int64 = 1_787_061_792_000  // 2026-08-18T14:03:12Z
    static let store: EventStore = {
        var loader = EventLoader()
        for (event, count, seed) in [(EventType.clicks, 600, UInt64(11)), (.leads, 200, 12), (.sales, 300, 13)] {
            let bytes = Generator(GeneratorOptions(event: event, count: count, seed: seed, days: 10, end: end)).bytes()
            _ = try? loader.load(bytes: bytes, name: "<\(event.rawValue)>")
        }
        return loader.finish()
    }()
}

@Suite("Executor")
struct ExecutorTests {
    static let textFields = ["country", "city", "region", "continent", "device", "browser", "os", "trigger", "referer",
                             "refererUrl", "url", "utm_source", "utm_medium", "utm_campaign", "utm_term", "domain", "key",
                             "linkId", "tenantId", "folderId", "partnerId", "externalId"]

    /// A random predicate whose values mostly come from the data, so that it selects something.
    static func predicate(_ r: inout SplitMix64, _ event: EventType, _ store: EventStore) -> BoundPredicate {
        let rows = (0..<store.count).filter { store.eventType($0) == event }
        let sample = store.record(r.pick(rows))
        func valueOf(_ f: FieldRef) -> ScalarValue {
            switch Evaluator.fieldValue(f, in: sample) {
            case .string(let s)?: return .string(s)
            case .number(let n)?: return .number(n, text: JSONWriter.number(n))
            case .bool(let b)?: return .bool(b)
            default: return .string("none")
            }
        }
        let kinds = 4 + (event != .clicks ? 4 : 0) + (event == .sales ? 2 : 0)
        switch r.below(kinds) {
        case 0:
            let f = FieldRef.catalog(r.pick(textFields))
            var values: [ScalarValue] = []
            for _ in 0..<(1 + r.below(3)) { values.append(r.below(5) == 0 ? .string("Nowhere") : valueOf(f)) }
            return BoundPredicate(field: f, op: r.below(3) == 0 ? .notIn : .in, values: values)
        case 1:
            return BoundPredicate(field: .catalog(r.pick(["root", "qr"])), op: r.pick([.in, .notIn]), values: [.bool(r.below(2) == 0)])
        case 2:
            let ts = store.timestamps[r.pick(rows)]
            return BoundPredicate(field: .catalog("timestamp"), op: r.pick([.less, .lessEqual, .greater, .greaterEqual]), values: [.timestamp(ts)])
        case 3:
            // A stored column and a path only the JSON has.
            let path = r.pick([["link", "shortLink"], ["click", "ua"], ["link", "title"]])
            return BoundPredicate(field: .json(path), op: r.pick([.in, .notIn]), values: [valueOf(.json(path))])
        case 4:
            return BoundPredicate(field: .metadata(["plan"]), op: r.pick([.in, .notIn]), values: [.string(r.pick(["free", "pro", "business"]))])
        case 5:
            let n = r.below(10)
            return BoundPredicate(field: .metadata(["seats"]), op: r.pick([.less, .greaterEqual, .in]), values: [.number(Double(n), text: "\(n)")])
        case 6:
            return BoundPredicate(field: .metadata(["trial"]), op: .in, values: [.bool(r.below(2) == 0)])
        case 7:
            return BoundPredicate(field: .json(["customer", "email"]), op: .in, values: [valueOf(.json(["customer", "email"]))])
        case 8:
            return BoundPredicate(field: .catalog("saleType"), op: r.pick([.in, .notIn]), values: [.string(r.pick(["new", "recurring"]))])
        default:
            let n = r.pick([900, 4900, 9900])
            return BoundPredicate(field: .json(["sale", "amount"]), op: r.pick([.less, .greater, .in]), values: [.number(Double(n), text: "\(n)")])
        }
    }

    static func condition(_ r: inout SplitMix64, _ event: EventType, _ store: EventStore, depth: Int = 0) -> BoundCondition {
        guard depth < 3, r.below(3) != 0 else { return .predicate(predicate(&r, event, store)) }
        switch r.below(3) {
        case 0: return .and((0..<(2 + r.below(2))).map { _ in condition(&r, event, store, depth: depth + 1) })
        case 1: return .or((0..<(2 + r.below(2))).map { _ in condition(&r, event, store, depth: depth + 1) })
        default: return .not(condition(&r, event, store, depth: depth + 1))
        }
    }

    @Test(arguments: 0..<12, EnginePath.allCases)
    func executorAgreesWithEvaluator(_ seed: Int, _ path: EnginePath) throws {
        var r = SplitMix64(state: UInt64(seed) &* 7919 &+ 17)
        let store = StoreFixture.store
        let records = store.records
        for _ in 0..<40 {
            let event = r.pick(EventType.allCases)
            let cond = Self.condition(&r, event, store)
            let day: Int64 = 86_400_000
            let time = r.pick([TimeRange(start: nil, end: nil), TimeRange(start: StoreFixture.end - 3 * day, end: StoreFixture.end),
                               TimeRange(start: StoreFixture.end - 8 * day, end: StoreFixture.end - 2 * day - 1)])
            let order: SortDirection = r.below(2) == 0 ? .ascending : .descending
            let limit = r.pick([1, 7, 100, 10_000]), offset = r.pick([0, 0, 3, 50])
            let query = BoundQuery(event: event, condition: cond, time: time, order: order, limit: limit, offset: offset)
            // The executor must agree with the evaluator on the condition it is given, as bound and as
            // normalized (the normalizer's own equivalence is the planner's property test).
            for (label, filter) in [("as bound", cond), ("normalized", Normalizer.normalize(cond))] {
                var q = query
                q.condition = filter
                let expected = Evaluator.select(q, from: records).map(\.row)
                let plan = LocalPlan(event: event, filter: filter, time: time, timeZone: "UTC", order: order,
                                     offset: offset, limit: limit, columns: [])
                let got = try path.rows(plan, on: store)
                #expect(got == expected.map { Array(store.rawJSON($0)) }, "\(label): \(cond)")
            }
        }
    }

    @Test func saleTypeIsTheFirstSalePerLinkAndCustomer() {
        let store = StoreFixture.store
        let sales = Evaluator.sortEvents(store.records.filter { $0.eventType == .sales }, .ascending)
        var seen = Set<String>()
        var newCount = 0
        for s in sales {
            let key = "\(s.json(at: ["link", "id"]) ?? .null)|\(s.json(at: ["customer", "id"]) ?? .null)"
            let expected = seen.insert(key).inserted ? "new" : "recurring"
            if expected == "new" { newCount += 1 }
            #expect(s.saleType == expected)
        }
        #expect(newCount > 0 && newCount < sales.count)
    }

    @Test func streamingStopsAtTheLimit() {
        let plan = LocalPlan(event: .clicks, filter: nil, time: TimeRange(start: nil, end: nil), timeZone: "UTC",
                             order: .descending, offset: 0, limit: 5, columns: [])
        var seen = 0
        let n = Executor.run(plan, on: StoreFixture.store) { _ in seen += 1 }
        #expect(n == 5 && seen == 5)
    }

    @Test func emptyPlansScanNothing() {
        let plan = LocalPlan(event: .clicks, filter: nil, time: TimeRange(start: nil, end: nil), timeZone: "UTC",
                             order: .descending, offset: 0, limit: 5, columns: [], isEmpty: true)
        #expect(Executor.rows(plan, on: StoreFixture.store).isEmpty)
    }
}
