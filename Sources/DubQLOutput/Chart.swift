// Charts of aggregate results, for people at a terminal (`--format chart`, the REPL's
// `.mode chart`): a horizontal bar chart for one metric by one group key, a column chart for a
// time series (one time-bucket key). Unicode block characters with eighth-cell precision, or
// plain ASCII; fitted to a width; labels from the data shown with control characters escaped.

import DubQL

/// Renders one-metric aggregate results as text charts.
///
/// ```swift
/// switch Chart.shape(of: schema) {
/// case .success: print(Chart.render(schema: schema, rows: rows, options: .init(width: 80)))
/// case .failure(let why): print(why)   // says what can be charted
/// }
/// ```
public enum Chart {
    /// How a chart is drawn.
    public struct Options: Sendable, Hashable {
        /// The columns every line fits (at least 20 are used).
        public var width: Int
        /// Unicode block characters (`█▌`, `▁▄`); else ASCII (`#`, `|`, `-`).
        public var unicode: Bool
        /// ANSI colour (bars in cyan, negative ones in red, the title bold).
        public var color: Bool
        /// The rows of a column chart's plot.
        public var height: Int

        public init(width: Int = 80, unicode: Bool = true, color: Bool = false, height: Int = 8) {
            self.width = width
            self.unicode = unicode
            self.color = color
            self.height = height
        }
    }

    /// What a chartable result is drawn as; the indices are columns of the schema.
    public enum Shape: Sendable, Hashable {
        /// One bar per group, in the result's order.
        case bars(key: Int, metric: Int)
        /// A time series: one column per bucket, left to right.
        case series(key: Int, metric: Int)
    }

