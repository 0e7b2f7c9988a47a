// The front end is linear (or n log n) in its input: for each stage and each shape of large input
// (long IN lists, long OR and AND chains, many statements, many diagnostics), doubling the input
// must not more than triple the time. A ratio measured in one run, not an absolute time, so the
// test holds on a slow or busy machine and in debug builds.

import DubQL
import DubQLShell
import DubQLSyntax
import Foundation
import Testing

// MARK: - Measuring

/// Measures how a function of an input size scales.
enum Scaling {
    /// CPU seconds of this thread: time spent waiting for a core on a busy machine does not count.
    static func threadCPUTime() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// CPU seconds of one call, the minimum of `repeats` runs (the least disturbed one).
    static func seconds(repeats: Int = 3, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = threadCPUTime()
            body()
            best = min(best, threadCPUTime() - start)
        }
        return best
    }

    /// `time(2n) / time(n)`, with `n` grown from `start` until one run takes at least `floor`
    /// seconds (so timer resolution and constant costs do not hide the growth), at most `maximum`,
    /// and while making the input takes less than `budget` seconds (a quadratic stage before the
    /// one measured must not make the test run for hours). The two sizes are measured
    /// alternately, each keeping its minimum, so a burst of load on the machine affects both alike.
    static func doublingRatio(start: Int, maximum: Int, floor: Double = 0.03, budget: Double = 3,
                              prepare: (Int) -> Any, run: (Any) -> Void) -> (n: Int, ratio: Double, seconds: Double) {
        var n = start
        var input = prepare(n)
        var preparing = 0.0
        while n < maximum, preparing < budget, seconds(repeats: 1, { run(input) }) < floor {
            n *= 2
            let started = threadCPUTime()
            input = prepare(n)
            preparing = threadCPUTime() - started
        }
        let double = prepare(2 * n)
        var small = Double.infinity, large = Double.infinity
        for _ in 0..<4 {
            small = min(small, seconds(repeats: 1) { run(input) })
            large = min(large, seconds(repeats: 1) { run(double) })
        }
        return (n, large / max(small, 1e-9), large)
    }
}

// MARK: - Inputs

/// Large inputs of the shapes that used to be quadratic.
enum LargeInput {
    static func inList(_ n: Int) -> String {
        "SELECT clicks WHERE city IN (" + (0..<n).map { "c\($0)" }.joined(separator: ", ") + ") SINCE 7d"
    }
    static func orChain(_ n: Int) -> String {
        // Alternating fields, so the normalizer cannot fold it into one list.
        "SELECT clicks WHERE " + (0..<n).map { $0 % 2 == 0 ? "city = c\($0)" : "referer = r\($0)" }.joined(separator: " OR ") + " SINCE 7d"
    }
    static func andChain(_ n: Int) -> String {
        "SELECT clicks WHERE " + (0..<n).map { $0 % 2 == 0 ? "city != c\($0)" : "NOT referer = r\($0)" }.joined(separator: " AND ") + " SINCE 7d"
    }
    static func mixedChain(_ n: Int) -> String {
        // (a OR b) AND (c OR d) AND ...: many small disjunctions under one conjunction.
        "SELECT clicks WHERE " + (0..<max(1, n / 2)).map { "(city = c\($0) OR referer = r\($0))" }.joined(separator: " AND ") + " SINCE 7d"
    }
    static func statements(_ n: Int) -> String {
        (0..<n).map { "SELECT clicks WHERE country = US AND city = c\($0) SINCE 7d;\n" }.joined()
    }
    /// Every statement has an error: as many diagnostics as statements, on as many lines.
    static func badStatements(_ n: Int) -> String {
        (0..<n).map { "SELECT clicks WHERE country = USA\($0 % 10) SINCE 7d;\n" }.joined()
    }
    /// One line holding many errors (values outside a field's set).
    static func badValuesOnOneLine(_ n: Int) -> String {
        "SELECT clicks WHERE continent IN (" + (0..<n).map { "X\($0 % 10)" }.joined(separator: ", ") + ")"
    }

    static let shapes: [(id: String, make: @Sendable (Int) -> String)] = [
        ("IN list", inList), ("OR chain", orChain), ("AND chain", andChain), ("mixed AND of ORs", mixedChain),
    ]
}

// MARK: - Tests

@Suite(.serialized) struct ScalingTests {
    static let context = QueryContext(now: 1_786_000_000_000)

    static func expectLinear(_ what: String, start: Int = 256, maximum: Int = 1 << 17,
                             prepare: (Int) -> Any, run: (Any) -> Void) {
        let r = Scaling.doublingRatio(start: start, maximum: maximum, prepare: prepare, run: run)
        #expect(r.ratio <= 3, "\(what): doubling n = \(r.n) multiplied the time by \(String(format: "%.2f", r.ratio)) (\(String(format: "%.3f", r.seconds)) s at 2n)")
    }

