// `dubql query QUERY`: runs DubQL statements once on files, stdin, the demo data or Dub's API.

import ArgumentParser
import DubQLShell
import Foundation

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
              echo 'SELECT leads LIMIT 5' | dubql query -
            """)

    @Argument(help: "The DubQL query (several statements separated by ';' run in order); - reads it from standard input.")
    var query: String

    @OptionGroup var options: QueryOptions

    func validate() throws {
        if query == "-" && options.data.contains("-") {
            throw ValidationError("standard input cannot be both the query (-) and the data (--data -)")
        }
    }

    func run() throws {
        if query == "-" {
            let data = (try? FileHandle.standardInput.readToEnd()) ?? Data()
            let text = String(decoding: data, as: UTF8.self)
            try options.withShell(interactive: false, oneShot: true) { $0.runOnce(text, name: "<stdin>") }
        } else {
            try options.withShell(interactive: false, oneShot: true) { $0.runOnce(query) }
        }
    }
}
