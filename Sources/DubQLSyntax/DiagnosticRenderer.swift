// Renders diagnostics for a terminal: `SOURCE:LINE:COL: error[DQLnnnn]: message`, the source line,
// and a caret underline, with columns counted in characters.

/// Turns ``Diagnostic`` values into the text the command line and the REPL print:
///
///     query.dql:1:29: error[DQL0201]: expected a value, found end of input
///     1 | SELECT clicks WHERE country =
///       |                              ^
///
/// Hints follow as `  = help: ...`; notes with a span get their own snippet.
///
/// Control characters from the source (C0, DEL and C1, so also the ESC that starts a terminal
/// escape sequence) are shown, never sent raw: in the echoed line and in every message, hint and
/// note (which quote source text) they become `\x1b`-style escapes (`\r`, `\t` in messages,
/// `\u{9b}` for C1), as DubQLOutput's `TerminalText` shows values. Carets count the escapes'
/// width, so they stay under the character they point at. Newlines in messages stay.
public enum DiagnosticRenderer {
    /// All diagnostics, each ending with a newline. `color` adds ANSI colours.
    public static func render(_ diagnostics: [Diagnostic], in source: SourceFile, color: Bool) -> String {
        var out = ""
        for d in diagnostics { out += render(d, in: source, color: color) }
        return out
    }

    /// One diagnostic with its snippet, hints and notes, ending with a newline.
    public static func render(_ d: Diagnostic, in source: SourceFile, color: Bool) -> String {
        let style = Style(color: color)
        let tint = style.color(for: d.severity)
        let location = source.location(of: d.span.start)
        let name = visible(source.name)
        var out = style.bold("\(name):\(location.line):\(location.column): ")
        out += style.paint("\(d.severity.rawValue)[\(d.code)]", tint, bold: true)
        out += style.bold(": \(visible(d.message))") + "\n"
        out += snippet(d.span, in: source, style: style, tint: tint)
        for hint in d.hints {
            out += style.paint("  = help: ", Style.cyan, bold: true) + visible(hint) + "\n"
        }
        for note in d.notes {
            if let span = note.span {
                let l = source.location(of: span.start)
                out += style.bold("\(name):\(l.line):\(l.column): ") + style.paint("note", Style.cyan, bold: true)
                    + ": " + visible(note.message) + "\n"
                out += snippet(span, in: source, style: style, tint: Style.cyan)
            } else {
                out += style.paint("  = note: ", Style.cyan, bold: true) + visible(note.message) + "\n"
            }
        }
        return out
    }

    /// The line holding the start of `span` and an underline under the span's part on that line
    /// (one caret for an empty span, e.g. at the end of input). A line longer than
    /// ``maximumShownBytes`` is shown as a window around the span, cut with `...`, so that
    /// rendering many diagnostics on one huge line stays linear.
    static func snippet(_ span: Span, in source: SourceFile, style: Style, tint: String) -> String {
        let start = source.location(of: span.start)
        let index = source.lineIndex(of: Swift.min(Swift.max(0, span.start), source.byteCount))
        let range = source.lineRange(index)
        let gutter = String(start.line)
        let pad = String(repeating: " ", count: gutter.count)
        var line: String
        var caretColumn: Int
        var width: Int
        if range.count <= maximumShownBytes {
            line = source.lineText(start.line)
            caretColumn = start.column
            let lineCharacters = line.count
            let end = source.location(of: Swift.min(span.end, range.upperBound))
            width = Swift.max(1, Swift.min(end.column, lineCharacters + 1) - start.column)
        } else {
            // A window of the line's bytes around the span's start, cut at character starts.
            let at = Swift.min(Swift.max(span.start, range.lowerBound), range.upperBound)
            var from = Swift.max(range.lowerBound, at - windowBytes)
            var to = Swift.min(range.upperBound, at + windowBytes)
            source.withBytes { bytes in
                while from > range.lowerBound, bytes[from] & 0xC0 == 0x80 { from -= 1 }
                while to < range.upperBound, bytes[to] & 0xC0 == 0x80 { to += 1 }
            }
            let before = from > range.lowerBound ? "..."
                : index == 0 ? String(repeating: " ", count: source.origin.column - 1) : ""
            line = before + source.slice(Span(start: from, end: to)) + (to < range.upperBound ? "..." : "")
            caretColumn = before.count + source.slice(Span(start: from, end: at)).count + 1
            let spanEnd = Swift.min(Swift.max(span.end, at), to)
            width = Swift.max(1, source.slice(Span(start: at, end: spanEnd)).count)
        }
        // Tabs are shown as one space so that one character stays one column; other control
        // characters as escapes, several columns wide, which the caret's column and width count.
        let (shown, shownColumn, shownWidth) = visibleLine(line, caretColumn: caretColumn, width: width)
        let underline = String(repeating: " ", count: shownColumn - 1) + String(repeating: "^", count: shownWidth)
        return style.paint("\(gutter) | ", Style.blue, bold: true) + shown + "\n"
            + style.paint("\(pad) | ", Style.blue, bold: true) + style.paint(underline, tint, bold: true) + "\n"
    }

