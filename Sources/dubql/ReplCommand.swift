// `dubql repl` (and `dubql` with no subcommand): builds the session from the command line and
// hands it to the shell library's REPL.

import ArgumentParser
import DubQL
import DubQLShell
import DubQLSyntax
import Foundation

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
        if let execute {
            try options.withShell(interactive: false) { $0.runOnce(execute) }
        } else {
            try options.withShell(interactive: isatty(0) != 0) { REPL.start(shell: $0) }
        }
    }
}
