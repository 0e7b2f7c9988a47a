// Nothing a user types crashes binding or planning: extreme literals, and random mutations of
// generated queries, all go through parse, bind, both planners and every EXPLAIN rendering.

import DubQL
import DubQLSyntax
import DubQLTestSupport
import Testing

@Suite struct PlannerRobustnessTests {
    static func runAll(_ text: String) {
        let (plan, _) = Compiler.apiPlan(text, context: Fixture.context)
        if let plan {
            _ = Explain.text(plan) + Explain.json(plan)
            _ = Explain.urls(plan, baseURL: "http://x") + Explain.curl(plan, baseURL: "http://x")
        }
        if let local = Compiler.localPlan(text, context: Fixture.context).plan {
            _ = Explain.text(local) + Explain.json(local)
        }
    }

    @Test(arguments: [
        "SELECT clicks SINCE 99999999999999999d", "SELECT clicks SINCE 9999999999y", "SELECT clicks SINCE 999999999mo",
        "SELECT clicks SINCE 9999999999999w UNTIL 1m", "SELECT clicks LIMIT 99999999999999999999999",
        "SELECT sales WHERE sale.amount > 1e5", "SELECT sales WHERE sale.amount > 99999999999999999999999999999999999999",
        "SELECT clicks WHERE timestamp > 9999-12-31T23:59:59Z", "SELECT clicks BETWEEN 2023-01-01 AND 9999-12-31",
        "SELECT clicks LIMIT 1000000 OFFSET 10000000", "SELECT clicks LIMIT 1 PAGE 9999999999999",
        "SELECT leads WHERE metadata.`` = x", "SELECT leads WHERE metadata['a']['b']['c'] != ''",
        "SELECT clicks WHERE NOT NOT NOT NOT (country = US OR NOT (browser = Chrome AND NOT device = Mobile))",
    ])
    func extremeInputsDoNotCrash(text: String) {
        Self.runAll(text)
    }

    @Test func mutatedQueriesDoNotCrash() {
        var rng = SplitMix64(seed: 99)
        let alphabet = Array("()',=!<>NOTANDORIN 0123456789-_.`\"abcXYZ;")
        for _ in 0..<400 {
            var chars = Array(QueryGenerator.query(&rng))
            for _ in 0..<rng.int(in: 1...4) where !chars.isEmpty {
                let i = rng.int(in: 0...(chars.count - 1))
                switch rng.int(in: 0...2) {
                case 0: chars.remove(at: i)
                case 1: chars.insert(rng.pick(alphabet), at: i)
                default: chars[i] = rng.pick(alphabet)
                }
            }
            Self.runAll(String(chars))
        }
    }
}
