// Benchmark of the front end on large input: IN lists, OR and AND chains and scripts of many
// statements, at two sizes each, so that the ratio shows how the time grows (2x for linear work).

import DubQL
import DubQLShell
import DubQLSyntax

/// `dubql-bench large`.
enum LargeBench {
    static func inList(_ n: Int) -> String {
        "SELECT clicks WHERE city IN (" + (0..<n).map { "c\($0)" }.joined(separator: ", ") + ") SINCE 7d"
    }
    static func orChain(_ n: Int) -> String {
        "SELECT clicks WHERE " + (0..<n).map { $0 % 2 == 0 ? "city = c\($0)" : "referer = r\($0)" }.joined(separator: " OR ") + " SINCE 7d"
    }
    static func andChain(_ n: Int) -> String {
        "SELECT clicks WHERE " + (0..<n).map { $0 % 2 == 0 ? "city != c\($0)" : "NOT referer = r\($0)" }.joined(separator: " AND ") + " SINCE 7d"
    }
    static func script(_ n: Int) -> String {
        (0..<n).map { "SELECT clicks WHERE country = US AND city = c\($0) SINCE 7d;\n" }.joined()
    }

    static func run() {
        print("== large == (best of 3, CPU time of this thread in seconds; wall clock in brackets)")
        let context = QueryContext(now: 1_787_227_200_000)
        var sink = 0
        /// Parse, bind, normalize and plan (API and local) every statement of `text`.
        func compile(_ text: String) { compile(SourceFile(name: "<bench>", text: text)) }
        func compile(_ source: SourceFile) {
            for statement in Parser.parse(source).script.statements {
                guard let query = Binder.bind(statement, source: source, context: context).query else { continue }
                sink &+= APIPlanner.plan(query).plan?.requests.count ?? 0
                sink &+= LocalPlanner.plan(query).plan?.limit ?? 0
            }
        }
        let cases: [(String, (Int) -> String, [Int])] = [
            ("IN list, values", inList, [100_000, 1_000_000]),
            ("OR chain, terms", orChain, [50_000, 100_000]),
            ("AND chain, terms", andChain, [50_000, 100_000]),
        ]
        for (label, make, sizes) in cases {
            var times: [Double] = []
            for n in sizes {
                let text = make(n)
                let t = SyntaxBench.measure(repeats: 3) { compile(text) }
                times.append(t.cpu)
                print("\(label) \(n) (\(SyntaxBench.format(Double(text.utf8.count) / 1e6, 1)) MB): \(SyntaxBench.format(t.cpu, 3)) [\(SyntaxBench.format(t.wall, 3))] s")
            }
            print("  growth for \(sizes[1] / sizes[0])x the input: \(SyntaxBench.format(times[1] / times[0], 1))x")
        }
        // A script as `dubql run` reads it: split, one source per statement, parse, bind, plan.
        var times: [Double] = []
        let sizes = [10_000, 40_000]
        for n in sizes {
            let text = script(n)
            let t = SyntaxBench.measure(repeats: 3) {
                let whole = SourceFile(name: "<bench>", text: text)
                for item in ScriptSplitter.split(text).items {
                    compile(ScriptSplitter.sourceFile(named: "<bench>", for: item, in: whole))
                }
            }
            times.append(t.cpu)
            print("script, statements \(n): \(SyntaxBench.format(t.cpu, 3)) [\(SyntaxBench.format(t.wall, 3))] s")
        }
        print("  growth for \(sizes[1] / sizes[0])x the input: \(SyntaxBench.format(times[1] / times[0], 1))x")
        if sink == 42 { print("") }
    }
}
