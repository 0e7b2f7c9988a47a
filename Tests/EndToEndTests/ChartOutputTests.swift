// End-to-end tests of `--format chart` and the REPL's `.mode chart`: bars that match the counts,
// a time series, ASCII outside UTF-8 locales, colour rules, and the message for what cannot be charted.

import Foundation
import Testing
import DubQLTestSupport

@Suite("charts through dubql")
struct ChartOutputTests {
    static let utf8 = ["LANG": "C.UTF-8", "LC_ALL": "", "LC_CTYPE": ""]

    static func chart(_ q: String, _ extra: [String] = [], environment: [String: String] = utf8) throws -> ProcessResult {
        try runDubQL(["query", q, "--now", AggregateFixture.end, "--format", "chart"] + AggregateFixture.data + extra,
                     environment: environment)
    }

    /// Every group of the CSV answer appears as one bar, in the same order, with its count.
    @Test func barsShowEveryGroupWithItsCount() throws {
        let q = "SELECT country, count() FROM clicks GROUP BY country ORDER BY count() DESC LIMIT 6 SINCE 30d"
        let csv = try AggregateFixture.query(q, ["--format", "csv"])
        #expect(csv.status == 0)
        let groups = csv.stdout.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let r = try Self.chart(q, ["--color", "never"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.first == "count() by country")
        #expect(lines.count == groups.count + 1)
        for (line, group) in zip(lines.dropFirst(), groups) {
            #expect(line.hasPrefix(String(group[0])), "\(line)")
            #expect(line.hasSuffix(" " + String(group[1])), "\(line)")
        }
        #expect(lines[1].contains("█"))
        #expect(lines.allSatisfy { $0.count <= 80 }, "piped output fits 80 columns")
    }

    @Test func columnsFitCOLUMNSAndMoneyIsInDollars() throws {
        let r = try Self.chart("SELECT utm_source, sum(sale.amount) FROM sales GROUP BY utm_source SINCE all",
                               environment: Self.utf8.merging(["COLUMNS": "50"]) { $1 })
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.first == "sum(sale.amount) by utm_source")
        #expect(lines.dropFirst().allSatisfy { $0.contains(" $") && $0.contains(".") }, "\(r.stdout)")
        #expect(lines.allSatisfy { $0.count <= 50 }, "\(r.stdout)")
    }

    @Test func aTimeSeriesIsAColumnChart() throws {
        let r = try Self.chart("SELECT day, count() FROM leads GROUP BY day SINCE 14d TIMEZONE 'America/New_York'")
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.first == "count() per day (America/New_York)")
        #expect(lines.contains { $0.contains("┤") } && lines.contains { $0.contains("┼───") })
        // 15 buckets: today and the 14 days before it, none left out.
        #expect(lines.last?.hasPrefix("15 buckets, max ") == true, "\(r.stdout)")
        #expect(r.stdout.contains("2026-08-04") && r.stdout.contains("2026-08-18"))
    }

    @Test(arguments: [["LANG": "C", "LC_ALL": "", "LC_CTYPE": ""], ["LANG": "en_US.UTF-8", "LC_ALL": "POSIX", "LC_CTYPE": ""],
                      ["LANG": "", "LC_ALL": "", "LC_CTYPE": ""]])
    func plainASCIIOutsideUTF8Locales(_ environment: [String: String]) throws {
        for q in ["SELECT device, count() FROM clicks GROUP BY device SINCE all", "SELECT week, count() FROM clicks GROUP BY week SINCE 30d"] {
            let r = try Self.chart(q, environment: environment)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.unicodeScalars.allSatisfy { $0.isASCII }, "\(r.stdout)")
            #expect(r.stdout.contains("#"))
        }
    }

    @Test func colourOnlyWhenAllowed() throws {
        let q = "SELECT os, count() FROM clicks GROUP BY os SINCE all"
        #expect(try !Self.chart(q).stdout.contains("\u{1B}["), "not a terminal: no colour")
        #expect(try Self.chart(q, ["--color", "always"]).stdout.contains("\u{1B}[36m"))
        let noColor = try Self.chart(q, ["--color", "always"], environment: Self.utf8.merging(["NO_COLOR": "1"]) { $1 })
        #expect(noColor.status == 0 && !noColor.stdout.contains("\u{1B}["))
    }

    @Test(arguments: [
        ("SELECT clicks SINCE 30d LIMIT 3", "it lists events"),
        ("SELECT country, city FROM clicks SINCE 30d LIMIT 3", "it lists events"),
        ("SELECT count() FROM clicks SINCE 30d", "no GROUP BY key"),
        ("SELECT country, count(), sum(sale.amount) FROM sales GROUP BY country SINCE all", "2 numeric aggregates (count(), sum(sale.amount)); select one"),
        ("SELECT day, country, count() FROM clicks GROUP BY day, country SINCE 7d", "groups by 2 keys (day, country)"),
    ])
    func whatCannotBeChartedSaysWhatCan(_ q: String, _ reason: String) throws {
        let r = try Self.chart(q)
        #expect(r.status == 64)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("dubql: error: cannot chart this result: it "), "\(r.stderr)")
        #expect(r.stderr.contains(reason), "\(r.stderr)")
        #expect(r.stderr.contains("SELECT country, count() FROM clicks GROUP BY country"))
    }

    @Test func scriptsSwitchToChartsWithDotMode() throws {
        let script = ".mode chart\nSELECT trigger, count() FROM clicks GROUP BY trigger SINCE all;\n.mode csv\nSELECT count() FROM clicks SINCE all;\n"
        let r = try runDubQL(["run", "-", "--now", AggregateFixture.end] + AggregateFixture.data, stdin: script, environment: Self.utf8)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("count() by trigger\n"))
        #expect(r.stdout.contains("█") && r.stdout.contains("count()\r\n"))
    }
}

/// `.mode chart` in a real terminal: bars drawn to its width, the message for a listing, completion.
@Suite(.serialized)
struct ChartREPLTests {
    @Test func theREPLDrawsCharts() throws {
        let t = try TerminalSession()
        try t.waitForEditor()
        try t.type(".mode ch")
        try t.press("Tab")
        try t.waitFor(".mode chart")
        try t.press("Enter")
        try t.waitFor("last line is a prompt") { _ in (try? t.lastLine()) == "dubql>" }
        try t.type("SELECT device, count() FROM clicks GROUP BY device ORDER BY count() DESC SINCE 30d;")
        try t.press("Enter")
        let screen = try t.waitFor("count() by device")
        let bars = screen.split(separator: "\n").filter { $0.contains("│█") }
        #expect(bars.count >= 2, "\(screen)")
        #expect(bars.allSatisfy { $0.count <= 120 })
        // The longest bar spans most of the 120 columns: the chart fits the terminal, not 80.
        #expect(bars.contains { $0.filter { $0 == "█" }.count > 80 }, "\(screen)")
        try t.waitFor("last line is a prompt") { _ in (try? t.lastLine()) == "dubql>" }
        try t.type("SELECT clicks LIMIT 2;")
        try t.press("Enter")
        try t.waitFor("cannot chart this result: it lists events")
        try t.waitFor("last line is a prompt") { _ in (try? t.lastLine()) == "dubql>" }
    }
}
