// Streamed aggregates (partial groups per window, merged in order) against the loaded store and the
// reference evaluator: random aggregate queries over data across DST changes, many windows with
// one and several workers, malformed lines with and without --skip-invalid, merges of arbitrary
// parts (sales included), and exact float sums whatever the order.

import DubQL
import DubQLEngine
import DubQLSyntax
import DubQLTestSupport
import Testing

@Suite("Streaming aggregates")
struct StreamingAggregateTests {
    /// 2026-11-05T12:00:00Z: 45 days before it hold the DST changes of Auckland, Berlin and New York.
    static let end: Int64 = 1_793_880_000_000
    static let day: Int64 = 86_400_000

    static func events(_ event: EventType, _ count: Int, seed: UInt64) -> [UInt8] {
        Generator(GeneratorOptions(event: event, count: count, seed: seed, days: 45, end: end)).bytes()
    }

    static let clicks = events(.clicks, 900, seed: 41)
    static let leads = events(.leads, 400, seed: 42)

    static func query(_ text: String) throws -> BoundQuery {
        let compilation = Compiler.compile(SourceFile(name: "<q>", text: text), context: QueryContext(now: end, timeZone: nil))
        return try #require(compilation.statements.first?.query, "\(text): \(compilation.diagnostics)")
    }

    static func plan(_ query: BoundQuery) throws -> LocalPlan {
        let (plan, diagnostics) = LocalPlanner.plan(query)
        return try #require(plan, "\(diagnostics)")
    }

    static let dstQueries = [
        "SELECT day, count() FROM clicks GROUP BY day SINCE 45d TIMEZONE 'America/New_York'",
        "SELECT hour, count() FROM clicks GROUP BY hour BETWEEN 2026-10-31 AND 2026-11-02 TIMEZONE 'America/New_York'",
        "SELECT day, count(DISTINCT country) FROM clicks WHERE device = Mobile GROUP BY day BETWEEN 2026-10-20 AND 2026-10-30 TIMEZONE 'Europe/Berlin'",
        "SELECT week, country, count() AS n FROM clicks GROUP BY week, country HAVING n > 3 SINCE all TIMEZONE 'Pacific/Auckland' ORDER BY n DESC LIMIT 10 OFFSET 2",
        "SELECT month, count(city), min(timestamp), max(timestamp) FROM clicks GROUP BY month SINCE all TIMEZONE 'Asia/Kolkata'",
        "SELECT count(), count(DISTINCT city), count(DISTINCT link.shortLink) FROM clicks SINCE 30d",
        "SELECT country, count() FROM clicks WHERE city = 'Nowhere at all' GROUP BY country SINCE all",
        "SELECT count(), sum(metadata.seats), avg(metadata.seats) FROM leads WHERE city = 'Nowhere at all' SINCE all",
        "SELECT day, count() FROM leads WHERE city = 'Nowhere at all' GROUP BY day SINCE 7d TIMEZONE 'America/New_York'",
        "SELECT metadata.plan, count(), sum(metadata.seats), avg(metadata.seats), max(metadata.seats) FROM leads GROUP BY metadata.plan SINCE all",
        "SELECT link, utm_source, count() FROM leads GROUP BY link, utm_source HAVING count() >= 2 SINCE all ORDER BY utm_source ASC, link DESC",
    ]

    /// Streamed (three workers, then one worker and one event per window at first) equals the
    /// loaded store and the evaluator, over clicks and leads that cross DST changes.
    @Test(arguments: dstQueries)
    func streamedGroupsEqualTheLoadedAndTheEvaluator(_ text: String) throws {
        let query = try Self.query(text)
        let plan = try Self.plan(query)
        let bytes = query.event == .clicks ? Self.clicks : Self.leads
        let store = try EventLoader.load(bytes: bytes, name: "events.ndjson")
        let expected = Evaluator.aggregate(query, from: store.records)
        #expect(Executor.aggregate(plan, on: store) == expected, "\(text)")
        for (workers, first) in [(3, 2 << 10), (1, 1), (2, 700)] {
            let outcome = try StreamExecutor.run(plan, buffers: [InputBuffer(name: "events.ndjson", bytes: bytes)], workers: workers,
                                                 firstWindowBytes: first)
            #expect(outcome.aggregate == expected, "\(text) with \(workers) workers")
            #expect(outcome.store.count == 0, "an aggregate keeps groups, not events")
        }
    }

