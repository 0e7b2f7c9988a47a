// The state one run of DubQL works in (data source, clock, time zone, output format, colour and
// destination) and the one entry point that runs a parsed statement. `dubql query`, `dubql -e`,
// `dubql run` and the REPL all go through it.

import DubQL
import DubQLEngine
import DubQLOutput
import DubQLSyntax
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Sources

/// Where queries run: local events (files or the demo data) or Dub's API.
///
/// The API source (`APISource.swift`) conforms to this and is made through
/// ``Session/apiSourceFactory``; the local one is ``LocalSource``.
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
    public var message: String?
    public var exit: ExitStatus
    public init(_ message: String?, exit: ExitStatus) {
        self.message = message
        self.exit = exit
    }
}

/// `--color auto|always|never`.
public enum ColorMode: String, CaseIterable, Sendable {
    case auto, always, never
}

// MARK: - Session

/// Runs statements against a source and writes results and diagnostics.
public final class Session {
    /// The data source queries run on.
    var source: any QuerySource
    /// `--timezone`: the default time zone of queries without `TIMEZONE`.
    var timeZone: String?
    /// `--now` as given (fixes the clock); `nil` follows the system clock.
    var now: String?
    var format: OutputFormat
    var colorMode: ColorMode
    /// Where rows go (stdout by default; the REPL's `.output FILE` swaps it).
    public var output: OutputSink
    /// True when ``output`` is a terminal: tables fit its width and may use colour.
    var outputIsTerminal: Bool
    /// The exit code of the last failure (0 after success).
    public private(set) var lastExit: ExitStatus = ExitStatus.ok
    /// Polled by long scans; the REPL sets it on Ctrl-C.
    var isCancelled: (() -> Bool)?

    /// Makes the API data source (set by `APISource.swift`); `nil` until the API client is built in.
    nonisolated(unsafe) static var apiSourceFactory: ((_ apiKey: String, _ apiURL: String?) throws -> any QuerySource)?

    public init(source: any QuerySource, format: OutputFormat = .table, timeZone: String? = nil, now: String? = nil,
         colorMode: ColorMode = .auto, output: OutputSink = .standardOutput(), outputIsTerminal: Bool = isatty(1) != 0) {
        self.source = source
        self.format = format
        self.timeZone = timeZone
        self.now = now
        self.colorMode = colorMode
        self.output = output
        self.outputIsTerminal = outputIsTerminal
    }

    // MARK: Running

    /// Parses `text` and runs its statements in order, stopping at the first failure.
    /// Returns true when everything succeeded.
    @discardableResult
    public func run(text: String, name: String = "<query>") -> Bool {
        let file = SourceFile(name: name, text: text)
        let parsed = Parser.parse(file)
        if !parsed.diagnostics.isEmpty { printDiagnostics(parsed.diagnostics, in: file) }
        if parsed.hasErrors { return fail(ExitStatus.dataError) }
        for statement in parsed.script.statements where !run(statement, in: file) { return false }
        lastExit = ExitStatus.ok
        return true
    }

    /// Runs one parsed statement: binds it, then runs or explains it on the source.
    /// Diagnostics and errors go to stderr; returns true on success.
    @discardableResult
    func run(_ statement: Statement, in file: SourceFile) -> Bool {
        do {
            let context = try makeContext()
            let (bound, diagnostics) = Binder.bind(statement, source: file, context: context)
            if !diagnostics.isEmpty { printDiagnostics(diagnostics, in: file) }
            guard let query = bound, !diagnostics.hasErrors else { return fail(ExitStatus.dataError) }
            if statement.isExplain || query.explain {
                try source.explain(query, source: file, session: self)
            } else {
                try source.execute(query, source: file, session: self)
            }
            lastExit = ExitStatus.ok
            return true
        } catch let failure as SessionFailure {
            if let message = failure.message { printError(message) }
            return fail(failure.exit)
        } catch {
            printError("\(error)")
            return fail(ExitStatus.software)
        }
    }

    /// The API plan of a statement without running it (the REPL's `plan`, `url` and `curl` modes).
    func apiPlan(_ statement: Statement, in file: SourceFile) -> (plan: APIPlan?, diagnostics: [Diagnostic]) {
        let context: QueryContext
        do { context = try makeContext() } catch { return (nil, []) }
        let (bound, diagnostics) = Binder.bind(statement, source: file, context: context)
        guard let query = bound, !diagnostics.hasErrors else { return (nil, diagnostics) }
        let (plan, more) = APIPlanner.plan(query)
        return (plan, diagnostics + more)
    }

    /// The clock and default zone of the next statement.
    func makeContext() throws -> QueryContext {
        do {
            return try QueryContext.make(now: now, timeZone: timeZone)
        } catch {
            throw SessionFailure("\(error)", exit: ExitStatus.usage)
        }
    }

    private func fail(_ code: ExitStatus) -> Bool {
        lastExit = code
        return false
    }

    // MARK: Output

    /// True when output should carry ANSI colour.
    var useColor: Bool {
        switch colorMode {
        case .never: return false
        case .always: return !Session.noColorRequested
        case .auto: return outputIsTerminal && !Session.noColorRequested && getenv("TERM").map { String(cString: $0) != "dumb" } ?? true
        }
    }

    /// True when diagnostics on stderr may be coloured.
    var stderrColor: Bool {
        switch colorMode {
        case .never: return false
        case .always: return !Session.noColorRequested
        case .auto: return isatty(2) != 0 && !Session.noColorRequested
        }
    }

    static var noColorRequested: Bool {
        guard let v = getenv("NO_COLOR") else { return false }
        return v.pointee != 0
    }

    /// The width tables fit: the terminal's when writing to one, else `$COLUMNS`, else unlimited.
    var tableWidth: Int? {
        if outputIsTerminal {
            var ws = winsize()
            if ioctl(1, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0 { return Int(ws.ws_col) }
        }
        if let c = getenv("COLUMNS"), let n = Int(String(cString: c)), n > 0 { return n }
        return outputIsTerminal ? 80 : nil
    }

    /// A writer of a result with `schema`, in the session's format, to its output.
    func makeWriter(for schema: ResultSchema) -> ResultWriter {
        ResultWriter(format: format, schema: schema, sink: output,
                     options: .init(width: tableWidth, color: useColor, escapeControls: escapeControls))
    }

    /// True when values show control characters escaped: when the output is a terminal (text from
    /// the data must never drive it), unless `DUBQL_ESCAPE` says `always` or `never`.
    var escapeControls: Bool {
        switch getenv("DUBQL_ESCAPE").map({ String(cString: $0) }) {
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
        Session.writeStderr(DiagnosticRenderer.render(diagnostics, in: file, color: stderrColor))
    }

    /// `dubql: error: message` on stderr.
    func printError(_ message: String) {
        Session.writeStderr("dubql: error: \(message)\n")
    }

    /// `dubql: note: message` on stderr.
    public static func note(_ message: String) {
        writeStderr("dubql: note: \(message)\n")
    }

    public static func writeStderr(_ text: String) {
        var text = text
        text.withUTF8 { buf in
            var off = 0
            while off < buf.count, let base = buf.baseAddress {
                let n = Glibc.write(2, base + off, buf.count - off)
                if n <= 0 { return }
                off += n
            }
        }
    }
}
