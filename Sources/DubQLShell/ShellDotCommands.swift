// What each dot-command does (DESIGN.md §5): help, data source, scripts, modes, settings, the
// field list from the catalog, and the history.

import DubQL
import DubQLClient
import DubQLEngine
import DubQLOutput
import DubQLSyntax
import Foundation

extension Shell {
    /// Performs a parsed dot-command.
    func perform(_ command: DotCommand) -> ShellOutcome {
        switch command {
        case .help(let topic):
            page(Shell.helpText(topic: topic))
        case .quit:
            return .quit
        case .open(let target):
            guard let target else {
                say("data: \(sourceDescription)\n")
                return .ok
            }
            return open(target)
        case .read(let path):
            return runScriptFile(path, continueOnError: false)
        case .mode(let name):
            guard let name else {
                say("mode: \(mode.name)\n")
                return .ok
            }
            guard let newMode = ShellMode(name: name) else {
                session.printError("unknown mode '\(name)'")
                return .failed(ExitStatus.usage)
            }
            mode = newMode
            if case .format(let f) = newMode { session.format = f }
        case .explain(let flag):
            if let flag { explain = flag } else { say("explain: \(explain ? "on" : "off")\n") }
        case .timer(let flag):
            if let flag { timer = flag } else { say("timer: \(timer ? "on" : "off")\n") }
        case .output(let destination):
            guard let destination else {
                say("output: \(outputPath ?? "stdout")\n")
                return .ok
            }
            outputOnce = false
            return setOutput(destination)
        case .once(let destination):
            let outcome = setOutput(destination)
            if outcome == .ok { outputOnce = true }
            return outcome
        case .fields(let event):
            page(fieldsText(event: event))
        case .timezone(let zone):
            guard let zone else {
                say("timezone: \(session.timeZone ?? "UTC")\n")
                return .ok
            }
            guard let known = Shell.timeZone(named: zone) else {
                let hint = DidYouMean.hint(DidYouMean.candidates(for: zone, in: TimeZone.knownTimeZoneIdentifiers, limit: 1))
                session.printError("unknown time zone '\(zone)'" + (hint.map { " (\($0))" } ?? ""))
                return .failed(ExitStatus.dataError)
            }
            session.timeZone = known
        case .history:
            page(historyText())
        case .expanded, .pager, .since, .limit:
            return performDisplayOrDefault(command) ?? .ok
        }
        return .ok
    }

    /// The canonical identifier of a time zone name (case-insensitive), or `nil`.
    static func timeZone(named name: String) -> String? {
        if let exact = TimeZone(identifier: name), exact.identifier == name || name.uppercased() == "UTC" { return name }
        return TimeZone.knownTimeZoneIdentifiers.first { $0.lowercased() == name.lowercased() }
            ?? (name.uppercased() == "UTC" ? "UTC" : nil)
    }

    // MARK: - Data source

    /// One line naming the data source (the API key masked).
    var sourceDescription: String {
        if session.source.backend == .api {
            let key = session.console.environment["DUB_API_KEY"].map(Secrets.mask) ?? "no key"
            return "\(session.source.summary) (key \(key))"
        }
        return session.source.summary
    }

    private func open(_ target: OpenTarget) -> ShellOutcome {
        let choice: SourceChoice
        switch target {
        case .demo: choice = .demo
        case .files(let paths): choice = .files(paths)
        case .clickhouse(let url): choice = .clickhouse(url: url)
        case .api:
            guard let key = session.console.environment["DUB_API_KEY"], !key.isEmpty else {
                session.printError(".open api needs an API key: quit, export DUB_API_KEY=dub_... (from Dub's dashboard, Settings > API Keys), and start dubql again")
                return .failed(ExitStatus.usage)
            }
            choice = .api(key: key)
        }
        do {
            session.source = try Session.makeSource(choice, options: session.options, console: session.console)
        } catch {
            if let message = error.message { session.printError(message) }
            return .failed(error.exit)
        }
        if interactive { say("data: \(sourceDescription)\n") }
        return .ok
    }

    // MARK: - Help

    static func helpText(topic: String?) -> String {
        if let topic, let spec = DotCommandSpec.named(topic) {
            var text = "\(spec.usage)\n  \(spec.summary)\n"
            if !spec.aliases.isEmpty { text += "  Also: " + spec.aliases.map { "." + $0 }.joined(separator: " ") + "\n" }
            return text
        }
        let width = DotCommandSpec.all.map(\.usage.count).max() ?? 0
        var text = """
            Type DubQL statements, ending with ';' (Enter before the ';' continues the statement):
              SELECT clicks WHERE country IN (US, DE) SINCE 7d;
              SELECT customer.email, sale.amount FROM sales WHERE saleType = new LIMIT 10;
            Tab completes keywords, events, fields and values; Up and Down recall history;
            Ctrl-C drops the input or stops a query; Ctrl-D quits.

            Dot-commands:

            """
        for spec in DotCommandSpec.all {
            text += "  " + spec.usage.padding(toLength: width + 2, withPad: " ", startingAt: 0) + spec.summary + "\n"
        }
        return text
    }

    // MARK: - Fields

    /// The catalog's fields (of one event type) as a table.
    func fieldsText(event: EventType?) -> String {
        let specs = event.map { Catalog.fields(for: $0) } ?? Catalog.fields
        var rows: [[String]] = specs.map { spec in
            let events = spec.events.count == EventType.allCases.count
                ? "all" : EventType.allCases.filter { spec.events.contains($0) }.map(\.rawValue).joined(separator: " ")
            var values = spec.enumeratedValues.map { list in
                list.count > 8 ? list.prefix(6).joined(separator: " ") + " …" : list.joined(separator: " ")
            } ?? ""
            if spec.type == .country { values = "US DE FR … (ISO 3166-1)" }
            return [spec.name, spec.aliases.joined(separator: " "), spec.type.displayName, events,
                    spec.apiParameter ?? "local only", values]
        }
        if event == nil || event == .leads || event == .sales {
            rows.append(["metadata.<key>", "metadata['key']", FieldType.json.displayName, "leads sales", "query", ""])
        }
        let headers = ["field", "aliases", "type", "events", "API", "values"]
        return TableRenderer.render(headers: headers, rows: rows, width: session.outputIsTerminal ? session.tableWidth : nil,
                                    color: session.useColor, expanded: session.expanded)
    }

    // MARK: - History

    func historyText() -> String {
        guard let entries = history?.entries, !entries.isEmpty else { return "(no history)\n" }
        let width = String(entries.count).count
        var text = ""
        for (i, entry) in entries.enumerated() {
            let number = String(i + 1)
            let lines = entry.split(separator: "\n", omittingEmptySubsequences: false)
            for (j, line) in lines.enumerated() {
                let gutter = j == 0 ? String(repeating: " ", count: width - number.count) + number : String(repeating: " ", count: width)
                text += "  \(gutter)  \(line)\n"
            }
        }
        return text
    }
}
