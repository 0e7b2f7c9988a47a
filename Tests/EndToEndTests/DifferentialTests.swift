// The API plan and the local plan give the same answer: hundreds of generated queries run with
// `dubql query --api` against `dubql serve` and with `dubql query --data` on the same events and
// the same clock, and their rows must be equal, in the same order.

import Foundation
import Testing
import DubQLTestSupport

// MARK: - Values found in the data

/// Values of each field as they occur in the generated events, so that queries select something.
struct ValuePools {
    var pools: [String: [String]] = [:]

    init(files: [String]) throws {
        var sets: [String: Set<String>] = [:]
        func add(_ field: String, _ value: Any?) {
            if let s = value as? String, !s.isEmpty { sets[field, default: []].insert(s) }
        }
        for file in files {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            for line in text.split(separator: "\n").prefix(600) {
                guard let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
                let click = event["click"] as? [String: Any] ?? [:]
                let link = event["link"] as? [String: Any] ?? [:]
                for f in ["country", "city", "region", "continent", "device", "browser", "os", "trigger", "referer", "refererUrl"] {
                    add(f, click[f])
                }
                if let url = click["url"] as? String {
                    add("url", url.split(separator: "?").first.map(String.init))
                    if let components = URLComponents(string: url) {
                        for item in components.queryItems ?? [] where item.name.hasPrefix("utm_") { add(item.name, item.value) }
                    }
                }
                add("domain", link["domain"])
                add("linkId", link["id"])
                add("externalId", link["externalId"])
                for f in ["tenantId", "folderId", "partnerId"] { add(f, link[f]) }
                if let domain = link["domain"] as? String, let key = link["key"] as? String, key != "_root" {
                    add("domainKey", domain + "\u{1}" + key)
                }
                if let customer = event["customer"] as? [String: Any] {
                    add("customerId", customer["id"])
                    add("customer.email", customer["email"])
                }
                if let metadata = event["metadata"] as? [String: Any] { add("metadata.plan", metadata["plan"]) }
                add("eventName", event["eventName"])
            }
        }
        pools = sets.mapValues { $0.sorted() }
    }

    subscript(field: String) -> [String] { pools[field] ?? [] }
}

// MARK: - Query generator

struct QueryGenerator {
    /// The seeded source of every choice, so a failure names a query that can be rerun.
    var random: SplitMix64
    let values: ValuePools

    static let textFields = ["country", "city", "region", "continent", "device", "browser", "os", "trigger", "referer",
                             "refererUrl", "url", "domain", "linkId", "externalId", "tenantId", "folderId", "partnerId",
                             "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"]

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    /// A value of `field`: mostly one from the data, sometimes one the API cannot take as is
    /// (a comma, a leading `-`), a substring (for utm_*), or one that matches nothing.
    mutating func value(_ field: String) -> String {
        let pool = values[field]
        // Enumerated and coded fields only take valid values (anything else is a binding error).
        guard !["country", "region", "continent", "trigger"].contains(field) else { return random.pickIfAny(pool) ?? "US" }
        switch random.below(12) {
        case 0: return "Washington, D.C."
        case 1: return "-" + (random.pickIfAny(pool) ?? "x")
        case 2:
            let v = random.pickIfAny(pool) ?? "goog"
            return v.count > 3 ? String(v.prefix(v.count - 2)) : v
        default: return random.pickIfAny(pool) ?? "nothing"
        }
    }

    mutating func predicate(_ event: String) -> String {
        var fields = Self.textFields.map { $0 }
        if event != "clicks" { fields += ["customerId", "metadata.plan", "customer.email", "eventName"] }
        let roll = random.below(100)
        if roll < 4 { return random.chance(50) ? "root" : "NOT root" }
        if roll < 7 { return "trigger = qr" }
        if roll < 13, event == "sales" { return "sale.amount " + random.pick([">", ">=", "<", "<="]) + " 50" }  // dollars
        if roll < 16, event != "clicks" { return "metadata.seats " + random.pick([">", ">=", "<", "=", "!="]) + " 1" }
        if roll < 20, let pair = random.pickIfAny(values["domainKey"]) {
            let parts = pair.split(separator: "\u{1}").map(String.init)
            if parts.count == 2 { return "domain = \(Self.quote(parts[0])) AND key = \(Self.quote(parts[1]))" }
        }
        if roll < 24, let link = random.pickIfAny(values["linkId"]) {
            // linkId with link-level filters: the API ignores those, so they must be checked locally.
            let other = random.pick(["domain", "folderId", "tenantId"])
            let op = random.chance(50) ? "=" : "!="
            return "linkId = \(Self.quote(link)) AND \(other) \(op) \(Self.quote(random.pickIfAny(values[other]) ?? "x"))"
        }
        let field = random.pickIfAny(fields) ?? "country"
        switch random.below(6) {
        case 0: return "\(field) != \(Self.quote(value(field)))"
        case 1: return "\(field) IN (\(Self.quote(value(field))), \(Self.quote(value(field))))"
        case 2: return "\(field) NOT IN (\(Self.quote(value(field))), \(Self.quote(value(field))))"
        case 3: return "NOT \(field) = \(Self.quote(value(field)))"
        default: return "\(field) = \(Self.quote(value(field)))"
        }
    }

