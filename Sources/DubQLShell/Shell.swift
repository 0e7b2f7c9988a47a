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

/// Runs statements, dot-commands and scripts in one session: the engine behind the REPL,
/// `dubql run`, `dubql query` and `.read`.
///
/// ```swift
/// let shell = try Shell.start(SessionOptions(now: "2024-06-01T12:00:00Z"), console: .memory(), interactive: false)
/// let status = shell.runScript(text: ".mode csv\nSELECT clicks LIMIT 2;", name: "<script>", continueOnError: false)
/// ```
public final class Shell {
    /// The session statements run in.
    public let session: Session
    var mode: ShellMode
    var explain = false
    var timer = false
    /// The file `.output` writes to (`|command` for a pipe), or `nil` for the console's output.
    private(set) var outputPath: String?
    private var outputFD: Int32 = -1
    /// The `popen` stream of `.output |command`, closed (and waited for) when output moves on.
    private var outputPipe: UnsafeMutablePointer<FILE>?
    /// True after `.once`: output goes back to the console's after the next statement.
    var outputOnce = false
    /// True when the next statements are the only ones this shell will run (see ``start(_:console:interactive:oneShot:)``).
    var streamNextStatements = false
    /// Set once a script has started: only a single script of one statement streams.
    private var scriptRan = false
    /// The REPL's history (for `.history`); `nil` in `dubql run`.
    var history: History?
    /// True in the interactive REPL: Ctrl-C cancels queries, and `.open` says what it opened.
    let interactive: Bool
    /// Scripts being read (`.read` inside `.read`), to refuse cycles.
    private var readStack: [String] = []
    /// `.pager`: results taller than the terminal go through `$PAGER` (on by default in the
    /// interactive REPL; never when the output is not a terminal).
    var pager: Bool
    /// `.since`: the time clause of statements without one (as parsed), and its text.
    var defaultTime: (clause: TimeClause, text: String)?
    /// `.limit`: the LIMIT of statements without one.
    var defaultLimit: SessionLimit = .off

    /// A shell on `session`. `interactive` is true for the REPL on a terminal.
    public init(session: Session, interactive: Bool) {
        self.session = session
        self.mode = .format(session.format)
        self.interactive = interactive
        self.pager = interactive
    }

    /// A shell on a new session (``Session/start(_:console:announceDemo:)``); the demo data is
    /// announced with a note unless `interactive` (the REPL's banner names it). A failure to
    /// start has been written to the console's errors, and is thrown as its exit status.
    ///
    /// `oneShot` (``runOnce(_:name:)`` and scripts of one statement, as `dubql query` and `dubql run`
    /// use them) defers loading data files to the statement, which streams them when it can.
    public static func start(_ options: SessionOptions, console: Console, interactive: Bool, oneShot: Bool = false) throws(ExitStatus) -> Shell {
        Shell(session: try Session.start(options, console: console, announceDemo: !interactive, deferLoad: oneShot && !interactive),
              interactive: interactive)
    }

    deinit { closeOutputFile() }

    // MARK: - Statements

    /// Compiles the statements of `file` (usually one) and runs them in order, stopping at the
    /// first failure. Diagnostics point into `file`; each statement's are written just before it runs.
    func runStatements(in file: SourceFile) -> ShellOutcome {
        if outputOnce {
            // `.once`: this statement's result only, whether it runs or fails.
            outputOnce = false
            defer { _ = setOutput(.stdout) }
            return runStatements(in: file)
        }
        let context: QueryContext
        do {
            context = try session.makeContext()
        } catch {
            if let message = error.message { session.printError(message) }
            return .failed(error.exit)
        }
        let compilation = compileWithDefaults(file, context: context)
        if !compilation.syntaxDiagnostics.isEmpty { session.printDiagnostics(compilation.syntaxDiagnostics, in: file) }
        if compilation.syntaxDiagnostics.hasErrors { return .failed(.dataError) }
        let streamable = streamNextStatements && compilation.statements.count == 1
        streamNextStatements = false
        session.streamNextStatement = streamable
        defer { session.streamNextStatement = false }
        for statement in compilation.statements {
            if !statement.diagnostics.isEmpty { session.printDiagnostics(statement.diagnostics, in: file) }
            guard let query = statement.query, !statement.diagnostics.hasErrors else { return .failed(.dataError) }
            let outcome = paged { run(query, explain: statement.statement.isExplain || query.explain, in: file) }
            if outcome != .ok { return outcome }
        }
        return .ok
    }

