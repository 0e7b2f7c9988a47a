// The columns people read agree across backends: generated queries (default columns and
// projections, saleType included) run with `--api` against `dubql serve` and with `--data` on the
// same events print the same table, CSV, line and Markdown text. DifferentialTests compares the
// events themselves (NDJSON); this compares what is computed from them.

import DubQLTestSupport
import Foundation
import Testing

@Suite struct ColumnDifferentialTests {
    static let batches = 6
    static let perBatch = 16
    static let formats = ["table", "csv", "line", "markdown"]

    /// Columns a projection picks from: every kind the results layer types (instants, money in
    /// cents, booleans, URL parts, JSON) and the derived `saleType`.
    static let projections: [String: [String]] = [
        "clicks": ["timestamp", "country", "city", "url", "utm_source", "root", "qr", "link.shortLink", "click.ua"],
        "leads": ["timestamp", "eventName", "customer.email", "metadata.plan", "customerId", "referer"],
        "sales": ["timestamp", "saleType", "sale.amount", "sale.currency", "customer.name", "metadata.seats", "utm_campaign"],
    ]

    /// Sales come first and twice as often: their default columns hold `saleType`, the one column
    /// the API answer does not carry.
    static func queries(batch: Int) throws -> [String] {
        var generator = QueryGenerator(random: SplitMix64(seed: 0xC01 + UInt64(batch)), values: try DifferentialTests.values.get())
        let event = ["sales", "leads", "sales", "clicks", "sales", "sales"][batch % 6]
        var picker = SplitMix64(seed: 0x5EED + UInt64(batch))
        return (0..<perBatch).map { i in
            let query = generator.query(event)
            // Every other query keeps the default columns; the rest project a few fields.
            guard i % 2 == 1, let fields = projections[event] else { return query }
            var chosen: [String] = []
            for _ in 0..<(2 + picker.below(4)) {
                let f = picker.pick(fields)
                if !chosen.contains(f) { chosen.append(f) }
            }
            return query.replacingOccurrences(of: "SELECT \(event)", with: "SELECT \(chosen.joined(separator: ", ")) FROM \(event)")
        } + (batch == 0 ? ["SELECT sales SINCE all LIMIT 1000", "SELECT sales SINCE all ORDER BY timestamp ASC LIMIT 300 OFFSET 450"] : [])
    }

    static func run(_ queries: [String], format: String, url: String) throws -> (api: ProcessResult, local: ProcessResult) {
        let script = queries.joined(separator: ";\n")
        let common = ["query", script, "--now", APITestData.now, "--format", format, "--color", "never"]
        var api = try runDubQL(common + ["--api", "--api-url", url],
                               environment: ["DUB_API_KEY": APITestData.key, "DUBQL_API_RETRIES": "2"], timeout: 180)
        var local = try runDubQL(common + APITestData.dataArguments(), timeout: 120)
        api.stdout = withoutTruncationCounts(api.stdout)
        local.stdout = withoutTruncationCounts(local.stdout)
        return (api, local)
    }

    /// A table cut by the default LIMIT says so in its footer, with the total on local data
    /// (`(100 of 1,875 rows shown; ...)`) and only that more rows exist over the API: the footers
    /// agree on being cut, not on the words.
    static func withoutTruncationCounts(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("(") && line.hasSuffix(")") && line.contains(" shown; ") ? "(cut at the LIMIT)" : String(line)
        }.joined(separator: "\n")
    }

    @Test(arguments: 0..<batches)
    func apiAndLocalColumnsAreEqual(batch: Int) throws {
        let server = try APITestData.shared.get()
        let queries = try Self.queries(batch: batch)
        for format in Self.formats {
            let (api, local) = try Self.run(queries, format: format, url: server.url)
            #expect(local.status == 0, "the generator made a query the local engine rejects: \(local.stderr)")
            if api.stdout == local.stdout && api.status == local.status { continue }
            var differing: [String] = []
            for query in queries {
                let (a, l) = try Self.run([query], format: format, url: server.url)
                guard a.stdout != l.stdout || a.status != l.status else { continue }
                let lines = (a.stdout.split(whereSeparator: \.isNewline), l.stdout.split(whereSeparator: \.isNewline))
                let first = zip(lines.0, lines.1).first { $0 != $1 }.map { "\n    api:   \($0.0)\n    local: \($0.1)" } ?? ""
                differing.append("\(query)\n    api: exit \(a.status) \(a.stderr.prefix(300)), local: exit \(l.status)\(first)")
                if differing.count >= 3 { break }
            }
            Issue.record(Comment(rawValue: "\(format): API and local columns differ:\n" + differing.joined(separator: "\n")))
        }
    }

    /// More new sales than one page holds: the SALE TYPES request is read over several pages,
    /// in both orders, and with an offset that skips pages of the main request.
    @Test func saleTypesOverManyPages() throws {
        let path = try makeTemporaryDirectory().appendingPathComponent("sales.ndjson").path
        let generated = try runDubQL(["generate", "--event", "sales", "--count", "2600", "--seed", "31", "--days", "20",
                                      "--end", APITestData.now, "--output", path])
        #expect(generated.status == 0, "\(generated.stderr)")
        let server = try ServeProcess(["--data", path, "--now", APITestData.now, "--api-key", APITestData.key, "--quiet"])
        for query in ["SELECT sales SINCE all LIMIT 2500", "SELECT sales SINCE all ORDER BY timestamp ASC LIMIT 2500",
                      "SELECT saleType, timestamp FROM sales SINCE all LIMIT 300 OFFSET 2100"] {
            let common = ["query", query, "--now", APITestData.now, "--format", "csv"]
            let api = try runDubQL(common + ["--api", "--api-url", server.url, "--verbose"],
                                   environment: ["DUB_API_KEY": APITestData.key], timeout: 120)
            let local = try runDubQL(common + ["--data", path])
            #expect(api.status == 0 && local.status == 0, "\(api.stderr)")
            #expect(api.stdout == local.stdout, "\(query)")
            #expect(api.stdout.contains(",new,") && api.stdout.contains(",recurring,") || query.contains("OFFSET"))
            // Every new sale up to the last row, one page of 1000 at a time, and no more.
            let lookups = api.stderr.split(separator: "\n").filter { $0.contains("saleType=new") }.count
            #expect((2...4).contains(lookups), "\(query): \(lookups) SALE TYPES requests")
        }
    }

    /// The generated queries show saleType both ways: in the default columns and projected.
    @Test func queriesShowSaleType() throws {
        let all = try (0..<Self.batches).flatMap { try Self.queries(batch: $0) }
        #expect(all.contains { $0.hasPrefix("SELECT sales") })
        #expect(all.contains { $0.components(separatedBy: " FROM sales").first?.contains("saleType") == true && $0.contains(" FROM sales") })
        #expect(all.contains { $0.contains("OFFSET") && $0.hasPrefix("SELECT sales") })
    }
}
