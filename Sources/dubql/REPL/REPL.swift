// The interactive loop: prompts, statements that run at ';' or when complete at Enter,
// dot-commands, one history entry per statement, Ctrl-C and Ctrl-D.

import ArgumentParser
import DubQL
import DubQLEngine
import DubQLSyntax
import Foundation

/// The read-run loop of `dubql` (DESIGN.md §5).
final class REPL {
    static let prompt = "dubql> "
    static let continuationPrompt = "   ...> "

    let shell: Shell
    let input: LineSource
    let history: History

    init(shell: Shell, input: LineSource, history: History) {
        self.shell = shell
        self.input = input
        self.history = history
        shell.history = history
    }

    /// Reads and runs until `.quit` or end of input. Interactive sessions exit 0; piped input
    /// exits with the first failure's code.
    func run() -> ExitCode {
        if input.isInteractive { printBanner() }
        var pending = ""
        var entry = ""
        var firstFailure: ExitCode?

        func note(_ outcome: ShellOutcome) {
            if case .failed(let code) = outcome, firstFailure == nil { firstFailure = code }
        }

        while true {
            (input as? EditLineSource)?.pendingText = pending
            switch input.readLine(prompt: pending.isEmpty ? REPL.prompt : REPL.continuationPrompt) {
            case .interrupted:
                pending = ""
                entry = ""
            case .endOfInput:
                if !input.isInteractive, !pending.isEmpty, Completeness.check(pending) != .empty {
                    // The last statement of piped input needs no ';'.
                    note(runStatement(pending))
                }
                if input.isInteractive { FileHandle.standardOutput.write(Data("\n".utf8)) }
                shell.session.output.flush()
                return input.isInteractive ? Exit.ok : (firstFailure ?? Exit.ok)
            case .line(let line):
                entry = entry.isEmpty ? line : entry + "\n" + line
                let text = pending.isEmpty ? line : pending + "\n" + line
                pending = ""
                var quit = false
                for item in ScriptSplitter.split(text).items {
                    if item.kind == .statement && !item.terminated {
                        // Piped input is a script: statements end at ';' (or at the end of input).
                        guard input.isInteractive else { pending = item.text; continue }
                        switch Completeness.check(item.text) {
                        case .complete: note(runStatement(item.text))
                        case .empty: break
                        case .incomplete: pending = item.text
                        }
                        continue
                    }
                    let outcome = item.kind == .dotCommand ? shell.perform(line: item.text) : runStatement(item.text)
                    if outcome == .quit { quit = true; break }
                    note(outcome)
                }
                if pending.isEmpty {
                    if input.isInteractive, history.add(entry) { input.addHistory(history.entries.last ?? entry) }
                    entry = ""
                }
                if quit {
                    shell.session.output.flush()
                    return input.isInteractive ? Exit.ok : (firstFailure ?? Exit.ok)
                }
            }
        }
    }

    private func runStatement(_ text: String) -> ShellOutcome {
        let outcome = shell.runStatements(in: SourceFile(name: "<query>", text: text))
        shell.session.output.flush()
        return outcome
    }

    private func printBanner() {
        let text = """
            DubQL \(DubQLVersion.string) · data: \(shell.sourceDescription)
            End a query with ';' (Tab completes), .help for help, Ctrl-D to quit.

            """
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

// MARK: - Starting

/// Starts the REPL with the common query options: libedit on a terminal, plain lines otherwise.
///
/// It runs on the main thread: the kernel gives process signals (Ctrl-C, Ctrl-Z's SIGCONT, window
/// resizes) to the main thread first, and libedit must see them interrupt its own reads.
func startREPL(options: QueryOptions) -> ExitCode {
    if Thread.isMainThread { return runREPL(options: options) }
    return DispatchQueue.main.sync { runREPL(options: options) }
}

private func runREPL(options: QueryOptions) -> ExitCode {
    let interactive = isatty(0) != 0
    let session: Session
    do {
        session = try makeREPLSession(options: options, interactive: interactive)
    } catch let failure as SessionFailure {
        if let message = failure.message { Session.writeStderr("dubql: error: \(message)\n") }
        return failure.exit
    } catch {
        Session.writeStderr("dubql: error: \(error)\n")
        return Exit.software
    }
    let shell = Shell(session: session, apiURL: options.apiURL.apiURL, skipInvalid: options.skipInvalid,
                      interactive: interactive)
    let historyPath = History.defaultPath()
    let history = History(path: historyPath, persist: interactive)
    let input: LineSource
    if interactive {
        TerminalLocale.setUp()
        Interrupts.install()
        input = EditLineSource(history: history.entries) { text in
            Completion.complete(text, environment: .standard).candidates
        }
    } else {
        input = PlainLineSource()
    }
    return REPL(shell: shell, input: input, history: history).run()
}

/// The session of the REPL: like `dubql query`, except that on a terminal the banner names the
/// demo data instead of a note on stderr.
private func makeREPLSession(options: QueryOptions, interactive: Bool) throws -> Session {
    let environment = ProcessInfo.processInfo.environment
    let hasKey = !(environment["DUB_API_KEY"] ?? "").isEmpty
    if interactive && options.data.isEmpty && !hasKey && !options.api {
        let clock = options.clock.now.flatMap(QueryContext.parseInstant) ?? QueryContext.currentMillis()
        return Session(source: LocalSource.demo(now: clock), format: options.format, timeZone: options.clock.timezone,
                       now: options.clock.now, colorMode: options.color)
    }
    return try options.makeSession()
}

// MARK: - Command

/// `dubql repl`: the same as `dubql` with no subcommand.
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Start the interactive shell (the default when no subcommand is given).",
        discussion: """
            Statements run at ';' or at Enter when complete; Tab completes; .help lists the dot-commands.
            History: $DUBQL_HISTORY, else $XDG_STATE_HOME/dubql/history, else ~/.local/state/dubql/history.
            """)

    /// `dubql -e QUERY`: run one statement (as `dubql query QUERY`) instead of starting the REPL.
    @Option(name: .customShort("e"), help: ArgumentHelp("Run QUERY once (like dubql query) instead of starting the REPL.", valueName: "QUERY"))
    var execute: String?

    @OptionGroup var options: QueryOptions

    /// Words that are no subcommand end up here, because the REPL is the default subcommand.
    @Argument(help: .hidden)
    var unexpected: [String] = []

    func validate() throws {
        guard let word = unexpected.first else { return }
        let names = DubQLCommand.configuration.subcommands.compactMap { $0.configuration.commandName }
        let hint = DidYouMean.hint(DidYouMean.candidates(for: word, in: names)).map { " (\($0))" } ?? ""
        throw ValidationError("'\(word)' is not a dubql subcommand\(hint); see 'dubql --help'. "
                              + "To run a query, use: dubql -e 'SELECT ...' or dubql query 'SELECT ...'")
    }

    func run() throws {
        let code = execute.map { runQueryOnce($0, options: options) } ?? startREPL(options: options)
        if code != Exit.ok { throw code }
    }
}
