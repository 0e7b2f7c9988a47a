// The chart renderer: which results have a chart, bars and columns that fit the width, values
// with their unit, negative, zero and huge values, ASCII mode, control characters escaped.

import DubQL
@testable import DubQLOutput
import Testing

@Suite("Charts")
struct ChartTests {
    static let barsSchema = ResultSchema(columns: [ResultColumn("country", .text, role: .groupKey),
                                                   ResultColumn("count()", .integer, role: .aggregate)])

    static func bars(_ pairs: [(String, Int64)]) -> [ResultRow] {
        pairs.map { ResultRow(values: [.text($0.0), .integer($0.1)]) }
    }

    static func render(_ schema: ResultSchema, _ rows: [ResultRow], width: Int = 60, unicode: Bool = true, color: Bool = false) -> String {
        Chart.render(schema: schema, rows: rows, options: .init(width: width, unicode: unicode, color: color))
    }

    static func lines(_ text: String) -> [Substring] { text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() }

    /// The bar of a line: the block characters between the axis and the value.
    static func bar(_ line: Substring) -> String {
        guard let axis = line.firstIndex(of: "│") else { return "" }
        return String(line[line.index(after: axis)...].prefix { "█▉▊▋▌▍▎▏".contains($0) })
    }

    /// The length of a bar in eighths of a cell.
    static func eighths(_ bar: String) -> Int {
        let partial: [Character: Int] = ["▏": 1, "▎": 2, "▍": 3, "▌": 4, "▋": 5, "▊": 6, "▉": 7, "█": 8]
        return bar.reduce(0) { $0 + (partial[$1] ?? 0) }
    }

    @Test func shapes() {
        #expect(Chart.shape(of: Self.barsSchema) == .success(.bars(key: 0, metric: 1)))
        let series = ResultSchema(columns: [ResultColumn("day", .instant, unit: "UTC", role: .groupKey),
                                            ResultColumn("n", .integer, role: .aggregate)])
        #expect(Chart.shape(of: series) == .success(.series(key: 0, metric: 1)))
        // A metric before its key, and a non-numeric aggregate beside the numeric one, still chart.
        let reordered = ResultSchema(columns: [ResultColumn("count()", .integer, role: .aggregate),
                                               ResultColumn("max(timestamp)", .instant, role: .aggregate),
                                               ResultColumn("os", .text, role: .groupKey)])
        #expect(Chart.shape(of: reordered) == .success(.bars(key: 2, metric: 0)))
    }

    @Test(arguments: [
        (ResultSchema(columns: [ResultColumn("country", .text), ResultColumn("sale.amount", .money, unit: "cents")]), "it lists events"),
        (ResultSchema(columns: [ResultColumn("count()", .integer, role: .aggregate)]), "no GROUP BY key"),
        (ResultSchema(columns: [ResultColumn("day", .instant, role: .groupKey), ResultColumn("country", .text, role: .groupKey),
                                ResultColumn("count()", .integer, role: .aggregate)]), "groups by 2 keys (day, country)"),
        (ResultSchema(columns: [ResultColumn("country", .text, role: .groupKey), ResultColumn("count()", .integer, role: .aggregate),
                                ResultColumn("sum(sale.amount)", .money, unit: "cents", role: .aggregate)]),
         "2 numeric aggregates (count(), sum(sale.amount)); select one"),
        (ResultSchema(columns: [ResultColumn("country", .text, role: .groupKey), ResultColumn("min(timestamp)", .instant, role: .aggregate)]),
         "no numeric aggregate"),
    ])
    func notChartable(_ schema: ResultSchema, _ reason: String) throws {
        guard case .failure(let why) = Chart.shape(of: schema) else { Issue.record("charted \(schema)"); return }
        #expect(why.description.contains(reason), "\(why)")
        #expect(why.description.contains("SELECT country, count() FROM clicks GROUP BY country"))
        // The writer says the same instead of drawing nothing.
        let text = Self.render(schema, [ResultRow(values: schema.columns.map { _ in .null })])
        #expect(text == why.description + "\n")
    }

    @Test func barsAreProportionalWithEighths() {
        let text = Self.render(Self.barsSchema, Self.bars([("US", 1000), ("DE", 500), ("FR", 125), ("NL", 1)]))
        let lines = Self.lines(text)
        #expect(lines.first == "count() by country")
        let rows = Array(lines.dropFirst())
        #expect(rows.map { String($0.prefix(3)) } == ["US ", "DE ", "FR ", "NL "])
        let lengths = rows.map { Self.eighths(Self.bar($0)) }
        #expect(lengths[0] > 0 && lengths[0] == 2 * lengths[1])
        #expect(abs(lengths[0] - 8 * lengths[2]) <= 8)
        #expect(lengths[3] == 1, "a tiny value still shows a sliver")
        #expect(rows[0].hasSuffix(" 1,000") && rows[3].hasSuffix(" 1"))
        #expect(text.contains("▌") || text.contains("▏"))
    }

