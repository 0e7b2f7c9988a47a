// Streamed sales against the loaded path and the Evaluator: `saleType` (the first sale of each
// (link, customer) pair is new) must be the whole input's answer whatever the windows, the
// workers and the order of the input, whether it is only shown (one pass keeping each pair's
// first sale) or read by a condition or an aggregation (a first pass learns every pair's first
// sale). The data is made hard: few pairs spread over many small windows, ties on timestamp and
// event id, exact duplicates, one customer on several links, sales without customer or link.

import DubQL
import DubQLEngine
import DubQLSyntax
import DubQLTestSupport
import Foundation
import Testing

@Suite("Streaming sales")
struct SalesStreamingTests {
    static let end = StoreFixture.end
    static let hour: Int64 = 3_600_000

    /// Generated sales rewritten onto 3 links x 5 customers (and none), 30 distinct instants, and
    /// duplicated lines; clicks mentioning "sale" in between. Newest first.
    static func hardLines(seed: UInt64) -> [[UInt8]] {
        var r = SplitMix64(seed: seed)
        let sales = StreamingTests.lines(Generator(GeneratorOptions(event: .sales, count: 260, seed: seed, days: 10, end: end)).bytes())
        let clicks = StreamingTests.lines(StreamingTests.clicks(40, seed: seed + 1))
        var out: [(Int64, [UInt8])] = []
        for (i, line) in sales.enumerated() {
            guard var object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { continue }
            let ts = end - Int64(r.below(30)) * 5 * hour
            object["timestamp"] = ISOInstant.format(ts)
            // Event ids are unique but for exact duplicates (a sale exported twice): the order of
            // events equal in time and id otherwise is the input's, which the Evaluator leaves open.
            object["eventId"] = "sale_\(seed)_\(i)"
            switch r.below(10) {
            case 0: object["link"] = nil
            case 1: object["link"] = NSNull()
            default:
                var link = object["link"] as? [String: Any] ?? [:]
                link["id"] = "lnk_\(r.below(3))"
                object["link"] = link
            }
            switch r.below(10) {
            case 0: object["customer"] = nil
            case 1:
                var customer = object["customer"] as? [String: Any] ?? [:]
                customer["id"] = NSNull()
                object["customer"] = customer
            default:
                var customer = object["customer"] as? [String: Any] ?? [:]
                customer["id"] = "cus_\(r.below(5))"
                object["customer"] = customer
            }
            guard let bytes = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { continue }
            out.append((ts, Array(bytes)))
            if r.below(25) == 0 { out.append((ts, Array(bytes))) }
        }
        for c in clicks {
            let text = String(decoding: c, as: UTF8.self).replacingOccurrences(of: "\"url\":\"", with: "\"url\":\"https://shop.example/\\\"sale\\\"?")
            let ts = end - Int64(r.below(30)) * 5 * hour
            out.append((ts, Array(text.replacingOccurrences(of: "\"timestamp\":\"", with: "\"timestamp\":\"\(ISOInstant.format(ts))\",\"old\":\"").utf8)))
        }
        // Newest first, equal times in a random order.
        var keyed = out.map { ($0.0, r.below(1 << 30), $0.1) }
        keyed.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
        return keyed.map(\.2)
    }

