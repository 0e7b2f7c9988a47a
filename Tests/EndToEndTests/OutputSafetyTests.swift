// Output that hostile or extreme data cannot break (issue 14): amounts beyond any integer type
// print exactly instead of trapping, control characters in values never reach a terminal raw,
// and a huge cell costs a table bounded memory.

import DubQLTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

private func sale(_ id: String, amount: String, second: Int = 0) -> String {
    #"{"event":"sale","timestamp":"2026-11-30T00:00:0\#(second)Z","eventId":"\#(id)","sale":{"amount":\#(amount),"currency":"usd"},"click":{"id":"c1","timestamp":"2026-11-30T00:00:00Z"},"customer":{"id":"cus_\#(id)"}}"#
}

/// A click whose URL carries an OSC sequence that retitles the terminal (`ESC ] 0 ; PWNED BEL`),
/// and whose city holds a raw C1 CSI (U+009B), which JSON allows unescaped.
private let hostileClick = #"{"event":"click","timestamp":"2026-08-18T10:00:00Z","click":{"id":"x1","timestamp":"2026-08-18T10:00:00Z","url":"https://acme.test/?utm_source=%1B%5D0%3BPWNED%07","city":"\#u{9B}31mRed","country":"US"}}"#

@Suite("output safety")
struct OutputSafetyTests {
    // MARK: Extreme numbers

