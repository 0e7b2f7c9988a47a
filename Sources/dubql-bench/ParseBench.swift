// `dubql-bench parse-callgrind`: the event parse alone (JSON validation and the loader's field
// positions, no interning) over every line of DUBQL_BENCH_FILE, inside one function to count
// instructions with callgrind:
//
//     valgrind --tool=callgrind --toggle-collect='*ParseBench*callgrindLoop*' \
//         .build/release/dubql-bench parse-callgrind
//
// Instructions per event are the collected total divided by the events printed.

import DubQLEngine
import Foundation

enum ParseBench {
    static func profile() {
        let path = ProcessInfo.processInfo.environment["DUBQL_BENCH_FILE"] ?? "/tmp/pf/c20k.ndjson"
        guard let data = FileManager.default.contents(atPath: path) else { print("no file \(path)"); return }
        let bytes = [UInt8](data)
        bytes.withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress else { print("empty file \(path)"); return }
            let probe = EventParseProbe(base: base, count: buf.count)
            _ = probe.run() // warm up: page in the buffer, first-use initialisations
            // DUBQL_BENCH_REPEAT parses the file that many times (for a sampling profiler).
            let repeats = Int(ProcessInfo.processInfo.environment["DUBQL_BENCH_REPEAT"] ?? "") ?? 1
            var (sum, failed) = (0, 0)
            for _ in 0..<max(1, repeats) { (sum, failed) = callgrindLoop(probe) }
            print("parse-callgrind: \(probe.count) events of \(path), \(buf.count / max(probe.count, 1)) bytes each on average, \(failed) refused (checksum \(sum); divide the collected instructions by \(probe.count))")
        }
    }

    @inline(never)
    static func callgrindLoop(_ probe: EventParseProbe) -> (Int, Int) {
        probe.run()
    }
}