    mutating func condition(_ event: String, depth: Int = 0) -> String {
        let first = predicate(event)
        guard depth < 2, random.chance(55) else { return first }
        let second = random.chance(30) ? "(\(condition(event, depth: depth + 1)))" : predicate(event)
        return "\(first) \(random.chance(50) ? "AND" : "OR") \(second)"
    }

    static let times = ["", "SINCE 24h", "SINCE 7d", "SINCE 30d", "SINCE 90d", "SINCE all", "SINCE mtd", "SINCE ytd",
                        "SINCE 1h", "SINCE 2026-08-10", "SINCE '2026-08-10T13:45:00Z'",
                        "BETWEEN 2026-08-01 AND 2026-08-15", "SINCE 2026-08-05T06:30:00Z UNTIL 2026-08-12T18:00:00Z",
                        "SINCE 30d UNTIL 3d", "SINCE qtd"]
    static let zones = ["America/New_York", "Asia/Kolkata", "Pacific/Auckland", "Europe/Berlin"]

    mutating func query(_ event: String) -> String {
        var text = "SELECT \(event)"
        if event == "sales", random.chance(20) {
            // saleType is derived from a link's and customer's whole history, which only the server
            // knows: it is sent as a parameter, so it is only ever AND-ed with the rest.
            text += " WHERE saleType = " + (random.chance(50) ? "new" : "recurring")
            if random.chance(70) { text += " AND (\(condition(event)))" }
        } else if random.chance(85) {
            text += " WHERE " + condition(event)
        }
        let time = random.pick(Self.times)
        if !time.isEmpty { text += " " + time }
        if random.chance(25) { text += " TIMEZONE \(Self.quote(random.pick(Self.zones)))" }
        if random.chance(25) { text += " ORDER BY timestamp ASC" }
        switch random.below(10) {
        case 0: text += " LIMIT 1500"
        case 1: text += " LIMIT 5 OFFSET 1003"
        case 2: text += " LIMIT 7 OFFSET 13"
        case 3: text += " LIMIT 40 PAGE 3"
        case 4: text += " LIMIT 3"
        default: break
        }
        return text
    }
}

// MARK: - Tests

@Suite struct DifferentialTests {
    static let batches = 12
    static let perBatch = 25
    static let values = Result { try ValuePools(files: try APITestData.files()) }

    /// The generated queries of one batch (one event type per batch, in turn).
    static func queries(batch: Int) throws -> [String] {
        var generator = QueryGenerator(random: SplitMix64(state: 0xD0B + UInt64(batch)), values: try values.get())
        let event = ["clicks", "leads", "sales"][batch % 3]
        return (0..<perBatch).map { _ in generator.query(event) }
    }

    /// Runs `queries` as one script through both backends; the outputs and statuses.
    static func runBoth(_ queries: [String], url: String) throws -> (api: ProcessResult, local: ProcessResult) {
        let script = queries.joined(separator: ";\n")
        let common = ["query", script, "--now", APITestData.now, "--format", "ndjson", "--color", "never"]
        let api = try runDubQL(common + ["--api", "--api-url", url],
                               environment: ["DUB_API_KEY": APITestData.key, "DUBQL_API_RETRIES": "2"], timeout: 120)
        let local = try runDubQL(common + APITestData.dataArguments(), timeout: 120)
        return (api, local)
    }

    @Test(arguments: 0..<batches)
    func apiAndLocalAnswersAreEqual(batch: Int) throws {
        let server = try APITestData.shared.get()
        let queries = try Self.queries(batch: batch)
        let (api, local) = try Self.runBoth(queries, url: server.url)
        #expect(local.status == 0, "the generator made a query the local engine rejects: \(local.stderr)")
        if api.stdout == local.stdout && api.status == local.status { return }
        // Find the queries that differ, one by one, so the failure names them.
        var differing: [String] = []
        for query in queries {
            let (a, l) = try Self.runBoth([query], url: server.url)
            if a.stdout != l.stdout || a.status != l.status {
                let rows = (a.stdout.split(separator: "\n").count, l.stdout.split(separator: "\n").count)
                differing.append("\(query)\n    api: exit \(a.status), \(rows.0) rows \(a.stderr.prefix(300))\n    local: exit \(l.status), \(rows.1) rows")
            }
            if differing.count >= 5 { break }
        }
        let report = differing.joined(separator: "\n")
        Issue.record(Comment(rawValue: "API and local answers differ:\n\(report)"))
    }

    /// The generated queries exercise every feature the differential test is meant to cover.
    @Test func generatedQueriesCoverTheFeatures() throws {
        let all = try (0..<Self.batches).flatMap { try Self.queries(batch: $0) }
        for feature in [" OR ", " NOT IN ", " IN (", "NOT ", "Washington, D.C.", "'-", "region", "linkId", "utm_",
                        "T13:45:00Z", "TIMEZONE", "LIMIT 1500", "OFFSET", "PAGE", "ASC", "metadata", "saleType", "key ="] {
            #expect(all.contains { $0.contains(feature) }, "no generated query has \(feature)")
        }
    }
}