    static func bound(_ text: String) -> BoundQuery? {
        let source = SourceFile(name: "<scale>", text: text)
        let parsed = Parser.parse(source)
        guard let statement = parsed.script.statements.first else { return nil }
        return Binder.bind(statement, source: source, context: context).query
    }

    @Test(arguments: LargeInput.shapes.map(\.id))
    func lexerIsLinear(shape: String) throws {
        let make = try #require(LargeInput.shapes.first { $0.id == shape }).make
        Self.expectLinear("lexer, \(shape)", prepare: { Array(make($0).utf8) }, run: { _ = Lexer.scan($0 as! [UInt8]) })
        Self.expectLinear("tokens with texts, \(shape)", prepare: { SourceFile(name: "<scale>", text: make($0)) },
                          run: { _ = Lexer.tokenize($0 as! SourceFile) })
    }

    @Test(arguments: LargeInput.shapes.map(\.id))
    func parserIsLinear(shape: String) throws {
        let make = try #require(LargeInput.shapes.first { $0.id == shape }).make
        Self.expectLinear("parser, \(shape)", prepare: { SourceFile(name: "<scale>", text: make($0)) },
                          run: { _ = Parser.parse($0 as! SourceFile) })
    }

    @Test(arguments: LargeInput.shapes.map(\.id))
    func printerIsLinear(shape: String) throws {
        let make = try #require(LargeInput.shapes.first { $0.id == shape }).make
        Self.expectLinear("printer, \(shape)", prepare: { Parser.parse(make($0)).script },
                          run: { _ = Printer.print($0 as! Script) })
        Self.expectLinear("formatter, \(shape)", prepare: { SourceFile(name: "<scale>", text: make($0)) },
                          run: { _ = ScriptFormatter.format($0 as! SourceFile) })
    }

    @Test(arguments: LargeInput.shapes.map(\.id))
    func binderIsLinear(shape: String) throws {
        let make = try #require(LargeInput.shapes.first { $0.id == shape }).make
        Self.expectLinear("binder, \(shape)", prepare: { n -> Any in
            let source = SourceFile(name: "<scale>", text: make(n))
            return (source, Parser.parse(source).script.statements[0])
        }, run: { input in
            let (source, statement) = input as! (SourceFile, Statement)
            _ = Binder.bind(statement, source: source, context: Self.context)
        })
    }

    @Test(arguments: LargeInput.shapes.map(\.id))
    func normalizerIsLinear(shape: String) throws {
        let make = try #require(LargeInput.shapes.first { $0.id == shape }).make
        Self.expectLinear("normalizer, \(shape)", prepare: { Self.bound(make($0))?.condition as Any },
                          run: { _ = Normalizer.normalize($0 as? BoundCondition) })
    }

    @Test(arguments: LargeInput.shapes.map(\.id))
    func plannersAreLinear(shape: String) throws {
        let make = try #require(LargeInput.shapes.first { $0.id == shape }).make
        Self.expectLinear("API planner, \(shape)", prepare: { Self.bound(make($0)) as Any }, run: { input in
            guard let query = input as? BoundQuery else { return }
            if let plan = APIPlanner.plan(query).plan { _ = Explain.text(plan) }
        })
        Self.expectLinear("local planner, \(shape)", prepare: { Self.bound(make($0)) as Any }, run: { input in
            guard let query = input as? BoundQuery else { return }
            if let plan = LocalPlanner.plan(query).plan { _ = Explain.text(plan) }
        })
    }

    @Test func scriptsOfManyStatementsAreLinear() {
        Self.expectLinear("script splitter", prepare: { LargeInput.statements($0) },
                          run: { _ = ScriptSplitter.split($0 as! String) })
        Self.expectLinear("statement source files", prepare: { n -> Any in
            let text = LargeInput.statements(n)
            return (SourceFile(name: "<scale>", text: text), ScriptSplitter.split(text).items)
        }, run: { input in
            let (whole, items) = input as! (SourceFile, [ScriptItem])
            for item in items { _ = Parser.parse(ScriptSplitter.sourceFile(named: "<scale>", for: item, in: whole)) }
        })
        Self.expectLinear("compile a script", prepare: { SourceFile(name: "<scale>", text: LargeInput.statements($0)) },
                          run: { _ = Compiler.compile($0 as! SourceFile, context: Self.context) })
    }

    @Test func diagnosticsAreLinear() {
        Self.expectLinear("diagnostics on many lines", prepare: { SourceFile(name: "<scale>", text: LargeInput.badStatements($0)) },
                          run: { input in
            let source = input as! SourceFile
            let compiled = Compiler.compile(source, context: Self.context)
            _ = DiagnosticRenderer.render(compiled.diagnostics, in: source, color: false)
        })
        Self.expectLinear("diagnostics on one long line", prepare: { SourceFile(name: "<scale>", text: LargeInput.badValuesOnOneLine($0)) },
                          run: { input in
            let source = input as! SourceFile
            let compiled = Compiler.compile(source, context: Self.context)
            _ = DiagnosticRenderer.render(compiled.diagnostics, in: source, color: false)
        })
    }
}
