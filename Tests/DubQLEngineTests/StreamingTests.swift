// The streaming path of one-shot queries against the loaded path: the same answers whatever the
// windows, the cores, the order of the input, its format, and the escapes the prefilter must see
// through. The property suites of the executor and the aggregates run over both paths too
// (``EnginePath``).

import DubQL
import DubQLEngine
import DubQLSyntax
import DubQLTestSupport
import Testing

/// Where a plan runs in the engine suites: on the loaded store, or streamed over its input (with
/// three workers, or one worker and windows of one event at first).
enum EnginePath: String, CaseIterable, CustomTestStringConvertible {
    case loaded, streamed, streamedSerially

    var testDescription: String { rawValue }

    /// Small windows and three workers, so that every test crosses window boundaries (about 1 MB of fixture events) and merges.
    static func stream(_ plan: LocalPlan, _ buffers: [InputBuffer], earlyExit: Bool = true) throws -> StreamOutcome {
        try StreamExecutor.run(plan, buffers: buffers, earlyExit: earlyExit, workers: 3, firstWindowBytes: 48 << 10)
    }

    /// Streams as this path does: many windows (they double from 2 KiB, or from one byte, which
    /// is one event per window until they pass an event's size).
    func stream(_ plan: LocalPlan, _ buffers: [InputBuffer], options: LoadOptions = LoadOptions(), earlyExit: Bool = true) throws -> StreamOutcome {
        switch self {
        case .streamedSerially:
            try StreamExecutor.run(plan, buffers: buffers, options: options, earlyExit: earlyExit, workers: 1, firstWindowBytes: 1)
        default:
            try StreamExecutor.run(plan, buffers: buffers, options: options, earlyExit: earlyExit, workers: 3, firstWindowBytes: 2 << 10)
        }
    }

    /// The raw JSON of the rows `plan` returns over `store`'s input, in order.
    func rows(_ plan: LocalPlan, on store: EventStore) throws -> [[UInt8]] {
        switch self {
        case .streamed where StreamExecutor.canStream(plan), .streamedSerially where StreamExecutor.canStream(plan):
            let outcome = try stream(plan, store.buffers)
            return Executor.rows(outcome.plan, on: outcome.store).map { Array(outcome.store.rawJSON($0)) }
        default:
            return Executor.rows(plan, on: store).map { Array(store.rawJSON($0)) }
        }
    }

    /// The aggregate `plan` computes over `store`'s input.
    func aggregate(_ plan: LocalPlan, on store: EventStore) throws -> AggregateResult {
        switch self {
        case .streamed where StreamExecutor.canStream(plan), .streamedSerially where StreamExecutor.canStream(plan):
            let outcome = try stream(plan, store.buffers)
            return try #require(outcome.aggregate, "a streamed aggregate has its result")
        default:
            return Executor.aggregate(plan, on: store)
        }
    }
}

@Suite("Streaming")
struct StreamingTests {
    static let end = StoreFixture.end
    static let day: Int64 = 86_400_000

    static func clicks(_ count: Int, seed: UInt64 = 21) -> [UInt8] {
        Generator(GeneratorOptions(event: .clicks, count: count, seed: seed, days: 10, end: end)).bytes()
    }