    /// Random aggregate queries (keys, aggregates, WHERE, HAVING, zones, ORDER BY, LIMIT, OFFSET).
    @Test(arguments: 0..<6)
    func randomAggregatesStreamToTheEvaluatorsAnswer(_ seed: Int) throws {
        var r = SplitMix64(seed: UInt64(seed) &* 7_727 &+ 5)
        let clicks = try EventLoader.load(bytes: Self.clicks, name: "c")
        let leads = try EventLoader.load(bytes: Self.leads, name: "l")
        var tried = 0
        while tried < 25 {
            var text = AggregateQueries.query(&r)
            if text.contains("FROM sales") { continue }
            // The generator's fixed dates are August's; these events are October's and November's.
            text = text.replacingOccurrences("2026-08-1", with: "2026-10-2")
            guard let query = try? Self.query(text), let plan = LocalPlanner.plan(query).plan else { continue }
            tried += 1
            let (store, bytes) = query.event == .clicks ? (clicks, Self.clicks) : (leads, Self.leads)
            let expected = Evaluator.aggregate(query, from: store.records)
            let workers = 1 + r.below(3)
            let outcome = try StreamExecutor.run(plan, buffers: [InputBuffer(name: "e", bytes: bytes)], workers: workers,
                                                 firstWindowBytes: r.pick([1, 3000, 20_000]))
            #expect(outcome.aggregate == expected, "\(text) (\(workers) workers)")
        }
    }

