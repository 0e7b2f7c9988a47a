// The interactive loop: prompts, statements that run at ';', dot-commands, one history entry per statement, Ctrl-C and Ctrl-D.

import DubQL
import DubQLEngine
import DubQLOutput
import DubQLSyntax
import Foundation

/// The read-run loop of `dubql` (DESIGN.md §5), on any ``LineSource``: libedit on a terminal,
/// plain lines from a pipe, or scripted lines in tests.
///
/// A statement runs at `;`, on a terminal as in a script; a dot-command runs at Enter, and only on
/// a line at the start of a statement. Interactive input adds one history entry per statement or
/// dot-command; piped input is a script: its last statement needs no `;`, nothing is written to
/// the history, and the first failure is the exit status.
public final class REPL {
    /// The prompt at the start of a statement.
    public static let prompt = "dubql> "
    /// The prompt while a statement is incomplete.
    public static let continuationPrompt = "   ...> "

    let shell: Shell
    let input: LineSource
    let history: History

    /// A loop reading `input` into `shell`, recording statements in `history`.
    public init(shell: Shell, input: LineSource, history: History) {
        self.shell = shell
        self.input = input
        self.history = history
        shell.history = history
    }

    /// Reads and runs until `.quit` or end of input. Interactive sessions exit 0; piped input
    /// exits with the first failure's code.
    public func run() -> ExitStatus {
        if input.isInteractive { printBanner() }
        var pending = ""
        var entry = ""
        var firstFailure: ExitStatus?
        // Piped input stops at Ctrl-C (exit 130), as a script does; the interactive REPL goes on.
        var interrupted = false

        func note(_ outcome: ShellOutcome) {
            if case .failed(let code) = outcome, firstFailure == nil { firstFailure = code }
            if outcome == .failed(.interrupted), !input.isInteractive { interrupted = true }
        }

        while true {
            if interrupted {
                shell.session.output.flush()
                return ExitStatus.interrupted
            }
            input.setPendingText(pending)
            switch input.readLine(prompt: pending.isEmpty ? shell.prompt : shell.continuationPrompt) {
            case .interrupted:
                pending = ""
                entry = ""
            case .endOfInput:
                if !input.isInteractive, !pending.isEmpty, Completeness.check(pending) != .empty {
                    // The last statement of piped input needs no ';'.
                    note(runStatement(pending))
                }
                if input.isInteractive { shell.session.console.output.write("\n") }
                shell.session.output.flush()
                shell.session.console.output.flush()
                return input.isInteractive ? ExitStatus.ok : (firstFailure ?? ExitStatus.ok)
            case .line(let line):
                entry = entry.isEmpty ? line : entry + "\n" + line
                let continuing = !pending.isEmpty
                let text = continuing ? pending + "\n" + line : line
                pending = ""
                var quit = false
                for item in ScriptSplitter.split(text, continuing: continuing).items where !interrupted {
                    if item.kind == .statement && !item.terminated {
                        // A statement runs at ';' (as in psql, sqlite3 and DuckDB), never because a
                        // line happens to be complete: pasted lines make one statement. Only
                        // comments or blanks are nothing to wait for at a terminal.
                        if input.isInteractive && Completeness.check(item.text) == .empty { continue }
                        pending = item.text
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
                    return input.isInteractive ? ExitStatus.ok : (firstFailure ?? ExitStatus.ok)
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
        shell.session.console.output.write(text)
        shell.session.console.output.flush()
    }
}


// MARK: - Starting

extension REPL {
    /// Runs the REPL on `shell`: libedit when the shell is interactive, plain lines of standard
    /// input otherwise (no prompt, no history writes). Returns the exit status.
    ///
    /// It runs on the main thread: the kernel gives process signals (Ctrl-C, Ctrl-Z's SIGCONT,
    /// window resizes) to the main thread first, and libedit must see them interrupt its own reads.
    public static func start(shell: Shell) -> ExitStatus {
        if Thread.isMainThread { return run(shell: shell) }
        // The caller waits for the main queue to finish with the shell: no shared use. (The main
        // queue may be drained by another thread than the main one: no second check inside.)
        nonisolated(unsafe) let shell = shell
        return DispatchQueue.main.sync { run(shell: shell) }
    }

    /// The REPL itself, on the main queue.
    private static func run(shell: Shell) -> ExitStatus {
        let interactive = shell.interactive
        let history = History(path: History.defaultPath(environment: shell.session.console.environment), persist: interactive)
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
}
