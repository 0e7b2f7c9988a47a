// Shared by every command that shows diagnostics: renders them to stderr, in colour only when
// stderr is a terminal and neither NO_COLOR nor `--color never` says otherwise.

import ArgumentParser
import DubQLSyntax
import Foundation

/// `--color auto|always|never`.
enum DiagnosticColorMode: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, always, never
}

/// Writes diagnostics and plain error messages to stderr.
enum DiagnosticOutput {
    /// Whether output to stderr gets ANSI colours: `always` and `never` decide; `auto` (the
    /// default) colours only a terminal, and never when `NO_COLOR` is set (https://no-color.org).
    static func useColor(_ option: DiagnosticColorMode = .auto) -> Bool {
        switch mode(option) {
        case .always: return true
        case .never: return false
        case .auto:
            if let noColor = ProcessInfo.processInfo.environment["NO_COLOR"], !noColor.isEmpty { return false }
            return isatty(2) == 1
        }
    }

    /// The `--color` mode: `option` when it was given; otherwise what the command line says.
    ///
    /// Code that reports errors far from its command's parsed options (a session, a loader)
    /// still honours `--color` this way, without threading the option through every call.
    static func mode(_ option: DiagnosticColorMode) -> DiagnosticColorMode {
        if option != .auto { return option }
        var arguments = CommandLine.arguments.dropFirst()[...]
        var found: DiagnosticColorMode?
        while let argument = arguments.popFirst(), argument != "--" {
            if argument == "--color", let value = arguments.first {
                found = DiagnosticColorMode(rawValue: value) ?? found
            } else if argument.hasPrefix("--color=") {
                found = DiagnosticColorMode(rawValue: String(argument.dropFirst(8))) ?? found
            }
        }
        return found ?? .auto
    }

    /// Renders `diagnostics` against `source` to stderr (`SOURCE:LINE:COL: error[DQLnnnn]: ...`,
    /// the source line and a caret). `color` nil means ``useColor(_:)`` with `auto`.
    static func emit(_ diagnostics: [Diagnostic], source: SourceFile, color: Bool? = nil) {
        guard !diagnostics.isEmpty else { return }
        writeToStandardError(DiagnosticRenderer.render(diagnostics, in: source, color: color ?? useColor()))
    }

    /// `dubql: error: message` on stderr, for problems that have no position in a query.
    static func error(_ message: String, color: Bool? = nil) {
        let prefix = (color ?? useColor()) ? "dubql: \u{1B}[1;31merror\u{1B}[0m: " : "dubql: error: "
        writeToStandardError(prefix + message + "\n")
    }

    /// `dubql: warning: message` on stderr.
    static func warning(_ message: String, color: Bool? = nil) {
        let prefix = (color ?? useColor()) ? "dubql: \u{1B}[1;33mwarning\u{1B}[0m: " : "dubql: warning: "
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
