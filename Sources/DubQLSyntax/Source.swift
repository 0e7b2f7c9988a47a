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
///
/// A source may stand for a piece of a larger file (one statement of a script): its ``origin``
/// is where the piece starts there, and lines and columns are those of the larger file, as if
/// the text before the piece were blank. Spans stay offsets into ``bytes``.
public final class SourceFile: Sendable {
    /// What diagnostics print before `:LINE:COL` (a path, `<query>`, `<stdin>`).
    public let name: String
    public let text: String
    /// The UTF-8 bytes of `text`, the unit of every ``Span``: a new array at every call (the
    /// source keeps only `text`, so making one costs no copy of the input). To read the bytes
    /// without copying them, use ``withBytes(_:)``; their number is ``byteCount``.
    public var bytes: [UInt8] { Array(text.utf8) }
    /// The number of UTF-8 bytes of `text` (the end offset of every source).
    public let byteCount: Int
    /// Byte offset of the first byte of each line of `text` (line 1 starts at 0).
    public let lineStarts: [Int]
    /// The 1-based line and column in the larger file where `text` starts (1, 1 for a whole file).
    public let origin: (line: Int, column: Int)
    /// For long lines holding non-ASCII text, the byte offsets (from the line start) and character
    /// counts of every ``checkpointStride``-th character, so that a column is counted from the
    /// nearest checkpoint rather than from the start of a line of any length.
    private let checkpoints: [Int: [(byte: Int, characters: Int)]]
    /// Lines (0-based) that hold a byte >= 0x80; on the others a column is a byte difference.
    private let nonASCIILines: Set<Int>

    static let checkpointStride = 256
    /// The line table of a text without line ends.
    private static let oneLine = [0]

    public convenience init(name: String, text: String) {
        self.init(name: name, text: text, origin: (1, 1))
    }

