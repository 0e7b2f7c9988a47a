// `dubql fmt FILE... | -`: prints DubQL scripts in canonical form.

import ArgumentParser
import DubQLShell
import DubQLSyntax
import Foundation

/// Parses scripts and prints them canonically: upper-case keywords, clauses in canonical order,
/// minimal parentheses and quotes, one statement per line.
struct FmtCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmt",
        abstract: "Print DubQL scripts in canonical form.",
        discussion: """
            Keywords are upper-cased, clauses put in the order WHERE, SINCE/BETWEEN, TIMEZONE, \
            ORDER BY, LIMIT, OFFSET, PAGE, parentheses and quotes kept only where needed, and each \
            statement written on one line ending with ';'. Comments are kept on their own lines; one inside a \
            statement moves before it (a warning says so). Dot-command lines (.mode csv) are kept as written.
            A script with syntax errors is not printed: its diagnostics go to stderr (exit 65).
            With --check nothing is printed; the exit status is 1 when a file is not canonical.
            With --write each file that changes is rewritten in place.

            Example:
              dubql fmt report.dql
              echo "select clicks where country='US' limit 5" | dubql fmt -
            """)

    @Argument(help: ArgumentHelp("DubQL script files, or - for stdin.", valueName: "FILE"))
    var files: [String]

    @Flag(help: "Print nothing; exit 1 when a file is not in canonical form.")
    var check = false

    @Flag(name: [.short, .long], help: "Rewrite each FILE in place (when it changes) instead of printing it.")
    var write = false

    @Option(help: "Colour diagnostics: auto (a terminal, unless NO_COLOR is set), always or never.")
    var color: ColorMode = .auto

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one FILE, or - for stdin") }
        if check && write { throw ValidationError("--check and --write exclude each other") }
        if write && files.contains("-") { throw ValidationError("--write needs files, not - (stdin)") }
    }

    func run() throws {
        let useColor = DiagnosticOutput.useColor(color)
        var missing = false, failed = false, unformatted = false, cannotWrite = false
        var output = ""
        for file in files {
            guard let source = SourceInput.read(file, color: useColor) else {
                missing = true
                continue
            }
            let result = ScriptCheck.format(source)
            DiagnosticOutput.emit(result.diagnostics, source: source, color: useColor)
            guard let formatted = result.text else {
                failed = true
                continue
            }
            if check {
                if formatted != source.text {
                    unformatted = true
                    DiagnosticOutput.writeToStandardError("\(source.name): not in canonical form\n")
                }
            } else if write {
                guard formatted != source.text else { continue }
                do {
                    try Data(formatted.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
                } catch {
                    DiagnosticOutput.error("cannot write '\(file)': \(error.localizedDescription)", color: useColor)
                    cannotWrite = true
                }
            } else {
                if result.movedComments {
                    DiagnosticOutput.warning("\(source.name): comments inside a statement were moved before it", color: useColor)
                }
                output += formatted
            }
        }
        print(output, terminator: "")
        if missing { throw Exit.noInput }
        if failed { throw Exit.dataError }
        if cannotWrite { throw ExitCode(73) } // EX_CANTCREAT
        if unformatted { throw ExitCode(1) }
    }
}
