// The state one run of DubQL works in (data source, clock, time zone, output format, colour and
// destination) and the one entry point that runs a bound statement. `dubql query`, `dubql -e`,
// `dubql run` and the REPL all go through it.

import DubQL
import DubQLEngine
import DubQLOutput
import DubQLSyntax

// MARK: - Sources

/// Where queries run: local events (files or the demo data) or Dub's API.
///
/// The API source is ``APISource``; the local one is ``LocalSource``. ``Session/start(_:console:announceDemo:)``
/// picks one from the options.
public protocol QuerySource: AnyObject {
    /// One line describing the source, for notes and the REPL (`demo data: 24,500 events`).
    var summary: String { get }
    /// Which backend plans queries for this source.
    var backend: Backend { get }
    /// Runs a bound `SELECT`, writing its rows with ``Session/makeWriter(for:)``.
    func execute(_ query: BoundQuery, source: SourceFile, session: Session) throws
    /// Prints the plan of an `EXPLAIN` statement.
    func explain(_ query: BoundQuery, source: SourceFile, session: Session) throws
}

/// A failure that has already been explained to the user (or carries its message) and its exit code.
public struct SessionFailure: Error {
    /// What to tell the user (`dubql: error: ...`), or `nil` when it has been told already.
    public var message: String?
    /// The exit status it ends a command with.
    public var exit: ExitStatus
    /// A failure with its message and status.
    public init(_ message: String?, exit: ExitStatus) {
        self.message = message
        self.exit = exit
    }
}

// MARK: - Session

/// Runs statements against a source and writes results and diagnostics to its console.
///
/// Made by ``start(_:console:announceDemo:)`` from the command line's options, or directly on a
/// source (tests, embedding programs).
public final class Session {
    /// The data source queries run on (`.open` swaps it).
    var source: any QuerySource
    /// The options the session started with (`--api-url`, `--verbose`, `--skip-invalid` are read
    /// again by `.open`).
    let options: SessionOptions
    /// The process's environment and standard streams.
    public let console: Console
    /// `--timezone`, then `.timezone`: the default time zone of queries without `TIMEZONE`.
    var timeZone: String?
    /// `--now` as given (fixes the clock); `nil` follows the system clock.
    var now: String?
    var format: OutputFormat
    var colorMode: ColorMode
    /// Where rows go (the console's output by default; `.output FILE` swaps it).
    public var output: OutputSink
    /// True when ``output`` is a terminal: tables fit its width and may use colour.
    var outputIsTerminal: Bool
    /// `.expanded`: tables, or records of one field per line (by default when a row cannot fit).
    var expanded: TableRenderer.Expanded = .auto
    /// Polled by long scans; the REPL sets it on Ctrl-C.
    var isCancelled: (() -> Bool)?
    /// True while the statement that runs is the only one the session will run: a local source
    /// with deferred files may then stream them instead of loading them.
    var streamNextStatement = false

    /// A session on `source` with `options` (their source fields are not looked at), writing to `console`.
    public init(source: any QuerySource, options: SessionOptions = SessionOptions(), console: Console) {
        self.source = source
        self.options = options
        self.console = console
        self.format = options.format
        self.timeZone = options.timeZone
        self.now = options.now
        self.colorMode = options.color
        self.output = console.output
        self.outputIsTerminal = console.outputIsTerminal
    }

    // MARK: Running

    /// The clock and default zone of the next statement.
    func makeContext() throws(SessionFailure) -> QueryContext {
        do {
            return try QueryContext.make(now: now, timeZone: timeZone)
        } catch {
            throw SessionFailure("\(error)", exit: .usage)
        }
    }

    /// Runs a bound statement on the source, or with `explain` prints its plan. Errors go to the
    /// console; returns `.ok` or the failure's exit status.
    func run(_ query: BoundQuery, explain: Bool, in file: SourceFile) -> ExitStatus {
        do {
            if explain {
                try source.explain(query, source: file, session: self)
            } else {
                noteDefaultTime(query)
                try source.execute(query, source: file, session: self)
            }
            return .ok
        } catch let failure as SessionFailure {
            if let message = failure.message { printError(message) }
            return failure.exit
        } catch {
            printError("\(error)")
            return .software
        }
    }