    /// Runs one bound statement in the current mode, with `.explain` and `.timer` applied.
    func run(_ query: BoundQuery, explain isExplain: Bool, in file: SourceFile) -> ShellOutcome {
        switch mode {
        case .plan, .url, .curl:
            return dryRun(query, in: file)
        case .format(let format):
            session.format = format
            if explain && !isExplain {
                // `.explain on` adds the plan before the result, but never into a data file: when
                // `.output` redirects results the plan goes to the terminal (else standard error),
                // and a data format (json, ndjson, csv) off a terminal gets it on standard error.
                let status: ExitStatus
                let dataFormat = ([.json, .ndjson, .csv] as [OutputFormat]).contains(format)
                if outputPath == nil && (session.outputIsTerminal || !dataFormat) {
                    status = session.run(query, explain: true, in: file)
                } else {
                    let results = session.output
                    let plan = OutputSink.memory()
                    session.output = plan
                    status = session.run(query, explain: true, in: file)
                    session.output = results
                    if outputPath != nil && session.console.outputIsTerminal {
                        session.console.output.write(plan.text)
                        session.console.output.flush()
                    } else {
                        session.writeStderr(plan.text)
                    }
                }
                guard status == .ok else { return .failed(status) }
            }
            let started = DispatchTime.now()
            Interrupts.reset()
            if interactive {
                session.isCancelled = { Interrupts.pending }
                interruptForceExit = 1
            }
            let status = session.run(query, explain: isExplain, in: file)
            interruptForceExit = 0
            session.isCancelled = nil
            let cancelled = interactive && Interrupts.pending
            Interrupts.reset()
            if cancelled { session.writeStderr("interrupted\n") }
            if timer {
                let nanos = DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds
                session.writeStderr("time: \(Shell.formatDuration(nanos))\n")
            }
            return status == .ok ? .ok : .failed(status)
        }
    }

    /// `plan`, `url`, `curl`: what would be sent to Dub's API, without sending it.
    private func dryRun(_ query: BoundQuery, in file: SourceFile) -> ShellOutcome {
        let (plan, diagnostics) = APIPlanner.plan(query)
        if !diagnostics.isEmpty { session.printDiagnostics(diagnostics, in: file) }
        guard let plan, !diagnostics.hasErrors else { return .failed(.dataError) }
        let base = DubAPI.baseURL(option: session.options.apiURL, environment: session.console.environment)
        switch mode {
        case .url: session.write(Explain.urls(plan, baseURL: base).map { $0 + "\n" }.joined())
        case .curl: session.write(Explain.curl(plan, baseURL: base).map { $0 + "\n" }.joined())
        default: session.write(Explain.text(plan))
        }
        return .ok
    }