    /// Widths from the narrowest that holds the largest value (25 characters) up.
    @Test(arguments: [33, 40, 80, 132])
    func everyLineFitsTheWidth(width: Int) {
        let long = String(repeating: "très-long-référent.example.com/", count: 6)
        let rows = Self.bars([(long, 9_223_372_036_854_775_807), ("b", 1), ("", 0)]) + [ResultRow(values: [.null, .integer(3)])]
        let text = Self.render(Self.barsSchema, rows, width: width)
        for line in Self.lines(text) { #expect(line.count <= width, "\(line)") }
        #expect(text.contains("…"), "a cut label says so")
        #expect(text.contains("9,223,372,036,854,775,807"), "huge values are printed whole")
        #expect(text.contains("(em") && text.contains("(nu"))
        if width >= 80 { #expect(text.contains("(empty)") && text.contains("(null)")) }
        // The largest value's bar fills the room; the others keep their proportion (1 of 2^63: a sliver).
        #expect(Self.lines(text).dropFirst(2).allSatisfy { Self.eighths(Self.bar($0)) <= 1 })
    }

    @Test func narrowTerminals() {
        let text = Self.render(Self.barsSchema, Self.bars([("United States", 120), ("Germany", 80)]), width: 20)
        for line in Self.lines(text) { #expect(line.count <= 20, "\(line)") }
        #expect(Self.lines(text)[1].hasPrefix("Unite… │█"))
    }

    @Test func zeroAndNegativeValues() {
        let schema = ResultSchema(columns: [ResultColumn("utm_source", .text, role: .groupKey),
                                            ResultColumn("sum(sale.amount)", .money, unit: "cents", role: .aggregate)])
        let rows = [ResultRow(values: [.text("up"), .integer(10_000)]), ResultRow(values: [.text("zero"), .integer(0)]),
                    ResultRow(values: [.text("down"), .integer(-5_000)])]
        let lines = Self.lines(Self.render(schema, rows, width: 60))
        #expect(lines[0] == "sum(sale.amount) by utm_source")
        #expect(lines[1].hasSuffix(" $100.00") && lines[2].hasSuffix(" $0.00") && lines[3].hasSuffix(" $-50.00"))
        // One axis for all rows; the negative bar ends at it, on its left.
        let axes = lines.dropFirst().map { $0.distance(from: $0.startIndex, to: $0.firstIndex(of: "│")!) }
        #expect(Set(axes).count == 1)
        let down = lines[3], axis = down.firstIndex(of: "│")!
        #expect(down[down.index(before: axis)] == "█")
        #expect(Self.bar(lines[2]).isEmpty, "zero has no bar")
        #expect(Self.bar(lines[3]).isEmpty, "a negative bar is not on the right")
        // All zero: no bars and no division by zero.
        let zeros = Self.render(Self.barsSchema, Self.bars([("a", 0), ("b", 0)]))
        #expect(!zeros.contains("█") && zeros.contains("a │ 0"))
    }

    @Test func asciiWhenTheTerminalIsNotUTF8() {
        let text = Self.render(Self.barsSchema, Self.bars([("US", 40), ("a-very-long-country-label-to-cut-short", 20)]), width: 40, unicode: false)
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII }, "\(text)")
        #expect(text.contains("|##") && text.contains("~"))
    }

    @Test func controlCharactersInLabelsAreEscaped() {
        let text = Self.render(Self.barsSchema, Self.bars([("\u{1B}[2Jevil\nline", 3), ("c1\u{9B}x", 2)]), width: 60)
        #expect(!text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F..<0xA0).contains($0.value) })
        #expect(text.contains(#"\x1b[2Jevil\nline"#) && text.contains(#"c1\u{9b}x"#))
        #expect(Self.lines(text).count == 3)
    }

    @Test func colourOnlyWhenAsked() {
        let rows = Self.bars([("US", 4)])
        #expect(!Self.render(Self.barsSchema, rows).contains("\u{1B}"))
        #expect(Self.render(Self.barsSchema, rows, color: true).contains("\u{1B}[36m"))
    }

    // MARK: Time series

    static let day: Int64 = 86_400_000
    static let start: Int64 = 1_785_542_400_000  // 2026-08-01T00:00:00Z

    static func series(_ values: [Int64], unit: String = "UTC", step: Int64 = day) -> (ResultSchema, [ResultRow]) {
        let schema = ResultSchema(columns: [ResultColumn("day", .instant, unit: unit, role: .groupKey),
                                            ResultColumn("count()", .integer, role: .aggregate)])
        return (schema, values.enumerated().map { i, v in ResultRow(values: [.instant(start + Int64(i) * step), .integer(v)]) })
    }

    @Test func seriesAreColumnsOverAZeroLine() {
        let (schema, rows) = Self.series([0, 1, 2, 4, 8, 16, 12, 6])
        let text = Self.render(schema, rows, width: 60)
        let lines = Self.lines(text)
        #expect(lines[0] == "count() per day")
        #expect(lines[1].hasPrefix("16 ┤"))
        let zero = lines.firstIndex { $0.hasPrefix(" 0 ┼") }
        #expect(zero == 9, "8 rows of plot under the title")
        #expect(lines[10].contains("2026-08-01") && lines[10].hasSuffix("2026-08-08"))
        #expect(lines[11] == "8 buckets, max 16 at 2026-08-06, min 0 at 2026-08-01")
        // The tallest column reaches the top row; an empty bucket has no column at all.
        #expect(lines[1].contains("█"))
        let plot = lines[1...8].map { Array($0.dropFirst(4)) }
        #expect(plot.allSatisfy { $0.isEmpty || $0[0] == " " })
        // Heights in eighths follow the values: 64 eighths for 16, 32 for 8.
        func height(_ column: Int) -> Int {
            let levels: [Character: Int] = ["▁": 1, "▂": 2, "▃": 3, "▄": 4, "▅": 5, "▆": 6, "▇": 7, "█": 8]
            let width = plot.map(\.count).max() ?? 0
            let columnWidth = width / 8 + (width % 8 == 0 ? 0 : 1)
            return plot.reduce(0) { sum, row in
                let i = column * max(columnWidth, 1)
                return sum + (i < row.count ? levels[row[i]] ?? 0 : 0)
            }
        }
        #expect(height(5) == 64 && height(4) == 32 && height(1) == 4)
        for line in lines { #expect(line.count <= 60) }
    }

    @Test func seriesLabelsFollowTheBucketSize() {
        let (schema, rows) = Self.series([1, 2, 3], unit: "UTC", step: 3_600_000)
        #expect(Self.render(schema, rows).contains("2026-08-01 00:00"))
        // Bucket starts in their own zone: midnight in New York is 04:00 UTC.
        let (zoned, zonedRows) = Self.series([5, 6], unit: "America/New_York")
        let shifted = zonedRows.map { ResultRow(values: [.instant({ if case .instant(let ms) = $0.values[0] { ms } else { 0 } }($0) + 4 * 3_600_000), $0.values[1]]) }
        let text = Self.render(zoned, shifted)
        #expect(text.hasPrefix("count() per day (America/New_York)\n"))
        #expect(text.contains("2026-08-01") && !text.contains("04:00"))
    }

    @Test func negativeSeriesGrowDown() {
        let (schema, _) = Self.series([])
        let rows = [ResultRow(values: [.instant(Self.start), .integer(10)]), ResultRow(values: [.instant(Self.start + Self.day), .integer(-10)])]
        let lines = Self.lines(Self.render(schema, rows, width: 40))
        let zero = lines.firstIndex { $0.contains("┼") }!
        #expect(lines[1].hasPrefix(" 10 ┤"))
        #expect(lines[zero + 1].contains("█") && lines[zero - 1].contains("█"))
        #expect(lines.contains { $0.hasPrefix("-10 ┤") })
    }

    @Test func longSeriesBecomeBarsThatFit() {
        let (schema, rows) = Self.series((0..<200).map { Int64($0 % 17) })
        let text = Self.render(schema, rows, width: 60)
        let lines = Self.lines(text)
        #expect(lines.count == 201)
        #expect(lines[1].hasPrefix("2026-08-01 │"))
        for line in lines { #expect(line.count <= 60) }
    }

    @Test func asciiSeries() {
        let (schema, rows) = Self.series([3, 0, 9])
        let text = Self.render(schema, rows, width: 40, unicode: false)
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(text.contains("#") && text.contains("+---"))
    }

    @Test(arguments: [(1234.5, "1,234.5"), (0.125, "0.13"), (-0.5, "-0.5"), (-1234.0, "-1,234"), (1e300, "1e+300")])
    func numbers(_ value: Double, _ text: String) {
        #expect(Chart.numberText(value, literal: nil) == text)
    }
}
