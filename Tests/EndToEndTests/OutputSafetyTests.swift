// Output that hostile or extreme data cannot break (issue 14): amounts beyond any integer type
// print exactly instead of trapping, control characters in values never reach a terminal raw,
// and a huge cell costs a table bounded memory.

import DubQLTestSupport
import Foundation
import Testing

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
        #expect(r.stdout.contains("$100,000,000,000,000,000.00"))
        #expect(r.stdout.hasSuffix("(1 row)\n"))
    }

    static let amounts = ["1e19", "1e400", "-1e400", "123456789012345678901234567890", "9223372036854775808", "1e999999999"]

    @Test(arguments: ["table", "line", "csv", "markdown", "json", "ndjson"])
    func everyFormatPrintsExtremeAmounts(_ format: String) throws {
        let input = Self.amounts.enumerated().map { sale("e\($0.offset)", amount: $0.element, second: $0.offset) }.joined(separator: "\n")
        for query in ["SELECT sales SINCE all", "SELECT sale.amount FROM sales SINCE all"] {
            let r = try runDubQL(["query", "--data", "-", query, "--format", format], stdin: input)
            #expect(r.status == 0, "\(format) \(query): \(r.stderr)")
            if query.contains("sale.amount FROM") {
                for amount in Self.amounts { #expect(r.stdout.contains(amount), "\(format) lost \(amount)") }
            } else if format != "json" && format != "ndjson" {
                #expect(r.stdout.contains("$1,234,567,890,123,456,789,012,345,678.90"))
                #expect(r.stdout.contains("$1e398") && r.stdout.contains("$-1e398"))
            }
        }
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
    /// Character, the whole cell padded); now tables show at most 10,000 characters of it. (The
    /// mapped file and the one decoded value remain: about 3 times the cell.)
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
        #expect(maxRSS > size && maxRSS < 5 * size + 80_000_000, "peak RSS \(maxRSS / 1_000_000) MB for a \(size / 1_000_000) MB cell")
    }
}

/// Runs `dubql` with its output in a file; its exit status, the largest resident set it reached
/// and the bytes it printed.
///
/// The peak is the kernel's high-water mark of the process's own memory (`VmHWM`), sampled every
/// few milliseconds until it exits: `wait4`'s `ru_maxrss` would count the test process too, whose
/// memory a spawned child shares until it execs. Sampling can only miss growth in the last
/// moments, never invent it, so the bound it checks is safe from false failures.
private func runMeasured(_ arguments: [String]) throws -> (status: Int32, maxRSS: Int, output: Int) {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let outURL = directory.appendingPathComponent("out")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL)
    defer { try? out.close() }
    let process = Process()
    process.executableURL = DubQLBinary.url
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    for key in ["DUB_API_KEY", "DUB_API_URL", "DUBQL_ESCAPE"] { environment[key] = nil }
    process.environment = environment
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let status = "/proc/\(process.processIdentifier)/status"
    var peak = 0
    let deadline = Date().addingTimeInterval(120)
    while process.isRunning && Date() < deadline {
        if let text = try? String(contentsOfFile: status, encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kb = Int(line.split(separator: " ").dropFirst().first ?? "") {
            peak = max(peak, kb * 1024)
        }
        usleep(2_000)
    }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    let printed = (try? FileManager.default.attributesOfItem(atPath: outURL.path)[.size] as? Int) ?? 0
    return (process.terminationStatus, peak, printed)
}
