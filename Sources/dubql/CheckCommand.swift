// `dubql check FILE... | -`: reports syntax and meaning errors of DubQL scripts without running them.

import ArgumentParser
import DubQL
import DubQLSyntax

/// Parses and binds every statement of the given scripts and prints the diagnostics.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check DubQL scripts for errors without running them.",
        discussion: """
            Reports syntax errors and meaning errors (unknown fields, wrong value types, bad time \
            ranges, ...) as FILE:LINE:COL: error[DQLnnnn]: message, with the source line and a caret.
            Exit status: 0 no errors (warnings allowed), 65 errors, 66 a file cannot be read.

            Example:
              dubql check report.dql
              echo 'SELECT clicks WHERE country = US' | dubql check -
            """)

    @Argument(help: ArgumentHelp("DubQL script files, or - for stdin.", valueName: "FILE"))
    var files: [String]

    @OptionGroup var clock: ClockOptions

    @Option(help: "Colour diagnostics: auto (a terminal, unless NO_COLOR is set), always or never.")
    var color: DiagnosticColorMode = .auto

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one FILE, or - for stdin") }
    }

    func run() throws {
        let useColor = DiagnosticOutput.useColor(color)
        let context: QueryContext
        do {
            context = try QueryContext.make(now: clock.now, timeZone: clock.timezone)
        } catch {
            DiagnosticOutput.error(error.description, color: useColor)
            throw Exit.usage
        }
        var missing = false, failed = false
        for file in files {
            guard let source = SourceInput.read(file, color: useColor) else {
                missing = true
                continue
            }
            let diagnostics = CheckCommand.check(source, context: context)
            DiagnosticOutput.emit(diagnostics, source: source, color: useColor)
            if diagnostics.hasErrors { failed = true }
        }
        if missing { throw Exit.noInput }
        if failed { throw Exit.dataError }
    }

    /// The diagnostics of one script: syntax first; when the syntax is sound, each statement's
    /// binding (names, types, ranges) too.
    static func check(_ source: SourceFile, context: QueryContext) -> [Diagnostic] {
        let parsed = Parser.parse(source)
        guard !parsed.hasErrors else { return parsed.diagnostics }
        var diagnostics = parsed.diagnostics
        for statement in parsed.script.statements {
            diagnostics += Binder.bind(statement, source: source, context: context).diagnostics
        }
        return diagnostics
    }
}