    /// The command of issue 14, item 1: it trapped (SIGILL, exit 132) converting 1e19 to Int64.
    @Test func theIssueCommandPrintsTheAmountExactly() throws {
        let line = #"{"event":"sale","timestamp":"2026-11-30T00:00:00Z","eventId":"e1","sale":{"amount":1e19,"currency":"usd"},"click":{"id":"c1","timestamp":"2026-11-30T00:00:00Z"},"customer":{"id":"cus_1"}}"#
        let r = try runDubQL(["query", "--data", "-", "SELECT sales SINCE all"], stdin: line + "\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("100,000,000,000,000,000.00") && r.stdout.contains("sale.amount (USD)"))
        #expect(r.stdout.hasSuffix("(1 row)\n"))
    }

    static let amounts = ["1e19", "1e400", "-1e400", "123456789012345678901234567890", "9223372036854775808", "1e999999999"]

    @Test(arguments: ["table", "line", "csv", "markdown", "json", "ndjson"])
    func everyFormatPrintsExtremeAmounts(_ format: String) throws {
        let input = Self.amounts.enumerated().map { sale("e\($0.offset)", amount: $0.element, second: $0.offset) }.joined(separator: "\n")
        for query in ["SELECT sales SINCE all", "SELECT sale.amount FROM sales SINCE all"] {
            let r = try runDubQL(["query", "--data", "-", query, "--format", format], stdin: input)
            #expect(r.status == 0, "\(format) \(query): \(r.stderr)")
            // Amounts are dollars (the data's cents / 100), exact to the last digit: plain in CSV
            // and JSON, grouped in the text formats.
            let plain = ["csv", "json", "ndjson"].contains(format)
            if query.contains("sale.amount FROM") || format == "csv" {
                let dollars = plain
                    ? ["100000000000000000.00", "1e398", "-1e398", "1234567890123456789012345678.90", "92233720368547758.08", "1e999999997"]
                    : ["100,000,000,000,000,000.00", "1e398", "-1e398", "1,234,567,890,123,456,789,012,345,678.90",
                       "92,233,720,368,547,758.08", "1e999999997"]
                for amount in dollars { #expect(r.stdout.contains(amount), "\(format) lost \(amount)") }
            } else if !plain {
                #expect(r.stdout.contains("1,234,567,890,123,456,789,012,345,678.90"))
                #expect(r.stdout.contains("1e398") && r.stdout.contains("-1e398"))
            } else {
                // Whole events in JSON are Dub's event JSON: its cents, as the data wrote them.
                for amount in Self.amounts { #expect(r.stdout.contains(amount), "whole events keep Dub's cents: \(amount)") }
            }
        }
    }

    /// Aggregates over the same amounts: no trap (a sum beyond 64-bit cents stops at the largest
    /// value), in every format and in charts, locally and with a money group key.
    @Test(arguments: ["table", "csv", "json", "chart"])
    func aggregatesOfExtremeAmountsDoNotTrap(_ format: String) throws {
        let input = Self.amounts.enumerated().map { sale("e\($0.offset)", amount: $0.element, second: $0.offset) }.joined(separator: "\n")
        for query in ["SELECT sum(sale.amount), avg(sale.amount), min(sale.amount), max(sale.amount) FROM sales SINCE all",
                      "SELECT customerId, sum(sale.amount) FROM sales GROUP BY customerId SINCE all",
                      "SELECT sale.amount, count() FROM sales GROUP BY sale.amount SINCE all"] {
            if format == "chart" && query.contains("avg(") { continue }
            let r = try runDubQL(["query", "--data", "-", query, "--format", format], stdin: input)
            #expect(r.status == 0, "\(format) \(query): exit \(r.status) \(r.stderr)")
            #expect(!r.stdout.isEmpty, "\(format) \(query)")
        }
        // The overflowing total saturates at the largest number of cents (2^63 - 1, shown as the double it rounds to).
        let total = try runDubQL(["query", "--data", "-", "SELECT sum(sale.amount) FROM sales WHERE customerId IN (cus_e0, cus_e4) SINCE all",
                                  "--format", "csv"], stdin: input)
        #expect(total.status == 0 && total.stdout.contains("92233720368547758.08"), "\(total.stdout)\(total.stderr)")
    }

    // MARK: Control characters

    static func hostileFile() throws -> String {
        let path = try makeTemporaryDirectory().appendingPathComponent("hostile.ndjson").path
        try (hostileClick + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// On a terminal (forced here with `DUBQL_ESCAPE=always`) every text format shows the escape
    /// sequence instead of sending it; JSON keeps JSON's escapes and escapes C1 too.
    @Test(arguments: ["table", "line", "csv", "markdown"])
    func terminalTextShowsControlCharactersEscaped(_ format: String) throws {
        let r = try runDubQL(["query", "SELECT utm_source, city FROM clicks SINCE all", "--data", try Self.hostileFile(),
                              "--now", "2026-08-18T12:00:00Z", "--format", format], environment: ["DUBQL_ESCAPE": "always"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains(#"\x1b]0;PWNED\x07"#))
        #expect(r.stdout.contains(#"\u{9b}31mRed"#))
        let raw = r.stdout.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n" && $0 != "\r") || (0x7F..<0xA0).contains($0.value) }
        #expect(raw.isEmpty, "raw control characters: \(raw.map { String($0.value, radix: 16) })")
    }

    @Test func terminalJSONEscapesC1AndKeepsTheEventOtherwise() throws {
        let file = try Self.hostileFile()
        let projected = try runDubQL(["query", "SELECT utm_source FROM clicks SINCE all", "--data", file, "--now", "2026-08-18T12:00:00Z",
                                      "--format", "ndjson"], environment: ["DUBQL_ESCAPE": "always"])
        #expect(projected.stdout == #"{"utm_source":"\u001b]0;PWNED\u0007"}"# + "\n")
        let whole = try runDubQL(["query", "SELECT clicks SINCE all", "--data", file, "--now", "2026-08-18T12:00:00Z",
                                  "--format", "ndjson"], environment: ["DUBQL_ESCAPE": "always"])
        #expect(whole.stdout == hostileClick.replacingOccurrences(of: "\u{9B}", with: #"\u009b"#) + "\n")
    }

    /// Into a pipe or a file, machine formats are exact: the event's bytes, the value's characters.
    @Test func pipesGetTheExactBytes() throws {
        let file = try Self.hostileFile()
        let whole = try runDubQL(["query", "SELECT clicks SINCE all", "--data", file, "--now", "2026-08-18T12:00:00Z", "--format", "ndjson"])
        #expect(whole.stdout == hostileClick + "\n")
        let csv = try runDubQL(["query", "SELECT utm_source FROM clicks SINCE all", "--data", file, "--now", "2026-08-18T12:00:00Z", "--format", "csv"])
        #expect(csv.stdout == "utm_source\r\n\u{1B}]0;PWNED\u{07}\r\n")
    }

    /// A real terminal: the table shows the sequence and the terminal's title stays what it was.
    @Test func aRealTerminalIsNotRetitled() throws {
        let file = try Self.hostileFile()
        let terminal = try TerminalSession(["query", "SELECT utm_source, city FROM clicks SINCE all", "--data", file,
                                            "--now", "2026-08-18T12:00:00Z"])
        let before = try terminal.tmux(["display-message", "-p", "-t", "main", "#{pane_title}"])
        #expect(try terminal.waitForExit() == 0)
        let screen = try terminal.screen()
        #expect(screen.contains(#"\x1b]0;PWNED\x07"#), "\(screen)")
        #expect(screen.contains(#"\u{9b}31mRed"#), "\(screen)")
        let after = try terminal.tmux(["display-message", "-p", "-t", "main", "#{pane_title}"])
        #expect(!after.contains("PWNED"), "the terminal was retitled: \(after)")
        #expect(!before.contains("PWNED"))
    }

    // MARK: Huge cells

    /// A 40 MB cell once cost a table about 14 times its size (every character copied as a
    /// Character, the whole cell padded); now tables show at most 10,000 characters of it.
    @Test func aHugeCellCostsATableBoundedMemory() throws {
        let size = 40_000_000
        let path = try makeTemporaryDirectory().appendingPathComponent("big.ndjson").path
        let ua = String(repeating: "A", count: size)
        let text = #"{"event":"click","timestamp":"2026-08-18T10:00:00Z","click":{"id":"big","timestamp":"2026-08-18T10:00:00Z","ua":"\#(ua)"}}"#
            + "\n" + #"{"event":"click","timestamp":"2026-08-18T11:00:00Z","click":{"id":"small","timestamp":"2026-08-18T11:00:00Z","ua":"curl"}}"# + "\n"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, maxRSS, output) = try runMeasured(["query", "SELECT click.ua, click.id FROM clicks SINCE all", "--data", path,
                                                        "--now", "2026-08-18T12:00:00Z"])
        #expect(status == 0)
        #expect(output < 100_000, "the table printed \(output) bytes")
        // The mapped file and the one decoded value are the cell's cost; the table adds little.
        #expect(maxRSS < 5 * size + 80_000_000, "peak RSS \(maxRSS / 1_000_000) MB for a \(size / 1_000_000) MB cell")
    }
}

/// Runs `dubql` with stdout counted into nothing and returns its exit status, its own peak RSS
/// in bytes (its own `VmHWM`, so neither the test process nor another child counts) and the bytes it printed.
private func runMeasured(_ arguments: [String]) throws -> (status: Int32, maxRSS: Int, output: Int) {
    let directory = try makeTemporaryDirectory()
    let outPath = directory.appendingPathComponent("out").path
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ([DubQLBinary.url.path] + arguments).map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var environment = ProcessInfo.processInfo.environment
    for key in ["DUB_API_KEY", "DUB_API_URL", "DUBQL_ESCAPE"] { environment[key] = nil }
    // The cell is larger than one event may be by default (16 MiB).
    environment["DUBQL_MAX_EVENT_SIZE"] = "64M"
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for p in envp { free(p) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, DubQLBinary.url.path, &actions, nil, argv, envp) == 0 else {
        throw TimeoutError(arguments: arguments)
    }
    var status: Int32 = 0
    var usage = rusage()
    var peak = 0
    while wait4(pid, &status, WNOHANG, &usage) == 0 {
        peak = max(peak, Int(MeasuredRun.highWaterMark(pid)))
        usleep(5_000)
    }
    let printed = (try? FileManager.default.attributesOfItem(atPath: outPath)[.size] as? Int) ?? 0
    try? FileManager.default.removeItem(at: directory)
    let exited = status & 0x7F == 0
    return (exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F), peak * 1024, printed)
}
