// `dubql run FILE... | -`: runs DubQL scripts (statements and dot-commands, in order), stopping
// at the first error unless --continue.

import ArgumentParser
import DubQLShell

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run DubQL scripts: statements and dot-commands, in order.",
        discussion: """
            A script holds statements ending with ';' (the last may omit it), '--' and '/* */' comments,
            and dot-commands on lines of their own (.mode csv, .open events.ndjson, .output out.csv ...).
            Errors are reported as FILE:LINE:COL with the line and a caret. The run stops at the first
            error (exit 65 for query errors) unless --continue, which goes on and exits non-zero at the end.
            Examples:
              dubql run report.dql --data events.ndjson
              dubql run - < report.dql
            """)

    @Argument(help: ArgumentHelp("Script files to run in order; - reads standard input.", valueName: "FILE"))
    var files: [String]

    @Flag(name: .customLong("continue"), help: "Go on after an error; exit non-zero at the end if any statement failed.")
    var continueOnError = false

    @OptionGroup var options: QueryOptions

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one script file, or - for standard input") }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be read only once") }
        if files.contains("-") && options.data.contains("-") {
            throw ValidationError("standard input cannot be both the script (-) and the data (--data -)")
        }
    }

    func run() throws {
        try options.withShell(interactive: false, oneShot: true) { $0.runScripts(files, continueOnError: continueOnError) }
    }
}
