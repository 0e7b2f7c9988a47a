// Issue 12, §1, through the binary: the default time range is said, a range that misses the data
// says where the data is, impossible time ranges warn and narrowed ones are sent, truncation is
// said (tables in the footer, other formats on stderr) and `LIMIT ALL` reads to the end,
// `customerId IN (...)` becomes a union, and `partnerTagId` is known to every layer.

import Foundation
import Testing
import DubQLTestSupport

@Suite struct TrustRangeTests {
    static let now = APITestData.now

    static func local(_ text: String, _ extra: [String] = []) throws -> ProcessResult {
        try runDubQL(["query", text, "--now", now] + APITestData.dataArguments() + extra)
    }

    static func api(_ text: String, format: String = "ndjson", extra: [String] = []) throws -> ProcessResult {
        let server = try APITestData.shared.get()
        return try ClientTests.query(text, url: server.url, format: format, extra: extra)
    }

    // MARK: 1. The default time range

    @Test func aQueryWithoutTimeSaysWhichRangeAndWhereTheDataIs() throws {
        let dir = try makeTemporaryDirectory()
        let old = dir.appendingPathComponent("old.ndjson").path
        let g = try runDubQL(["generate", "--event", "clicks", "--count", "2000", "--end", "2026-10-01T00:00:00Z", "--output", old])
        #expect(g.status == 0, "\(g.stderr)")
        let r = try runDubQL(["query", "SELECT clicks WHERE country = US", "--data", old, "--now", "2026-12-01T12:00:00Z"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasSuffix("(0 rows)\n"))
        #expect(r.stderr.contains("dubql: note: no time clause: the default SINCE 24h applies (2026-11-30T12:00:00Z .. now)"), "\(r.stderr)")
        #expect(r.stderr.contains("dubql: note: nothing matched in 2026-11-30T12:00:00Z .. now; the data's 2,000 clicks are from "), "\(r.stderr)")
        #expect(r.stderr.contains(" to 2026-09-30T") || r.stderr.contains(" to 2026-10-01T00:00:00Z"), "\(r.stderr)")

        // Machine output stays clean: the notes are on stderr only.
        let json = try runDubQL(["query", "SELECT clicks WHERE country = US", "--data", old, "--now", "2026-12-01T12:00:00Z", "--format", "json"])
        #expect(json.status == 0 && json.stdout == "[]\n", "\(json.stdout)")
        #expect(json.stderr.contains("no time clause"))

        // With a time clause nothing is said about the default; a range that holds the data finds it.
        let timed = try runDubQL(["query", "SELECT clicks WHERE country = US SINCE 2026-09-01", "--data", old,
                                  "--now", "2026-12-01T12:00:00Z", "--format", "ndjson"])
        #expect(timed.status == 0 && !timed.stdout.isEmpty)
        #expect(!timed.stderr.contains("no time clause") && !timed.stderr.contains("nothing matched"), "\(timed.stderr)")
    }

    @Test func theREPLSaysItToo() throws {
        let r = try runDubQL(["repl", "--now", Self.now] + APITestData.dataArguments(),
                             stdin: "SELECT clicks WHERE country = US;\nSELECT clicks SINCE 30d;\nSELECT clicks SINCE 30d LIMIT 3;\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.components(separatedBy: "no time clause: the default SINCE 24h applies").count == 2, "\(r.stderr)")
        #expect(r.stdout.contains(" rows shown; add LIMIT n or LIMIT ALL)") && r.stdout.contains("(3 rows)"), "\(r.stdout)")
    }

    @Test func theDefaultRangeIsStillSentExplicitly() throws {
        let r = try Self.api("SELECT clicks WHERE country = US", extra: ["--verbose"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("&interval=24h"), "\(r.stderr)")
        #expect(r.stderr.contains("no time clause: the default SINCE 24h applies (2026-08-17T12:00:00Z .. now)"), "\(r.stderr)")
    }

    // MARK: 2. Impossible and narrowed ranges

    @Test func aTimestampConditionOutsideTheDefaultRangeCanNeverBeTrue() throws {
        let text = "SELECT clicks WHERE timestamp >= 2026-11-20 AND timestamp < '2026-11-21'"
        let r = try runDubQL(["explain", text, "--now", "2026-12-01T12:00:00Z"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning[DQL0401]: this condition can never be true in the time range "
                                  + "(2026-11-30T12:00:00Z .. now, the default SINCE 24h)"), "\(r.stderr)")
        #expect(r.stderr.contains("help: put the time in the time clause: SINCE 2026-11-20T00:00:00Z UNTIL 2026-11-20T23:59:59.999Z"))
        #expect(r.stdout.contains("EMPTY (the condition can never be true: no request)"))
        // As `country = US AND country = DE` does.
        let same = try runDubQL(["explain", "SELECT clicks WHERE country = US AND country = DE", "--now", "2026-12-01T12:00:00Z"])
        #expect(same.stderr.contains("warning[DQL0401]") && same.stdout.contains("EMPTY"))
        // A local run returns nothing without scanning, and says why.
        let run = try runDubQL(["query", text, "--now", "2026-12-01T12:00:00Z"] + APITestData.dataArguments())
        #expect(run.status == 0 && run.stdout.hasSuffix("(0 rows)\n") && run.stderr.contains("can never be true"))
    }

    @Test func aTimestampConditionNarrowsTheRangeSentAndScanned() throws {
        let text = "SELECT clicks WHERE timestamp >= 2026-11-20 AND timestamp < '2026-11-21' SINCE 30d"
        let r = try runDubQL(["explain", text, "--now", "2026-12-01T12:00:00Z"])
        #expect(r.status == 0 && !r.stderr.contains("warning"), "\(r.stderr)")
        #expect(r.stdout.contains("FETCH GET /events?event=clicks&start=2026-11-20T00:00:00Z&end=2026-11-20T23:59:59.999Z"), "\(r.stdout)")
        #expect(!r.stdout.contains("FILTER"), "whole days are sent exactly: \(r.stdout)")
        #expect(r.stdout.contains("note: time range narrowed by the condition on timestamp: 2026-11-20T00:00:00Z .. 2026-11-20T23:59:59.999Z"))
        let local = try runDubQL(["explain", "--local", text, "--now", "2026-12-01T12:00:00Z"])
        #expect(local.stdout.contains("FILTER time 2026-11-20T00:00:00Z .. 2026-11-20T23:59:59.999Z"), "\(local.stdout)")

        // Same rows from the API (narrowed request, exact bound kept locally) and the local engine.
        let q = "SELECT clicks WHERE timestamp >= 2026-08-10 AND timestamp < 2026-08-12T06:00:00Z AND country != US SINCE 30d LIMIT 2000"
        let api = try Self.api(q, extra: ["--verbose"])
        let loc = try Self.local(q, ["--format", "ndjson"])
        #expect(api.status == 0 && loc.status == 0, "\(api.stderr)")
        #expect(api.stderr.contains("&start=2026-08-10T00:00:00Z&end=2026-08-12T05:59:59.999Z"), "\(api.stderr)")
        #expect(!loc.stdout.isEmpty && api.stdout == loc.stdout)
    }

    // MARK: 3. Truncation and LIMIT ALL

    @Test func theDefaultLimitSaysHowManyRowsExist() throws {
        let all = try Self.local("SELECT clicks SINCE 30d LIMIT ALL", ["--format", "ndjson"])
        #expect(all.status == 0, "\(all.stderr)")
        let total = all.stdout.split(separator: "\n").count
        #expect(total > 1000 && !all.stderr.contains("rows shown"), "\(total) \(all.stderr)")
        let grouped = total >= 1000 ? "\(total / 1000)," + String(String(total % 1000 + 1000).dropFirst()) : "\(total)"

        // CSV: 100 rows and a header on stdout, the truncation on stderr.
        let csv = try Self.local("SELECT clicks SINCE 30d", ["--format", "csv"])
        #expect(csv.stdout.split(separator: "\r\n").count == 101)
        #expect(csv.stderr.contains("dubql: note: 100 of \(grouped) rows shown; add LIMIT n or LIMIT ALL"), "\(csv.stderr)")
        // A table says it in its footer, and not again on stderr.
        let table = try Self.local("SELECT clicks SINCE 30d", ["--format", "table"])
        #expect(table.stdout.hasSuffix("(100 of \(grouped) rows shown; add LIMIT n or LIMIT ALL)\n"), "\(table.stdout.suffix(120))")
        #expect(!table.stderr.contains("rows shown"))
        // OFFSET says which rows; a LIMIT the query wrote is not second-guessed.
        let offset = try Self.local("SELECT clicks SINCE 30d OFFSET 10", ["--format", "ndjson"])
        #expect(offset.stderr.contains("rows 11-110 of \(grouped) shown"), "\(offset.stderr)")
        let explicit = try Self.local("SELECT clicks SINCE 30d LIMIT 5", ["--format", "ndjson"])
        #expect(explicit.stdout.split(separator: "\n").count == 5 && !explicit.stderr.contains("shown"))
        // Nothing cut, nothing said.
        let few = try Self.local("SELECT clicks WHERE country = ZW SINCE 30d", ["--format", "ndjson"])
        #expect(!few.stderr.contains("shown"))
    }

    @Test func overTheAPIMoreRowsAreSaidAndLimitAllPagesToTheEnd() throws {
        // An exact request of one page of 100: its page was full.
        let exact = try Self.api("SELECT clicks SINCE 30d")
        #expect(exact.status == 0 && exact.stdout.split(separator: "\n").count == 100, "\(exact.stderr)")
        #expect(exact.stderr.contains("dubql: note: 100 rows shown; more may exist (the last page was full); add LIMIT n or LIMIT ALL"),
                "\(exact.stderr)")
        // Pages of 1000 filtered locally: rows beyond the hundredth were fetched.
        let residual = try Self.api("SELECT clicks WHERE utm_source = google SINCE 30d", format: "table")
        #expect(residual.stdout.hasSuffix("(100 rows shown; more rows exist; add LIMIT n or LIMIT ALL)\n"), "\(residual.stdout.suffix(100))")

        let q = "SELECT click.id, timestamp FROM clicks SINCE 30d LIMIT ALL"
        let api = try Self.api(q, format: "csv", extra: ["--verbose"])
        let local = try Self.local(q, ["--format", "csv"])
        #expect(api.status == 0, "\(api.stderr)")
        #expect(api.stdout == local.stdout && api.stdout.split(separator: "\r\n").count > 1001)
        #expect(api.stderr.contains("&page=2") && !api.stderr.contains("rows shown"), "\(api.stderr.suffix(300))")
    }

    @Test func limitAllIsALimitOfListings() throws {
        let f = try runDubQL(["fmt", "-"], stdin: "select clicks limit all\n")
        #expect(f.status == 0 && f.stdout == "SELECT clicks LIMIT ALL;\n", "\(f.stdout)\(f.stderr)")
        let c = try runDubQL(["check", "-"], stdin: "SELECT clicks LIMIT ALL;\nSELECT clicks LIMIT ALL PAGE 2;\n")
        #expect(c.status == 65, "\(c.stderr)")
        #expect(c.stderr.contains(":2:") && c.stderr.contains("PAGE needs LIMIT n") && !c.stderr.contains(":1:"), "\(c.stderr)")
        let e = try runDubQL(["explain", "SELECT clicks LIMIT ALL SINCE 7d", "--now", Self.now])
        #expect(e.status == 0 && e.stdout.contains("limit=1000"), "\(e.stdout)")
    }

    // MARK: 4. customerId IN (...) on the API

    @Test func severalCustomerIdsBecomeAUnion() throws {
        let ids = try Self.local("SELECT customerId FROM leads SINCE 30d LIMIT 400", ["--format", "csv"]).stdout
            .split(separator: "\r\n").dropFirst().map(String.init)
        let two = Array(Set(ids).sorted().prefix(2))
        #expect(two.count == 2)
        let list = "(\(two.joined(separator: ", ")))"

        let e = try runDubQL(["explain", "SELECT clicks WHERE customerId IN \(list) SINCE 30d", "--now", Self.now])
        #expect(e.status == 0, "\(e.stderr)")
        #expect(e.stdout.contains("MERGE by timestamp desc, distinct click.id"))
        #expect(e.stdout.contains("customerId=\(two[0])") && e.stdout.contains("customerId=\(two[1])"), "\(e.stdout)")
        let clicks = try Self.api("SELECT clicks WHERE customerId IN \(list) SINCE 30d")
        #expect(clicks.status == 0, "\(clicks.stderr)")

        // On leads the union returns what the local engine selects.
        let q = "SELECT leads WHERE customerId IN \(list) SINCE 30d"
        let api = try Self.api(q), local = try Self.local(q, ["--format", "ndjson"])
        #expect(api.status == 0 && !api.stdout.isEmpty && api.stdout == local.stdout, "\(api.stderr)")

        // More values than a union takes: an error that says what to do.
        let many = try runDubQL(["explain", "SELECT clicks WHERE customerId IN (a, b, c, d, e)", "--now", Self.now])
        #expect(many.status == 65)
        #expect(many.stderr.contains("a union has at most 4 requests") && many.stderr.contains("help: split the values"), "\(many.stderr)")
    }

    // MARK: 5. partnerTagId

    @Test func partnerTagIdIsKnownToTheCatalogThePlannerAndTheServer() throws {
        let sales = try runDubQL(["explain", "SELECT sales WHERE partnerTagId IN (pt_1, pt_2) SINCE 7d", "--now", Self.now])
        #expect(sales.status == 0, "\(sales.stderr)")
        #expect(sales.stdout.contains("FETCH GET /events?event=sales&partnerTagId=pt_1,pt_2&interval=7d"), "\(sales.stdout)")
        // On clicks and leads Dub applies it only beside another link-level filter.
        let alone = try runDubQL(["explain", "SELECT clicks WHERE partnerTagId = pt_1", "--now", Self.now])
        #expect(alone.status == 65)
        #expect(alone.stderr.contains("error[DQL0403]: 'partnerTagId' cannot be sent to the API here (Dub's API applies partnerTagId to clicks only together with another link-level filter)"),
                "\(alone.stderr)")
        #expect(alone.stderr.contains("help: add a link-level condition"))
        let paired = try runDubQL(["explain", "SELECT leads WHERE partnerTagId != pt_1 AND domain = 'dub.sh'", "--now", Self.now])
        #expect(paired.stdout.contains("domain=dub.sh") && paired.stdout.contains("partnerTagId=-pt_1"), "\(paired.stdout)\(paired.stderr)")
        // Exported events carry no partner tags.
        let local = try Self.local("SELECT sales WHERE partnerTagId = pt_1")
        #expect(local.status == 65 && local.stderr.contains("exported events carry no partner tags"), "\(local.stderr)")
        // `.fields` lists it.
        let fields = try runDubQL(["repl", "--now", Self.now], stdin: ".fields sales\n")
        #expect(fields.stdout.contains("partnerTagId"), "\(fields.stdout)")

        // dubql serve: an exclusion passes every event (none has the tag); alone on clicks it does nothing.
        let server = try APITestData.shared.get()
        func count(_ query: String) throws -> Int {
            let answer = try httpGet(server.url + "/events?interval=all&limit=1000&" + query, authorization: "Bearer \(APITestData.key)")
            #expect(answer.status == 200, "\(answer.text.prefix(200))")
            return (answer.json as? [[String: Any]])?.count ?? -1
        }
        let allSales = try count("event=sales"), excluded = try count("event=sales&partnerTagId=-pt_1")
        #expect(allSales > 0 && excluded == allSales)
        let tagged = try count("event=sales&partnerTagId=pt_1")
        #expect(tagged == 0)
        let clicks = try count("event=clicks"), clicksTagged = try count("event=clicks&partnerTagId=pt_1")
        #expect(clicks > 0 && clicksTagged == clicks)
        let withRoot = try count("event=clicks&partnerTagId=pt_1&root=false")
        #expect(withRoot == 0)
        let api = try Self.api("SELECT sales WHERE partnerTagId != pt_1 SINCE 30d LIMIT 5")
        #expect(api.status == 0 && api.stdout.split(separator: "\n").count == 5, "\(api.stderr)")
    }
}
