// Aligned text tables that fit a width: the `table` format and the REPL's `.fields`.

/// Aligned text tables that fit a width.
public enum TableRenderer {
    /// The most characters a table shows of one cell, whatever the width: longer cells end in `…`,
    /// so that a huge value (a 200 MB user agent) costs bounded memory to display.
    public static let maximumCellCharacters = 10_000

    /// One column of a table: its header and which side its cells align to.
    public struct Column: Sendable, Hashable {
        public var header: String
        /// True for numbers (right-aligned).
        public var alignRight: Bool
        public init(_ header: String, alignRight: Bool = false) {
            self.header = header
            self.alignRight = alignRight
        }
    }

    /// Renders a table of left-aligned text columns with a `(N rows)` footer.
    public static func render(headers: [String], rows: [[String]], width: Int?, color: Bool) -> String {
        render(columns: headers.map { Column($0) }, rows: rows.map { $0.map { cell($0) } }, width: width, color: color)
    }

    /// Renders a table with a `(N rows)` footer (or `footer`); cells wider than their share of `width` are cut
    /// with `…`. Cells should come from ``cell(_:maximum:)``: on one line and of bounded length.
    public static func render(columns: [Column], rows: [[String]], width: Int?, color: Bool, footer: String? = nil) -> String {
        let n = columns.count
        var widths = columns.map(\.header.count)
        for r in rows { for i in 0..<min(n, r.count) { widths[i] = max(widths[i], r[i].count) } }
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
                let c = fit(i < cells.count ? cells[i] : "", widths[i])
                let pad = String(repeating: " ", count: widths[i] - c.count)
                let styled = style + c + (style.isEmpty ? "" : reset)
                parts.append(columns[i].alignRight ? pad + styled : styled + pad)
            }
            var s = " " + parts.joined(separator: " \(dim)│\(reset) ")
            while s.last == " " { s.removeLast() }
            return s + "\n"
        }
        var out = line(columns.map(\.header), bold)
        out += dim + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: "┼") + reset + "\n"
        for r in rows { out += line(r, "") }
        out += (footer ?? "(\(rows.count) \(rows.count == 1 ? "row" : "rows"))") + "\n"
        return out
    }

    /// A cell as a table shows it: on one line (line breaks become spaces) and at most `maximum`
    /// characters (then ending in `…`), reading no more of `text` than that.
    public static func cell(_ text: String, maximum: Int = maximumCellCharacters) -> String {
        var s = text
        if text.utf8.count > maximum {
            let prefix = text.prefix(maximum)
            if prefix.endIndex < text.endIndex { s = String(prefix.dropLast()) + "…" }
        }
        return s.contains(where: \.isNewline) ? String(s.map { $0.isNewline ? " " : $0 }) : s
    }

    static func fit(_ s: String, _ w: Int) -> String {
        s.count <= w ? s : String(s.prefix(max(w - 1, 0))) + "…"
    }
}
