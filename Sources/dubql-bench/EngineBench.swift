// Benchmark of the local engine: generating and loading NDJSON clicks, query latency over the loaded
// store (the six queries of the engine issue), and memory per loaded event.

import DubQL
import DubQLEngine
import DubQLSyntax
import Foundation

enum EngineBench {
    static let end: Int64 = 1_787_061_792_000  // 2026-08-18T14:03:12Z, also the queries' "now"

    static func run() {
        print("== engine ==")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dubql-bench-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var stores: [Int: EventStore] = [:]
        for count in [100_000, 1_000_000] {
            let path = dir.appendingPathComponent("clicks-\(count).ndjson").path
            let bytes = generate(.clicks, count: count, to: path)
            stores[count] = load(path: path, bytes: bytes, count: count)
        }
        guard let clicks = stores[1_000_000] else { return }
        stores[100_000] = nil
        let salesPath = dir.appendingPathComponent("sales-200000.ndjson").path
        let salesBytes = generate(.sales, count: 200_000, to: salesPath)
        guard let sales = load(path: salesPath, bytes: salesBytes, count: 200_000) else { return }
        print("queries (parse + bind + plan + execute, median of 15 runs):")
        let queries: [(String, EventStore)] = [
            ("SELECT clicks WHERE country IN (DE, FR, NL) AND NOT device = Mobile SINCE 7d LIMIT 100", clicks),
            ("SELECT clicks WHERE city = 'Cape Town' AND os = Linux AND referer = 'github.com' SINCE all LIMIT 100", clicks),
            ("SELECT clicks WHERE country = JP OR browser = Edge OR referer = 'news.ycombinator.com' SINCE 30d LIMIT 100", clicks),
            ("SELECT clicks WHERE utm_campaign = 'launch week' AND utm_source = twitter SINCE 30d LIMIT 100", clicks),
            ("SELECT sales WHERE metadata.seats >= 30 AND metadata.plan = business SINCE all LIMIT 100", sales),
            ("SELECT clicks WHERE device = Desktop SINCE all ORDER BY timestamp ASC LIMIT 100 OFFSET 50000", clicks),
        ] + AggregateBench.queries.map { ($0.text, $0.event == .sales ? sales : clicks) }
        for (text, store) in queries { query(text, store) }
    }

    // MARK: Steps

    static func generate(_ event: EventType, count: Int, to path: String) -> Int {
        let start = DispatchTime.now(), cpu0 = cpuSeconds()
        guard let out = FileHandle(forWritingAtPath: path) ?? {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)
        }() else { print("cannot write \(path)"); return 0 }
        var total = 0
        Generator(GeneratorOptions(event: event, count: count, seed: 7, days: 30, end: end)).write { chunk in
            total += chunk.count
            out.write(Data(chunk))
        }
        try? out.close()
        let s = seconds(since: start), cpu = cpuSeconds() - cpu0
        print(String(format: "generate %8d %@: %7.1f MB in %6.2f s = %9.0f events/s, %6.0f MB/s (CPU %.2f s)",
                     count, event.rawValue, mb(total), s, Double(count) / s, mb(total) / s, cpu))
        return total
    }

    static func load(path: String, bytes: Int, count: Int) -> EventStore? {
        let before = memory()
        let start = DispatchTime.now(), cpu0 = cpuSeconds()
        guard let (store, _, _) = try? EventLoader.load(paths: [path]) else { print("load failed: \(path)"); return nil }
        let s = seconds(since: start), cpu = cpuSeconds() - cpu0
        let after = memory()
        print(String(format: "load     %8d events: %7.1f MB in %6.3f s = %6.0f MB/s, %9.0f events/s (CPU %.2f s)",
                     store.count, mb(bytes), s, mb(bytes) / s, Double(store.count) / s, cpu))
        let perEvent = Double(after.anon - before.anon) / Double(max(count, 1))
        print(String(format: "         memory: %.0f bytes/event anonymous (heap) = %.1f%% of its %.0f JSON bytes; RSS +%.1f MB",
                     perEvent, 100 * perEvent / (Double(bytes) / Double(count)), Double(bytes) / Double(count),
                     mb(after.rss - before.rss)))
        return store
    }

    static func query(_ text: String, _ store: EventStore) {
        var times: [Double] = []
        var rows = 0
        for _ in 0..<15 {
            let start = DispatchTime.now()
            let file = SourceFile(name: "<bench>", text: text)
            let parsed = Parser.parse(file)
            guard let statement = parsed.script.statements.first,
                  let query = Binder.bind(statement, source: file, context: QueryContext(now: end)).query,
                  let plan = LocalPlanner.plan(query).plan else { print("does not plan: \(text)"); return }
            rows = plan.aggregation != nil ? Executor.aggregate(plan, on: store).rows.count : Executor.rows(plan, on: store).count
            times.append(seconds(since: start))
        }
        times.sort()
        print(String(format: "  %7.2f ms  %4d rows  %@", times[times.count / 2] * 1000, rows, text))
    }

    // MARK: Measuring

    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// User plus system CPU time of the process so far (the machine may be shared: wall time alone misleads).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func mb(_ bytes: Int) -> Double { Double(bytes) / 1_048_576 }

    /// Resident and anonymous (heap) memory from /proc/self/status, in bytes.
    static func memory() -> (rss: Int, anon: Int) {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        func field(_ name: String) -> Int {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return 0 }
            return (Int(line.split(separator: " ").dropFirst().first { !$0.isEmpty }.map(String.init) ?? "") ?? 0) * 1024
        }
        return (field("VmRSS:"), field("RssAnon:"))
    }
}
