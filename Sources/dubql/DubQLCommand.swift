// The `dubql` command: subcommands as in the README ("Command line"), exit codes from sysexits.

import ArgumentParser
import DubQL

@main
struct DubQLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dubql",
        abstract: "Query Dub (dub.co) analytics events (clicks, leads, sales) with DubQL.",
        discussion: """
            With no subcommand, dubql starts the REPL (the `repl` subcommand and its options).
            Source: --data files, else Dub's API when DUB_API_KEY is set, else built-in demo data.
            As in psql and DuckDB: -c QUERY (or -e) runs statements and exits, -f FILE runs a script
            (- is stdin); 'dubql query -' reads the query from stdin. See 'dubql repl --help'.

            Examples:
              dubql                                        REPL on demo data
              dubql -c 'SELECT clicks WHERE country = US SINCE 7d' --data events.ndjson
              dubql -f report.dql                          run a script (like dubql run)
              dubql query 'SELECT sales SINCE 30d' --format csv
              dubql explain 'SELECT sales WHERE country IN (US) SINCE 30d' --format url
              dubql run report.dql
              dubql check report.dql; dubql fmt --write report.dql
              dubql generate --event clicks --count 10000 > clicks.ndjson
              dubql serve --data clicks.ndjson --port 8787
            """,
        version: DubQLVersion.string,
        subcommands: [
            CheckCommand.self,
            FmtCommand.self,
            ExplainCommand.self,
            QueryCommand.self,
            GenerateCommand.self,
            ServeCommand.self,
            LoadCommand.self,
            ReplCommand.self,
            RunCommand.self,
        ],
        // The REPL is the default so that the root command has no options of its own: options the
        // root declares would be taken from every subcommand's arguments by ArgumentParser.
        defaultSubcommand: ReplCommand.self
    )
}
