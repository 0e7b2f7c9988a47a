// Benchmark of aggregate queries over loaded events (issue 10): 1M clicks and 200k sales, each query
// timed as planning (parse + bind + plan) and execution separately, median of 25 runs.
// `DUBQL_BENCH_SCALE=0.1` scales the event counts down while developing.

import DubQL
import DubQLEngine
import DubQLSyntax
import Foundation

enum AggregateBench {
    /// The aggregate queries of the engine benchmark: hash aggregation on dictionary codes,
    /// buckets by a sweep, money in integer cents.
    static let queries: [(text: String, event: EventType)] = [
        ("SELECT country, count() FROM clicks GROUP BY country SINCE all", .clicks),
        ("SELECT day, count() FROM clicks GROUP BY day SINCE all TIMEZONE 'America/New_York'", .clicks),
        ("SELECT count(), sum(sale.amount) FROM sales WHERE country = US SINCE all", .sales),
        ("SELECT count(DISTINCT customer.id) FROM sales SINCE all", .sales),
        ("SELECT device, count(), count(DISTINCT country) FROM clicks WHERE trigger = qr GROUP BY device SINCE 30d", .clicks),
        ("SELECT utm_source, sum(sale.amount), avg(sale.amount) FROM sales WHERE saleType = new GROUP BY utm_source SINCE 90d", .sales),
    ]

    static func run() {
        let scale = ProcessInfo.processInfo.environment["DUBQL_BENCH_SCALE"].flatMap(Double.init) ?? 1
        print("== aggregates ==")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dubql-bench-agg-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var stores: [EventType: EventStore] = [:]
        for (event, count) in [(EventType.clicks, 1_000_000), (.sales, 200_000)] {
            let n = max(1, Int(Double(count) * scale))
            let path = dir.appendingPathComponent("\(event.rawValue).ndjson").path
            let bytes = EngineBench.generate(event, count: n, to: path)
            stores[event] = EngineBench.load(path: path, bytes: bytes, count: n)
        }
        print("plan = parse + bind + plan; execute = the engine on the loaded store (median of 25 runs):")
        for (text, event) in queries {
            guard let store = stores[event] else { continue }
            var planTimes: [Double] = [], runTimes: [Double] = []
            var rows = 0
            for _ in 0..<25 {
                let start = DispatchTime.now()
                let file = SourceFile(name: "<bench>", text: text)
                let parsed = Parser.parse(file)
                guard let statement = parsed.script.statements.first,
                      let query = Binder.bind(statement, source: file, context: QueryContext(now: EngineBench.end)).query,
                      let plan = LocalPlanner.plan(query).plan else { print("does not plan: \(text)"); return }
                let planned = DispatchTime.now()
                rows = Executor.aggregate(plan, on: store).rows.count
                runTimes.append(EngineBench.seconds(since: planned))
                planTimes.append(Double(planned.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
            }
            planTimes.sort()
            runTimes.sort()
            print(String(format: "  plan %6.1f µs  execute %7.3f ms  %4d rows  %@ (%d events)",
                         planTimes[12] * 1e6, runTimes[12] * 1000, rows, text, store.count(of: event)))
        }
    }
}
