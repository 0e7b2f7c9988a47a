// End-to-end tests of answers a user can trust (issue 12 §1): money in one unit on every surface,
// typos that would return nothing, projections that print stored values, headers that are names.

import Foundation
import Testing
import DubQLTestSupport

/// Sales, leads and clicks from `dubql generate`, plus copies edited to hold values a test needs.
private enum ValuesFixture {
    static let end = EngineFixture.end
    static let dir: URL = {
        let d = (try? makeTemporaryDirectory()) ?? FileManager.default.temporaryDirectory
        _ = try? runDubQL(["generate", "--event", "leads", "--count", "60", "--seed", "5", "--days", "10",
                           "--end", end, "--output", d.appendingPathComponent("leads.ndjson").path])
        // `eur` sales: Dub's data is lower case; a query in upper case should hear about it.
        if let sales = try? String(contentsOfFile: EngineFixture.sales, encoding: .utf8) {
            try? sales.replacingOccurrences(of: #""currency":"usd""#, with: #""currency":"eur""#)
                .write(to: d.appendingPathComponent("eur.ndjson"), atomically: true, encoding: .utf8)
        }
        return d
    }()
    static var leads: String { dir.appendingPathComponent("leads.ndjson").path }
    static var eurSales: String { dir.appendingPathComponent("eur.ndjson").path }

    static func query(_ q: String, _ data: String, _ extra: [String] = []) throws -> ProcessResult {
        try runDubQL(["query", q, "--now", end, "--data", data] + extra)
    }

    /// CSV rows without the header, split on commas (the fields used here hold none).
    static func rows(_ csv: String) -> [[String]] {
        csv.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    static func header(_ csv: String) -> [String] {
        csv.split(separator: "\r\n").first.map { $0.split(separator: ",").map(String.init) } ?? []
    }

    /// Sales as the file says: event id and cents.
    static func sales() throws -> [(id: String, cents: Int)] {
        try EngineFixture.events(EngineFixture.sales).map { e in
            let sale = try #require(e["sale"] as? [String: Any])
            return (try #require(e["eventId"] as? String), try #require(sale["amount"] as? Int))
        }
    }

    /// Cents as plain dollars with two decimals, computed with integers.
    static func dollars(_ cents: Int) -> String { "\(cents / 100)." + String(format: "%02d", cents % 100) }
}

@Suite("Trusted values")
struct TrustedValuesTests {
    // MARK: Money

    @Test func amountsCompareInDollarsAsTheyAreShownAndLiteralsAgree() throws {
        let oracle = try ValuesFixture.sales().filter { $0.cents > 10_000 }
        #expect(!oracle.isEmpty)
        var outputs: [String] = []
        for literal in ["100", "$100", "100 usd", "100.00 USD"] {
            let r = try ValuesFixture.query("SELECT eventId, sale.amount FROM sales WHERE sale.amount > \(literal) SINCE all LIMIT 100000",
                                            EngineFixture.sales, ["--format", "csv"])
            #expect(r.status == 0, "\(literal): \(r.stderr)")
            #expect(ValuesFixture.header(r.stdout) == ["eventId", "sale.amount"])
            let rows = ValuesFixture.rows(r.stdout)
            #expect(Set(rows.map { $0[0] }) == Set(oracle.map(\.id)), "\(literal)")
            // CSV carries plain numbers of dollars: no currency sign, no thousands separator.
            let byID = Dictionary(uniqueKeysWithValues: oracle.map { ($0.id, $0.cents) })
            #expect(rows.allSatisfy { $0.count == 2 && $0[1] == ValuesFixture.dollars(byID[$0[0]] ?? -1) }, "\(rows.prefix(3))")
            outputs.append(r.stdout)
        }
        #expect(Set(outputs).count == 1)
    }

    @Test func tablesNameTheUnitAndJSONCarriesDollarsButWholeEventsKeepCents() throws {
        let table = try ValuesFixture.query("SELECT sales SINCE all LIMIT 3", EngineFixture.sales)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("sale.amount (USD)"))
        #expect(!table.stdout.contains("$"))
        for format in ["line", "markdown"] {
            let r = try ValuesFixture.query("SELECT sales SINCE all LIMIT 1", EngineFixture.sales, ["--format", format])
            #expect(r.stdout.contains("sale.amount (USD)"), "\(format): \(r.stdout)")
        }

        let first = try #require(ValuesFixture.sales().first)
        let json = try ValuesFixture.query("SELECT sale.amount FROM sales WHERE eventId = '\(first.id)' SINCE all",
                                           EngineFixture.sales, ["--format", "ndjson"])
        #expect(json.stdout == "{\"sale.amount\":\(ValuesFixture.dollars(first.cents))}\n", "\(json.stderr)")

        let whole = try ValuesFixture.query("SELECT sales WHERE eventId = '\(first.id)' SINCE all", EngineFixture.sales, ["--format", "ndjson"])
        let event = try #require(try JSONSerialization.jsonObject(with: Data(whole.stdout.utf8)) as? [String: Any])
        #expect((event["sale"] as? [String: Any])?["amount"] as? Int == first.cents, "Dub's event JSON keeps its cents")
    }

    @Test func sumsAreDollarsAndHavingTakesWhatTheHeaderShows() throws {
        let total = try ValuesFixture.sales().map(\.cents).reduce(0, +)
        let csv = try ValuesFixture.query("SELECT count(), sum(sale.amount) FROM sales SINCE all", EngineFixture.sales, ["--format", "csv"])
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(ValuesFixture.rows(csv.stdout).first?[1] == ValuesFixture.dollars(total))
        let table = try ValuesFixture.query("SELECT sum(sale.amount) FROM sales SINCE all", EngineFixture.sales)
        #expect(table.stdout.contains("sum(sale.amount) (USD)"))
        // The sum as shown is the threshold at which HAVING flips.
        let shown = ValuesFixture.dollars(total)
        for (literal, rows) in [("$\(shown)", 1), (shown, 1), ("\(shown) usd", 1)] {
            let r = try ValuesFixture.query("SELECT sum(sale.amount) FROM sales HAVING sum(sale.amount) >= \(literal) SINCE all",
                                            EngineFixture.sales, ["--format", "csv"])
            #expect(ValuesFixture.rows(r.stdout).count == rows, "\(literal): \(r.stderr)")
        }
        let above = try ValuesFixture.query("SELECT sum(sale.amount) FROM sales HAVING sum(sale.amount) > $\(shown) SINCE all",
                                            EngineFixture.sales, ["--format", "csv"])
        #expect(ValuesFixture.rows(above.stdout).isEmpty)
    }

    @Test func moneyLiteralsThatCannotWorkSayWhatDoes() throws {
        // Another currency: the hint's spelling works.
        let eur = try ValuesFixture.query("SELECT sales WHERE sale.amount > 100 EUR SINCE all", EngineFixture.sales)
        #expect(eur.status == 65)
        #expect(eur.stderr.contains("write 100 usd or $100"), "\(eur.stderr)")
        // Thousands separators, as tables print them: the hint's spelling works.
        let grouped = try ValuesFixture.query("SELECT sales WHERE sale.amount > $1,200 SINCE all", EngineFixture.sales)
        #expect(grouped.status == 65)
        #expect(grouped.stderr.contains("write amounts without thousands separators: $1200"), "\(grouped.stderr)")
        for fixed in ["100 usd", "$100", "$1200"] {
            let r = try ValuesFixture.query("SELECT sales WHERE sale.amount > \(fixed) SINCE all", EngineFixture.sales)
            #expect(r.status == 0, "\(fixed): \(r.stderr)")
        }
        // Money where no money is compared.
        let misplaced = try ValuesFixture.query("SELECT sales WHERE metadata.seats > $5 SINCE all", EngineFixture.sales)
        #expect(misplaced.status == 65)
        #expect(misplaced.stderr.contains("write 5"), "\(misplaced.stderr)")
        #expect(try ValuesFixture.query("SELECT sales WHERE metadata.seats > 5 SINCE all", EngineFixture.sales).status == 0)
    }

    // MARK: Typos

    @Test func aPathNoEventHasIsAnErrorWithASuggestion() throws {
        let r = try ValuesFixture.query("SELECT clicks WHERE click.contry = US SINCE all", EngineFixture.clicks)
        #expect(r.status == 65)
        #expect(r.stderr.contains("unknown field 'click.contry'") && r.stderr.contains("did you mean 'click.country'"), "\(r.stderr)")
        // Known paths that are absent from these events stay legal, and metadata stays open.
        #expect(try ValuesFixture.query("SELECT clicks WHERE click.ua != x SINCE all", EngineFixture.clicks).status == 0)
        #expect(try ValuesFixture.query("SELECT sales WHERE metadata.whatever = x SINCE all", EngineFixture.sales).status == 0)
    }

    @Test func aValueNoEventHasGetsAWarningWithTheNearestValues() throws {
        let city = try ValuesFixture.query("SELECT clicks WHERE city = 'san jose' SINCE all", EngineFixture.clicks)
        #expect(city.status == 0)
        #expect(city.stderr.contains("warning") && city.stderr.contains("no event in the data has city 'san jose'")
                && city.stderr.contains("did you mean 'San Jose'?"), "\(city.stderr)")
        let currency = try ValuesFixture.query("SELECT sales WHERE sale.currency = EUR SINCE all", ValuesFixture.eurSales)
        #expect(currency.stderr.contains("did you mean 'eur'?"), "\(currency.stderr)")
        // A value the data has: no warning, and the rows are there.
        let fixed = try ValuesFixture.query("SELECT clicks WHERE city = 'San Jose' SINCE all", EngineFixture.clicks, ["--format", "csv"])
        #expect(!fixed.stderr.contains("warning") && ValuesFixture.rows(fixed.stdout).count > 0, "\(fixed.stderr)")
    }

    @Test func enumeratedFieldsShareOneCaseRule() throws {
        for (condition, meant) in [("sale.paymentProcessor = Stripe", "stripe"), ("trigger = QR", "qr"), ("saleType = New", "new")] {
            let r = try ValuesFixture.query("SELECT sales WHERE \(condition) SINCE all", EngineFixture.sales)
            #expect(r.status == 65, "\(condition)")
            #expect(r.stderr.contains("did you mean '\(meant)'?"), "\(condition): \(r.stderr)")
        }
    }

    // MARK: Projection

    @Test func aProjectedURLKeepsItsQueryStringWhileComparisonsDropIt() throws {
        let events = try EngineFixture.events(EngineFixture.clicks)
        let withQuery = try #require(events.compactMap { $0["click"] as? [String: Any] }.first { ($0["url"] as? String)?.contains("utm_") == true })
        let id = try #require(withQuery["id"] as? String), url = try #require(withQuery["url"] as? String)
        let bare = String(url[..<url.firstIndex(of: "?")!])
        let r = try ValuesFixture.query("SELECT click.id, url, click.url FROM clicks WHERE click.id = '\(id)' AND url = '\(bare)' SINCE all",
                                        EngineFixture.clicks, ["--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows.first?["url"] as? String == url && rows.first?["click.url"] as? String == url)
    }

    // MARK: Names

    @Test func defaultHeadersAreFieldNamesThatWhereAccepts() throws {
        for (event, data) in [("clicks", EngineFixture.clicks), ("leads", ValuesFixture.leads), ("sales", EngineFixture.sales)] {
            let defaults = try ValuesFixture.query("SELECT \(event) SINCE all LIMIT 5", data, ["--format", "csv"])
            #expect(defaults.status == 0, "\(defaults.stderr)")
            let headers = ValuesFixture.header(defaults.stdout)
            #expect(headers.count >= 6)
            // Typed back as a projection, the same columns and cells.
            let projected = try ValuesFixture.query("SELECT \(headers.joined(separator: ", ")) FROM \(event) SINCE all LIMIT 5",
                                                    data, ["--format", "csv"])
            #expect(projected.status == 0, "\(event): \(projected.stderr)")
            #expect(projected.stdout == defaults.stdout, "\(event)")
            // And each one in WHERE.
            let conditions = headers.filter { $0 != "timestamp" }.map { h in
                switch h {
                case "sale.amount": "\(h) >= 0"
                case "country": "\(h) != AQ"
                case "saleType": "\(h) IN (new, recurring)"
                default: "\(h) != 'zz zz'"
                }
            }
            let filtered = try ValuesFixture.query("SELECT \(event) WHERE \(conditions.joined(separator: " AND ")) SINCE all LIMIT 5",
                                                   data, ["--format", "csv"])
            #expect(filtered.status == 0, "\(event): \(filtered.stderr)")
            #expect(filtered.stdout == defaults.stdout, "\(event)")
        }
        #expect(ValuesFixture.header(try ValuesFixture.query("SELECT sales SINCE all LIMIT 1", EngineFixture.sales, ["--format", "csv"]).stdout)
                == ["timestamp", "eventName", "sale.amount", "saleType", "customer.email", "shortLink", "country"])
    }

    @Test func anObjectNameSaysWhichFieldsItHas() throws {
        let r = try ValuesFixture.query("SELECT customer FROM sales SINCE all", EngineFixture.sales)
        #expect(r.status == 65)
        #expect(r.stderr.contains("'customer' is an object of the event") && !r.stderr.contains("did you mean 'customerId'"), "\(r.stderr)")
    }

    @Test func selectStarIsTheDefaultsInTablesAndWholeEventsInJSON() throws {
        let table = try ValuesFixture.query("SELECT * FROM clicks SINCE all LIMIT 2", EngineFixture.clicks)
        #expect(table.status == 0)
        #expect(table.stdout.contains("SELECT * shows the default columns of clicks") && table.stdout.contains("--format json"))
        let plain = try ValuesFixture.query("SELECT clicks SINCE all LIMIT 2", EngineFixture.clicks)
        #expect(!plain.stdout.contains("SELECT *"))
        let json = try ValuesFixture.query("SELECT * FROM clicks SINCE all LIMIT 2", EngineFixture.clicks, ["--format", "ndjson"])
        let lines = try String(contentsOfFile: EngineFixture.clicks, encoding: .utf8).split(separator: "\n").prefix(2).map(String.init)
        #expect(json.stdout.split(separator: "\n").map(String.init) == lines)
        #expect(!json.stdout.contains("SELECT *"))
    }
}
