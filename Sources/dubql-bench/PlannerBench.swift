// Benchmark of the planner: parse + bind + plan of the design's example query (and the steps on
// their own), in microseconds per query.

import DubQL
import DubQLSyntax
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dubql-bench planner`.
enum PlannerBench {
    static let example = "SELECT sales WHERE country IN (US) AND NOT browser = Chrome SINCE 30d"
    static let union = "SELECT clicks WHERE (country = US OR browser = Chrome) AND device = Mobile SINCE 2026-08-01T10:00:00Z LIMIT 2500"
    /// Issue 10's second query: GET /analytics with the totals check and the /events fallback.
    static let analytics = "SELECT country, count() FROM clicks WHERE device = Mobile GROUP BY country ORDER BY count() DESC LIMIT 10 SINCE 30d"
    /// An aggregate /analytics cannot answer: /events pages aggregated locally.
    static let eventsAggregate = "SELECT utm_source, count(DISTINCT customer.id), avg(sale.amount) FROM sales GROUP BY utm_source HAVING count() > 5 SINCE ytd"

    static func run() {
        print("== planner == (best of 5, CPU time of this thread; wall clock in brackets)")
        let context = QueryContext(now: 1_787_227_200_000)
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
            let all = measure(iterations) {
                let s = Parser.parse(SourceFile(name: "<query>", text: text)).script.statements[0]
                if let q = Binder.bind(s, source: source, context: context).query { sink &+= APIPlanner.plan(q).plan?.requests.count ?? 0 }
            }
            let parse = measure(iterations) { sink &+= Parser.parse(SourceFile(name: "<query>", text: text)).script.statements.count }
            let bind = measure(iterations) { sink &+= Binder.bind(statement, source: source, context: context).query?.limit ?? 0 }
            let plan = measure(iterations) { sink &+= APIPlanner.plan(query).plan?.requests.count ?? 0 }
            let local = measure(iterations) { sink &+= LocalPlanner.plan(query).plan?.limit ?? 0 }
            print("\(label): parse + bind + API plan \(all) µs; parse \(parse) µs; bind \(bind) µs; API plan \(plan) µs; local plan \(local) µs")
        }
        print("  (\(example))")
        if sink == 42 { print("") }
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
