// Splits REPL input and script files into statements and dot-commands, in order, with positions,
// so that `dubql run`, `.read` and the REPL agree on where one statement ends and the next begins.

import DubQL
import DubQLSyntax

// MARK: - Items

/// One piece of a script: a statement (without its `;`) or a dot-command line.
public struct ScriptItem: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// DubQL text up to (not including) its `;`.
        case statement
        /// A whole line starting with `.` at the start of a statement.
        case dotCommand
    }
    public var kind: Kind
    /// The text of the statement or the dot-command line (without the newline).
    public var text: String
    /// Byte offset of `text` in the input.
    public var offset: Int
    /// True when a `;` ended the statement (always true for dot-commands).
    public var terminated: Bool

    public init(kind: Kind, text: String, offset: Int, terminated: Bool) {
        self.kind = kind
        self.text = text
        self.offset = offset
        self.terminated = terminated
    }
}

/// What ``ScriptSplitter/split(_:)`` found: the items in order and whether input ends inside a
/// string, quoted identifier or block comment.
public struct ScriptSplit: Hashable, Sendable {
    public var items: [ScriptItem]
    /// True when the input ends inside `'...`, `"...`, `` `... `` or `/* ...`.
    public var endsInsideLiteral: Bool

    /// The last item when it is a statement not ended by `;` (what the REPL keeps pending).
    public var unterminated: ScriptItem? {
        guard let last = items.last, last.kind == .statement, !last.terminated else { return nil }
        return last
    }
}

// MARK: - Splitter

/// Splits text at `;` outside strings, quoted identifiers and comments, and recognises
/// dot-commands: a line whose first non-blank character is `.` (or psql's `\`, to be told the
/// dot-command) while no statement is pending.
///
/// Statements that hold nothing but blanks and comments are dropped; a statement's text starts at
/// its first significant character (leading comments are not part of it).
public enum ScriptSplitter {
    /// `continuing` says that `text` continues a statement (the REPL's pending lines): its first
    /// line is no dot-command even when it starts with `.`.
    public static func split(_ text: String, continuing: Bool = false) -> ScriptSplit {
        let bytes = Array(text.utf8)
        var items: [ScriptItem] = []
        var statementStart: Int?      // first significant byte of the pending statement
        var i = 0
        var atLineStart = !continuing
        var insideLiteral = false

        func flush(upTo end: Int, terminated: Bool) {
            guard let start = statementStart else { return }
            let stop = Swift.max(start, Swift.min(end, bytes.count))
            items.append(ScriptItem(kind: .statement, text: String(decoding: bytes[start..<stop], as: UTF8.self),
                                    offset: start, terminated: terminated))
            statementStart = nil
        }

        while i < bytes.count {
            let b = bytes[i]
            if atLineStart && statementStart == nil {
                // A dot-command: the whole line, when its first non-blank byte is '.'.
                var j = i
                while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 || bytes[j] == 0x0D { j += 1 }
                // A psql-style `\d` line is one too, so it is answered at Enter with its dot-command.
                if j < bytes.count, bytes[j] == UInt8(ascii: ".") || bytes[j] == UInt8(ascii: "\\") {
                    var end = j
                    while end < bytes.count, bytes[end] != 0x0A { end += 1 }
                    var textEnd = end
                    while textEnd > j, bytes[textEnd - 1] == 0x0D || bytes[textEnd - 1] == 0x20 || bytes[textEnd - 1] == 0x09 {
                        textEnd -= 1
                    }
                    items.append(ScriptItem(kind: .dotCommand, text: String(decoding: bytes[j..<textEnd], as: UTF8.self),
                                            offset: j, terminated: true))
                    i = end < bytes.count ? end + 1 : end
                    atLineStart = true
                    continue
                }
            }
            atLineStart = false
            switch b {
            case 0x0A:
                atLineStart = true
                i += 1
            case 0x20, 0x09, 0x0D:
                i += 1
            case UInt8(ascii: "-") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "-"):
                while i < bytes.count, bytes[i] != 0x0A { i += 1 }
            case UInt8(ascii: "/") where i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*"):
                var j = i + 2
                var closed = false
                while j < bytes.count {
                    if bytes[j] == UInt8(ascii: "*"), j + 1 < bytes.count, bytes[j + 1] == UInt8(ascii: "/") {
                        j += 2
                        closed = true
                        break
                    }
                    j += 1
                }
                if !closed {
                    // An open block comment: part of the pending input, so the REPL keeps reading.
                    if statementStart == nil { statementStart = i }
                    insideLiteral = true
                }
                i = j
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"):
                if statementStart == nil { statementStart = i }
                // Quotes are escaped by doubling them, so a doubled quote simply reopens the literal.
                var j = i + 1
                var closed = false
                while j < bytes.count {
                    if bytes[j] == b {
                        if j + 1 < bytes.count, bytes[j + 1] == b { j += 2; continue }
                        closed = true
                        j += 1
                        break
                    }
                    j += 1
                }
                if !closed { insideLiteral = true }
                i = j
            case UInt8(ascii: ";"):
                if statementStart != nil { flush(upTo: i, terminated: true) }
                i += 1
            default:
                if statementStart == nil { statementStart = i }
                i += 1
            }
        }
        if statementStart != nil { flush(upTo: bytes.count, terminated: false) }
        return ScriptSplit(items: items, endsInsideLiteral: insideLiteral)
    }

    /// A source file for one statement of a larger input that reports the statement's own lines
    /// and columns (its ``SourceFile/origin`` is where it starts in `whole`), so diagnostics
    /// point into the original file. Its text is the statement alone: making many of them costs
    /// the statements' length, not the file's for each.
    public static func sourceFile(named name: String, for item: ScriptItem, in whole: SourceFile) -> SourceFile {
        let location = whole.location(of: item.offset)
        return SourceFile(name: name, text: item.text, origin: (location.line, location.column))
    }
}
