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
        ]
    )
}

/// The version `dubql --version` prints and the REPL banner shows.
enum DubQLVersion {
    static let string = "0.1.0"
}
