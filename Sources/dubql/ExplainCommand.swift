// `dubql explain QUERY`: prints the plan of a query (the API requests by default, or the local
// plan) as a tree, as JSON, as URLs or as curl commands, without running it.

import ArgumentParser
import DubQL
import DubQLOutput
import DubQLShell
import DubQLSyntax
import Foundation

/// `--format` of `dubql explain`.
enum ExplainFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json, url, curl
}

/// `--target` of `dubql explain`: which planner.
enum ExplainTarget: String, ExpressibleByArgument, CaseIterable, Sendable {
    case api, local, clickhouse
}

/// Shows how a query is planned.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show the plan of a query: the Dub API requests, or the local plan.",
        discussion: """
            Formats: text (a tree), json (the contract scripts rely on: source, event, requests \
            with every parameter as sent, residual, limit, notes), url (one full URL per request) \
            and curl (one runnable command per request, reading the key from $DUB_API_KEY).
            Exit status: 0 planned, 65 the query has errors.

            Example:
              dubql explain "SELECT sales WHERE country IN (US) AND NOT browser = Chrome SINCE 30d"
              dubql explain --format json "SELECT clicks WHERE country = US OR browser = Chrome"
              curl $(dubql explain --format url "SELECT leads SINCE 7d")
            """)

    @Argument(help: ArgumentHelp("The DubQL query (one statement; a leading EXPLAIN is allowed).", valueName: "QUERY"))
    var query: String

    @Option(help: "Output: text, json, url or curl.")
    var format: ExplainFormat = .text

    @Flag(help: "Show the plan of the local engine (for --data files) instead of the API plan (text and json only).")
    var local = false

    @Option(help: "Planner: api (default), local (as --local) or clickhouse (the SQL over Dub's tables, and its parameters).")
    var target: ExplainTarget?

    @Option(help: ArgumentHelp("With --target clickhouse: only this Dub workspace (ws_...).", valueName: "ID"))
    var workspace: String?

    @OptionGroup var clock: ClockOptions
    @OptionGroup var api: APIURLOptions

    @Option(help: "Colour diagnostics: auto (a terminal, unless NO_COLOR is set), always or never.")
    var color: ColorMode = .auto

    func validate() throws {
        if local, let target, target != .local {
            throw ValidationError("--local and --target \(target.rawValue) disagree; give one")
        }
        if (local || target == .local || target == .clickhouse) && (format == .url || format == .curl) {
            throw ValidationError("--format \(format.rawValue) needs the API plan; drop --\(local ? "local" : "target")")
        }
    }

    func run() throws {
        let useColor = DiagnosticOutput.useColor(color)
        let context = try clock.makeContext(useColor: useColor)
        let source = SourceFile(name: "<query>", text: query)
        let output: String
        if target == .clickhouse {
            let (plan, diagnostics) = Compiler.clickHousePlan(query, context: context, options: ClickHouseOptions(workspace: workspace, saleTypes: true))
            DiagnosticOutput.emit(diagnostics, source: source, color: useColor)
            guard let plan, !diagnostics.hasErrors else { throw Exit.dataError }
            output = format == .json ? Explain.json(plan) + "\n" : Explain.text(plan)
        } else if local || target == .local {
            let (plan, diagnostics) = Compiler.localPlan(query, context: context)
            DiagnosticOutput.emit(diagnostics, source: source, color: useColor)
            guard let plan, !diagnostics.hasErrors else { throw Exit.dataError }
            output = format == .json ? Explain.json(plan) + "\n" : Explain.text(plan)
        } else {
            let maxEvents: Int
            do {
                maxEvents = try APISource.maxEvents(option: api.maxEvents, environment: ProcessInfo.processInfo.environment)
            } catch let failure {
                DiagnosticOutput.error(failure.message ?? "invalid --max-events", color: useColor)
                throw Exit.usage
            }
            let (plan, diagnostics) = Compiler.apiPlan(query, context: context, maxEvents: maxEvents)
            DiagnosticOutput.emit(diagnostics, source: source, color: useColor)
            guard let plan, !diagnostics.hasErrors else { throw Exit.dataError }
            let base = DubAPI.baseURL(option: api.apiURL, environment: ProcessInfo.processInfo.environment)
            switch format {
            case .text: output = Explain.text(plan)
            case .json: output = Explain.json(plan) + "\n"
            case .url: output = Explain.urls(plan, baseURL: base).map { $0 + "\n" }.joined()
            case .curl: output = Explain.curl(plan, baseURL: base).map { $0 + "\n" }.joined()
            }
        }
        FileHandle.standardOutput.write(Data(output.utf8))
    }
}