    /// Why a result cannot be charted, and what can be.
    public struct NotChartable: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong with this result (`it lists events`).
        public var reason: String
        public var description: String {
            "cannot chart this result: \(reason); a chart shows one numeric aggregate by one GROUP BY key, "
                + "as bars (SELECT country, count() FROM clicks GROUP BY country) or over time "
                + "(SELECT day, count() FROM clicks GROUP BY day)"
        }
    }

    /// The shape of a result's chart, or why it has none: it needs exactly one group key and
    /// exactly one numeric aggregate (an instant key is a time series).
    public static func shape(of schema: ResultSchema) -> Result<Shape, NotChartable> {
        let keys = schema.columns.indices.filter { schema.columns[$0].role == .groupKey }
        let aggregates = schema.columns.indices.filter { schema.columns[$0].role == .aggregate }
        guard !aggregates.isEmpty || !keys.isEmpty else { return .failure(NotChartable(reason: "it lists events, it does not aggregate them")) }
        guard keys.count == 1 else {
            if keys.isEmpty { return .failure(NotChartable(reason: "it has no GROUP BY key (it is a single group)")) }
            let names = keys.map { schema.columns[$0].name }.joined(separator: ", ")
            return .failure(NotChartable(reason: "it groups by \(keys.count) keys (\(names))"))
        }
        let metrics = aggregates.filter { schema.columns[$0].type.isNumeric }
        guard metrics.count == 1 else {
            if metrics.isEmpty { return .failure(NotChartable(reason: "it has no numeric aggregate")) }
            let names = metrics.map { schema.columns[$0].name }.joined(separator: ", ")
            return .failure(NotChartable(reason: "it has \(metrics.count) numeric aggregates (\(names)); select one"))
        }
        let key = keys[0], metric = metrics[0]
        return .success(schema.columns[key].type == .instant ? .series(key: key, metric: metric) : .bars(key: key, metric: metric))
    }

    /// The chart of `rows`, each line at most `options.width` characters wide (at least 20); for a
    /// result without a chart (``shape(of:)``), the reason.
    public static func render(schema: ResultSchema, rows: [ResultRow], options: Options) -> String {
        let shape: Shape
        switch Chart.shape(of: schema) {
        case .success(let s): shape = s
        case .failure(let why): return why.description + "\n"
        }
        var drawing = Drawing(options: options)
        switch shape {
        case .bars(let key, let metric):
            let keyColumn = schema.columns[key], metricColumn = schema.columns[metric]
            let points = rows.map { row in
                Point(label: label(cell(row, key), keyColumn), value: number(cell(row, metric)),
                      text: valueText(cell(row, metric), metricColumn))
            }
            drawing.title("\(metricColumn.name) by \(keyColumn.name)")
            drawing.bars(points)
        case .series(let key, let metric):
            let keyColumn = schema.columns[key], metricColumn = schema.columns[metric]
            let zone = keyColumn.unit.map { ZonedCalendar(identifier: $0) ?? .utc }
            let instants = rows.map { row -> Int64? in
                if case .instant(let ms) = cell(row, key) { return ms }
                return nil
            }
            let labels = bucketLabels(instants, zone: zone)
            let points = rows.indices.map { i in
                Point(label: labels[i], value: number(cell(rows[i], metric)), text: valueText(cell(rows[i], metric), metricColumn))
            }
            let zoneName = keyColumn.unit.flatMap { $0 == "UTC" ? nil : $0 }
            drawing.title("\(metricColumn.name) per \(keyColumn.name)" + (zoneName.map { " (\($0))" } ?? ""))
            drawing.series(points)
        }
        return drawing.out
    }

    // MARK: Values

    /// One bar or column: its label, its value (`nil`: no bar), and the value as printed.
    struct Point {
        var label: String
        var value: Double?
        var text: String
    }

    private static func cell(_ row: ResultRow, _ i: Int) -> ResultValue {
        i < row.values.count ? row.values[i] : .null
    }

    /// The value a bar measures; `nil` for null and values that are not finite numbers.
    static func number(_ value: ResultValue) -> Double? {
        let d: Double
        switch value {
        case .integer(let i): d = Double(i)
        case .number(let n, _): d = n
        case .money(let cents, _, _): d = cents
        default: return nil
        }
        return d.isFinite ? d : nil
    }

    /// A metric value as the chart prints it: money in dollars (`$1,234.56`), counts with
    /// thousands separators, other numbers to two decimals, with the column's unit otherwise.
    static func valueText(_ value: ResultValue, _ column: ResultColumn) -> String {
        switch value {
        case .null: return "null"
        case .money(let cents, let currency, let literal): return Money.format(cents: cents, currency: currency, literal: literal)
        case .integer(let i) where column.type == .money && column.unit == "cents":
            return Money.format(cents: Double(i), currency: "usd")
        case .number(let d, let literal) where column.type == .money && column.unit == "cents":
            return Money.format(cents: d, currency: "usd", literal: literal)
        case .integer(let i):
            return grouped(i) + (column.unit.map { " " + $0 } ?? "")
        case .number(let d, let literal):
            return numberText(d, literal: literal) + (column.unit.map { " " + $0 } ?? "")
        default:
            return TerminalText.escape(CellText.text(value))
        }
    }

    static func grouped(_ i: Int64) -> String {
        (i < 0 ? "-" : "") + Money.grouped(Substring(String(i.magnitude)))
    }

    /// Two decimals at most, grouped; beyond 10^15 (or not finite) the number's own text.
    static func numberText(_ d: Double, literal: String?) -> String {
        guard d.isFinite, d.magnitude < 1e15 else { return NumberText.text(d, literal: literal) }
        let hundredths = Int64((d * 100).rounded())
        let whole = grouped(hundredths / 100)
        let fraction = Int(hundredths.magnitude % 100)
        let sign = hundredths < 0 && hundredths / 100 == 0 ? "-" : ""
        if fraction == 0 { return sign + whole }
        let digits = fraction < 10 ? "0\(fraction)" : (fraction % 10 == 0 ? "\(fraction / 10)" : "\(fraction)")
        return sign + whole + "." + digits
    }

    /// A group key as a label: on one line, control characters escaped; null and empty said so.
    static func label(_ value: ResultValue, _ column: ResultColumn) -> String {
        switch value {
        case .null: return "(null)"
        case .text(let s) where s.isEmpty: return "(empty)"
        default:
            return TableRenderer.cell(TerminalText.escape(CellText.text(value)), maximum: 1000)
        }
    }

    /// Bucket starts as short labels: `2026-08` when every bucket starts a month, `2026-08-19` when
    /// every one starts a day, else `2026-08-19 14:00`, in the buckets' zone.
    static func bucketLabels(_ instants: [Int64?], zone: ZonedCalendar?) -> [String] {
        let texts = instants.map { $0.map { InstantText.format($0, zone: zone ?? .utc) } }
        func part(_ s: String, _ from: Int, _ to: Int) -> Substring {
            let u = Array(s.utf8)
            guard u.count >= to else { return Substring(s) }
            return Substring(String(decoding: u[from..<to], as: UTF8.self))
        }
        let present = texts.compactMap { $0 }
        let midnight = present.allSatisfy { part($0, 11, 16) == "00:00" }
        let firstOfMonth = midnight && present.allSatisfy { part($0, 8, 10) == "01" }
        return texts.map { t in
            guard let t else { return "(null)" }
            if firstOfMonth && present.count > 1 { return String(part(t, 0, 7)) }
            if midnight { return String(part(t, 0, 10)) }
            return String(part(t, 0, 10)) + " " + String(part(t, 11, 16))
        }
    }

    // MARK: Drawing

    /// The text being drawn, with the glyphs of the options.
    struct Drawing {
        let options: Options
        let width: Int
        var out = ""

        init(options: Options) {
            self.options = options
            width = max(options.width, 20)
        }

        var bold: String { options.color ? "\u{1B}[1m" : "" }
        var barColor: String { options.color ? "\u{1B}[36m" : "" }
        var negativeColor: String { options.color ? "\u{1B}[31m" : "" }
        var dim: String { options.color ? "\u{1B}[2m" : "" }
        var reset: String { options.color ? "\u{1B}[0m" : "" }
        var vertical: String { options.unicode ? "│" : "|" }
        var ellipsis: String { options.unicode ? "…" : "~" }

        /// `s` cut to `w` characters, ending in an ellipsis when cut.
        func fit(_ s: String, _ w: Int) -> String {
            s.count <= w ? s : String(s.prefix(max(w - 1, 0))) + ellipsis
        }

        func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
            let spaces = String(repeating: " ", count: max(0, w - s.count))
            return right ? spaces + s : s + spaces
        }

        mutating func title(_ text: String) {
            out += bold + fit(TerminalText.escape(text), width) + reset + "\n"
        }

        mutating func line(_ s: String) {
            var s = s
            while s.last == " " { s.removeLast() }
            out += s + "\n"
        }

        // MARK: Bars

        /// Horizontal bars: `label │████▌ value`, negative values to the left of the axis.
        mutating func bars(_ points: [Point]) {
            guard !points.isEmpty else { line("(no groups)"); return }
            let values = points.compactMap(\.value)
            let maxPositive = max(0, values.max() ?? 0), maxNegative = max(0, -(values.min() ?? 0))
            let valueWidth = points.map(\.text.count).max() ?? 0
            let longest = points.map(\.label.count).max() ?? 0
            // label, space, axis, bars, space, value: the labels get up to a third of the width.
            var labelWidth = min(longest, max(4, width / 3))
            var barWidth = width - labelWidth - 3 - valueWidth
            if barWidth < 8 {
                labelWidth = max(4, min(labelWidth, labelWidth - (8 - barWidth)))
                barWidth = max(1, width - labelWidth - 3 - valueWidth)
            }
            let total = maxPositive + maxNegative
            var negativeWidth = total > 0 ? Int((Double(barWidth) * maxNegative / total).rounded()) : 0
            if maxNegative > 0 { negativeWidth = max(1, min(negativeWidth, barWidth - 1)) }
            let positiveWidth = barWidth - negativeWidth
            for p in points {
                var s = pad(fit(p.label, labelWidth), labelWidth) + " "
                let v = p.value ?? 0
                if negativeWidth > 0 {
                    let bar = v < 0 ? leftBar(-v / maxNegative * Double(negativeWidth)) : ""
                    s += String(repeating: " ", count: negativeWidth - bar.count)
                    s += bar.isEmpty ? "" : negativeColor + bar + reset
                }
                s += dim + vertical + reset
                let bar = v > 0 ? rightBar(v / maxPositive * Double(positiveWidth)) : ""
                s += bar.isEmpty ? "" : barColor + bar + reset
                line(s + " " + p.text)
            }
        }

        /// A bar growing right, `cells` long, in eighths of a cell (a non-zero value shows at least one).
        func rightBar(_ cells: Double) -> String {
            var eighths = Int((cells * 8).rounded())
            if eighths == 0 && cells > 0 { eighths = 1 }
            guard options.unicode else {
                let n = max(Int(cells.rounded()), cells > 0 ? 1 : 0)
                return String(repeating: "#", count: n)
            }
            let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
            return String(repeating: "█", count: eighths / 8) + partial[eighths % 8]
        }

        /// A bar growing left, `cells` long, to half a cell (Unicode has no right-aligned eighths
        /// but `▕` and `▐`).
        func leftBar(_ cells: Double) -> String {
            guard options.unicode else {
                let n = max(Int(cells.rounded()), cells > 0 ? 1 : 0)
                return String(repeating: "#", count: n)
            }
            var eighths = Int((cells * 8).rounded())
            if eighths == 0 && cells > 0 { eighths = 1 }
            let full = eighths / 8, rest = eighths % 8
            let partial = rest == 0 ? "" : (rest >= 4 ? "▐" : "▕")
            return partial + String(repeating: "█", count: full)
        }

        // MARK: Columns

        /// A time series as columns over a zero line, the largest (and smallest) value on the
        /// left, the first and last buckets below; as bars when there are more buckets than columns.
        mutating func series(_ points: [Point]) {
            guard !points.isEmpty else { line("(no buckets)"); return }
            let values = points.compactMap(\.value)
            let maxPositive = max(0, values.max() ?? 0), maxNegative = max(0, -(values.min() ?? 0))
            let top = points.first { $0.value == values.max() }, bottom = points.first { $0.value == values.min() }
            let topText = maxPositive > 0 ? top?.text ?? "0" : "0"
            let bottomText = maxNegative > 0 ? bottom?.text ?? "" : ""
            let axisWidth = max(topText.count, bottomText.count, 1)
            let plotWidth = width - axisWidth - 2
            guard points.count <= plotWidth else {
                bars(points)
                return
            }
            let columnWidth = max(1, min(3, plotWidth / points.count))
            let barCells = columnWidth >= 3 ? columnWidth - 1 : columnWidth
            let height = max(options.height, 2)
            let total = maxPositive + maxNegative
            var negativeRows = total > 0 ? Int((Double(height) * maxNegative / total).rounded()) : 0
            if maxNegative > 0 { negativeRows = max(1, min(negativeRows, height - 1)) }
            let positiveRows = height - negativeRows
            let eighths: [Int] = points.map { p in
                guard let v = p.value, v != 0 else { return 0 }
                let scale = v > 0 ? maxPositive : maxNegative
                let rows = v > 0 ? positiveRows : negativeRows
                let e = Int((v.magnitude / scale * Double(rows * 8)).rounded())
                return (v > 0 ? 1 : -1) * max(e, 1)
            }
            let lower = options.unicode ? ["▁", "▂", "▃", "▄", "▅", "▆", "▇"] : ["_", "_", "_", "#", "#", "#", "#"]
            let full = options.unicode ? "█" : "#"
            func row(_ axis: String, _ mark: String, _ cell: (Int) -> String, negative: Bool) -> String {
                var s = pad(axis, axisWidth, right: true) + " " + dim + mark + reset
                for (i, _) in points.enumerated() {
                    let c = cell(eighths[i])
                    let color = c.trimmingSpaces.isEmpty ? "" : (negative ? negativeColor : barColor)
                    s += color + String(repeating: c, count: barCells) + (color.isEmpty ? "" : reset)
                    s += String(repeating: " ", count: columnWidth - barCells)
                }
                return s
            }
            for r in 0..<positiveRows {
                let level = (positiveRows - 1 - r) * 8  // eighths below this row
                let mark = r == 0 ? (options.unicode ? "┤" : "+") : vertical
                line(row(r == 0 ? topText : "", mark, { e in
                    let k = min(max(e - level, 0), 8)
                    return k == 0 ? " " : (k == 8 ? full : lower[k - 1])
                }, negative: false))
            }
            let horizontal = options.unicode ? "─" : "-"
            let zero = pad("0", axisWidth, right: true)
            line(zero + " " + dim + (options.unicode ? "┼" : "+") + String(repeating: horizontal, count: points.count * columnWidth) + reset)
            for r in 0..<negativeRows {
                let level = r * 8
                let mark = r == negativeRows - 1 ? (options.unicode ? "┤" : "+") : vertical
                line(row(r == negativeRows - 1 ? bottomText : "", mark, { e in
                    let k = min(max(-e - level, 0), 8)
                    if k == 0 { return " " }
                    if k == 8 { return full }
                    return options.unicode ? (k >= 4 ? "▀" : "▔") : (k >= 4 ? "#" : "-")
                }, negative: true))
            }
            // The first and the last bucket under their columns, when both fit.
            let indent = String(repeating: " ", count: axisWidth + 2)
            let first = points[0].label, last = points[points.count - 1].label
            let span = points.count * columnWidth
            if points.count > 1, first.count + 2 + last.count <= max(span, width - axisWidth - 2) {
                let gap = max(2, span - first.count - last.count)
                line(indent + first + String(repeating: " ", count: gap) + last)
            } else {
                line(indent + fit(first, width - axisWidth - 2))
            }
            var summary = "\(points.count) \(points.count == 1 ? "bucket" : "buckets")"
            if let top, maxPositive > 0 { summary += ", max \(top.text) at \(top.label)" }
            if let bottom, bottom.label != top?.label { summary += ", min \(bottom.text) at \(bottom.label)" }
            line(dim + fit(summary, width) + reset)
        }
    }
}

private extension String {
    var trimmingSpaces: Substring { drop { $0 == " " } }
}