    /// Newest first, oldest first and shuffled (read without early exit: what is not read is
    /// trusted to continue the order seen, and a shuffled file has none).
    static func orders(_ lines: [[UInt8]]) -> [(label: String, bytes: [UInt8], earlyExit: Bool)] {
        var r = SplitMix64(seed: 77)
        var shuffled = lines
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, r.below(i + 1)) }
        return [("newest first", StreamingTests.join(lines), true), ("oldest first", StreamingTests.join(lines.reversed()), true),
                ("shuffled", StreamingTests.join(shuffled), false)]
    }

    static func stream(_ plan: LocalPlan, _ bytes: [UInt8], shows: Bool = true, workers: Int, window: Int,
                       earlyExit: Bool = true) throws -> StreamOutcome {
        try StreamExecutor.run(plan, buffers: [InputBuffer(name: "sales.ndjson", bytes: bytes)], earlyExit: earlyExit,
                               showsSaleType: shows, workers: workers, firstWindowBytes: window)
    }

    /// Rows as raw JSON and sale type.
    struct Row: Equatable, CustomStringConvertible {
        var json: [UInt8]
        var saleType: String?
        var description: String { "\(saleType ?? "-") \(String(decoding: json.prefix(60), as: UTF8.self))" }
    }

    static func rows(_ plan: LocalPlan, _ store: EventStore) -> [Row] {
        Executor.rows(plan, on: store).map { Row(json: Array(store.rawJSON($0)), saleType: store.saleType($0)) }
    }

    @Test func theHardDataHasWhatItIsMeantToHave() throws {
        let store = try EventLoader.load(bytes: StreamingTests.join(Self.hardLines(seed: 1)))
        let sales = Evaluator.sortEvents(store.records.filter { $0.eventType == .sales }, .ascending)
        // The loaded store's sale types against a plain reading of the rule: the first sale of each
        // pair in (timestamp, event id, input order) is new.
        var seen = Set<String>()
        for s in sales {
            let key = "\(store.string(.linkID, s.row) ?? "∅")|\(store.string(.customerID, s.row) ?? "∅")"
            #expect(s.saleType == (seen.insert(key).inserted ? "new" : "recurring"))
        }
        let pairs = Set(sales.map { "\(store.string(.linkID, $0.row) ?? "∅")|\(store.string(.customerID, $0.row) ?? "∅")" })
        #expect(pairs.count > 15 && pairs.contains { $0.hasPrefix("∅|") } && pairs.contains { $0.hasSuffix("|∅") })
        let tied = Dictionary(grouping: sales, by: { "\($0.timestampMillis)|\($0.eventID)" }).values.filter { $0.count > 1 }
        #expect(!tied.isEmpty, "ties on timestamp and event id")
        #expect(store.count(of: .clicks) > 0)
    }

    /// Listing plans with random conditions (saleType in many of them), orders, ranges, limits.
    @Test(arguments: [UInt64(1), 2], [1, 3])
    func listingsEqualTheLoadedPathAndTheEvaluator(_ seed: UInt64, _ workers: Int) throws {
        let lines = Self.hardLines(seed: seed)
        var r = SplitMix64(seed: seed &* 31 &+ UInt64(workers))
        for (label, bytes, earlyExit) in Self.orders(lines) {
            let store = try EventLoader.load(bytes: bytes)
            let records = store.records
            for k in 0..<8 {
                let cond: BoundCondition? = k % 4 == 0 ? nil : ExecutorTests.condition(&r, .sales, store)
                let time = r.pick([TimeRange(start: nil, end: nil), TimeRange(start: Self.end - 40 * Self.hour, end: Self.end),
                                   TimeRange(start: Self.end - 100 * Self.hour, end: Self.end - 30 * Self.hour)])
                let order: SortDirection = r.below(2) == 0 ? .ascending : .descending
                let limit = r.pick([1, 5, 40, 10_000]), offset = r.pick([0, 0, 3])
                let query = BoundQuery(event: .sales, condition: cond, time: time, order: order, limit: limit, offset: offset)
                let plan = LocalPlan(event: .sales, filter: cond, time: time, timeZone: "UTC", order: order,
                                     offset: offset, limit: limit, columns: [])
                // The Evaluator's events; their order among exact duplicates is the loaded path's.
                let selected = Evaluator.select(query, from: records).map { Array(store.rawJSON($0.row)) }
                let expected = Self.rows(plan, store)
                #expect(expected.map(\.json) == selected, "loaded, \(label): \(String(describing: cond))")
                for window in [200, 3000] {
                    let shown = try Self.stream(plan, bytes, workers: workers, window: window, earlyExit: earlyExit)
                    #expect(Self.rows(shown.plan, shown.store) == expected, "streamed \(window), \(label): \(String(describing: cond))")
                    // Not shown: the same events (their types are not asked for).
                    let hidden = try Self.stream(plan, bytes, shows: false, workers: workers, window: window, earlyExit: earlyExit)
                    #expect(Self.rows(hidden.plan, hidden.store).map(\.json) == expected.map(\.json), "\(label): \(String(describing: cond))")
                }
            }
        }
    }

    static let aggregates = [
        "SELECT saleType, count(), sum(sale.amount) FROM sales GROUP BY saleType SINCE all",
        "SELECT count(), count(DISTINCT customer.id) FROM sales WHERE saleType = new SINCE all",
        "SELECT linkId, saleType, count() FROM sales WHERE NOT saleType = recurring OR country = US GROUP BY linkId, saleType SINCE 3d",
        "SELECT day, count() FROM sales WHERE saleType = recurring GROUP BY day SINCE 8d UNTIL 2d",
        "SELECT country, count() FROM sales GROUP BY country SINCE all",
    ]

    @Test(arguments: aggregates, [1, 3])
    func aggregatesEqualTheLoadedPathAndTheEvaluator(_ text: String, _ workers: Int) throws {
        let compilation = Compiler.compile(SourceFile(name: "<q>", text: text), context: QueryContext(now: Self.end, timeZone: nil))
        let query = try #require(compilation.statements.first?.query, "\(compilation.diagnostics)")
        let plan = try #require(LocalPlanner.plan(query).plan)
        for (label, bytes, earlyExit) in Self.orders(Self.hardLines(seed: 4)) {
            let store = try EventLoader.load(bytes: bytes)
            let expected = Evaluator.aggregate(query, from: store.records)
            #expect(Executor.aggregate(plan, on: store) == expected, "loaded, \(label)")
            #expect(expected.rows.count > 0)
            for window in [200, 3000] {
                let outcome = try Self.stream(plan, bytes, workers: workers, window: window, earlyExit: earlyExit)
                #expect(outcome.aggregate == expected, "streamed \(window), \(label): \(text)")
            }
        }
    }

    /// The random aggregate queries of the engine's suite, over sales only.
    @Test(arguments: 0..<2)
    func randomSalesAggregatesEqualTheEvaluator(_ seed: Int) throws {
        var r = SplitMix64(seed: UInt64(seed) &* 7_331 &+ 5)
        let bytes = StreamingTests.join(Self.hardLines(seed: UInt64(10 + seed)))
        let store = try EventLoader.load(bytes: bytes)
        var checked = 0
        while checked < 12 {
            let text = AggregateQueries.query(&r)
            guard text.contains("FROM sales") else { continue }
            checked += 1
            let compilation = Compiler.compile(SourceFile(name: "<q>", text: text), context: QueryContext(now: Self.end, timeZone: nil))
            let query = try #require(compilation.statements.first?.query, "\(text): \(compilation.diagnostics)")
            let plan = try #require(LocalPlanner.plan(query).plan, "\(text)")
            let outcome = try Self.stream(plan, bytes, workers: 2, window: 500)
            #expect(outcome.aggregate == Evaluator.aggregate(query, from: store.records), "\(text)")
        }
    }

    // MARK: Early exit

    static func plan(_ text: String) throws -> LocalPlan { try StreamingTests.plan(text) }

    @Test func withoutSaleTypesSalesStopEarlyLikeClicks() throws {
        let bytes = StreamingTests.join(Self.hardLines(seed: 5))
        let plan = try Self.plan("SELECT sales SINCE all LIMIT 5")
        let outcome = try Self.stream(plan, bytes, shows: false, workers: 2, window: 1000)
        #expect(outcome.stoppedEarly)
        let store = try EventLoader.load(bytes: bytes)
        #expect(Self.rows(outcome.plan, outcome.store).map(\.json) == Self.rows(plan, store).map(\.json))
    }

    @Test func shownSaleTypesReadNewestFirstInputToTheEndAndStopOnOldestFirst() throws {
        let lines = Self.hardLines(seed: 6)
        let newest = StreamingTests.join(lines)
        let plan = try Self.plan("SELECT sales SINCE all LIMIT 5")
        let outcome = try Self.stream(plan, newest, workers: 2, window: 1000)
        #expect(!outcome.stoppedEarly)
        #expect(Self.rows(outcome.plan, outcome.store) == Self.rows(plan, try EventLoader.load(bytes: newest)))
        // Oldest first and ORDER BY timestamp ASC: every sale before the kept ones has been read.
        let oldest = StreamingTests.join(lines.reversed())
        let ascending = try Self.plan("SELECT sales SINCE all ORDER BY timestamp ASC LIMIT 5")
        let early = try Self.stream(ascending, oldest, workers: 2, window: 1000)
        #expect(early.stoppedEarly)
        #expect(Self.rows(early.plan, early.store) == Self.rows(ascending, try EventLoader.load(bytes: oldest)))
    }

    @Test func aConditionOnSaleTypeStopsEarlyInItsSecondPass() throws {
        let bytes = StreamingTests.join(Self.hardLines(seed: 7))
        let plan = try Self.plan("SELECT sales WHERE saleType = new SINCE all LIMIT 3")
        let outcome = try Self.stream(plan, bytes, workers: 2, window: 1000)
        #expect(outcome.stoppedEarly)
        let expected = Self.rows(plan, try EventLoader.load(bytes: bytes))
        #expect(expected.count == 3 && expected.allSatisfy { $0.saleType == "new" })
        #expect(Self.rows(outcome.plan, outcome.store) == expected)
    }

    // MARK: Inputs read twice

    @Test func onlyRegularUncompressedFilesStreamAPlanThatReadsSaleTypes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dubql-sales-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let plain = dir.appendingPathComponent("s.ndjson"), gz = dir.appendingPathComponent("s.ndjson.gz")
        try Data(StreamingTests.join(Self.hardLines(seed: 8))).write(to: plain)
        try Data([0x1F, 0x8B, 0x08, 0x00]).write(to: gz)
        let reads = try Self.plan("SELECT sales WHERE saleType = new SINCE all")
        let shows = try Self.plan("SELECT sales SINCE all")
        #expect(StreamExecutor.canStream(reads, paths: [plain.path]))
        #expect(!StreamExecutor.canStream(reads, paths: ["-"]))
        #expect(!StreamExecutor.canStream(reads, paths: [plain.path, gz.path]))
        #expect(StreamExecutor.canStream(shows, paths: ["-", gz.path]))
        #expect(StreamExecutor.canStream(reads))
        // The same answer from two passes over the file as from loading it.
        // The same answer from two passes over the files as from loading them (the same file twice:
        // equal events in two inputs, the first input's are first).
        let outcome = try StreamExecutor.run(reads, paths: [plain.path, plain.path], workers: 2, firstWindowBytes: 700)
        let loaded = try EventLoader.load(paths: [plain.path, plain.path]).store
        #expect(Self.rows(outcome.plan, outcome.store) == Self.rows(reads, loaded))
        // New sales are the oldest of their pairs: recurring ones come first in a newest-first file.
        let limited = try Self.plan("SELECT sales WHERE saleType = recurring SINCE all LIMIT 3")
        let early = try StreamExecutor.run(limited, paths: [plain.path], workers: 2, firstWindowBytes: 700)
        let one = try EventLoader.load(paths: [plain.path]).store
        #expect(Self.rows(early.plan, early.store) == Self.rows(limited, one))
        #expect(early.stoppedEarly && early.parsed < one.count, "streamed, not loaded")
    }
}
