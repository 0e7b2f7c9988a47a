// Benchmark of loading one existing NDJSON file into a store (`dubql-bench load`, the file in
// DUBQL_BENCH_FILE, default /tmp/c1m.ndjson as `dubql generate --event clicks --count 1000000 --days 90`
// writes it): wall and CPU time of each of a few loads, and heap bytes per event of the store.

import DubQLEngine
import Foundation

enum LoadBench {
    static func run() {
        print("== load ==")
        let path = ProcessInfo.processInfo.environment["DUBQL_BENCH_FILE"] ?? "/tmp/c1m.ndjson"
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let bytes = (attributes[.size] as? NSNumber)?.intValue else { print("no file \(path)"); return }
        let runs = Int(ProcessInfo.processInfo.environment["DUBQL_BENCH_RUNS"] ?? "") ?? 3
        for _ in 0..<runs {
            let before = EngineBench.memory()
            let start = DispatchTime.now(), cpu0 = EngineBench.cpuSeconds()
            guard let (store, _, _) = try? EventLoader.load(paths: [path]) else { print("load failed: \(path)"); return }
            let s = EngineBench.seconds(since: start), cpu = EngineBench.cpuSeconds() - cpu0
            let after = EngineBench.memory()
            let perEvent = Double(after.anon - before.anon) / Double(max(store.count, 1))
            print(String(format: "load %d events, %.1f MB: %.3f s wall, CPU %.2f s; heap %.0f bytes/event = %.1f%% of %.0f JSON bytes (load average %@)",
                         store.count, EngineBench.mb(bytes), s, cpu, perEvent, 100 * perEvent / (Double(bytes) / Double(store.count)),
                         Double(bytes) / Double(store.count), loadAverage()))
        }
    }

    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
    }
}
