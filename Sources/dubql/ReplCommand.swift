// `dubql repl` (and `dubql` with no subcommand): builds the session from the command line and
// hands it to the shell library's REPL.

import ArgumentParser
import DubQL
import DubQLShell
import DubQLSyntax
import Foundation

// MARK: - Starting

/// Starts the REPL with the common query options.
func startREPL(options: QueryOptions) -> ExitCode {
    let interactive = isatty(0) != 0
    do {
        let session = try makeREPLSession(options: options, interactive: interactive)
        return ExitCode(REPL.start(session: session, apiURL: options.apiURL.apiURL, skipInvalid: options.skipInvalid,
                                   interactive: interactive))
    } catch let failure as SessionFailure {
        if let message = failure.message { Session.writeStderr("dubql: error: \(message)\n") }
        return ExitCode(failure.exit)
    } catch {
        Session.writeStderr("dubql: error: \(error)\n")
        return Exit.software
    }
}

/// The session of the REPL: like `dubql query`, except that on a terminal the banner names the
/// demo data instead of a note on stderr.
private func makeREPLSession(options: QueryOptions, interactive: Bool) throws -> Session {
    let environment = ProcessInfo.processInfo.environment
    let hasKey = !(environment["DUB_API_KEY"] ?? "").isEmpty
    if interactive && options.data.isEmpty && !hasKey && !options.api {
        let clock = options.clock.now.flatMap(QueryContext.parseInstant) ?? QueryContext.currentMillis()
        return Session(source: LocalSource.demo(now: clock), format: options.format, timeZone: options.clock.timezone,
                       now: options.clock.now, colorMode: options.color)
    }
    return try options.makeSession()
}

// MARK: - Command

/// `dubql repl`: the same as `dubql` with no subcommand.
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Start the interactive shell (the default when no subcommand is given).",
        discussion: """
            Statements run at ';' or at Enter when complete; Tab completes; .help lists the dot-commands.
            History: $DUBQL_HISTORY, else $XDG_STATE_HOME/dubql/history, else ~/.local/state/dubql/history.
            """)

    /// `dubql -e QUERY`: run one statement (as `dubql query QUERY`) instead of starting the REPL.
    @Option(name: .customShort("e"), help: ArgumentHelp("Run QUERY once (like dubql query) instead of starting the REPL.", valueName: "QUERY"))
    var execute: String?

    @OptionGroup var options: QueryOptions

    /// Words that are no subcommand end up here, because the REPL is the default subcommand.
    @Argument(help: .hidden)
    var unexpected: [String] = []

    func validate() throws {
        guard let word = unexpected.first else { return }
        let names = DubQLCommand.configuration.subcommands.compactMap { $0.configuration.commandName }
        let hint = DidYouMean.hint(DidYouMean.candidates(for: word, in: names)).map { " (\($0))" } ?? ""
        throw ValidationError("'\(word)' is not a dubql subcommand\(hint); see 'dubql --help'. "
                              + "To run a query, use: dubql -e 'SELECT ...' or dubql query 'SELECT ...'")
    }

    func run() throws {
        let code = execute.map { runQueryOnce($0, options: options) } ?? startREPL(options: options)
        if code != Exit.ok { throw code }
    }
}