    /// Runs `text` (one or more statements, no dot-commands) as `dubql query` does: in order,
    /// stopping at the first failure; diagnostics are named `name`. Returns the exit status.
    public func runOnce(_ text: String, name: String = "<query>") -> ExitStatus {
        streamNextStatements = true
        let outcome = runStatements(in: SourceFile(name: name, text: text))
        session.output.flush()
        if case .failed(let status) = outcome { return status }
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
    public func runScript(text: String, name: String, continueOnError: Bool) -> ShellOutcome {
        let whole = SourceFile(name: name, text: text)
        var firstFailure: ShellOutcome?
        let items = ScriptSplitter.split(text).items
        // A script of one statement (after any dot-commands) may stream its data, as `dubql query` does.
        let single = items.filter { $0.kind == .statement }.count == 1 && items.last?.kind == .statement && !scriptRan
        scriptRan = true
        for item in items {
            let outcome: ShellOutcome
            switch item.kind {
            case .dotCommand:
                outcome = perform(line: item.text, at: item, in: whole)
            case .statement:
                let file = ScriptSplitter.sourceFile(named: name, for: item, in: whole)
                streamNextStatements = single
                outcome = runStatements(in: file)
            }
            switch outcome {
            case .ok: continue
            case .quit: return firstFailure ?? .quit
            case .failed(let status):
                if firstFailure == nil { firstFailure = outcome }
                // Ctrl-C stops the script, `--continue` or not.
                if !continueOnError || status == .interrupted { return outcome }
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

    /// Runs script files in order, as `dubql run` does (`-` is standard input): stops at the first
    /// failure unless `continueOnError`, and at `.quit`. Returns the first failure's status, or `.ok`.
    public func runScripts(_ paths: [String], continueOnError: Bool) -> ExitStatus {
        if paths.count > 1 { scriptRan = true }
        var firstFailure: ExitStatus?
        for path in paths {
            let outcome = runScriptFile(path, continueOnError: continueOnError)
            session.output.flush()
            switch outcome {
            case .ok: continue
            case .quit: return firstFailure ?? .ok
            case .failed(let status):
                if firstFailure == nil { firstFailure = status }
                // Ctrl-C stops the run, `--continue` or not: the process exits 130.
                if !continueOnError || status == .interrupted { return status }
            }
        }
        return firstFailure ?? .ok
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
                span = Span(start: file.byteCount - line.utf8.count, end: file.byteCount)
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

    /// Sends results to a file (emptied first, or appended to; created with mode 0644), to a
    /// shell command's standard input, or back to the console's output.
    func setOutput(_ destination: OutputDestination) -> ShellOutcome {
        switch destination {
        case .stdout:
            session.output.flush()
            closeOutputFile()
            session.output = session.console.output
            session.outputIsTerminal = session.console.outputIsTerminal
            return .ok
        case .file(let given), .append(let given):
            let path = expandingTilde(given)
            let truncate = destination == .file(given) ? O_TRUNC : O_APPEND
            let fd = open(path, O_WRONLY | truncate | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                session.printError("cannot write '\(given)': \(String(cString: strerror(errno)))")
                return .failed(ExitStatus.noInput)
            }
            session.output.flush()
            closeOutputFile()
            outputFD = fd
            outputPath = path
            session.output = .fileDescriptor(fd)
            session.outputIsTerminal = false
            return .ok
        case .pipe(let command):
            session.output.flush()
            closeOutputFile()
            FileHandle.standardOutput.synchronizeFile()
            guard let stream = popen(command, "w") else {
                session.printError("cannot run '\(command)': \(String(cString: strerror(errno)))")
                return .failed(ExitStatus.unavailable)
            }
            outputPipe = stream
            outputFD = fileno(stream)
            outputPath = "|" + command
            session.output = .fileDescriptor(outputFD)
            session.outputIsTerminal = false
            return .ok
        }
    }

    /// `~` and `~/...` in the home directory (`$HOME`), as a shell would.
    func expandingTilde(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/"), let home = session.console.environment["HOME"] ?? ProcessInfo.processInfo.environment["HOME"] else {
            return path
        }
        return home + path.dropFirst()
    }

    private func closeOutputFile() {
        guard outputFD >= 0 else { return }
        session.output.flush()
        if let stream = outputPipe {
            // Waits for the command, so its output comes before the next prompt.
            pclose(stream)
            outputPipe = nil
        } else {
            close(outputFD)
        }
        outputFD = -1
        outputPath = nil
    }

    /// A message for the user (settings shown by dot-commands): the output, or the console's
    /// errors while results go to a file, so the file holds results only.
    func say(_ text: String) {
        if outputPath != nil {
            session.writeStderr(text)
        } else {
            session.write(text)
        }
    }
}
