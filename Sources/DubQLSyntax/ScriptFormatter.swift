// What `dubql fmt` does: a script in canonical form, with its comments kept.

/// Formats whole scripts: the canonical text of ``Printer``, plus the comments of the source.
///
/// Comments before a statement stay before it; comments inside a statement move to just before
/// it (the canonical form has one line per statement); comments after the last statement stay at
/// the end. Each comment is on its own line, as written.
public enum ScriptFormatter {
    /// The outcome of formatting one source.
    public struct Result: Sendable {
        /// The formatted script (ending with a newline unless empty); nil when the source has errors.
        public var text: String?
        /// The lexical and syntax diagnostics of the source.
        public var diagnostics: [Diagnostic]
        /// True when a comment inside a statement was moved before it.
        public var movedComments: Bool

        public init(text: String?, diagnostics: [Diagnostic], movedComments: Bool) {
            self.text = text
            self.diagnostics = diagnostics
            self.movedComments = movedComments
        }
    }

    public static func format(_ source: SourceFile) -> Result {
        let parsed = Parser.parse(source)
        guard !parsed.hasErrors else { return Result(text: nil, diagnostics: parsed.diagnostics, movedComments: false) }
        let comments = source.withBytes { Lexer.comments(in: $0) }
        var out = ""
        var next = 0
        var moved = false
        for statement in parsed.script.statements {
            while next < comments.count, comments[next].start < statement.span.end {
                if comments[next].start > statement.span.start { moved = true }
                out += source.slice(comments[next]) + "\n"
                next += 1
            }
            out += Printer.print(statement) + ";\n"
        }
        while next < comments.count {
            out += source.slice(comments[next]) + "\n"
            next += 1
        }
        return Result(text: out, diagnostics: parsed.diagnostics, movedComments: moved)
    }
}
