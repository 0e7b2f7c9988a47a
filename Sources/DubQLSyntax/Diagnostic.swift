// Diagnostics are values produced by the library; only the command line and the REPL render them.

/// How serious a ``Diagnostic`` is.
public enum Severity: String, Sendable, Codable, Comparable {
    case error, warning, note

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    private var rank: Int { switch self { case .note: 0; case .warning: 1; case .error: 2 } }
}

/// A stable diagnostic code such as `DQL0103`, so that scripts and documentation can refer to it.
///
/// Ranges: `DQL01xx` lexical, `DQL02xx` syntax, `DQL03xx` names and types (binder),
/// `DQL04xx` meaning and planning, `DQL05xx` local engine, `DQL06xx` API.
public struct DiagnosticCode: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
}

/// A secondary message attached to a diagnostic, optionally pointing at another span.
public struct DiagnosticNote: Hashable, Sendable, Codable {
    public var message: String
    public var span: Span?
    public init(_ message: String, span: Span? = nil) {
        self.message = message
        self.span = span
    }
}

/// One problem found in a query: severity, stable code, message, where, and what may help.
///
/// Messages are lower case and read `expected X, found Y`, quoting the source. Hints are
/// suggestions such as `did you mean 'SELECT'?`.
public struct Diagnostic: Hashable, Sendable, Codable, CustomStringConvertible {
    public var severity: Severity
    public var code: DiagnosticCode
    public var message: String
    public var span: Span
    public var notes: [DiagnosticNote]
    public var hints: [String]

    public init(_ severity: Severity, _ code: DiagnosticCode, _ message: String, at span: Span,
                notes: [DiagnosticNote] = [], hints: [String] = []) {
        self.severity = severity
        self.code = code
        self.message = message
        self.span = span
        self.notes = notes
        self.hints = hints
    }

    public static func error(_ code: DiagnosticCode, _ message: String, at span: Span,
                             notes: [DiagnosticNote] = [], hints: [String] = []) -> Diagnostic {
        Diagnostic(.error, code, message, at: span, notes: notes, hints: hints)
    }

    public static func warning(_ code: DiagnosticCode, _ message: String, at span: Span,
                               notes: [DiagnosticNote] = [], hints: [String] = []) -> Diagnostic {
        Diagnostic(.warning, code, message, at: span, notes: notes, hints: hints)
    }

    public var isError: Bool { severity == .error }

    /// `error[DQL0201] 12..<15: message`, for tests and debugging; see ``DiagnosticRenderer``.
    public var description: String { "\(severity.rawValue)[\(code)] \(span): \(message)" }
}

extension Array where Element == Diagnostic {
    /// True when any diagnostic is an error.
    public var hasErrors: Bool { contains { $0.isError } }
}
