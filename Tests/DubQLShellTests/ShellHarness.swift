// Drives the shell without a terminal: a scripted line source, a memory console, and a small
// generated dataset, so every shell behaviour can be checked in a unit test.

import Foundation
import DubQL
import DubQLEngine
import DubQLOutput
import DubQLTestSupport
@testable import DubQLShell

/// The clock of every test: the newest generated event is at this instant.
let testNow = "2024-06-01T12:00:00Z"
let testNowMillis: Int64 = 1_717_243_200_000

/// Lines handed to the REPL one by one, as a terminal or a pipe would; records what the REPL
/// asked of it (prompts, history entries, the pending text given for completion).
final class ScriptedLineSource: LineSource {
    private var reads: [LineRead]
    let isInteractive: Bool
    private(set) var prompts: [String] = []
    private(set) var historyEntries: [String] = []
    private(set) var pendingTexts: [String] = []

    init(_ reads: [LineRead], interactive: Bool) {
        self.reads = reads
        self.isInteractive = interactive
    }

    /// Plain lines; the script ends where they end.
    convenience init(lines: [String], interactive: Bool) {
        self.init(lines.map(LineRead.line), interactive: interactive)
    }

    func readLine(prompt: String) -> LineRead {
        prompts.append(prompt)
        return reads.isEmpty ? .endOfInput : reads.removeFirst()
    }

    func addHistory(_ entry: String) { historyEntries.append(entry) }

    func setPendingText(_ text: String) { pendingTexts.append(text) }
}

/// NDJSON of a few generated events of each kind, newest at ``testNow``.
let fixtureBytes: [UInt8] = {
    [(EventType.clicks, 60), (.leads, 12), (.sales, 8)].flatMap { event, count in
        Generator(GeneratorOptions(event: event, count: count, seed: 7, days: 10, end: testNowMillis)).bytes()
    }
}()

/// Writes the fixture events to `name` in a new directory and returns the path.
func fixtureFile(_ name: String = "events.ndjson") throws -> String {
    let url = try makeTemporaryDirectory(prefix: "dubql-shell").appendingPathComponent(name)
    try Data(fixtureBytes).write(to: url)
    return url.path
}

/// Writes each text to a file of that name in one new directory; returns the paths in order.
func scriptFiles(_ files: KeyValuePairs<String, String>) throws -> [String] {
    let directory = try makeTemporaryDirectory(prefix: "dubql-shell")
    return try files.map { name, text in
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// A shell on the fixture events, in a memory console.
struct TestShell {
    let console: Console
    let shell: Shell

    init(options: SessionOptions = SessionOptions(now: testNow), environment: [String: String] = [:],
         interactive: Bool = false) {
        console = .memory(environment: environment)
        var loader = EventLoader()
        _ = try? loader.load(bytes: fixtureBytes, name: "<fixture>")
        let source = LocalSource(store: loader.finish(), summary: "fixture events")
        shell = Shell(session: Session(source: source, options: options, console: console), interactive: interactive)
    }

    var session: Session { shell.session }

    /// What the shell wrote to standard output so far.
    var stdout: String {
        session.output.flush()
        return console.output.text
    }

    /// What the shell wrote to standard error so far.
    var stderr: String { console.errors.text }

    /// Runs `text` as a script named `name`.
    @discardableResult
    func script(_ text: String, name: String = "test.dql", continueOnError: Bool = false) -> ShellOutcome {
        let outcome = shell.runScript(text: text, name: name, continueOnError: continueOnError)
        session.output.flush()
        return outcome
    }

    /// Runs lines through the REPL loop; returns its exit status and the line source.
    func repl(_ reads: [LineRead], interactive: Bool, history: History? = nil) -> (ExitStatus, ScriptedLineSource) {
        let input = ScriptedLineSource(reads, interactive: interactive)
        let history = history ?? History(path: "/nonexistent/dubql-test/history", persist: false)
        let status = REPL(shell: shell, input: input, history: history).run()
        return (status, input)
    }

    func repl(_ lines: [String], interactive: Bool, history: History? = nil) -> (ExitStatus, ScriptedLineSource) {
        repl(lines.map(LineRead.line), interactive: interactive, history: history)
    }
}

extension String {
    /// How many times `piece` occurs.
    func occurrences(of piece: String) -> Int { components(separatedBy: piece).count - 1 }
}
