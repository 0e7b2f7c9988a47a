// How the shell shows results and what statements default to: `.expanded`, `.pager` (long
// results through `$PAGER` on a terminal), and the session defaults `.since` and `.limit`, which
// statements without the clause take (and the prompt shows).

import DubQL
import DubQLOutput
import DubQLSyntax
import Foundation

// MARK: - Dot-commands

extension Shell {
    /// Performs `.expanded`, `.pager`, `.since` or `.limit`; `nil` for any other command.
    func performDisplayOrDefault(_ command: DotCommand) -> ShellOutcome? {
        switch command {
        case .expanded(let value):
            if let value { session.expanded = value } else { say("expanded: \(session.expanded.rawValue)\n") }
        case .pager(let flag):
            if let flag { pager = flag } else { say("pager: \(pager ? "on" : "off") (\(pagerDescription))\n") }
        case .since(let text):
            guard let text else {
                say("since: \(defaultTime?.text ?? "off (statements without SINCE or BETWEEN take SINCE \(Binder.defaultPreset))")\n")
                return .ok
            }
            return setDefaultTime(text)
        case .limit(let limit):
            guard let limit else {
                say("limit: \(limitText ?? "off (statements without LIMIT return \(Binder.defaultLimit) events, or every group)")\n")
                return .ok
            }
            defaultLimit = limit
        default:
            return nil
        }
        return .ok
    }

    private func setDefaultTime(_ text: String) -> ShellOutcome {
        if text.lowercased() == "off" {
            defaultTime = nil
            return .ok
        }
        // The text is checked as a statement would be: `SELECT clicks SINCE <text>`.
        let between = text.lowercased().hasPrefix("between ")
        let probe = SourceFile(name: "<.since>", text: "SELECT clicks " + (between ? "" : "SINCE ") + text)
        let parsed = Parser.parse(probe)
        var diagnostics = parsed.diagnostics
        let statement = parsed.script.statements.first
        if !parsed.hasErrors, let statement, parsed.script.statements.count == 1 {
            do {
                diagnostics += Binder.bind(statement, source: probe, context: try session.makeContext()).diagnostics
            } catch {
                if let message = error.message { session.printError(message) }
                return .failed(error.exit)
            }
        }
        guard !diagnostics.hasErrors, let clause = statement?.select.time, parsed.script.statements.count == 1,
              statement?.select.limit == nil, statement?.select.whereClause == nil else {
            if !diagnostics.isEmpty { session.printDiagnostics(diagnostics, in: probe) }
            session.printError("invalid .since '\(text)': expected a duration (7d), a preset (30d, mtd, all), a date, or off")
            return .failed(ExitStatus.dataError)
        }
        defaultTime = (clause, text)
        return .ok
    }

    /// What `.limit` says in the prompt and when asked, or `nil` when it is off.
    var limitText: String? {
        switch defaultLimit {
        case .off: nil
        case .all: "all"
        case .rows(let n): String(n)
        }
    }

    // MARK: - Prompt

    /// The REPL's prompt: `dubql> `, or with session defaults set, `dubql (since 7d, limit all)> `.
    var prompt: String {
        var settings: [String] = []
        if let time = defaultTime { settings.append("since \(time.text)") }
        if let limit = limitText { settings.append("limit \(limit)") }
        return settings.isEmpty ? REPL.prompt : "dubql (\(settings.joined(separator: ", ")))> "
    }

    /// The prompt of a continued statement, as wide as ``prompt``.
    var continuationPrompt: String {
        let p = prompt
        guard p != REPL.prompt else { return REPL.continuationPrompt }
        return String(repeating: " ", count: max(0, p.count - 5)) + "...> "
    }

    // MARK: - Session defaults

