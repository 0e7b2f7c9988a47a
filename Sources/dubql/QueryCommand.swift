// `dubql query QUERY`: runs DubQL statements once on files, stdin, the demo data or Dub's API.

import ArgumentParser
import DubQLShell

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
        try options.withShell(interactive: false) { $0.runOnce(query) }
    }
}
