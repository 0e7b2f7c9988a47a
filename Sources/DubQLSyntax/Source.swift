// Source text, byte spans, and the lazily built line table that turns offsets into lines and columns.

// MARK: - Span

/// A half-open range of UTF-8 byte offsets `[start, end)` into a ``SourceFile``.
///
/// Every token and AST node carries one. End of input has a real offset (`text.utf8.count`), so an
/// empty span there can be underlined ("expected ')', found end of input").
public struct Span: Hashable, Sendable, Codable, CustomStringConvertible {
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = max(start, end)
    }

    /// An empty span at `offset`.
    public init(at offset: Int) { self.init(start: offset, end: offset) }

    public var length: Int { end - start }
    public var isEmpty: Bool { start == end }

    /// The smallest span covering both.
    public func union(_ other: Span) -> Span {
        Span(start: Swift.min(start, other.start), end: Swift.max(end, other.end))
    }

    public func contains(_ offset: Int) -> Bool { offset >= start && offset < end }

    public var description: String { "\(start)..<\(end)" }
}

// MARK: - SourceFile

/// A named source text (a file name, `<query>` or `<stdin>`) with its UTF-8 bytes and a line table.
public final class SourceFile: Sendable {
    /// What diagnostics print before `:LINE:COL` (a path, `<query>`, `<stdin>`).
    public let name: String
    public let text: String
    /// The UTF-8 bytes of `text`, the unit of every ``Span``.
    public let bytes: [UInt8]
    /// Byte offset of the first byte of each line (line 1 starts at 0).
    public let lineStarts: [Int]

    public init(name: String, text: String) {
        self.name = name
        self.text = text
        let bytes = Array(text.utf8)
        self.bytes = bytes
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        self.lineStarts = starts
    }

    /// A 1-based line and column for a byte offset. Columns count Unicode characters (grapheme
    /// clusters), so a caret under a line containing `Zürich` lands where a terminal shows it.
    public func location(of offset: Int) -> SourceLocation {
        let offset = Swift.max(0, Swift.min(offset, bytes.count))
        // Binary search for the last line start <= offset.
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        let lineStart = lineStarts[lo]
        let prefix = String(decoding: bytes[lineStart..<offset], as: UTF8.self)
        return SourceLocation(line: lo + 1, column: prefix.count + 1, offset: offset)
    }

    /// The text of a 1-based line, without its line terminator.
    public func lineText(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<Swift.max(start, end)], as: UTF8.self)
    }

    /// The source text covered by a span (clamped to the input).
    public func slice(_ span: Span) -> String {
        let s = Swift.max(0, Swift.min(span.start, bytes.count))
        let e = Swift.max(s, Swift.min(span.end, bytes.count))
        return String(decoding: bytes[s..<e], as: UTF8.self)
    }
}

/// A 1-based line and character column, plus the byte offset it was computed from.
public struct SourceLocation: Hashable, Sendable, Codable {
    public var line: Int
    public var column: Int
    public var offset: Int
}
