// What `dubql check` and `dubql fmt` see of a script: the statements and dot-command lines that
// `dubql run` accepts, split the way `dubql run` splits them.

import DubQL
import DubQLSyntax

/// Checks and formats scripts that mix statements and dot-commands, as `dubql run` runs them.
///
/// Every piece is handled on a copy of the whole script in which everything else is blanked
/// (newlines kept), so byte offsets, lines and columns of diagnostics are those of the file.
public enum ScriptCheck {
    /// The diagnostics of a script: each dot-command line is parsed as a dot-command, and each
    /// statement is parsed and bound on its own, so a syntax error in one statement does not hide
    /// the meaning errors of the others.
    public static func diagnostics(_ source: SourceFile, context: QueryContext) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for item in ScriptSplitter.split(source.text).items {
            let span = Span(start: item.offset, end: item.offset + item.text.utf8.count)
            switch item.kind {
            case .dotCommand:
                if case .failure(let error) = DotCommand.parse(item.text) {
                    diagnostics.append(.error(.invalidDotCommand, error.message, at: span, hints: error.hint.map { [$0] } ?? []))
                }
            case .statement:
                // The statement alone, its spans moved to where it stands: linear in the script
                // (compiling the whole blanked file per statement was quadratic).
                let piece = SourceFile(name: source.name, text: item.text)
                diagnostics += Compiler.compile(piece, context: context).diagnostics.map { $0.shifted(by: item.offset) }
            }
        }
        return diagnostics
    }

    /// A script in canonical form: its DubQL (statements and comments) as ``ScriptFormatter``
    /// prints it, and each dot-command line as written (without surrounding blanks), in order.
    public static func format(_ source: SourceFile) -> ScriptFormatter.Result {
        let bytes = Array(source.text.utf8)
        let dotLines: [Span] = ScriptSplitter.split(source.text).items.filter { $0.kind == .dotCommand }.map { item in
            var start = item.offset, end = item.offset
            while start > 0, bytes[start - 1] != 0x0A { start -= 1 }
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            return Span(start: start, end: Swift.min(bytes.count, end + 1))
        }
        guard !dotLines.isEmpty else { return ScriptFormatter.format(source) }
        var text = "", diagnostics: [Diagnostic] = [], moved = false, failed = false
        var from = 0
        for (index, line) in (dotLines + [Span(start: bytes.count, end: bytes.count)]).enumerated() {
            if from < line.start {
                let piece = ScriptFormatter.format(keeping([Span(start: from, end: line.start)], of: source))
                diagnostics += piece.diagnostics
                moved = moved || piece.movedComments
                if let formatted = piece.text { text += formatted } else { failed = true }
            }
            if index < dotLines.count {
                let command = String(decoding: bytes[line.start..<line.end], as: UTF8.self)
                text += command.trimmingBlanks() + "\n"
            }
            from = line.end
        }
        return ScriptFormatter.Result(text: failed ? nil : text, diagnostics: diagnostics, movedComments: moved)
    }

    /// `source` with every byte outside `spans` turned into a blank, newlines kept.
    static func keeping(_ spans: [Span], of source: SourceFile) -> SourceFile {
        var bytes = Array(source.text.utf8)
        for i in bytes.indices where bytes[i] != 0x0A && !spans.contains(where: { $0.start <= i && i < $0.end }) {
            bytes[i] = 0x20
        }
        return SourceFile(name: source.name, text: String(decoding: bytes, as: UTF8.self))
    }
}

extension Diagnostic {
    /// The diagnostic with its span and its notes' spans `offset` bytes later.
    fileprivate func shifted(by offset: Int) -> Diagnostic {
        var d = self
        d.span = Span(start: span.start + offset, end: span.end + offset)
        d.notes = notes.map { note in
            var n = note
            n.span = note.span.map { Span(start: $0.start + offset, end: $0.end + offset) }
            return n
        }
        return d
    }
}

extension String {
    /// Without leading and trailing blanks, tabs, carriage returns and newlines.
    fileprivate func trimmingBlanks() -> String {
        let blanks: Set<Character> = [" ", "\t", "\r", "\n", "\r\n"]
        var s = Substring(self)
        while let f = s.first, blanks.contains(f) { s.removeFirst() }
        while let l = s.last, blanks.contains(l) { s.removeLast() }
        return String(s)
    }
}
