// `dubql check FILE... | -`: reports syntax and meaning errors of DubQL scripts without running them.

import ArgumentParser
import DubQL
import DubQLShell
import DubQLSyntax
import Foundation

/// Parses and binds every statement of the given scripts and prints the diagnostics.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check DubQL scripts for errors without running them.",
        discussion: """
            Reports syntax errors and meaning errors (unknown fields, wrong value types, bad time \
            ranges, ...) of every statement, and unknown or malformed dot-command lines (.mode csv, \
            as dubql run accepts them), as FILE:LINE:COL: error[DQLnnnn]: message, with the source \
            line and a caret.
            With --json the diagnostics go to stdout as one JSON array of objects with file, line, \
            column, endLine, endColumn, severity, code, message, hints and notes.
            Exit status: 0 no errors (warnings allowed), 65 errors, 66 a file cannot be read.

            Example:
              dubql check report.dql
              echo 'SELECT clicks WHERE country = US' | dubql check -
            """)

    @Argument(help: ArgumentHelp("DubQL script files, or - for stdin.", valueName: "FILE"))
    var files: [String]

    @OptionGroup var clock: ClockOptions

    @Option(help: "Colour diagnostics: auto (a terminal, unless NO_COLOR is set), always or never.")
    var color: ColorMode = .auto

    @Flag(help: "Print the diagnostics as one JSON array on stdout (for editors and CI) instead of text on stderr.")
    var json = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one FILE, or - for stdin") }
    }

    func run() throws {
        let useColor = DiagnosticOutput.useColor(color)
        let context = try clock.makeContext(useColor: useColor)
        var missing = false, failed = false
        var records: [JSONDiagnostic] = []
        for file in files {
            guard let source = SourceInput.read(file, color: useColor) else {
                missing = true
                continue
            }
            let diagnostics = CheckCommand.check(source, context: context)
            if json {
                records += diagnostics.map { JSONDiagnostic($0, in: source) }
            } else {
                DiagnosticOutput.emit(diagnostics, source: source, color: useColor)
            }
            if diagnostics.hasErrors { failed = true }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = records.isEmpty ? nil : try? encoder.encode(records)
            print(data.map { String(decoding: $0, as: UTF8.self) } ?? "[]")
        }
        if missing { throw Exit.noInput }
        if failed { throw Exit.dataError }
    }

    /// The diagnostics of one script as `dubql run` reads it: dot-command lines are checked as
    /// dot-commands, and every statement is parsed and bound on its own (names, types, ranges),
    /// so one statement's syntax error hides no other statement's errors.
    static func check(_ source: SourceFile, context: QueryContext) -> [Diagnostic] {
        ScriptCheck.diagnostics(source, context: context)
    }
}

/// A diagnostic as `dubql check --json` prints it: positions as 1-based lines and character columns.
struct JSONDiagnostic: Encodable {
    struct Note: Encodable {
        var message: String
        var line: Int?
        var column: Int?
    }
    var file: String
    var line: Int
    var column: Int
    var endLine: Int
    var endColumn: Int
    var severity: String
    var code: String
    var message: String
    var hints: [String]
    var notes: [Note]

    init(_ d: Diagnostic, in source: SourceFile) {
        let start = source.location(of: d.span.start), end = source.location(of: d.span.end)
        file = source.name
        line = start.line
        column = start.column
        endLine = end.line
        endColumn = end.column
        severity = d.severity.rawValue
        code = d.code.rawValue
        message = d.message
        hints = d.hints
        notes = d.notes.map { note in
            let at = note.span.map { source.location(of: $0.start) }
            return Note(message: note.message, line: at?.line, column: at?.column)
        }
    }
}
