// `dubql query QUERY`: runs DubQL statements once on files, stdin, the demo data or Dub's API.

import ArgumentParser
import DubQL
import DubQLOutput
import DubQLShell
import DubQLEngine
import Foundation

extension OutputFormat: ExpressibleByArgument {}

/// Options of every command that runs queries (`query`, `-e`, `run`, the REPL).
struct QueryOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Event file to query: JSON array or NDJSON, .gz allowed, - for stdin (repeatable).", valueName: "FILE"))
    var data: [String] = []

    @Option(name: .long, help: ArgumentHelp("Output format.", valueName: "FORMAT"))
    var format: OutputFormat = .table

    @Flag(name: .customLong("skip-invalid"), help: "Skip malformed events (their number is reported on stderr) instead of failing.")
    var skipInvalid = false

    @Flag(name: .long, help: "Query Dub's API (needs DUB_API_KEY); the default when DUB_API_KEY is set and no --data is given.")
    var api = false

    @Option(name: .long, help: ArgumentHelp("Colour (auto: on a terminal, unless NO_COLOR is set).", valueName: "WHEN"))
    var color: ColorMode = .auto

    @OptionGroup var clock: ClockOptions
    @OptionGroup var apiURL: APIURLOptions
    @OptionGroup var clickhouse: ClickHouseURLOptions

    /// A session on the source these options choose (prints the demo note when it applies).
    func makeSession() throws -> Session {
        // --clickhouse (or DUBQL_CLICKHOUSE_URL without --data or --api) runs on Dub's ClickHouse tables.
        if clickhouse.url != nil || (data.isEmpty && !api && clickhouse.isRequested()) {
            return Session(source: try clickhouse.makeSource(verbose: apiURL.verbose), format: format,
                           timeZone: clock.timezone, now: clock.now, colorMode: color)
        }
        let source = try SourceChooser.choose(data: data, api: api, apiURL: apiURL.apiURL, skipInvalid: skipInvalid,
                                              now: clock.now, environment: ProcessInfo.processInfo.environment)
        return Session(source: source, format: format, timeZone: clock.timezone, now: clock.now, colorMode: color)
    }
}

/// Runs `text` once with `options`: the reusable core of `dubql query` and `dubql -e`.
/// Returns the exit code.
func runQueryOnce(_ text: String, options: QueryOptions) -> ExitCode {
    let session: Session
    do {
        session = try options.makeSession()
    } catch let failure as SessionFailure {
        if let message = failure.message { Session.writeStderr("dubql: error: \(message)\n") }
        return ExitCode(failure.exit)
    } catch {
        Session.writeStderr("dubql: error: \(error)\n")
        return Exit.software
    }
    session.run(text: text, name: "<query>")
    return ExitCode(session.lastExit)
}

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run a query once and print the rows.",
        discussion: """
            Source: the --data files (a JSON array as GET /events returns it, or NDJSON); else \
            Dub's API when DUB_API_KEY is set; else a built-in demo dataset.

            Examples:
              dubql query 'SELECT clicks WHERE country = US SINCE 7d' --data events.ndjson
              dubql query 'SELECT sales SINCE 30d' --data sales.json.gz --format csv
            """)

    @Argument(help: "The DubQL query (several statements separated by ';' run in order).")
    var query: String

    @OptionGroup var options: QueryOptions

    func run() throws {
        let code = runQueryOnce(query, options: options)
        if code != Exit.ok { throw code }
    }
}