    static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        bytes.split(separator: 0x0A).map(Array.init)
    }

    static func join(_ lines: [[UInt8]]) -> [UInt8] {
        Array(lines.joined(separator: [0x0A])) + [0x0A]
    }

    static func plan(_ text: String) throws -> LocalPlan {
        let query = try #require(Pipeline.bind(text), "binds: \(text)")
        return try #require(LocalPlanner.plan(query).plan)
    }

    /// The loaded answer and the streamed one (with and without early exit) over `bytes`, as raw JSON.
    static func expectSame(_ text: String, _ bytes: [UInt8], name: String = "input.ndjson", earlyExit: Bool = true,
                           sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> StreamOutcome {
        let plan = try plan(text)
        let store = try EventLoader.load(bytes: bytes, name: name)
        let buffer = InputBuffer(name: name, bytes: bytes)
        let outcome = try EnginePath.stream(plan, [buffer], earlyExit: earlyExit)
        if plan.aggregation != nil {
            #expect(outcome.aggregate == Executor.aggregate(plan, on: store), "\(text)", sourceLocation: sourceLocation)
            #expect(outcome.aggregate?.rows.isEmpty == false, "the input should have groups for \(text)", sourceLocation: sourceLocation)
        } else {
            let expected = Executor.rows(plan, on: store).map { Array(store.rawJSON($0)) }
            let got = Executor.rows(outcome.plan, on: outcome.store).map { Array(outcome.store.rawJSON($0)) }
            #expect(got == expected, "\(text)", sourceLocation: sourceLocation)
            #expect(!expected.isEmpty, "the input should have rows for \(text)", sourceLocation: sourceLocation)
        }
        return outcome
    }

    static let queries = [
        "SELECT clicks WHERE country IN (US, DE) AND NOT browser = Chrome SINCE 3d LIMIT 20",
        "SELECT clicks WHERE city = 'San Jose' SINCE all",
        "SELECT clicks WHERE country = US OR device = Tablet SINCE all LIMIT 40 OFFSET 7",
        "SELECT clicks SINCE 2d ORDER BY timestamp ASC LIMIT 25",
        "SELECT clicks WHERE browser = Firefox SINCE 8d UNTIL 2d LIMIT 10",
        "SELECT clicks SINCE all LIMIT 1",
        "SELECT country, count() FROM clicks GROUP BY country SINCE all",
        "SELECT day, count(DISTINCT city) FROM clicks WHERE device = Mobile GROUP BY day SINCE 5d",
    ]

    @Test(arguments: queries)
    func newestFirstOldestFirstAndShuffledInputGiveTheLoadedAnswer(_ text: String) throws {
        let lines = Self.lines(Self.clicks(400))
        let newest = try Self.expectSame(text, Self.join(lines))
        _ = try Self.expectSame(text, Self.join(lines.reversed()))
        var r = SplitMix64(seed: 5)
        var shuffled = lines
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, r.below(i + 1)) }
        _ = try Self.expectSame(text, Self.join(shuffled), earlyExit: false)
        if text.contains("LIMIT 1") || text.contains("SINCE 2d") { #expect(newest.stoppedEarly) }
    }

    @Test func aLimitQueryOnNewestFirstInputStopsEarly() throws {
        let outcome = try Self.expectSame("SELECT clicks SINCE all LIMIT 5", Self.clicks(2000))
        #expect(outcome.stoppedEarly)
        #expect(outcome.parsed < 200)
    }

    @Test func aSinceBoundStopsTheScanOfNewestFirstInput() throws {
        let outcome = try Self.expectSame("SELECT country, count() FROM clicks GROUP BY country SINCE 1d", Self.clicks(2000))
        #expect(outcome.stoppedEarly)
        #expect(outcome.parsed < 600)
    }

    @Test func anEventOutOfOrderSwitchesToTheFullScan() throws {
        // The newest event moved to the middle of the first window: a LIMIT 1 answer is it.
        var lines = Self.lines(Self.clicks(2000))
        let newest = lines.removeFirst()
        lines.insert(newest, at: 1)
        let outcome = try Self.expectSame("SELECT clicks SINCE all LIMIT 1", Self.join(lines))
        #expect(!outcome.stoppedEarly)
        // Ties at the limit's boundary: several events of one instant, in both directions.
        var tied = Self.lines(Self.clicks(300))
        let copy = tied[10]
        for k in 0..<6 {
            let text = String(decoding: copy, as: UTF8.self)
            let id = "\"id\":\"tie\(k)"
            tied.insert(Array(text.replacingFirst("\"id\":\"", with: id).utf8), at: 10)
        }
        _ = try Self.expectSame("SELECT clicks SINCE all LIMIT 12", Self.join(tied))
        _ = try Self.expectSame("SELECT clicks SINCE all ORDER BY timestamp ASC LIMIT 3", Self.join(tied.reversed()))
    }

    @Test func aJSONArrayStreamsByElement() throws {
        let lines = Self.lines(Self.clicks(500))
        let array = Array("[\n  ".utf8) + Array(lines.joined(separator: Array(",\n  ".utf8))) + Array("\n]\n".utf8)
        let outcome = try Self.expectSame("SELECT clicks SINCE all LIMIT 3", array, name: "page.json")
        #expect(outcome.stoppedEarly)
        _ = try Self.expectSame("SELECT country, count() FROM clicks GROUP BY country SINCE all", array, name: "page.json")
    }

    @Test func malformedInputFailsAsTheLoaderDoes() throws {
        let plan = try Self.plan("SELECT clicks SINCE all")
        for bad in ["", "  \n", "x", "[{\"event\":\"click\"}", "{\"event\":\"click\",}\n"] {
            let bytes = Array(bad.utf8)
            var loaded: LoadError?
            do { _ = try EventLoader.load(bytes: bytes, name: "bad") } catch { loaded = error }
            var streamed: LoadError?
            do { _ = try EnginePath.stream(plan, [InputBuffer(name: "bad", bytes: bytes)]) } catch let e as LoadError { streamed = e }
            #expect(loaded != nil)
            #expect(streamed == loaded, "\(bad.debugDescription)")
        }
    }

    /// The prefilter searches raw bytes for `"value"`: escapes anywhere in a line, the same text in
    /// another field and escaped keys must leave the answer exact.
    @Test(arguments: [UInt64(1), 2, 3])
    func thePrefilterIsExactOnEscapedInput(_ seed: UInt64) throws {
        var r = SplitMix64(seed: seed)
        var lines = Self.lines(Self.clicks(300, seed: seed))
        for i in lines.indices where r.below(3) == 0 {
            var text = String(decoding: lines[i], as: UTF8.self)
            switch r.below(5) {
            case 0: text = text.replacingFirst("\"city\":\"", with: "\"city\":\"\\u0053an Jos\\u00e9") // escaped value
            case 1: text = text.replacingFirst("\"city\":\"", with: "\"c\\u0069ty\":\"San Jose\",\"x\":\"") // escaped key
            case 2: text = text.replacingFirst("\"region\":\"", with: "\"region\":\"San Jose\",\"y\":\"") // another field
            case 3: text = text.replacingFirst("\"country\":\"", with: "\"country\":\"\\u0055S\",\"z\":\"")
            default: text = text.replacingFirst("\"city\":\"", with: "\"city\":\"San Jose\",\"w\":\"\\/")
            }
            lines[i] = Array(text.utf8)
        }
        let bytes = Self.join(lines)
        for text in ["SELECT clicks WHERE city = 'San Jose' SINCE all",
                     "SELECT clicks WHERE country = US AND city IN ('San Jose', 'Berlin') SINCE all",
                     "SELECT clicks WHERE city = 'San Jose' OR country = US SINCE all LIMIT 1000",
                     "SELECT city, count() FROM clicks WHERE city = 'San Jose' OR country = DE GROUP BY city SINCE all"] {
            _ = try Self.expectSame(text, bytes, earlyExit: false)
        }
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