    /// Parses `file` and binds each statement, after giving statements that lack them the
    /// `.since` time clause and the `.limit` LIMIT. (The added clauses point at the end of the
    /// statement, and show in `EXPLAIN` and in the query's text.)
    func compileWithDefaults(_ file: SourceFile, context: QueryContext)
        -> (syntaxDiagnostics: [Diagnostic], statements: [(statement: Statement, query: BoundQuery?, diagnostics: [Diagnostic])]) {
        let parsed = Parser.parse(file)
        guard !parsed.hasErrors else { return (parsed.diagnostics, []) }
        let statements = parsed.script.statements.map { original in
            var statement = original
            applyDefaults(to: &statement)
            let (query, diagnostics) = Binder.bind(statement, source: file, context: context)
            return (statement: statement, query: query, diagnostics: diagnostics)
        }
        return (parsed.diagnostics, statements)
    }

    /// Adds the session's defaults to a statement without `SINCE`/`BETWEEN` or `LIMIT`.
    func applyDefaults(to statement: inout Statement) {
        let end = Span(at: statement.select.span.end)
        if statement.select.time == nil, let time = defaultTime?.clause {
            func at(_ i: Instant) -> Instant { Instant(i.kind, span: end) }
            switch time {
            case .since(let a, let until, _): statement.select.time = .since(at(a), until: until.map(at), span: end)
            case .between(let a, let b, _): statement.select.time = .between(at(a), at(b), span: end)
            }
        }
        guard statement.select.limit == nil else { return }
        switch defaultLimit {
        case .off:
            break
        case .rows(let n):
            statement.select.limit = IntegerClause(value: n, text: String(n), valueSpan: end, span: end)
        case .all:
            // Groups: LIMIT ALL. A listing has a ceiling of its own: every event up to it.
            statement.select.limit = statement.select.isAggregate
                ? IntegerClause(value: nil, text: "ALL", valueSpan: end, span: end)
                : IntegerClause(value: Binder.maximumLimit, text: String(Binder.maximumLimit), valueSpan: end, span: end)
        }
    }

    // MARK: - Pager

    /// The command that pages results now, or `nil`: only with `.pager on`, results going to the
    /// console (no `.output`), the console a terminal, and `$PAGER` not set to an empty string.
    var pagerCommand: String? {
        guard pager, outputPath == nil, session.console.outputIsTerminal, session.outputIsTerminal else { return nil }
        guard let given = session.console.environment["PAGER"] else { return Shell.defaultPager }
        return given.trimmingCharacters(in: .whitespaces).isEmpty ? nil : given
    }

    /// `less -SFRX`: long lines scroll sideways (-S), one screenful is printed and left (-F),
    /// colours pass (-R), and the screen is not cleared on exit (-X).
    static let defaultPager = "less -SFRX"

    private var pagerDescription: String {
        guard let given = session.console.environment["PAGER"] else { return Shell.defaultPager }
        return given.trimmingCharacters(in: .whitespaces).isEmpty ? "PAGER is empty: never pages" : given
    }

    /// Runs `body` with its results held back, then shows them through ``page(_:)``; just runs
    /// it when nothing would be paged.
    func paged(_ body: () -> ShellOutcome) -> ShellOutcome {
        guard pagerCommand != nil else { return body() }
        let results = session.output
        let held = OutputSink.memory()
        session.output = held
        let outcome = body()
        session.output = results
        page(held.text)
        return outcome
    }

    /// Writes `text` to the console's output, through the pager when it has more lines than the
    /// terminal has rows (less one for the prompt). Messages (`.help`, `.fields`) go through
    /// ``say(_:)`` when nothing pages.
    func page(_ text: String) {
        guard let command = pagerCommand else {
            say(text)
            return
        }
        let rows = session.console.terminalHeight() ?? session.console.environment["LINES"].flatMap { Int($0) } ?? 24
        var lines = 0
        for byte in text.utf8 where byte == 0x0A { lines += 1 }
        let output = session.console.output
        guard lines >= rows - 1 else {
            output.write(text)
            output.flush()
            return
        }
        output.flush()
        FileHandle.standardOutput.synchronizeFile()
        // Quitting the pager before the end closes the pipe: that is no reason to die of SIGPIPE.
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        guard let stream = popen(command, "w") else {
            session.printError("cannot run the pager '\(command)': \(String(cString: strerror(errno)))")
            output.write(text)
            output.flush()
            return
        }
        FileDescriptor.write(text, to: fileno(stream))
        pclose(stream)
    }
}
