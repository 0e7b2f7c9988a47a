// The state shared by the REPL, `.read` and `dubql run`: a session plus the settings the
// dot-commands change (mode, explain, timer, output), and how statements and scripts run in it.

import DubQL
import DubQLEngine
import DubQLOutput
import DubQLSyntax
import Foundation

// MARK: - Modes

/// What `.mode` selects: a result format, or a dry run that shows what would be sent to Dub's API.
enum ShellMode: Equatable {
    case format(OutputFormat)
    /// The API plan as a tree.
    case plan
    /// One URL per request.
    case url
    /// One curl command per request.
    case curl

    init?(name: String) {
        switch name {
        case "plan": self = .plan
        case "url": self = .url
        case "curl": self = .curl
        default:
            guard let format = OutputFormat(rawValue: name) else { return nil }
            self = .format(format)
        }
    }

    var name: String {
        switch self {
        case .format(let f): f.rawValue
        case .plan: "plan"
        case .url: "url"
        case .curl: "curl"
        }
    }
}

/// What running a dot-command or a script asks of the caller.
public enum ShellOutcome: Equatable {
    case ok
    /// Failed with this exit code (already reported).
    case failed(ExitStatus)
    /// `.quit`: stop reading.
    case quit
}

// MARK: - Shell

/// Runs statements, dot-commands and scripts in one session.
public final class Shell {
    let session: Session
    var mode: ShellMode
    var explain = false
    var timer = false
    /// The file `.output` writes to, or `nil` for standard output.
    private(set) var outputPath: String?
    private var outputFD: Int32 = -1
    /// `--api-url`, for `.open api` and the dry-run modes.
    var apiURL: String?
    var skipInvalid: Bool
    /// The REPL's history (for `.history`); `nil` in `dubql run`.
    var history: History?
    /// True in the interactive REPL: Ctrl-C cancels queries, `.timer` and notes go to the terminal.
    let interactive: Bool
    /// Scripts being read (`.read` inside `.read`), to refuse cycles.
    private var readStack: [String] = []

    public init(session: Session, apiURL: String?, skipInvalid: Bool, interactive: Bool) {
        self.session = session
        self.mode = .format(session.format)
        self.apiURL = apiURL
        self.skipInvalid = skipInvalid
        self.interactive = interactive
    }

    deinit { closeOutputFile() }

    // MARK: - Statements

    /// Parses and runs the statements of `file` (usually one) in order, stopping at the first
    /// failure. Diagnostics point into `file`.
    func runStatements(in file: SourceFile) -> ShellOutcome {
        let parsed = Parser.parse(file)
        if !parsed.diagnostics.isEmpty { session.printDiagnostics(parsed.diagnostics, in: file) }
        if parsed.diagnostics.hasErrors { return .failed(ExitStatus.dataError) }
        for statement in parsed.script.statements {
            let outcome = run(statement, in: file)
            if outcome != .ok { return outcome }
        }
        return .ok
    }

    /// Runs one statement in the current mode, with `.explain` and `.timer` applied.
    func run(_ statement: Statement, in file: SourceFile) -> ShellOutcome {
        switch mode {
        case .plan, .url, .curl:
            return dryRun(statement, in: file)
        case .format(let format):
            session.format = format
            if explain && !statement.isExplain {
                let explained = Statement(explain: Span(at: statement.span.start), select: statement.select, span: statement.span)
                guard session.run(explained, in: file) else { return .failed(session.lastExit) }
            }
            let started = DispatchTime.now()
            Interrupts.reset()
            if interactive {
                session.isCancelled = { Interrupts.pending }
                interruptForceExit = 1
            }
            let ok = session.run(statement, in: file)
            interruptForceExit = 0
            session.isCancelled = nil
            let cancelled = interactive && Interrupts.pending
            Interrupts.reset()
            if cancelled { Session.writeStderr("interrupted\n") }
            if timer {
                let nanos = DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds
                Session.writeStderr("time: \(Shell.formatDuration(nanos))\n")
            }
            return ok ? .ok : .failed(session.lastExit)
        }
    }

    /// `plan`, `url`, `curl`: what would be sent to Dub's API, without sending it.
    private func dryRun(_ statement: Statement, in file: SourceFile) -> ShellOutcome {
        let (plan, diagnostics) = session.apiPlan(statement, in: file)
        if !diagnostics.isEmpty { session.printDiagnostics(diagnostics, in: file) }
        guard let plan, !diagnostics.hasErrors else { return .failed(ExitStatus.dataError) }
        let base = DubAPI.baseURL(option: apiURL, environment: ProcessInfo.processInfo.environment)
        switch mode {
        case .url: session.write(Explain.urls(plan, baseURL: base).map { $0 + "\n" }.joined())
        case .curl: session.write(Explain.curl(plan, baseURL: base).map { $0 + "\n" }.joined())
        default: session.write(Explain.text(plan))
        }
        return .ok
    }

