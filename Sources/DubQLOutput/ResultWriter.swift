// Writes result rows of a store in one OutputFormat to a sink, streaming every format but the
// table (which must see all rows to align them).

import DubQL
import DubQLEngine
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Sinks

/// Where output text goes: a file descriptor (buffered, flushed early so rows appear as found)
/// or memory.
public final class OutputSink: @unchecked Sendable {
    private let fd: Int32?
    private var buffer: [UInt8] = []
    private var lastFlush: UInt64 = 0
    private var flushedOnce = false
    /// Everything written, for memory sinks.
    public private(set) var captured: [UInt8] = []

    private let ownsDescriptor: Bool

    private init(fd: Int32?, owns: Bool = false) {
        self.fd = fd
        self.ownsDescriptor = owns
    }

    /// Standard output.
    public static func standardOutput() -> OutputSink { OutputSink(fd: 1) }
    /// A file descriptor the caller owns.
    public static func fileDescriptor(_ fd: Int32) -> OutputSink { OutputSink(fd: fd) }
    /// A file, created or truncated (the REPL's `.output FILE`); closed when the sink goes away.
    public static func file(path: String) throws(InputError) -> OutputSink {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw InputError(path: path, message: String(cString: strerror(errno)).lowercased()) }
        return OutputSink(fd: fd, owns: true)
    }

    /// Memory (tests, the REPL's capture).
    public static func memory() -> OutputSink { OutputSink(fd: nil) }

    /// The text captured by a memory sink.
    public var text: String { String(decoding: captured, as: UTF8.self) }

    public func write(_ s: String) {
        var s = s
        s.withUTF8 { write(bytes: $0) }
    }

    public func write(bytes: UnsafeBufferPointer<UInt8>) {
        guard fd != nil else { captured.append(contentsOf: bytes); return }
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Flushes if the first row is waiting or output has waited a while (streaming).
    public func rowDone() {
        guard fd != nil, !buffer.isEmpty else { return }
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        let now = UInt64(t.tv_sec) * 1000 + UInt64(t.tv_nsec) / 1_000_000
        if !flushedOnce || now - lastFlush >= 100 {
            flush()
            lastFlush = now
            flushedOnce = true
        }
    }

    public func flush() {
        guard let fd, !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                guard let base = raw.baseAddress else { return }
                let n = Glibc.write(fd, base + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    return  // EPIPE (`| head`): the reader is gone; drop the rest quietly.
                }
                off += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit {
        flush()
        if ownsDescriptor, let fd { close(fd) }
    }
}

// MARK: - Writer

/// Renders rows of one query result.
public final class ResultWriter {
    public let format: OutputFormat
    public let columns: [DisplayColumn]
    /// True when the query projected nothing: json/ndjson then write the original events.
    public let rawEvents: Bool
    public let reader: CellReader
    public let sink: OutputSink
    /// Terminal width for tables (`nil`: no limit).
    public var width: Int?
    /// ANSI colour (bold headers, dim borders).
    public var color: Bool
    private var tableRows: [[String]] = []
    private(set) public var rowCount = 0

    public init(format: OutputFormat, columns: [BoundColumn], event: EventType, store: EventStore, sink: OutputSink,
                width: Int? = nil, color: Bool = false) {
        self.format = format
        self.columns = DisplayColumn.columns(for: columns, event: event)
        self.rawEvents = columns.isEmpty
        self.reader = CellReader(store: store)
        self.sink = sink
        self.width = width
        self.color = color
    }

    /// Writes what comes before the rows (CSV header, `[`).
    public func begin() {
        switch format {
        case .csv: sink.write(columns.map { CSV.field($0.header) }.joined(separator: ",") + "\r\n")
        case .markdown:
            sink.write("| " + columns.map { Markdown.cell($0.header) }.joined(separator: " | ") + " |\n")
            sink.write("|" + columns.map { _ in "---|" }.joined() + "\n")
        case .json: sink.write("[")
        default: break
        }
    }

    /// Writes one row.
    public func write(row: Int) {
        defer { rowCount += 1 }
        switch format {
        case .table:
            tableRows.append(columns.map { reader.text($0, row: row) })
            return
        case .line:
            if rowCount > 0 { sink.write("\n") }
            let w = columns.map(\.header.count).max() ?? 0
            for c in columns {
                sink.write(String(repeating: " ", count: w - c.header.count) + c.header + " = " + reader.text(c, row: row) + "\n")
            }
        case .json, .ndjson:
            if format == .json { sink.write(rowCount == 0 ? "\n" : ",\n") }
            if rawEvents {
                sink.write(bytes: reader.store.rawJSON(row))
            } else {
                var out = ""
                JSONWriter.write(.object(columns.map { .init($0.header, reader.value($0.field, row: row) ?? .null) }), to: &out)
                sink.write(out)
            }
            if format == .ndjson { sink.write("\n") }
        case .csv:
            sink.write(columns.map { CSV.field(reader.text($0, row: row)) }.joined(separator: ",") + "\r\n")
        case .markdown:
            sink.write("| " + columns.map { Markdown.cell(reader.text($0, row: row)) }.joined(separator: " | ") + " |\n")
        }
        sink.rowDone()
    }

    /// Writes what comes after the rows (the table itself, `]`) and flushes.
    public func end() {
        switch format {
        case .table: sink.write(TableRenderer.render(headers: columns.map(\.header), rows: tableRows, width: width, color: color))
        case .json: sink.write(rowCount == 0 ? "]\n" : "\n]\n")
        default: break
        }
        sink.flush()
    }
}

// MARK: - Format helpers

enum CSV {
    /// Quotes a field when it holds a comma, quote, CR or LF (RFC 4180), doubling quotes.
    static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return s }
        return "\"" + s.replacingAll("\"", with: "\"\"") + "\""
    }
}

