// Benchmarks of DubQL (`make bench`, i.e. `swift run -c release dubql-bench [GROUP...]`).
// Each group lives in its own file; with no argument every group runs. Figures go to the README.

let requested = Set(CommandLine.arguments.dropFirst())
func wants(_ group: String) -> Bool { requested.isEmpty || requested.contains(group) }

// Groups (one line each): if wants("NAME") { NAMEBench.run() }
if wants("syntax") { SyntaxBench.run() }
if wants("planner") { PlannerBench.run() }
// Not part of a plain `dubql-bench`: the fixed loop that callgrind counts (see PlannerBench.profile).
if requested.contains("planner-callgrind") { PlannerBench.profile() }
if requested.contains("syntax-callgrind") { SyntaxBench.profile() }
if requested.contains("parse-callgrind") { ParseBench.profile() }
if requested.contains("query-callgrind") { ParseBench.profileQuery() }
if wants("engine") { EngineBench.run() }
if wants("aggregates") { AggregateBench.run() }
if wants("large") { LargeBench.run() }
// Not part of a plain `dubql-bench`: loading one existing file (DUBQL_BENCH_FILE).
if requested.contains("load") { LoadBench.run() }
