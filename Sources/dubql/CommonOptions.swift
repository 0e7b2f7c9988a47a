// Options shared by several subcommands (see README "Command line"): parsed into values and
// handed on explicitly; parsing them has no effect of its own.

import ArgumentParser
import DubQL
import DubQLOutput
import DubQLShell
import Foundation

extension OutputFormat: ExpressibleByArgument {}
extension ColorMode: ExpressibleByArgument {}

// MARK: - Clock

/// `--timezone` and `--now`: what relative times and day boundaries are computed against.
struct ClockOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("IANA time zone for day boundaries (default UTC, or the query's TIMEZONE).", valueName: "TZ"))
    var timezone: String?

    @Option(name: .long, help: ArgumentHelp("Fix the clock, for reproducible relative times (ISO 8601 instant).", valueName: "INSTANT"))
    var now: String?
}

extension ClockOptions {
    /// The query context these options give; a bad `--now` or `--timezone` is reported as a
    /// usage error (exit 64).
    func makeContext(useColor: Bool) throws -> QueryContext {
        do {
            return try QueryContext.make(now: now, timeZone: timezone)
        } catch {
            DiagnosticOutput.error(error.description, color: useColor)
            throw Exit.usage
        }
    }
}

// MARK: - API

/// `--api-url` and `--verbose`: where Dub's API is (`DUB_API_URL`, default https://api.dub.co)
/// and whether to log what is sent to it.
struct APIURLOptions: ParsableArguments {
    @Option(name: .customLong("api-url"), help: ArgumentHelp("Base URL of Dub's API (default $DUB_API_URL, else https://api.dub.co).", valueName: "URL"))
    var apiURL: String?

    @Flag(name: .long, help: "Log every API request and response on stderr (the key is masked).")
    var verbose = false

    @Option(name: .customLong("max-events"), help: ArgumentHelp("The most events an aggregate computed from GET /events may fetch (default $DUBQL_MAX_EVENTS, else 100000).", valueName: "N"))
    var maxEvents: Int?
}

// MARK: - Query options

/// The options of every command that runs queries (`query`, `-e`, `run`, the REPL): the one
/// group that says how a session starts.
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

    /// What these options say a session starts with.
    var session: SessionOptions {
        SessionOptions(data: data, api: api, apiURL: apiURL.apiURL, format: format, timeZone: clock.timezone,
                       now: clock.now, color: color, verbose: apiURL.verbose, skipInvalid: skipInvalid,
                       clickhouseURL: clickhouse.url, clickhouseDatabase: clickhouse.database,
                       workspace: clickhouse.workspace, maxEvents: apiURL.maxEvents)
    }

    /// Starts a shell on the session these options describe, in this process's console, and
    /// runs `body` in it; a start-up failure (already reported) or a failing `body` ends the
    /// command with its exit status.
    /// `oneShot`: the command runs one query or script, so data files may be streamed.
    func withShell(interactive: Bool, oneShot: Bool = false, _ body: (Shell) -> ExitStatus) throws {
        let console = Console.process(environment: ProcessInfo.processInfo.environment)
        let status: ExitStatus
        do {
            status = body(try Shell.start(session, console: console, interactive: interactive, oneShot: oneShot))
        } catch {
            status = error
        }
        if status != .ok { throw ExitCode(status) }
    }
}