    static func formatDuration(_ nanos: UInt64) -> String {
        let ms = Double(nanos) / 1_000_000
        if ms < 1000 { return String(format: "%.1f ms", ms) }
        return String(format: "%.2f s", ms / 1000)
    }

    // MARK: - Scripts

    /// Runs a script's statements and dot-commands in order. Diagnostics carry `name` and the
    /// script's own lines and columns. Stops at the first failure unless `continueOnError`, and
    /// returns the first failure (or `.quit` when the script said `.quit`).
    func runScript(text: String, name: String, continueOnError: Bool) -> ShellOutcome {
        let whole = SourceFile(name: name, text: text)
        var firstFailure: ShellOutcome?
        for item in ScriptSplitter.split(text).items {
            let outcome: ShellOutcome
            switch item.kind {
            case .dotCommand:
                outcome = perform(line: item.text, at: item, in: whole)
            case .statement:
                let file = ScriptSplitter.sourceFile(named: name, for: item, in: whole)
                outcome = runStatements(in: file)
            }
            switch outcome {
            case .ok: continue
            case .quit: return firstFailure ?? .quit
            case .failed:
                if firstFailure == nil { firstFailure = outcome }
                if !continueOnError { return outcome }
            }
        }
        return firstFailure ?? .ok
    }

    /// Runs the script file at `path` (`-` is standard input); 66 when it cannot be read.
    public func runScriptFile(_ path: String, continueOnError: Bool) -> ShellOutcome {
        let name = path == "-" ? "<stdin>" : path
        let data: Data?
        if path == "-" {
            data = try? FileHandle.standardInput.readToEnd() ?? Data()
        } else {
            data = FileManager.default.contents(atPath: path)
        }
        guard let data else {
            session.printError("cannot read script '\(path)': \(Shell.reason(path))")
            return .failed(ExitStatus.noInput)
        }
        let resolved = path == "-" ? path : URL(fileURLWithPath: path).standardizedFileURL.path
        if readStack.contains(resolved) {
            session.printError("'\(path)' reads itself (through .read); stopped")
            return .failed(ExitStatus.dataError)
        }
        readStack.append(resolved)
        defer { readStack.removeLast() }
        return runScript(text: String(decoding: data, as: UTF8.self), name: name, continueOnError: continueOnError)
    }

    /// Why `path` cannot be read, in a few words.
    static func reason(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) { return "no such file" }
        return isDirectory.boolValue ? "it is a directory" : "permission denied"
    }

    // MARK: - Dot-commands

    /// Parses and performs one dot-command line. `item` and `whole` place errors in a script;
    /// without them errors point into the line itself.
    func perform(line: String, at item: ScriptItem? = nil, in whole: SourceFile? = nil) -> ShellOutcome {
        switch DotCommand.parse(line) {
        case .failure(let error):
            let file: SourceFile
            var span = Span(start: 0, end: line.utf8.count)
            if let item, let whole {
                file = ScriptSplitter.sourceFile(named: whole.name, for: item, in: whole)
                span = Span(start: file.bytes.count - line.utf8.count, end: file.bytes.count)
            } else {
                file = SourceFile(name: "<input>", text: line)
            }
            let diagnostic = Diagnostic.error(.invalidDotCommand, error.message, at: span, hints: error.hint.map { [$0] } ?? [])
            session.printDiagnostics([diagnostic], in: file)
            return .failed(ExitStatus.dataError)
        case .success(let command):
            return perform(command)
        }
    }

    // MARK: - Output destination

    /// Sends results to `path` (appending; created with mode 0644), or back to standard output.
    func setOutput(_ destination: OutputDestination) -> ShellOutcome {
        switch destination {
        case .stdout:
            session.output.flush()
            closeOutputFile()
            session.output = .standardOutput()
            session.outputIsTerminal = isatty(1) != 0
            return .ok
        case .file(let path):
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                session.printError("cannot write '\(path)': \(String(cString: strerror(errno)))")
                return .failed(ExitStatus.noInput)
            }
            session.output.flush()
            closeOutputFile()
            outputFD = fd
            outputPath = path
            session.output = .fileDescriptor(fd)
            session.outputIsTerminal = false
            return .ok
        }
    }

    private func closeOutputFile() {
        guard outputFD >= 0 else { return }
        session.output.flush()
        close(outputFD)
        outputFD = -1
        outputPath = nil
    }

    /// A message for the user (settings shown by dot-commands): standard output, or standard
    /// error while results go to a file, so the file holds results only.
    func say(_ text: String) {
        if outputPath != nil {
            Session.writeStderr(text)
        } else {
            session.write(text)
        }
    }
}
