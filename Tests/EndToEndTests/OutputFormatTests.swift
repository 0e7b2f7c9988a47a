// End-to-end tests of the output formats of `dubql query`, default columns, width and colour.

import Foundation
import Testing

@Suite("dubql query output formats")
struct OutputFormatTests {
    func run(_ q: String, _ format: String?, env: [String: String] = [:], extra: [String] = []) throws -> ProcessResult {
        try EngineFixture.query(q, ["--data", EngineFixture.clicks, "--data", EngineFixture.sales] + (format.map { ["--format", $0] } ?? []) + extra, env: env)
    }

    @Test func tableIsTheDefaultWithAFooter() throws {
        let r = try run("SELECT clicks SINCE 30d LIMIT 4", nil)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.first?.contains("timestamp") == true && lines.first?.contains("country") == true)
        #expect(lines.last == "(4 rows)")
        #expect(lines.count == 7)
    }

    @Test func salesShowMoneyAndTheCustomer() throws {
        let r = try run("SELECT sales SINCE 30d LIMIT 3", "csv")
        let lines = r.stdout.split(separator: "\r\n")
        #expect(lines.first == "timestamp,eventName,sale.amount,saleType,customer.email,shortLink,country")
        // Amounts are plain numbers of dollars with two decimals.
        #expect(lines.count == 4 && lines.dropFirst().allSatisfy { line in
            let amount = line.split(separator: ",", omittingEmptySubsequences: false)[2]
            return Double(amount) != nil && amount.split(separator: ".").last?.count == 2
        })
    }

    @Test func tablesFitColumns() throws {
        // Three columns fit 60 characters as a table (the default eight would become records).
        let r = try run("SELECT timestamp, url, country FROM clicks SINCE 30d LIMIT 20", "table", env: ["COLUMNS": "60"])
        #expect(!r.stdout.contains("─[ row"))
        #expect(r.stdout.split(separator: "\n").allSatisfy { $0.count <= 60 })
        #expect(r.stdout.contains("…"))
    }

    @Test func lineFormat() throws {
        let r = try run("SELECT country, city FROM clicks SINCE 30d LIMIT 2", "line")
        let blocks = r.stdout.components(separatedBy: "\n\n")
        #expect(blocks.count == 2)
        #expect(blocks[0].hasPrefix("country = "))
        #expect(blocks[0].contains("\n   city = "))
    }

    @Test func jsonIsAnArrayOfTheOriginalEvents() throws {
        let r = try run("SELECT clicks SINCE 30d LIMIT 3", "json")
        let parsed = try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(parsed.count == 3)
        let originals = try String(contentsOfFile: EngineFixture.clicks, encoding: .utf8).split(separator: "\n").prefix(3)
        for line in originals { #expect(r.stdout.contains(line)) }
    }

    @Test func jsonWithProjectionHasTheColumns() throws {
        let r = try run("SELECT customer.email, sale.amount, metadata.plan FROM sales SINCE 30d LIMIT 2", "json")
        let parsed = try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(parsed.count == 2)
        #expect(parsed.allSatisfy { $0["customer.email"] is String && $0["sale.amount"] is NSNumber })
    }

    @Test func emptyResults() throws {
        let json = try run("SELECT clicks WHERE country = US AND country = DE SINCE 30d", "json")
        #expect(json.stdout == "[]\n")
        let table = try run("SELECT clicks WHERE city = Atlantis SINCE 30d", "table")
        #expect(table.stdout.hasSuffix("(0 rows)\n"))
    }

    @Test func ndjsonIsOneObjectPerLine() throws {
        let r = try run("SELECT country, utm_source FROM clicks WHERE utm_source = newsletter SINCE 30d LIMIT 5", "ndjson")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines.allSatisfy { $0.hasSuffix(#""utm_source":"newsletter"}"#) })
    }

    @Test func csvQuotesAndHeader() throws {
        let r = try run("SELECT city, click.ua FROM clicks SINCE 30d LIMIT 3", "csv")
        #expect(r.stdout.hasPrefix("city,click.ua\r\n"))
        #expect(r.stdout.split(separator: "\r\n").count == 4)
    }

    @Test func markdownTable() throws {
        let r = try run("SELECT country, device FROM clicks SINCE 30d LIMIT 2", "markdown")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines[0] == "| country | device |")
        #expect(lines[1] == "|---|---|")
        #expect(lines.count == 4)
    }

    @Test(arguments: [(["--color", "always"], [String: String](), true), (["--color", "never"], [:], false),
                      (["--color", "always"], ["NO_COLOR": "1"], false), ([], [:], false)])
    func colourOnlyWhenAllowed(_ flags: [String], _ env: [String: String], _ coloured: Bool) throws {
        let r = try run("SELECT clicks SINCE 30d LIMIT 2", "table", env: env, extra: flags)
        #expect(r.stdout.contains("\u{1B}[") == coloured)
    }
}
