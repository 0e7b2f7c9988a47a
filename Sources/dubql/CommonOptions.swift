// Options shared by several subcommands (see README "Command line").

import ArgumentParser
import DubQL
import DubQLOutput
import DubQLShell

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

/// `--api-url`: where Dub's API is (`DUB_API_URL`, default https://api.dub.co).
struct APIURLOptions: ParsableArguments {
    @Option(name: .customLong("api-url"), help: ArgumentHelp("Base URL of Dub's API (default $DUB_API_URL, else https://api.dub.co).", valueName: "URL"))
    var apiURL: String?

    @Flag(name: .long, help: "Log every API request and response on stderr (the key is masked).")
    var verbose = false

    /// Parsing these options is what makes the API source available (see `APISource.swift`).
    func validate() throws {
        APISource.verbose = APISource.verbose || verbose
        APISource.register()
    }
}
