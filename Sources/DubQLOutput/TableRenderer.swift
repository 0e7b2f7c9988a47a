// Aligned text tables that fit a width: the `table` format and the REPL's `.fields`.

/// Aligned text tables that fit a width.
public enum TableRenderer {
    /// The most characters a table shows of one cell, whatever the width: longer cells end in `…`,
    /// so that a huge value (a 200 MB user agent) costs bounded memory to display.
    public static let maximumCellCharacters = 10_000

    /// How a cell that is wider than its column is shortened.
    public enum Cut: Sendable, Hashable {
        /// Keep the start, end with `…` (most text).
        case end
        /// Keep the start and the end, `…` in the middle (URLs: the host and the last path or
        /// query part both matter).
        case middle
        /// Never shortened (timestamps): other columns give way, or the rows become records.
        case never
    }

    /// One column of a table: its header, which side its cells align to, and how a cell is cut.
    public struct Column: Sendable, Hashable {
        public var header: String
        /// True for numbers (right-aligned).
        public var alignRight: Bool
        public var cut: Cut
        public init(_ header: String, alignRight: Bool = false, cut: Cut = .end) {
            self.header = header
            self.alignRight = alignRight
            self.cut = cut
        }
    }

    /// Whether rows print as a table or as records of one field per line (psql's `\x`).
    public enum Expanded: String, Sendable, Hashable, CaseIterable {
        /// A table when every row fits the width, else records.
        case auto
        /// Always records.
        case on
        /// Always a table, cells cut to fit as far as they can be.
        case off
    }

    /// The fewest characters a column that may be cut keeps: its header or 10, whichever is
    /// longer (never more than its widest cell).
    static func minimumWidth(_ column: Column, natural: Int) -> Int {
        column.cut == .never ? natural : min(natural, max(column.header.count, 10))
    }

    /// Renders a table of left-aligned text columns with a `(N rows)` footer.
    public static func render(headers: [String], rows: [[String]], width: Int?, color: Bool,
                              expanded: Expanded = .auto) -> String {
        render(columns: headers.map { Column($0) }, rows: rows.map { $0.map { cell($0) } }, width: width, color: color,
               expanded: expanded)
    }

    /// Renders a table with a `(N rows)` footer. Columns that do not fit `width` give way by
    /// priority: the widest first, never below ``minimumWidth(_:natural:)``, never a `.never`
    /// column. When even that does not fit (and `expanded` is `.auto`), or with `.on`, each row
    /// prints as a record of `header │ value` lines instead (``renderRecords(columns:rows:width:color:footer:)``).
    /// Cells should come from ``cell(_:maximum:)``: on one line and of bounded length.
    /// `footer` replaces the `(N rows)` line (the truncation note: `(100 of 5,412 rows shown; ...)`).
    public static func render(columns: [Column], rows: [[String]], width: Int?, color: Bool,
                              expanded: Expanded = .auto, footer: String? = nil) -> String {
        let n = columns.count
        var widths = columns.map(\.header.count)
        for r in rows { for i in 0..<min(n, r.count) { widths[i] = max(widths[i], r[i].count) } }
        if expanded == .on && !rows.isEmpty { return renderRecords(columns: columns, rows: rows, width: width, color: color, footer: footer) }
        if let width {
            // Each column costs its width plus 3 for the separator.
            let overhead = 3 * n - 1
            let minimums = columns.indices.map { minimumWidth(columns[$0], natural: widths[$0]) }
            if expanded == .auto, !rows.isEmpty, minimums.reduce(0, +) + overhead > width {
                return renderRecords(columns: columns, rows: rows, width: width, color: color, footer: footer)
            }
            let floor = expanded == .off ? columns.indices.map { columns[$0].cut == .never ? widths[$0] : min(widths[$0], 4) } : minimums
            // Shrink the widest column that may still give way, one character at a time.
            while widths.reduce(0, +) + overhead > width {
                guard let i = widths.indices.filter({ widths[$0] > floor[$0] }).max(by: { widths[$0] < widths[$1] }) else { break }
                widths[i] -= 1
            }
        }
        let bold = color ? "\u{1B}[1m" : "", dim = color ? "\u{1B}[2m" : "", reset = color ? "\u{1B}[0m" : ""
        func line(_ cells: [String], _ style: String, header: Bool) -> String {
            var parts: [String] = []
            for i in 0..<n {
                let c = fit(i < cells.count ? cells[i] : "", widths[i], header ? .end : columns[i].cut)
                let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                let styled = style + c + (style.isEmpty ? "" : reset)
                parts.append(columns[i].alignRight ? pad + styled : styled + pad)
            }
            var s = " " + parts.joined(separator: " \(dim)│\(reset) ")
            while s.last == " " { s.removeLast() }
            return s + "\n"
        }
        var out = line(columns.map(\.header), bold, header: true)
        out += dim + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: "┼") + reset + "\n"
        for r in rows { out += line(r, "", header: false) }
        out += footer.map { $0 + "\n" } ?? rowsFooter(rows.count)
        return out
    }

    /// Rows as records, one field per line (psql's expanded display), each under a
    /// `─[ row N ]──` rule, with the `(N rows)` footer. Values are cut to `width` as in a table.
    public static func renderRecords(columns: [Column], rows: [[String]], width: Int?, color: Bool,
                                     footer: String? = nil) -> String {
        let bold = color ? "\u{1B}[1m" : "", dim = color ? "\u{1B}[2m" : "", reset = color ? "\u{1B}[0m" : ""
        let labelWidth = columns.map(\.header.count).max() ?? 0
        let valueWidth = width.map { max(10, $0 - labelWidth - 3) }
        var widest = 0
        for r in rows { for c in r { widest = max(widest, c.count) } }
        let ruleWidth = min(width ?? Int.max, labelWidth + 3 + min(widest, valueWidth ?? widest))
        var out = ""
        for (number, r) in rows.enumerated() {
            let title = "─[ row \(number + 1) ]"
            out += dim + title + String(repeating: "─", count: max(0, ruleWidth - title.count)) + reset + "\n"
            for (i, column) in columns.enumerated() {
                let value = i < r.count ? r[i] : ""
                let shown = valueWidth.map { fit(value, $0, column.cut) } ?? value
                let label = bold + column.header + (bold.isEmpty ? "" : reset)
                var s = label + String(repeating: " ", count: labelWidth - column.header.count) + " \(dim)│\(reset) " + shown
                while s.last == " " { s.removeLast() }
                out += s + "\n"
            }
        }
        out += footer.map { $0 + "\n" } ?? rowsFooter(rows.count)
        return out
    }

    static func rowsFooter(_ count: Int) -> String {
        "(\(count) \(count == 1 ? "row" : "rows"))\n"
    }

    /// A column's cut for its cells: URLs (every non-empty cell starts with `http://` or
    /// `https://`) in the middle, everything else at the end.
    public static func cut(for cells: some Sequence<String>) -> Cut {
        var any = false
        for c in cells where !c.isEmpty {
            guard c.hasPrefix("https://") || c.hasPrefix("http://") else { return .end }
            any = true
        }
        return any ? .middle : .end
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

    /// `s` in at most `w` characters, cut as `cut` says (`.never`: whole).
    static func fit(_ s: String, _ w: Int, _ cut: Cut = .end) -> String {
        guard s.count > w else { return s }
        switch cut {
        case .never: return s
        case .end: return String(s.prefix(max(w - 1, 0))) + "…"
        case .middle:
            let keep = max(w - 1, 0)
            return String(s.prefix(keep - keep / 2)) + "…" + String(s.suffix(keep / 2))
        }
    }
}
