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
            Statements run at ';' (Enter before it continues the statement); dot-commands run at Enter;
            Tab completes; .help lists the dot-commands.
            -c QUERY (or -e) runs statements once, -f FILE runs a script, as in psql and DuckDB.
            History: $DUBQL_HISTORY, else $XDG_STATE_HOME/dubql/history, else ~/.local/state/dubql/history.
            Results longer than the terminal page through $PAGER, else less -SFRX (.pager off to stop).
            """)

    /// `dubql -c QUERY` (psql, DuckDB) or `-e QUERY`: run the statements (as `dubql query QUERY`)
    /// instead of starting the REPL.
    @Option(name: [.customShort("c"), .customShort("e")],
            help: ArgumentHelp("Run QUERY once (like dubql query) instead of starting the REPL.", valueName: "QUERY"))
    var execute: String?

    /// `dubql -f FILE` (psql, DuckDB): run a script (as `dubql run FILE`); `-` is standard input.
    @Option(name: .customShort("f"),
            help: ArgumentHelp("Run the script FILE (like dubql run FILE; - is standard input) instead of starting the REPL.",
                               valueName: "FILE"))
    var file: String?

    @OptionGroup var options: QueryOptions

    /// Words that are no subcommand end up here, because the REPL is the default subcommand.
    @Argument(help: .hidden)
    var unexpected: [String] = []

    func validate() throws {
        if execute != nil && file != nil { throw ValidationError("give either -c QUERY or -f FILE, not both") }
        if file == "-" && options.data.contains("-") {
            throw ValidationError("standard input cannot be both the script (-f -) and the data (--data -)")
        }
        guard let word = unexpected.first else { return }
        let names = DubQLCommand.configuration.subcommands.compactMap { $0.configuration.commandName }
        let hint = DidYouMean.hint(DidYouMean.candidates(for: word, in: names)).map { " (\($0))" } ?? ""
        throw ValidationError("'\(word)' is not a dubql subcommand\(hint); see 'dubql --help'. "
                              + "To run a query, use: dubql -c 'SELECT ...' or dubql query 'SELECT ...'; a script: dubql -f FILE")
    }

    func run() throws {
        if let execute {
            try options.withShell(interactive: false) { $0.runOnce(execute) }
        } else if let file {
            try options.withShell(interactive: false) { $0.runScripts([file], continueOnError: false) }
        } else {
            try options.withShell(interactive: isatty(0) != 0) { REPL.start(shell: $0) }
        }
    }
}