    /// True for the control characters that are never written raw: C0, DEL, C1.
    @inline(__always) static func isControl(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || (u.value >= 0x7F && u.value < 0xA0)
    }

    /// The escape a control character is shown as: `\r`, `\t`, `\x1b` (other C0 and DEL),
    /// `\u{9b}` (C1).
    static func escape(_ u: Unicode.Scalar) -> String {
        let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
        let hex = String([digits[Int(u.value >> 4) & 0xF], digits[Int(u.value) & 0xF]])
        switch u.value {
        case 0x0D: return "\\r"
        case 0x09: return "\\t"
        case 0x80..<0xA0: return "\\u{" + hex + "}"
        default: return "\\x" + hex
        }
    }

    /// Message text with its control characters escaped (newlines kept); `text` itself when it
    /// has none.
    public static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) && $0 != "\n" }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for u in text.unicodeScalars {
            if isControl(u) && u != "\n" { out += escape(u) } else { out.unicodeScalars.append(u) }
        }
        return out
    }

    /// An echoed source line as shown (tabs as one space, other control characters escaped, a
    /// newline too), with a caret column and width in characters of `line` turned into columns
    /// of the shown text.
    static func visibleLine(_ line: String, caretColumn: Int, width: Int) -> (String, Int, Int) {
        guard line.unicodeScalars.contains(where: isControl) else { return (line, caretColumn, width) }
        var shown = ""
        var column = 1, shownCount = 0, shownColumn = caretColumn, shownWidth = 0
        for ch in line {
            if column == caretColumn { shownColumn = shownCount + 1 }
            var piece = ""
            var pieceWidth = 1
            if ch.unicodeScalars.contains(where: isControl) {
                for u in ch.unicodeScalars {
                    if u == "\t" { piece += " " } else if isControl(u) { piece += escape(u) } else { piece.unicodeScalars.append(u) }
                }
                pieceWidth = piece.unicodeScalars.count
            } else {
                piece.append(ch)
            }
            if column >= caretColumn && column < caretColumn + width { shownWidth += pieceWidth }
            shown += piece
            shownCount += pieceWidth
            column += 1
        }
        if caretColumn >= column { shownColumn = shownCount + (caretColumn - column) + 1 }
        // Past the end of the line (an empty span at its end): the width as given.
        if shownWidth == 0 { shownWidth = width }
        return (shown, shownColumn, Swift.max(1, shownWidth))
    }

    /// Lines up to this many bytes are shown whole.
    static let maximumShownBytes = 400
    /// Bytes shown on each side of a span's start in a longer line.
    static let windowBytes = 120
}

/// ANSI styling that disappears when colour is off.
struct Style {
    var color: Bool
    static let red = "31", yellow = "33", blue = "34", cyan = "36"

    func color(for severity: Severity) -> String {
        switch severity {
        case .error: Style.red
        case .warning: Style.yellow
        case .note: Style.cyan
        }
    }

    func paint(_ text: String, _ code: String, bold: Bool = false) -> String {
        guard color else { return text }
        return "\u{1B}[\(bold ? "1;" : "")\(code)m\(text)\u{1B}[0m"
    }

    func bold(_ text: String) -> String {
        guard color else { return text }
        return "\u{1B}[1m\(text)\u{1B}[0m"
    }
}