    // MARK: Output

    /// True when output should carry ANSI colour.
    var useColor: Bool { console.useColor(colorMode, onTerminal: outputIsTerminal) }

    /// True when diagnostics on the console's errors may be coloured.
    var stderrColor: Bool { console.useColor(colorMode, onTerminal: console.errorsAreTerminal) }

    /// The width tables fit: the terminal's when writing to one, else `$COLUMNS`, else unlimited.
    var tableWidth: Int? {
        if outputIsTerminal, let width = console.terminalWidth() { return width }
        if let columns = console.environment["COLUMNS"].flatMap({ Int($0) }), columns > 0 { return columns }
        return outputIsTerminal ? 80 : nil
    }

    /// A writer of a result with `schema`, in the session's format, to its output. In the chart
    /// format, a result that cannot be charted is a usage error (exit 64) that says what can be.
    func makeWriter(for schema: ResultSchema) throws(SessionFailure) -> ResultWriter {
        if format == .chart, case .failure(let why) = Chart.shape(of: schema) {
            throw SessionFailure(why.description, exit: .usage)
        }
        return ResultWriter(format: format, schema: schema, sink: output,
                            options: .init(width: tableWidth, color: useColor, escapeControls: escapeControls,
                                           expanded: expanded, unicode: unicodeOutput))
    }

    /// True when the locale's character set is UTF-8: the first of `LC_ALL`, `LC_CTYPE` and
    /// `LANG` that is set (and not empty) names it (`en_US.UTF-8`, `C.utf8`). Charts are drawn in
    /// plain ASCII otherwise, as in the C locale that applies when none is set.
    var unicodeOutput: Bool { Session.isUTF8Locale(console.environment) }

    /// Whether the environment's locale (`LC_ALL`, then `LC_CTYPE`, then `LANG`) is UTF-8.
    public static func isUTF8Locale(_ environment: [String: String]) -> Bool {
        guard let locale = ["LC_ALL", "LC_CTYPE", "LANG"].lazy.compactMap({ environment[$0] }).first(where: { !$0.isEmpty })
        else { return false }
        let lower = locale.lowercased()
        return lower.contains("utf-8") || lower.contains("utf8")
    }

    /// True when values show control characters escaped: when the output is a terminal (text from
    /// the data must never drive it), unless `DUBQL_ESCAPE` says `always` or `never`.
    var escapeControls: Bool {
        switch console.environment["DUBQL_ESCAPE"] {
        case "always": return true
        case "never": return false
        default: return outputIsTerminal
        }
    }

    /// Writes text to the output (plans, messages that belong with results).
    func write(_ text: String) {
        output.write(text)
        output.flush()
    }

    /// The plan of a planner's answer, after printing its diagnostics; a data error (exit 65)
    /// when they include errors. Every source plans through this.
    func accept<Plan>(_ planned: (plan: Plan?, diagnostics: [Diagnostic]), in source: SourceFile) throws -> Plan {
        if !planned.diagnostics.isEmpty { printDiagnostics(planned.diagnostics, in: source) }
        guard let plan = planned.plan, !planned.diagnostics.hasErrors else { throw SessionFailure(nil, exit: ExitStatus.dataError) }
        return plan
    }

    func printDiagnostics(_ diagnostics: [Diagnostic], in file: SourceFile) {
        writeStderr(DiagnosticRenderer.render(diagnostics, in: file, color: stderrColor))
    }

    /// `dubql: error: message` on the console's errors.
    func printError(_ message: String) {
        writeStderr("dubql: error: \(message)\n")
    }

    /// `dubql: note: message` on the console's errors.
    func note(_ message: String) {
        writeStderr("dubql: note: \(message)\n")
    }

    /// Writes `text` to the console's errors (standard error).
    func writeStderr(_ text: String) {
        console.errors.write(text)
    }
}
