// The interactive loop: prompts, statements that run at ';' or when complete at Enter,
// dot-commands, one history entry per statement, Ctrl-C and Ctrl-D.

import DubQL
import DubQLEngine
import DubQLOutput
import DubQLSyntax
import Foundation

/// The read-run loop of `dubql` (DESIGN.md §5).
public final class REPL {
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
    func run() -> ExitStatus {
        if input.isInteractive { printBanner() }
        var pending = ""
        var entry = ""
        var firstFailure: ExitStatus?

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
                return input.isInteractive ? ExitStatus.ok : (firstFailure ?? ExitStatus.ok)
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
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}


// MARK: - Starting

extension REPL {
    /// Runs the REPL on `session`: libedit when standard input is a terminal, plain lines
    /// otherwise (no prompt, no history writes). Returns the exit status.
    ///
    /// It runs on the main thread: the kernel gives process signals (Ctrl-C, Ctrl-Z's SIGCONT,
    /// window resizes) to the main thread first, and libedit must see them interrupt its own reads.
    public static func start(session: Session, apiURL: String?, skipInvalid: Bool,
                             interactive: Bool = isatty(0) != 0) -> ExitStatus {
        if Thread.isMainThread { return run(session: session, apiURL: apiURL, skipInvalid: skipInvalid, interactive: interactive) }
        // The caller waits for the main thread to finish with the session: no shared use.
        nonisolated(unsafe) let session = session
        return DispatchQueue.main.sync { run(session: session, apiURL: apiURL, skipInvalid: skipInvalid, interactive: interactive) }
    }

    /// The REPL itself, on the main queue.
    private static func run(session: Session, apiURL: String?, skipInvalid: Bool, interactive: Bool) -> ExitStatus {
        let shell = Shell(session: session, apiURL: apiURL, skipInvalid: skipInvalid, interactive: interactive)
        let history = History(path: History.defaultPath(), persist: interactive)
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