    /// A source for `text`, which starts at `origin` (1-based line and column) of a larger file.
    public init(name: String, text: String, origin: (line: Int, column: Int)) {
        self.name = name
        // The bytes are read in place from the text's own contiguous UTF-8 storage (a string
        // bridged from elsewhere is made native once, here).
        var text = text
        text.makeContiguousUTF8()
        self.text = text
        self.origin = (Swift.max(1, origin.line), Swift.max(1, origin.column))
        // A one-line query (the common case: a server planning per request) shares one table and
        // allocates nothing for it; the first line end copies it.
        var starts = SourceFile.oneLine
        var nonASCII = Set<Int>()
        var high: UInt8 = 0
        byteCount = text.utf8.count
        SourceFile.withBytes(of: text) { b in
            guard let base = b.baseAddress else { return }
            let raw = UnsafeRawPointer(base)
            let n = b.count
            var i = 0
            while i < n {
                // Eight bytes at once when they hold no line end and no byte >= 0x80 (the usual
                // case); otherwise byte by byte. `x` has a zero byte exactly where `w` has a '\n'.
                var end = n
                if i + 16 <= n {
                    // Sixteen at once where both words are plain, the common case.
                    let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    let v = raw.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)
                    let x = w ^ 0x0a0a_0a0a_0a0a_0a0a, y = v ^ 0x0a0a_0a0a_0a0a_0a0a
                    let lineEnds = ((x &- 0x0101_0101_0101_0101) & ~x) | ((y &- 0x0101_0101_0101_0101) & ~y)
                    if (lineEnds | w | v) & 0x8080_8080_8080_8080 == 0 {
                        i += 16
                        continue
                    }
                }
                if i + 8 <= n {
                    let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    let x = w ^ 0x0a0a_0a0a_0a0a_0a0a
                    let lineEnd = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
                    if lineEnd | (w & 0x8080_8080_8080_8080) == 0 {
                        i += 8
                        continue
                    }
                    end = i + 8
                }
                while i < end {
                    let c = b[i]
                    high |= c
                    if c == UInt8(ascii: "\n") {
                        if high >= 0x80 { nonASCII.insert(starts.count - 1) }
                        high = 0
                        starts.append(i + 1)
                    }
                    i += 1
                }
            }
        }
        if high >= 0x80 { nonASCII.insert(starts.count - 1) }
        self.lineStarts = starts
        self.nonASCIILines = nonASCII
        var checkpoints = [Int: [(byte: Int, characters: Int)]]()
        // (Not even an iterator over the empty set for a plain-ASCII text.)
        if !nonASCII.isEmpty {
            for line in nonASCII {
                let start = starts[line], end = line + 1 < starts.count ? starts[line + 1] : byteCount
                guard end - start > SourceFile.checkpointStride else { continue }
                var points: [(byte: Int, characters: Int)] = []
                var count = 0
                let content = SourceFile.withBytes(of: text) {
                    String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self)
                }
                var index = content.startIndex
                while index < content.endIndex {
                    if count % SourceFile.checkpointStride == 0 {
                        points.append((content.utf8.distance(from: content.startIndex, to: index), count))
                    }
                    content.formIndex(after: &index)
                    count += 1
                }
                checkpoints[line] = points
            }
        }
        self.checkpoints = checkpoints
    }

    /// Calls `body` with the UTF-8 bytes of ``text``, read in place (valid only during the call).
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try SourceFile.withBytes(of: text, body)
    }

    /// The bytes of a string made contiguous (see `init`); a copy only if it is not.
    @inline(__always)
    static func withBytes<R>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let r = try text.utf8.withContiguousStorageIfAvailable(body) { return r }
        return try Array(text.utf8).withUnsafeBufferPointer(body)
    }

    /// A 1-based line and column for a byte offset. Columns count Unicode characters (grapheme
    /// clusters), so a caret under a line containing `Zürich` lands where a terminal shows it.
    public func location(of offset: Int) -> SourceLocation {
        let offset = Swift.max(0, Swift.min(offset, byteCount))
        let line = lineIndex(of: offset)
        let lineStart = lineStarts[line]
        var column: Int
        if !nonASCIILines.contains(line) {
            // ASCII: one byte, one character (a line holds no CR LF pair, its only two-byte cluster).
            column = offset - lineStart + 1
        } else if let points = checkpoints[line] {
            var lo = 0, hi = points.count - 1
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if lineStart + points[mid].byte <= offset { lo = mid } else { hi = mid - 1 }
            }
            let from = lineStart + points[lo].byte
            column = points[lo].characters + slice(Span(start: from, end: offset)).count + 1
        } else {
            column = slice(Span(start: lineStart, end: offset)).count + 1
        }
        if line == 0 { column += origin.column - 1 }
        return SourceLocation(line: line + origin.line, column: column, offset: offset)
    }

    /// The 0-based index in ``lineStarts`` of the line holding `offset`.
    func lineIndex(of offset: Int) -> Int {
        // Binary search for the last line start <= offset.
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// The text of a 1-based line (of the larger file), without its line terminator; the lines
    /// before ``origin`` are empty, and its first line starts with blanks up to its column.
    public func lineText(_ line: Int) -> String {
        let index = line - origin.line
        guard index >= 0, index < lineStarts.count else { return "" }
        let blanks = index == 0 ? String(repeating: " ", count: origin.column - 1) : ""
        let range = lineRange(index)
        return blanks + slice(Span(start: range.lowerBound, end: range.upperBound))
    }

    /// The byte range of a 0-based line of `text`, without its line terminator.
    func lineRange(_ index: Int) -> Range<Int> {
        let start = lineStarts[index]
        var end = index + 1 < lineStarts.count ? lineStarts[index + 1] - 1 : byteCount
        if end > start, withBytes({ $0[end - 1] }) == UInt8(ascii: "\r") { end -= 1 }
        return start..<Swift.max(start, end)
    }

    /// The source text covered by a span (clamped to the input).
    public func slice(_ span: Span) -> String {
        let s = Swift.max(0, Swift.min(span.start, byteCount))
        let e = Swift.max(s, Swift.min(span.end, byteCount))
        return withBytes { String(decoding: UnsafeBufferPointer(rebasing: $0[s..<e]), as: UTF8.self) }
    }
}

/// A 1-based line and character column, plus the byte offset it was computed from.
public struct SourceLocation: Hashable, Sendable, Codable {
    public var line: Int
    public var column: Int
    public var offset: Int
}
