// Benchmark of the front end: lexer throughput, parser throughput over a generated corpus, and the
// time to parse the example query of the design.

import DubQLSyntax
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dubql-bench syntax`.
enum SyntaxBench {
    static let example = "SELECT sales WHERE country IN (US) AND NOT browser = Chrome SINCE 30d"

    static func run() {
        print("== syntax == (CPU time of this thread; wall-clock time in brackets, inflated when the machine is busy)")
        let corpus = makeCorpus(statements: 100_000, seed: 42)
        let bytes = Array(corpus.utf8)
        let megabytes = Double(bytes.count) / 1_000_000
        let source = SourceFile(name: "corpus", text: corpus)
        print("corpus: \(format(megabytes, 1)) MB, 100000 statements")

        var tokenCount = 0
        let scan = measure(repeats: 5) { tokenCount = Lexer.scan(bytes).tokens.count }
        print("lexer, raw tokens:        \(rate(megabytes, scan, 0)) MB/s, \(rate(Double(tokenCount) / 1e6, scan, 1)) M tokens/s")

        let tokenize = measure(repeats: 3) { tokenCount = Lexer.tokenize(source).tokens.count }
        print("lexer, tokens with texts: \(rate(megabytes, tokenize, 0)) MB/s, \(rate(Double(tokenCount) / 1e6, tokenize, 1)) M tokens/s")

        var statements = 0
        let parse = measure(repeats: 3) { statements = Parser.parse(source).script.statements.count }
        print("parser (lexing included): \(rate(Double(statements) / 1e6, parse, 2)) M statements/s, \(rate(megabytes, parse, 0)) MB/s")

        let exampleSource = SourceFile(name: "<query>", text: example)
        let iterations = 200_000
        var sink = 0
        let one = measure(repeats: 3) {
            for _ in 0..<iterations { sink &+= Parser.parse(exampleSource).script.statements.count }
        }
        print("parse of the example:     \(each(one, iterations)) µs  (\(example))")
        let withSource = measure(repeats: 3) {
            for _ in 0..<iterations { sink &+= Parser.parse(SourceFile(name: "<query>", text: example)).script.statements.count }
        }
        print("  with its SourceFile:    \(each(withSource, iterations)) µs")
        let script = Parser.parse(exampleSource).script
        let printing = measure(repeats: 3) {
            for _ in 0..<iterations { sink &+= Printer.print(script).utf8.count }
        }
        print("print of the example:     \(each(printing, iterations)) µs")
        if sink == 42 { print("") } // keeps the work observable
    }

    /// `dubql-bench syntax-callgrind`: warms up, then parses the example (with its SourceFile, as
    /// the planner bench does) `iterations` times inside ``callgrindLoop(_:)``, the one function
    /// to collect:
    ///
    ///     valgrind --tool=callgrind --toggle-collect='*SyntaxBench*callgrindLoop*' \
    ///         .build/release/dubql-bench syntax-callgrind
    ///
    /// Instructions per parse are the collected total divided by `iterations` (printed).
    static func profile(iterations: Int = 2000) {
        var sink = 0
        for _ in 0..<100 { sink &+= parseOnce(example) }
        sink &+= callgrindLoop(iterations)
        print("syntax-callgrind: \(iterations) parses of the design example (divide the collected instructions by \(iterations))\(sink == 42 ? " " : "")")
    }

    @inline(never)
    static func parseOnce(_ text: String) -> Int {
        Parser.parse(SourceFile(name: "<query>", text: text)).script.statements.count
    }

    @inline(never)
    static func callgrindLoop(_ iterations: Int) -> Int {
        var sink = 0
        for _ in 0..<iterations { sink &+= parseOnce(example) }
        return sink
    }

    /// CPU and wall-clock seconds of one run.
    struct Timing {
        var cpu: Double
        var wall: Double
    }

    static func rate(_ amount: Double, _ t: Timing, _ decimals: Int) -> String {
        "\(format(amount / t.cpu, decimals)) [\(format(amount / t.wall, decimals))]"
    }

    static func each(_ t: Timing, _ iterations: Int) -> String {
        "\(format(t.cpu / Double(iterations) * 1e6, 2)) [\(format(t.wall / Double(iterations) * 1e6, 2))]"
    }

    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// The best of `repeats` runs (by CPU time).
    static func measure(repeats: Int, _ body: () -> Void) -> Timing {
        var best = Timing(cpu: .infinity, wall: .infinity)
        let clock = ContinuousClock()
        for _ in 0..<repeats {
            let cpuStart = threadCPUSeconds()
            let elapsed = clock.measure(body)
            let cpu = threadCPUSeconds() - cpuStart
            let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if cpu < best.cpu { best = Timing(cpu: cpu, wall: wall) }
        }
        return best
    }

    static func format(_ value: Double, _ decimals: Int) -> String {
        var scale = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int(value * Double(scale) + 0.5)
        guard decimals > 0 else { return String(scaled) }
        let fraction = String(scaled % scale)
        return "\(scaled / scale)." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    // MARK: - Corpus

    /// Varied statements from templates with a seeded generator, one per line.
    static func makeCorpus(statements: Int, seed: UInt64) -> String {
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        let events = ["clicks", "leads", "sales"]
        let fields = ["country", "city", "browser", "os", "device", "domain", "key", "trigger", "utm_source", "metadata.plan"]
        let values = ["US", "'San Jose'", "Chrome", "\"Mac OS\"", "qr", "'dub.sh'", "DE", "FR", "google", "pro"]
        let times = ["SINCE 30d", "SINCE 7d UNTIL 1d", "BETWEEN 2024-01-01 AND 2024-01-31", "SINCE ytd", "SINCE '2024-06-01T10:00:00Z'"]
        var out = ""
        out.reserveCapacity(statements * 110)
        for i in 0..<statements {
            out += "SELECT \(events[next(3)]) WHERE "
            let predicates = 1 + next(4)
            for p in 0..<predicates {
                if p > 0 { out += next(3) == 0 ? " OR " : " AND " }
                if next(4) == 0 { out += "NOT " }
                let field = fields[next(fields.count)]
                if next(3) == 0 {
                    out += "\(field) IN (\(values[next(values.count)]), \(values[next(values.count)]))"
                } else {
                    out += "\(field) = \(values[next(values.count)])"
                }
            }
            out += " \(times[next(times.count)])"
            if next(2) == 0 { out += " LIMIT \(10 + next(990))" }
            out += i % 10 == 0 ? "; -- batch \(i)\n" : ";\n"
        }
        return out
    }
}
