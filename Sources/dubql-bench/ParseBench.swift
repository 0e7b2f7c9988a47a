// `dubql-bench parse-callgrind`: the event parse alone (JSON validation and the loader's field
// positions, no interning) over every line of DUBQL_BENCH_FILE, inside one function to count
// instructions with callgrind:
//
//     valgrind --tool=callgrind --toggle-collect='*ParseBench*callgrindLoop*' \
//         .build/release/dubql-bench parse-callgrind
//
// Instructions per event are the collected total divided by the events printed.
//
// `dubql-bench query-callgrind`: a whole one-shot scan of DUBQL_BENCH_FILE (line splitting, parse,
// rows, the query) on one worker, as `dubql query` streams it; DUBQL_BENCH_QUERY is the query
// (default: the count by country):
//
//     valgrind --tool=callgrind --toggle-collect='*ParseBench*callgrindQuery*' \
//         .build/release/dubql-bench query-callgrind

import DubQL
import DubQLEngine
import DubQLSyntax
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

    static func profileQuery() {
        let environment = ProcessInfo.processInfo.environment
        let path = environment["DUBQL_BENCH_FILE"] ?? "/tmp/lf/c100k.ndjson"
        let text = environment["DUBQL_BENCH_QUERY"] ?? "SELECT country, count() FROM clicks GROUP BY country SINCE all"
        let file = SourceFile(name: "<bench>", text: text)
        guard let statement = Parser.parse(file).script.statements.first,
              let query = Binder.bind(statement, source: file, context: QueryContext(now: EngineBench.end)).query,
              let plan = LocalPlanner.plan(query).plan else { print("does not plan: \(text)"); return }
        do {
            let outcome = try callgrindQuery(plan, path)
            print("query-callgrind: \(outcome.parsed) events of \(path) parsed, \(outcome.rejected) rejected, \(outcome.aggregate?.rows.count ?? -1) rows (divide the collected instructions by \(outcome.parsed + outcome.rejected))")
        } catch {
            print("query-callgrind: \(error)")
        }
    }

    @inline(never)
    static func callgrindQuery(_ plan: LocalPlan, _ path: String) throws -> StreamOutcome {
        try StreamExecutor.run(plan, paths: [path], workers: 1)
    }
}
