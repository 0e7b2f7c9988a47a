// Benchmark of the planner: parse + bind + plan of the design's example query (and the steps on
// their own), in microseconds per query, next to SQLite preparing the same query in SQL.

import CSQLite
import DubQL
import DubQLSyntax
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dubql-bench planner` (timings) and `dubql-bench planner-callgrind` (a fixed loop to count
/// instructions under `valgrind --tool=callgrind`).
enum PlannerBench {
    static let example = "SELECT sales WHERE country IN (US) AND NOT browser = Chrome SINCE 30d"
    static let union = "SELECT clicks WHERE (country = US OR browser = Chrome) AND device = Mobile SINCE 2026-08-01T10:00:00Z LIMIT 2500"
    /// Issue 10's second query: GET /analytics with the totals check and the /events fallback.
    static let analytics = "SELECT country, count() FROM clicks WHERE device = Mobile GROUP BY country ORDER BY count() DESC LIMIT 10 SINCE 30d"
    /// An aggregate /analytics cannot answer: /events pages aggregated locally.
    static let eventsAggregate = "SELECT utm_source, count(DISTINCT customer.id), avg(sale.amount) FROM sales GROUP BY utm_source HAVING count() > 5 SINCE ytd"
    /// The example in SQL, over a table with the columns it reads: what SQLite prepares.
    static let exampleSQL = "SELECT * FROM sales WHERE country IN ('US') AND NOT browser = 'Chrome' AND timestamp >= ?1 ORDER BY timestamp DESC LIMIT 100"
    static let context = QueryContext(now: 1_787_227_200_000)

    static func run() {
        print("== planner == (best of 5, CPU time of this thread; wall clock in brackets)")
        var sink = 0
        for (label, text) in [("design example", example), ("union + residual", union),
                              ("aggregate on /analytics", analytics), ("aggregate on /events", eventsAggregate)] {
            let source = SourceFile(name: "<query>", text: text)
            let statement = Parser.parse(source).script.statements[0]
            guard let query = Binder.bind(statement, source: source, context: context).query else {
                print("\(label): does not bind")
                continue
            }
            let iterations = 50_000
            let all = measure(iterations) { sink &+= planOnce(text) }
            let parse = measure(iterations) { sink &+= Parser.parse(SourceFile(name: "<query>", text: text)).script.statements.count }
            let bind = measure(iterations) { sink &+= Binder.bind(statement, source: source, context: context).query?.limit ?? 0 }
            let plan = measure(iterations) { sink &+= APIPlanner.plan(query).plan?.requests.count ?? 0 }
            let local = measure(iterations) { sink &+= LocalPlanner.plan(query).plan?.limit ?? 0 }
            print("\(label): parse + bind + API plan \(all) µs; parse \(parse) µs; bind \(bind) µs; API plan \(plan) µs; local plan \(local) µs")
            if label == "design example" {
                if let sqlite = sqlitePrepare(exampleSQL, iterations: iterations) {
                    print("  SQLite \(String(cString: sqlite3_libversion())) sqlite3_prepare_v2 + finalize of the same query in SQL: \(sqlite) µs")
                } else {
                    print("  SQLite: could not prepare the SQL")
                }
            }
        }
        print("  (\(example))")
        print("  (\(exampleSQL))")
        if sink == 42 { print("") }
    }

    /// Parse + bind + API plan of `text` from its characters, as a server planning per request does.
    @inline(never)
    static func planOnce(_ text: String) -> Int {
        let source = SourceFile(name: "<query>", text: text)
        let statement = Parser.parse(source).script.statements[0]
        guard let query = Binder.bind(statement, source: source, context: context).query else { return 0 }
        return APIPlanner.plan(query).plan?.requests.count ?? 0
    }

    /// `dubql-bench planner-callgrind`: warms up, then plans the example `iterations` times inside
    /// ``callgrindLoop(_:)``, the one function to collect:
    ///
    ///     valgrind --tool=callgrind --toggle-collect='*PlannerBench*callgrindLoop*' \
    ///         .build/release/dubql-bench planner-callgrind
    ///
    /// Instructions per plan are the collected total divided by `iterations` (printed).
    static func profile(iterations: Int = 2000) {
        var sink = 0
        for _ in 0..<100 { sink &+= planOnce(example) }
        sink &+= callgrindLoop(iterations)
        print("planner-callgrind: \(iterations) plans of the design example (divide the collected instructions by \(iterations))\(sink == 42 ? " " : "")")
    }

    @inline(never)
    static func callgrindLoop(_ iterations: Int) -> Int {
        var sink = 0
        for _ in 0..<iterations { sink &+= planOnce(example) }
        return sink
    }

    /// Microseconds per `sqlite3_prepare_v2` + `sqlite3_finalize` of `sql` on an in-memory database
    /// holding the table, measured like the planner; `nil` when SQLite rejects the SQL.
    static func sqlitePrepare(_ sql: String, iterations: Int) -> String? {
        var db: OpaquePointer?
        guard sqlite3_open(":memory:", &db) == SQLITE_OK, let db else { return nil }
        defer { sqlite3_close(db) }
        let schema = "CREATE TABLE sales (timestamp INTEGER, eventId TEXT, country TEXT, browser TEXT, device TEXT, os TEXT, city TEXT, amount INTEGER)"
        guard sqlite3_exec(db, schema, nil, nil, nil) == SQLITE_OK else { return nil }
        let bytes = Array(sql.utf8)
        var ok = true
        let result = measure(iterations) {
            bytes.withUnsafeBufferPointer { b in
                b.withMemoryRebound(to: CChar.self) { c in
                    var statement: OpaquePointer?
                    if sqlite3_prepare_v2(db, c.baseAddress, Int32(c.count), &statement, nil) != SQLITE_OK { ok = false }
                    sqlite3_finalize(statement)
                }
            }
        }
        return ok ? result : nil
    }

    /// Microseconds per iteration: thread CPU time, with wall-clock time in brackets.
    static func measure(_ iterations: Int, _ body: () -> Void) -> String {
        var bestCPU = Double.infinity, bestWall = Double.infinity
        for _ in 0..<5 {
            let c0 = now(CLOCK_THREAD_CPUTIME_ID), w0 = now(CLOCK_MONOTONIC)
            for _ in 0..<iterations { body() }
            bestCPU = min(bestCPU, now(CLOCK_THREAD_CPUTIME_ID) - c0)
            bestWall = min(bestWall, now(CLOCK_MONOTONIC) - w0)
        }
        return "\(fixed(bestCPU / Double(iterations) * 1e6)) [\(fixed(bestWall / Double(iterations) * 1e6))]"
    }

    static func now(_ clock: clockid_t) -> Double {
        var t = timespec()
        clock_gettime(clock, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    static func fixed(_ v: Double) -> String {
        let scaled = Int((v * 100).rounded())
        let frac = scaled % 100
        return "\(scaled / 100).\(frac < 10 ? "0" : "")\(frac)"
    }
}
