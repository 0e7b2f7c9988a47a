// Shared by every command that shows diagnostics: renders them to stderr, in colour only when
// stderr is a terminal and neither NO_COLOR nor `--color never` says otherwise.

import DubQLShell
import DubQLSyntax
import Foundation

/// Writes diagnostics and plain error messages to stderr.
enum DiagnosticOutput {
    /// Whether stderr gets ANSI colours under `mode` (the rule of every command:
    /// ``ColorMode/allowsColor(onTerminal:environment:)``).
    static func useColor(_ mode: ColorMode) -> Bool {
        mode.allowsColor(onTerminal: isatty(2) != 0, environment: ProcessInfo.processInfo.environment)
    }

    /// Renders `diagnostics` against `source` to stderr (`SOURCE:LINE:COL: error[DQLnnnn]: ...`,
    /// the source line and a caret).
    static func emit(_ diagnostics: [Diagnostic], source: SourceFile, color: Bool) {
        guard !diagnostics.isEmpty else { return }
        writeToStandardError(DiagnosticRenderer.render(diagnostics, in: source, color: color))
    }

    /// `dubql: error: message` on stderr, for problems that have no position in a query.
    static func error(_ message: String, color: Bool) {
        let prefix = color ? "dubql: \u{1B}[1;31merror\u{1B}[0m: " : "dubql: error: "
        writeToStandardError(prefix + message + "\n")
    }

    /// `dubql: warning: message` on stderr.
    static func warning(_ message: String, color: Bool) {
        let prefix = color ? "dubql: \u{1B}[1;33mwarning\u{1B}[0m: " : "dubql: warning: "
        writeToStandardError(prefix + message + "\n")
    }

    static func writeToStandardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// Reads the inputs of `check`, `fmt` and similar commands: paths, or `-` for stdin.
enum SourceInput {
    /// The source named by `argument` (`-` is stdin, named `<stdin>`), or nil after reporting
    /// that it cannot be read.
    static func read(_ argument: String, color: Bool) -> SourceFile? {
        if argument == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            return SourceFile(name: "<stdin>", text: String(decoding: data, as: UTF8.self))
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
            DiagnosticOutput.error("cannot read '\(argument)': no such file", color: color)
            return nil
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: argument) else {
            DiagnosticOutput.error("cannot read '\(argument)': \(isDirectory.boolValue ? "it is a directory" : "permission denied")",
                                   color: color)
            return nil
        }
        return SourceFile(name: argument, text: String(decoding: data, as: UTF8.self))
    }
}