    /// Malformed lines: skipped with --skip-invalid (the same count and first error as the
    /// loader, the same groups), else the loader's error; for faults in fields the aggregate does
    /// not read too (the lean parse validates them all the same).
    @Test func malformedLinesAreSkippedOrFailAsTheLoaderDoes() throws {
        var lines = Self.clicks.split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
        let faults = [
            #"{"event":"click","timestamp":"2026-11-01T00:00:00.000Z","click":{"id":"bad1","browser":5}}"#,  // wrong type, unread field
            #"{"event":"click","timestamp":"2026-11-01T00:00:00.000Z","click":{"id":"bad2","country":"US"},"link":{"title":"x\q"}}"#,  // bad escape
            #"{"event":"click","timestamp":"2026-11-01T00:00:00.000Z","click":{"country":"US"}}"#,  // no click.id
            #"{"event":"click","timestamp":"someday","click":{"id":"bad4"}}"#,
            #"{"event":"click","timestamp":"2026-11-01T00:00:00.000Z","click":{"id":"bad5","country":"DE"},"link":{"tags":[1,2,}}"#,
            #"{"event":"view","timestamp":"2026-11-01T00:00:00.000Z","click":{"id":"bad6"}}"#,
            #"{"event":"click","timestamp":"2026-11-01T00:00:00.000Z","click":{"id":"bad7","country":"FR"}} trailing"#,
            "{\"event\":\"click\",\"timestamp\":\"2026-11-01T00:00:00.000Z\",\"click\":{\"id\":\"bad8\",\"city\":\"\u{01}\"}}",  // control byte
        ]
        for (k, fault) in faults.enumerated() { lines.insert(fault, at: 37 + 61 * k) }
        // Valid, with escapes in what the aggregate reads: keys and values.
        lines.insert(#"{"event":"click","timestamp":"2026-11-01T00:00:00.000Z","click":{"id":"ok1","c\u006funtry":"\u0055S","country":"D\u0045"}}"#, at: 5)
        var bytes = Array(lines.joined(separator: "\n").utf8) + [0x0A]
        // Invalid UTF-8 (in the first string with an "A").
        if let at = bytes.firstIndex(of: UInt8(ascii: "A")) { bytes[at] = 0xC0 }
        for text in ["SELECT country, count() FROM clicks GROUP BY country SINCE all",
                     "SELECT day, count(DISTINCT city) FROM clicks WHERE NOT device = Mobile GROUP BY day SINCE all TIMEZONE 'America/New_York'"] {
            // (No byte search: lines it rejects are not parsed, so not validated either.)
            let plan = try Self.plan(Self.query(text))
            let skip = LoadOptions(skipInvalid: true)
            var loader = EventLoader(options: skip)
            try loader.load(bytes: bytes, name: "bad.ndjson")
            let store = loader.finish()
            #expect(loader.skipped == faults.count + 1)
            for (workers, first) in [(3, 2 << 10), (1, 1)] {
                let outcome = try StreamExecutor.run(plan, buffers: [InputBuffer(name: "bad.ndjson", bytes: bytes)], options: skip,
                                                     workers: workers, firstWindowBytes: first)
                #expect(outcome.aggregate == Executor.aggregate(plan, on: store), "\(text)")
                #expect(outcome.skipped == loader.skipped)
                #expect(outcome.firstSkipped == loader.firstSkipped)
                var loadError: LoadError?
                do { _ = try EventLoader.load(bytes: bytes, name: "bad.ndjson") } catch { loadError = error }
                var streamError: LoadError?
                do {
                    _ = try StreamExecutor.run(plan, buffers: [InputBuffer(name: "bad.ndjson", bytes: bytes)], workers: workers, firstWindowBytes: first)
                } catch let e as LoadError { streamError = e }
                #expect(loadError != nil)
                #expect(streamError == loadError)
            }
        }
    }

    /// Partial aggregates of arbitrary parts merge to the whole store's answer: sales with money
    /// sums in cents, distinct customers, time series with empty buckets, in any number of parts.
    @Test(arguments: [2, 5, 17])
    func partsOfAStoreMergeToTheWhole(_ parts: Int) throws {
        let sales = Self.events(.sales, 600, seed: 43)
        let lines = sales.split(separator: 0x0A)
        let whole = try EventLoader.load(bytes: sales, name: "s")
        let chunk = (lines.count + parts - 1) / parts
        let stores = try stride(from: 0, to: lines.count, by: chunk).map { i in
            try EventLoader.load(bytes: Array(lines[i..<min(i + chunk, lines.count)].joined(separator: [0x0A])), name: "p\(i)")
        }
        for text in ["SELECT country, count(), sum(sale.amount), avg(sale.amount), min(sale.amount), max(sale.amount) FROM sales GROUP BY country SINCE all",
                     "SELECT day, sum(sale.amount), count(DISTINCT customer.id) FROM sales GROUP BY day SINCE 45d TIMEZONE 'America/New_York'",
                     "SELECT count(), sum(sale.amount), count(DISTINCT customer.id), sum(metadata.seats), avg(metadata.seats) FROM sales SINCE all",
                     "SELECT metadata.plan, max(metadata.seats), min(timestamp) FROM sales GROUP BY metadata.plan HAVING count() > 1 SINCE all LIMIT 2 OFFSET 1"] {
            let plan = try Self.plan(Self.query(text))
            var merged = PartialAggregate(try #require(plan.aggregation), timeZone: plan.timeZone)
            // saleType aside (it needs the whole input), every aggregate merges.
            for store in stores { merged.merge(Executor.partialAggregate(plan, on: store)) }
            #expect(merged.finish() == Executor.aggregate(plan, on: whole), "\(text) in \(parts) parts")
        }
    }

    /// Float sums are exact, so they do not depend on how the events are split or ordered.
    @Test func floatSumsDoNotDependOnOrder() throws {
        let seats = ["1e16", "1", "-1e16", "0.1", "0.2", "0.3", "1e-300", "3.5e15", "-0.1"]
        var lines: [String] = []
        for (k, s) in seats.enumerated() {
            lines.append(#"{"event":"lead","timestamp":"2026-11-0\#(1 + k % 3)T10:00:00.000Z","eventId":"e\#(k)","eventName":"Sign up","customer":{"id":"c\#(k)"},"metadata":{"seats":\#(s)}}"#)
        }
        let text = "SELECT count(), sum(metadata.seats), avg(metadata.seats) FROM leads SINCE all"
        let query = try Self.query(text)
        let plan = try Self.plan(query)
        var answers: [AggregateResult] = []
        for order in [lines, lines.reversed(), lines.sorted()] {
            let bytes = Array(order.joined(separator: "\n").utf8)
            let store = try EventLoader.load(bytes: bytes, name: "f")
            answers.append(Executor.aggregate(plan, on: store))
            answers.append(Evaluator.aggregate(query, from: store.records))
            answers.append(try #require(StreamExecutor.run(plan, buffers: [InputBuffer(name: "f", bytes: bytes)], workers: 2, firstWindowBytes: 1).aggregate))
        }
        #expect(Set(answers.map { "\($0.rows)" }).count == 1, "\(answers.map(\.rows))")
        // 1e16 + 1 - 1e16 is 1 exactly; a running sum in this order loses the 1.
        #expect(answers[0].rows[0][1] == .number(ExactSumReference.sum([1e16, 1, -1e16, 0.1, 0.2, 0.3, 1e-300, 3.5e15, -0.1])))
    }

    @Test func exactSumsRoundOnceAndMergeInAnyOrder() {
        var r = SplitMix64(seed: 99)
        for _ in 0..<200 {
            let values = (0..<(1 + r.below(40))).map { _ in
                Double(Int(r.below(2_000_001)) - 1_000_000) * [1e-3, 1, 1e12, 1e300, 1e-310][r.below(5)]
            }
            var whole = ExactSum()
            for v in values { whole.add(v) }
            var a = ExactSum(), b = ExactSum()
            for (i, v) in values.reversed().enumerated() { if i % 2 == 0 { a.add(v) } else { b.add(v) } }
            b.add(a)
            #expect(whole.value == b.value, "\(values)")
            #expect(whole.value == ExactSumReference.sum(values), "\(values)")
        }
        var s = ExactSum()
        for v in [1e308, 1e308, -1e308] { s.add(v) }
        #expect(s.value == 1e308)
        s.add(.infinity)
        #expect(s.value == .infinity)
        s.add(-.infinity)
        #expect(s.value.isNaN)
    }
}

/// An independent exact sum for the tests: the values as exact binary fractions in a wide
/// integer, rounded to the nearest double (ties to even) by the bits.
enum ExactSumReference {
    static func sum(_ values: [Double]) -> Double {
        // Every finite double is m * 2^e with e >= -1074: scale by 2^1074 into a big integer.
        var total = BigInt()
        for v in values where v != 0 {
            let m = v.significandBitPattern | (v.isNormal ? 1 << 52 : 0)
            let e = Int(v.exponentBitPattern) - 1075 + (v.isNormal ? 0 : 1) + 1074
            total.add(magnitude: m, shift: e, negative: v < 0)
        }
        return total.rounded()
    }

    /// Sign and magnitude in 64-bit words (little end first), units of 2^-1074.
    struct BigInt {
        var negative = false
        var words: [UInt64] = Array(repeating: 0, count: 40)

        mutating func add(magnitude m: UInt64, shift: Int, negative n: Bool) {
            var other = [UInt64](repeating: 0, count: words.count)
            let w = shift / 64, b = shift % 64
            other[w] |= m << UInt64(b)
            if b > 0, w + 1 < other.count { other[w + 1] |= m >> UInt64(64 - b) }
            if n == negative {
                var carry: UInt64 = 0
                for i in words.indices {
                    let (s1, o1) = words[i].addingReportingOverflow(other[i])
                    let (s2, o2) = s1.addingReportingOverflow(carry)
                    words[i] = s2
                    carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
                }
            } else {
                var (big, small) = (words, other)
                if Self.less(words, other) { (big, small) = (other, words); negative = n }
                var borrow: UInt64 = 0
                for i in big.indices {
                    let (d1, o1) = big[i].subtractingReportingOverflow(small[i])
                    let (d2, o2) = d1.subtractingReportingOverflow(borrow)
                    big[i] = d2
                    borrow = (o1 ? 1 : 0) + (o2 ? 1 : 0)
                }
                words = big
            }
        }

        static func less(_ a: [UInt64], _ b: [UInt64]) -> Bool {
            for i in a.indices.reversed() where a[i] != b[i] { return a[i] < b[i] }
            return false
        }

        /// Nearest double to the value, ties to even.
        func rounded() -> Double {
            guard let top = words.indices.last(where: { words[$0] != 0 }) else { return 0 }
            let bitLength = top * 64 + (64 - words[top].leadingZeroBitCount)
            func bit(_ i: Int) -> UInt64 { i < 0 ? 0 : (words[i / 64] >> UInt64(i % 64)) & 1 }
            // Keep 53 bits (fewer for subnormals: the unit is 2^-1074, bit 0).
            let drop = max(bitLength - 53, 0)
            var mantissa: UInt64 = 0
            for i in stride(from: bitLength - 1, through: drop, by: -1) { mantissa = mantissa << 1 | bit(i) }
            if drop > 0 {
                let half = bit(drop - 1)
                var sticky = false
                for i in 0..<(drop - 1) where bit(i) != 0 { sticky = true; break }
                if half == 1 && (sticky || mantissa & 1 == 1) { mantissa += 1 }
            }
            let magnitude = Double(sign: .plus, exponent: drop - 1074, significand: Double(mantissa))
            return negative ? -magnitude : magnitude
        }
    }
}

extension String {
    func replacingOccurrences(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
