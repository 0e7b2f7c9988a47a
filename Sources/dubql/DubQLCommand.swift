// The `dubql` command: subcommands as in the README ("Command line"), exit codes from sysexits.

import ArgumentParser
import DubQLSyntax
import DubQL

@main
struct DubQLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dubql",
        abstract: "Query Dub (dub.co) analytics events (clicks, leads, sales) with DubQL.",
        discussion: """
            Example:
              dubql check report.dql
              dubql fmt - < report.dql
            """,
        version: DubQLVersion.string,
        subcommands: [
            CheckCommand.self,
            FmtCommand.self,
            ExplainCommand.self,
            QueryCommand.self,
            GenerateCommand.self,
            ServeCommand.self,
            ReplCommand.self,
            RunCommand.self,
        ]
    )

    /// `-e QUERY`: run one statement (as `dubql query QUERY`) instead of starting the REPL.
    @Option(name: .customShort("e"), help: ArgumentHelp("Run QUERY once (like dubql query) instead of starting the REPL.", valueName: "QUERY"))
    var execute: String?

    @OptionGroup var options: QueryOptions

    /// ArgumentParser decodes the root's options (`QueryOptions`, whose `--format` takes output
    /// formats) before any subcommand's and removes what they consume, so `dubql explain --format
    /// url` would fail and `--format json` would be lost. `explain` therefore parses its own
    /// arguments; everything else goes through ArgumentParser as usual.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "explain" {
            StandaloneExplainCommand.main(Array(arguments.dropFirst()))  // exits on errors, returns on success
            return
        }
        await main(nil)
    }

    /// No subcommand: the REPL (see REPL/REPL.swift), or `-e QUERY`.
    func run() async throws {
        let code = execute.map { runQueryOnce($0, options: options) } ?? startREPL(options: options)
        if code != Exit.ok { throw code }
    }
}

/// The version `dubql --version` prints and the REPL banner shows.
enum DubQLVersion {
    static let string = "0.1.0"
}