enum Markdown {
    static func cell(_ s: String) -> String {
        s.replacingAll("\\", with: "\\\\").replacingAll("|", with: "\\|").replacingAll("\r\n", with: " ").replacingAll("\n", with: " ")
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for ch in self { if ch == target { out += replacement } else { out.append(ch) } }
        return out
    }
}

// MARK: - Tables

/// Aligned text tables that fit a width.
public enum TableRenderer {
    /// Renders a table with a `(N rows)` footer; cells wider than their share are cut with `…`.
    public static func render(headers: [String], rows: [[String]], width: Int?, color: Bool) -> String {
        let n = headers.count
        let clean = rows.map { $0.map(singleLine) }
        var widths = headers.map(\.count)
        for r in clean { for i in 0..<n { widths[i] = max(widths[i], r[i].count) } }
        if let width {
            // Each column costs its width plus 3 for the separator; shrink the widest first.
            let overhead = 3 * n - 1
            while widths.reduce(0, +) + overhead > width {
                guard let i = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[i] > 4 else { break }
                widths[i] -= 1
            }
        }
        let bold = color ? "\u{1B}[1m" : "", dim = color ? "\u{1B}[2m" : "", reset = color ? "\u{1B}[0m" : ""
        func line(_ cells: [String], _ style: String) -> String {
            var parts: [String] = []
            for i in 0..<n {
                let c = fit(cells[i], widths[i])
                parts.append(style + c + (style.isEmpty ? "" : reset) + String(repeating: " ", count: widths[i] - c.count))
            }
            var s = " " + parts.joined(separator: " \(dim)│\(reset) ")
            while s.last == " " { s.removeLast() }
            return s + "\n"
        }
        var out = line(headers, bold)
        out += dim + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: "┼") + reset + "\n"
        for r in clean { out += line(r, "") }
        out += "(\(rows.count) \(rows.count == 1 ? "row" : "rows"))\n"
        return out
    }

    static func fit(_ s: String, _ w: Int) -> String {
        s.count <= w ? s : String(s.prefix(max(w - 1, 0))) + "…"
    }

    static func singleLine(_ s: String) -> String {
        s.contains(where: \.isNewline) ? String(s.map { $0.isNewline ? " " : $0 }) : s
    }
}
