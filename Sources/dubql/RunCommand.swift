// `dubql run FILE... | -`: runs DubQL scripts (statements and dot-commands, in order), stopping
// at the first error unless --continue.

import ArgumentParser
import DubQL
import DubQLOutput
import DubQLShell
import Foundation

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
        let session: Session
        do {
            session = try options.makeSession()
        } catch let failure as SessionFailure {
            if let message = failure.message { Session.writeStderr("dubql: error: \(message)\n") }
            throw ExitCode(failure.exit)
        }
        let shell = Shell(session: session, apiURL: options.apiURL.apiURL, skipInvalid: options.skipInvalid,
                          interactive: false)
        var firstFailure: ExitCode?
        scripts: for file in files {
            let outcome = shell.runScriptFile(file, continueOnError: continueOnError)
            session.output.flush()
            switch outcome {
            case .ok: continue
            case .quit: break scripts
            case .failed(let code):
                if firstFailure == nil { firstFailure = ExitCode(code) }
                if !continueOnError { throw ExitCode(code) }
            }
        }
        if let firstFailure { throw firstFailure }
    }
}
