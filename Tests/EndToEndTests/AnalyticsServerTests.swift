// `dubql serve`'s `GET /analytics` over real HTTP: the shape of every groupBy (all four metrics on
// every row), its groups and metrics against the events `/events` returns for the same filters
// (aggregated here, independently of the engine), Dub's sort orders, time series with a DST zone,
// Dub's 422s, the quirks of dub-analytics.md §1.7 and the 5,000-group cap.

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import DubQLTestSupport

// MARK: - Helpers

enum AnalyticsHTTP {
    static let metrics = ["clicks", "leads", "sales", "saleAmount"]

    /// Every groupBy the exported events answer, and the key fields of its rows (§1.4).
    static let fields: [(groupBy: String, fields: [String])] = [
        ("timeseries", ["start"]), ("continents", ["continent"]), ("regions", ["country", "region", "city"]),
        ("countries", ["country", "region", "city"]), ("cities", ["country", "region", "city"]),
        ("devices", ["device"]), ("browsers", ["browser"]), ("os", ["os"]), ("trigger", ["trigger"]),
        ("triggers", ["trigger"]), ("referers", ["referer"]), ("referer_urls", ["refererUrl"]),
        ("top_links", ["link", "id", "domain", "key", "shortLink", "url", "title", "comments", "folderId", "partnerId", "createdAt"]),
        ("top_urls", ["url"]), ("top_base_urls", ["url"]), ("top_domains", ["domain"]),
        ("utm_sources", ["utm_source"]), ("utm_mediums", ["utm_medium"]), ("utm_campaigns", ["utm_campaign"]),
        ("utm_terms", ["utm_term"]), ("utm_contents", ["utm_content"]),
    ]

    static func get(_ server: ServeProcess, _ query: String) throws -> HTTPAnswer {
        try httpGet(server.url + "/analytics?" + query, authorization: "Bearer " + APITestData.key)
    }

    static func rows(_ server: ServeProcess, _ query: String) throws -> [[String: Any]] {
        let answer = try get(server, query)
        guard answer.status == 200, let rows = answer.json as? [[String: Any]] else {
            throw ServeFailure(message: "\(query): \(answer.status) \(answer.text.prefix(300))")
        }
        return rows
    }

    static func object(_ server: ServeProcess, _ query: String) throws -> [String: Int] {
        let answer = try get(server, query)
        guard answer.status == 200, let object = answer.json as? [String: Any] else {
            throw ServeFailure(message: "\(query): \(answer.status) \(answer.text.prefix(300))")
        }
        return object.compactMapValues { $0 as? Int }
    }

    /// Every event `/events` returns for `query` (all pages).
    static func events(_ server: ServeProcess, _ query: String) throws -> [[String: Any]] {
        var all: [[String: Any]] = []
        for page in 1... {
            let answer = try httpGet(server.url + "/events?limit=1000&page=\(page)&" + query,
                                     authorization: "Bearer " + APITestData.key)
            guard answer.status == 200, let events = answer.json as? [[String: Any]] else {
                throw ServeFailure(message: "/events \(query): \(answer.status) \(answer.text.prefix(300))")
            }
            all += events
            if events.count < 1000 { break }
        }
        return all
    }

    static func string(_ e: [String: Any], _ object: String, _ name: String) -> String {
        ((e[object] as? [String: Any])?[name] as? String) ?? ""
    }

    /// `utm_x` of a URL as ClickHouse's `decodeURLFormComponent(extractURLParameter(url, 'utm_x'))`.
    static func urlParameter(_ name: String, _ url: String) -> String {
        guard let q = url.firstIndex(of: "?") else { return "" }
        var query = url[url.index(after: q)...]
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        for pair in query.split(separator: "&") where pair.hasPrefix(name + "=") {
            let raw = pair.dropFirst(name.count + 1).replacingOccurrences(of: "+", with: " ")
            return raw.removingPercentEncoding ?? raw
        }
        return ""
    }

    /// The group key of an event for a groupBy, as the row's key fields; `nil` when Dub leaves it
    /// out (`''` or `Unknown` in `v4_group_by`, an empty attribute in the link-metadata pipe).
    static func key(_ groupBy: String, _ e: [String: Any]) -> [String]? {
        let click = { (name: String) in string(e, "click", name) }
        let base = { (s: String) in String(s.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "") }
        let key: [String]
        switch groupBy {
        case "continents": key = [click("continent")]
        case "countries": key = [click("country"), "*", "*"]
        case "regions": key = [click("region"), click("country"), "*"]
        case "cities": key = [click("city"), click("country"), click("region")]
        case "devices", "browsers": key = [click(String(groupBy.dropLast()))]
        case "os": key = [click("os")]
        case "trigger", "triggers": key = [click("trigger")]
        case "referers": key = [click("referer")]
        case "referer_urls": key = [base(click("refererUrl"))]
        case "top_links": key = [string(e, "link", "id")]
        case "top_urls": key = [click("url")]
        case "top_base_urls": key = [base(click("url"))]
        case "top_domains": return string(e, "link", "domain").isEmpty ? nil : [string(e, "link", "domain")]
        default:
            let name = String(groupBy.dropLast())  // utm_sources -> utm_source
            key = [urlParameter(name, click("url"))]
        }
        return key[0].isEmpty || key[0] == "Unknown" ? nil : key
    }

    /// The same key read from a row of the answer.
    static func key(_ groupBy: String, row: [String: Any]) -> [String] {
        let s = { (name: String) in row[name] as? String ?? "" }
        switch groupBy {
        case "countries": return [s("country"), s("region"), s("city")]
        case "regions": return [s("region"), s("country"), s("city")]
        case "cities": return [s("city"), s("country"), s("region")]
        case "top_links": return [s("id")]
        default:
            let field = fields.first { $0.groupBy == groupBy }?.fields.first ?? ""
            return [s(field)]
        }
    }

    /// (events, cents) per key.
    static func groups(_ groupBy: String, _ events: [[String: Any]]) -> [[String]: (count: Int, amount: Int)] {
        var out: [[String]: (count: Int, amount: Int)] = [:]
        for e in events {
            guard let k = key(groupBy, e) else { continue }
            let amount = ((e["sale"] as? [String: Any])?["amount"] as? Int) ?? 0
            out[k, default: (0, 0)].count += 1
            out[k, default: (0, 0)].amount += amount
        }
        return out
    }

    static func metric(_ row: [String: Any], _ name: String) -> Int { row[name] as? Int ?? -1 }
}

// MARK: - Shapes

@Suite struct AnalyticsServerTests {
    static var server: ServeProcess { get throws { try APITestData.shared.get() } }

    @Test(arguments: ["clicks", "leads", "sales", "composite"])
    func countIsAnObjectWithTheFourMetrics(event: String) throws {
        let answer = try AnalyticsHTTP.get(try Self.server, "event=\(event)")
        #expect(answer.status == 200)
        #expect(answer.headers["content-type"]?.hasPrefix("application/json") == true)
        let object = try #require(answer.json as? [String: Any])
        #expect(Set(object.keys) == Set(AnalyticsHTTP.metrics))
        let events = try ["clicks", "leads", "sales"].filter { event == "composite" || event == $0 }.map {
            ($0, try AnalyticsHTTP.events(try Self.server, "event=\($0)"))
        }
        var expected = ["clicks": 0, "leads": 0, "sales": 0, "saleAmount": 0]
        for (type, list) in events {
            expected[type] = list.count
            if type == "sales" { expected["saleAmount"] = list.reduce(0) { $0 + (($1["sale"] as? [String: Any])?["amount"] as? Int ?? 0) } }
        }
        #expect(object.compactMapValues { $0 as? Int } == expected)
        #expect(expected[event == "composite" ? "clicks" : event]! > 0)
    }

    @Test(arguments: AnalyticsHTTP.fields.map(\.groupBy))
    func everyRowHasTheKeyFieldsOfItsGroupByAndAllFourMetrics(groupBy: String) throws {
        let shape = AnalyticsHTTP.fields.first(where: { $0.groupBy == groupBy })
        let fields = try #require(shape).fields
        for event in ["clicks", "leads", "sales", "composite"] {
            let rows = try AnalyticsHTTP.rows(try Self.server, "event=\(event)&groupBy=\(groupBy)")
            #expect(!rows.isEmpty, "\(event) \(groupBy)")
            for row in rows {
                #expect(Set(row.keys) == Set(fields + AnalyticsHTTP.metrics), "\(event) \(groupBy): \(row.keys.sorted())")
                for m in AnalyticsHTTP.metrics { #expect(row[m] is Int, "\(m) is an integer") }
                // A metric the event does not compute is 0.
                if event == "clicks" { #expect(AnalyticsHTTP.metric(row, "leads") + AnalyticsHTTP.metric(row, "sales") == 0) }
                if event == "sales" { #expect(AnalyticsHTTP.metric(row, "clicks") + AnalyticsHTTP.metric(row, "leads") == 0) }
            }
        }
    }

    // MARK: - Groups, metrics and order

    static let grouped = AnalyticsHTTP.fields.map(\.groupBy).filter { $0 != "timeseries" }

    @Test(arguments: grouped)
    func groupsAndMetricsAreThoseOfTheEventsAndSortedAsDubSorts(groupBy: String) throws {
        let server = try Self.server
        var perEvent: [String: [[String]: (count: Int, amount: Int)]] = [:]
        for event in ["clicks", "leads", "sales"] {
            let expected = AnalyticsHTTP.groups(groupBy, try AnalyticsHTTP.events(server, "event=\(event)&interval=30d"))
            perEvent[event] = expected
            let rows = try AnalyticsHTTP.rows(server, "event=\(event)&groupBy=\(groupBy)&interval=30d")
            var got: [[String]: (count: Int, amount: Int)] = [:]
            for row in rows {
                let metric = event == "sales" ? AnalyticsHTTP.metric(row, "sales") : AnalyticsHTTP.metric(row, event)
                got[AnalyticsHTTP.key(groupBy, row: row)] = (metric, AnalyticsHTTP.metric(row, "saleAmount"))
            }
            #expect(got.count == rows.count, "one row per group")
            #expect(Set(got.keys) == Set(expected.keys), "\(event) \(groupBy)")
            for (k, v) in expected {
                #expect(got[k]?.count == v.count, "\(event) \(groupBy) \(k)")
                if event == "sales" { #expect(got[k]?.amount == v.amount, "\(event) \(groupBy) \(k)") }
            }
            // §1.6: clicks DESC, leads DESC, and saleAmount (not the number of sales) DESC.
            let sortKey = event == "sales" ? "saleAmount" : event
            let values = rows.map { AnalyticsHTTP.metric($0, sortKey) }
            #expect(values == values.sorted(by: >), "\(event) \(groupBy) sorted by \(sortKey)")
        }
        // Composite: the clicks groups, with the leads and sales of the same key LEFT JOINed on.
        let rows = try AnalyticsHTTP.rows(server, "event=composite&groupBy=\(groupBy)&interval=30d")
        let clicks = perEvent["clicks"] ?? [:]
        #expect(Set(rows.map { AnalyticsHTTP.key(groupBy, row: $0) }) == Set(clicks.keys))
        for row in rows {
            let k = AnalyticsHTTP.key(groupBy, row: row)
            #expect(AnalyticsHTTP.metric(row, "clicks") == clicks[k]?.count)
            #expect(AnalyticsHTTP.metric(row, "leads") == perEvent["leads"]?[k]?.count ?? 0, "\(groupBy) \(k)")
            #expect(AnalyticsHTTP.metric(row, "sales") == perEvent["sales"]?[k]?.count ?? 0, "\(groupBy) \(k)")
            #expect(AnalyticsHTTP.metric(row, "saleAmount") == perEvent["sales"]?[k]?.amount ?? 0, "\(groupBy) \(k)")
        }
        // Composite sorts by clicks, except in the link-metadata pipe (top_domains): by saleAmount.
        let sortKey = groupBy == "top_domains" ? "saleAmount" : "clicks"
        let values = rows.map { AnalyticsHTTP.metric($0, sortKey) }
        #expect(values == values.sorted(by: >), "composite \(groupBy) sorted by \(sortKey)")
    }

    @Test func topLinksCarryTheLinkOfTheEvents() throws {
        let server = try Self.server
        let events = try AnalyticsHTTP.events(server, "event=clicks")
        var linkByID: [String: [String: Any]] = [:]
        for e in events { if let link = e["link"] as? [String: Any], let id = link["id"] as? String { linkByID[id] = link } }
        let rows = try AnalyticsHTTP.rows(server, "groupBy=top_links")
        #expect(rows.count == linkByID.count)
        for row in rows {
            let id = try #require(row["id"] as? String)
            let link = try #require(linkByID[id])
            #expect(row["link"] as? String == id)
            for name in ["domain", "key", "shortLink", "url", "createdAt"] {
                #expect(row[name] as? String == link[name] as? String, "\(name)")
            }
        }
    }

    // MARK: - Time series

    @Test func intervalsGiveDubsBucketCounts() throws {
        let server = try Self.server
        // §1.5: 24h gives 25 hour buckets, 7d 8 day buckets, 30d 31, all zero-filled, ascending.
        for (interval, count) in [("24h", 25), ("7d", 8), ("30d", 31)] {
            let rows = try AnalyticsHTTP.rows(server, "groupBy=timeseries&interval=\(interval)&timezone=Europe/Berlin")
            #expect(rows.count == count, "\(interval)")
            let starts = rows.compactMap { $0["start"] as? String }
            #expect(starts == starts.sorted())
            let total = rows.reduce(0) { $0 + AnalyticsHTTP.metric($1, "clicks") }
            let events = try AnalyticsHTTP.events(server, "event=clicks&interval=\(interval)&timezone=Europe/Berlin")
            #expect(total == events.count, "\(interval)")
        }
        let hours = try AnalyticsHTTP.rows(server, "groupBy=timeseries&interval=24h&timezone=Europe/Berlin")
        // Hour labels print +0000 whatever the zone (§0); days carry the zone's offset.
        #expect(hours.allSatisfy { ($0["start"] as? String)?.hasSuffix(":00:00.000+0000") == true })
        let days = try AnalyticsHTTP.rows(server, "groupBy=timeseries&interval=7d&timezone=Europe/Berlin")
        #expect(days.first?["start"] as? String == "2026-08-11T00:00:00.000+0200")
    }

    /// Clicks and leads around the 2026-03-08 US change to daylight time.
    static let dst: Result<ServeProcess, ServeFailure> = {
        do {
            let dir = try makeTemporaryDirectory()
            var args: [String] = []
            for (event, seed) in [("clicks", 41), ("leads", 42)] {
                let path = dir.appendingPathComponent("\(event).ndjson").path
                let r = try runDubQL(["generate", "--event", event, "--count", "1500", "--seed", String(seed),
                                      "--days", "12", "--end", "2026-03-12T12:00:00Z", "--output", path])
                guard r.status == 0 else { return .failure(ServeFailure(message: r.stderr)) }
                args += ["--data", path]
            }
            return .success(try ServeProcess(args + ["--now", "2026-03-12T12:00:00Z", "--api-key", APITestData.key, "--quiet"],
                                             lifetime: 900))
        } catch {
            return .failure(ServeFailure(message: "\(error)"))
        }
    }()

    @Test func timeSeriesAcrossADSTChangeBucketsInTheZone() throws {
        let server = try Self.dst.get()
        let zone = "America/New_York"
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: zone))
        func instant(_ e: [String: Any]) -> Date? {
            let text = AnalyticsHTTP.string(e, "click", "timestamp")
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return f.date(from: text)
        }
        // Bounds are instants; Dub rounds them to whole days in the zone (noon UTC is the same
        // calendar day in New York). Day buckets (a 6-day range): midnight in New York, -0500 before the change, -0400 after.
        let range = "start=2026-03-05T12:00:00Z&end=2026-03-10T12:00:00Z&timezone=\(zone)"
        let days = try AnalyticsHTTP.rows(server, "event=composite&groupBy=timeseries&" + range)
        #expect(days.compactMap { $0["start"] as? String } == [
            "2026-03-05T00:00:00.000-0500", "2026-03-06T00:00:00.000-0500", "2026-03-07T00:00:00.000-0500",
            "2026-03-08T00:00:00.000-0500", "2026-03-09T00:00:00.000-0400", "2026-03-10T00:00:00.000-0400",
        ])
        // Leads are bucketed by their own timestamp, which `/events` gives as JavaScript's Date
        // string; the clicks' ISO `click.timestamp` is the event's time for clicks.
        let clicks = try AnalyticsHTTP.events(server, "event=clicks&" + range)
        var perDay: [String: Int] = [:]
        for e in clicks {
            let d = try #require(instant(e))
            let c = calendar.dateComponents([.year, .month, .day], from: d)
            perDay[String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!), default: 0] += 1
        }
        for row in days {
            let label = String((row["start"] as? String ?? "").prefix(10))
            #expect(AnalyticsHTTP.metric(row, "clicks") == perDay[label] ?? 0, "\(label)")
        }
        #expect(days.reduce(0) { $0 + AnalyticsHTTP.metric($1, "leads") } == (try AnalyticsHTTP.events(server, "event=leads&" + range).count))
        #expect(days.contains { AnalyticsHTTP.metric($0, "clicks") > 0 && AnalyticsHTTP.metric($0, "leads") > 0 })

        // One day (span 0): hour buckets; 8 March has 23 hours in New York; labels in UTC.
        let hours = try AnalyticsHTTP.rows(server, "groupBy=timeseries&start=2026-03-08T12:00:00Z&end=2026-03-08T12:00:00Z&timezone=\(zone)")
        #expect(hours.count == 23)
        #expect(hours.first?["start"] as? String == "2026-03-08T05:00:00.000+0000")
        #expect(hours.last?["start"] as? String == "2026-03-09T03:00:00.000+0000")
        let dayClicks = try AnalyticsHTTP.events(server, "event=clicks&start=2026-03-08T12:00:00Z&end=2026-03-08T12:00:00Z&timezone=\(zone)")
        var perHour: [String: Int] = [:]
        for e in dayClicks { perHour[String(AnalyticsHTTP.string(e, "click", "timestamp").prefix(13)), default: 0] += 1 }
        for row in hours {
            let label = String((row["start"] as? String ?? "").prefix(13))
            #expect(AnalyticsHTTP.metric(row, "clicks") == perHour[label] ?? 0, "\(label)")
        }
        #expect(hours.reduce(0) { $0 + AnalyticsHTTP.metric($1, "clicks") } == dayClicks.count)

        // Three calendar days are still hours (span 2); four are days.
        #expect(try AnalyticsHTTP.rows(server, "groupBy=timeseries&start=2026-03-07T12:00:00Z&end=2026-03-09T12:00:00Z&timezone=\(zone)").count == 71)
        #expect(try AnalyticsHTTP.rows(server, "groupBy=timeseries&start=2026-03-06T12:00:00Z&end=2026-03-09T12:00:00Z&timezone=\(zone)").count == 4)
        // More than 180 days: month buckets, each month's midnight with its own offset.
        let months = try AnalyticsHTTP.rows(server, "groupBy=timeseries&start=2025-09-01T12:00:00Z&end=2026-03-12T12:00:00Z&timezone=\(zone)")
        #expect(months.compactMap { $0["start"] as? String } == [
            "2025-09-01T00:00:00.000-0400", "2025-10-01T00:00:00.000-0400", "2025-11-01T00:00:00.000-0400",
            "2025-12-01T00:00:00.000-0500", "2026-01-01T00:00:00.000-0500", "2026-02-01T00:00:00.000-0500",
            "2026-03-01T00:00:00.000-0500",
        ])
        #expect(months.reduce(0) { $0 + AnalyticsHTTP.metric($1, "clicks") } == 1500)
    }

    // MARK: - Validation

    static let rejected: [(query: String, message: String)] = [
        ("event=views", "invalid_value: event: Invalid event type. Valid event types are: clicks, leads, sales"),
        ("groupBy=country", "invalid_value: groupBy: Invalid type value. Valid values are: count, timeseries, continents, regions, countries, cities, devices, browsers, os, triggers, referers, referer_urls, top_folders, top_link_tags, top_domains, top_links, top_urls, top_base_urls, top_partners, top_groups, top_partner_tags, utm_sources, utm_mediums, utm_campaigns, utm_terms, utm_contents."),
        ("interval=1h", "invalid_value: interval: Invalid option: expected one of \"24h\"|\"7d\"|\"30d\"|\"90d\"|\"1y\"|\"mtd\"|\"qtd\"|\"ytd\"|\"all\""),
        ("start=notadate", "custom: start: Invalid date"),
        ("saleType=old&event=sales", "invalid_value: saleType: Invalid option: expected one of \"new\"|\"recurring\""),
        ("root=yes", "invalid_value: root: Invalid option: expected one of \"true\"|\"false\""),
    ]

    @Test func invalidParametersGetDubs422() throws {
        let server = try Self.server
        for c in Self.rejected {
            let answer = try AnalyticsHTTP.get(server, c.query)
            #expect(answer.status == 422, "\(c.query)")
            let error = (answer.json as? [String: Any])?["error"] as? [String: Any]
            #expect(error?["code"] as? String == "unprocessable_entity")
            #expect(error?["message"] as? String == c.message, "\(c.query)")
            #expect(error?["doc_url"] as? String == "https://dub.co/docs/api-reference/errors#unprocessable-entity")
        }
        // `/events`-only parameters are stripped, never validated (§1.2).
        #expect(try AnalyticsHTTP.object(server, "limit=5000&page=0&sortBy=x&order=up") == AnalyticsHTTP.object(server, ""))
        // Without a key: Dub's 401 comes first.
        #expect(try httpGet(server.url + "/analytics?groupBy=bogus").status == 401)
        #expect(try httpGet(server.url + "/analytics/", authorization: "Bearer " + APITestData.key).status == 200)
    }

    @Test(arguments: ["top_folders", "top_link_tags", "top_partners", "top_groups", "top_partner_tags"])
    func groupBysNeedingDubsDatabaseGetA422ThatSaysWhy(groupBy: String) throws {
        let answer = try AnalyticsHTTP.get(try Self.server, "groupBy=\(groupBy)")
        #expect(answer.status == 422)
        let message = ((answer.json as? [String: Any])?["error"] as? [String: Any])?["message"] as? String ?? ""
        #expect(message.hasPrefix("groupBy=\(groupBy) needs "))
        #expect(message.contains("from Dub's database, which exported events do not carry"))
    }

    @Test func methodsOtherThanGetAreRefusedWithTheAnalyticsPath() throws {
        let server = try Self.server
        var request = URLRequest(url: try #require(URL(string: server.url + "/analytics")))
        request.httpMethod = "DELETE"
        request.setValue("Bearer " + APITestData.key, forHTTPHeaderField: "Authorization")
        let (data, response) = try syncData(request)
        #expect((response as? HTTPURLResponse)?.statusCode == 405)
        #expect(String(decoding: data, as: UTF8.self).contains("not allowed on /analytics"))
    }

    // MARK: - Quirks (dub-analytics.md §1.7)

    @Test func regionIsHonouredByCountAndTimeseriesButEmptiesDimensionGroupBys() throws {
        let server = try Self.server
        let events = try AnalyticsHTTP.events(server, "event=clicks&region=US-CA")
        #expect(!events.isEmpty)
        #expect(try AnalyticsHTTP.object(server, "region=US-CA")["clicks"] == events.count)
        let series = try AnalyticsHTTP.rows(server, "groupBy=timeseries&region=US-CA")
        #expect(series.reduce(0) { $0 + AnalyticsHTTP.metric($1, "clicks") } == events.count)
        for groupBy in ["countries", "cities", "devices", "top_links", "utm_sources"] {
            #expect(try AnalyticsHTTP.rows(server, "groupBy=\(groupBy)&region=US-CA").isEmpty, "\(groupBy)")
        }
        // The link-metadata pipe has no such alias: it applies the region.
        let domains = try AnalyticsHTTP.rows(server, "groupBy=top_domains&region=US-CA")
        #expect(domains.reduce(0) { $0 + AnalyticsHTTP.metric($1, "clicks") } == events.count)
    }

    @Test func queryOnClicksIsIgnoredOrA500AsInDub() throws {
        let server = try Self.server
        let query = "query=" + "metadata['plan']:'pro'".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        // Ignored by count and timeseries for clicks.
        #expect(try AnalyticsHTTP.object(server, query) == AnalyticsHTTP.object(server, ""))
        // v4_group_by reads a `metadata` column the click table lacks: 500 for clicks and composite.
        for event in ["clicks", "composite"] {
            let answer = try AnalyticsHTTP.get(server, "event=\(event)&groupBy=countries&" + query)
            #expect(answer.status == 500, "\(event)")
            #expect(((answer.json as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == "internal_server_error")
        }
        // Applied for leads; ignored by the link-metadata pipe for every event.
        let leads = try AnalyticsHTTP.events(server, "event=leads&" + query)
        let all = try AnalyticsHTTP.events(server, "event=leads")
        #expect(leads.count < all.count && !leads.isEmpty)
        let rows = try AnalyticsHTTP.rows(server, "event=leads&groupBy=countries&" + query)
        #expect(rows.reduce(0) { $0 + AnalyticsHTTP.metric($1, "leads") } == leads.filter { AnalyticsHTTP.key("countries", $0) != nil }.count)
        let domains = try AnalyticsHTTP.rows(server, "event=leads&groupBy=top_domains&" + query)
        #expect(domains.reduce(0) { $0 + AnalyticsHTTP.metric($1, "leads") } == all.count)
    }

    @Test func linkIdOverridesLinkFiltersExceptInTheLinkMetadataPipe() throws {
        let server = try Self.server
        let clicks = try AnalyticsHTTP.events(server, "event=clicks")
        let link = try #require(clicks.first?["link"] as? [String: Any])
        let id = try #require(link["id"] as? String), domain = try #require(link["domain"] as? String)
        let domains = clicks.compactMap { ($0["link"] as? [String: Any])?["domain"] as? String }
        let other = try #require(domains.first(where: { $0 != domain }))
        let ofLink = clicks.filter { AnalyticsHTTP.string($0, "link", "id") == id }.count
        #expect(try AnalyticsHTTP.object(server, "linkId=\(id)")["clicks"] == ofLink)
        #expect(try AnalyticsHTTP.object(server, "linkId=\(id)&domain=\(other)")["clicks"] == ofLink)
        #expect(try AnalyticsHTTP.rows(server, "groupBy=countries&linkId=\(id)&domain=\(other)")
            .reduce(0) { $0 + AnalyticsHTTP.metric($1, "clicks") } == clicks.filter {
                AnalyticsHTTP.string($0, "link", "id") == id && AnalyticsHTTP.key("countries", $0) != nil }.count)
        #expect(try AnalyticsHTTP.rows(server, "groupBy=top_domains&linkId=\(id)&domain=\(other)").isEmpty)
        let own = try AnalyticsHTTP.rows(server, "groupBy=top_domains&linkId=\(id)&domain=\(domain)")
        #expect(own.map { AnalyticsHTTP.metric($0, "clicks") } == [ofLink])
    }

    @Test func theFastPathAnswersFromTheLinkCountersIgnoringNegation() throws {
        let server = try Self.server
        let events = try AnalyticsHTTP.events(server, "event=sales&interval=all")
        let link = try #require(events.first?["link"] as? [String: Any])
        let id = try #require(link["id"] as? String)
        let expected = ["clicks": 0, "leads": 0, "sales": link["sales"] as? Int ?? -1, "saleAmount": link["saleAmount"] as? Int ?? -1]
        #expect(try AnalyticsHTTP.object(server, "event=sales&linkId=\(id)&interval=all") == expected)
        #expect(try AnalyticsHTTP.object(server, "event=sales&linkId=-\(id)&interval=all") == expected)
        #expect(expected["sales"] != events.filter { AnalyticsHTTP.string($0, "link", "id") == id }.count,
                "the generated counters are not the events' count, so the test tells the two apart")
        // A dimensional filter (or any interval but all) goes to the events.
        let viaEvents = try AnalyticsHTTP.object(server, "event=sales&linkId=\(id)&interval=all&device=-Nothing")
        #expect(viaEvents["sales"] == events.filter { AnalyticsHTTP.string($0, "link", "id") == id }.count)
    }

    @Test func customerIdAndSaleTypeApplyPerLegAsInDub() throws {
        // Clicks of a customer are the clicks of that customer's leads (§1.2): three leads of one
        // customer point at three of the small file's clicks.
        let clickLines = try String(contentsOfFile: try APITestData.small.get(), encoding: .utf8).split(separator: "\n").map(String.init)
        let leadTemplate = try String(contentsOfFile: try APITestData.files()[1], encoding: .utf8)
            .split(separator: "\n").first.map(String.init) ?? ""
        let clickID = try #require(leadTemplate.range(of: #""click":\{"id":"[^"]*""#, options: .regularExpression))
        var chosen: [String] = []
        var leadLines: [String] = []
        for line in clickLines.prefix(3) {
            let id = try #require(line.range(of: #""click":\{"id":"[^"]*""#, options: .regularExpression))
            chosen.append(String(line[id]))
            leadLines.append(leadTemplate.replacingCharacters(in: clickID, with: String(line[id])))
        }
        #expect(Set(chosen).count == 3)
        let dir = try makeTemporaryDirectory()
        let leadsPath = dir.appendingPathComponent("leads.ndjson").path
        try (leadLines.joined(separator: "\n") + "\n").write(toFile: leadsPath, atomically: true, encoding: .utf8)
        let small = try ServeProcess(["--data", try APITestData.small.get(), "--data", leadsPath, "--api-key", APITestData.key,
                                      "--now", APITestData.now, "--quiet"])
        defer { small.stop() }
        let leads = try AnalyticsHTTP.events(small, "event=leads&interval=all")
        #expect(leads.count == 3)
        let customer = AnalyticsHTTP.string(try #require(leads.first), "customer", "id")
        let everyClick = try AnalyticsHTTP.object(small, "interval=all")["clicks"]
        #expect(everyClick == clickLines.filter { !$0.isEmpty }.count)
        #expect(try AnalyticsHTTP.object(small, "customerId=\(customer)&interval=all")["clicks"] == 3)
        #expect(try AnalyticsHTTP.object(small, "customerId=cus_nobody&interval=all")["clicks"] == 0)
        // ... ignored for clicks by the link-metadata pipe.
        let domains = try AnalyticsHTTP.rows(small, "groupBy=top_domains&customerId=\(customer)&interval=all")
        #expect(domains.reduce(0) { $0 + AnalyticsHTTP.metric($1, "clicks") } == everyClick)

        let server = try Self.server
        // saleType: the sales leg only.
        let plain = try AnalyticsHTTP.object(server, "event=composite")
        let new = try AnalyticsHTTP.object(server, "event=composite&saleType=new")
        #expect(new["clicks"] == plain["clicks"] && new["leads"] == plain["leads"])
        #expect(new["sales"] == (try AnalyticsHTTP.events(server, "event=sales&saleType=new").count))
        #expect(new["sales"]! < plain["sales"]!)
    }

    @Test func partnerTagIdAloneIsIgnoredWhereDubsGuardOmitsIt() throws {
        let server = try Self.server
        // Exported links have no partner tags: where the filter applies, nothing passes.
        #expect(try AnalyticsHTTP.object(server, "partnerTagId=ptag_1")["clicks"] == 0)
        let series = try AnalyticsHTTP.rows(server, "groupBy=timeseries&partnerTagId=ptag_1")
        #expect(series.reduce(0) { $0 + AnalyticsHTTP.metric($1, "clicks") } == (try AnalyticsHTTP.object(server, ""))["clicks"])
        #expect(try !AnalyticsHTTP.rows(server, "groupBy=countries&partnerTagId=ptag_1").isEmpty)
        #expect(try AnalyticsHTTP.rows(server, "event=sales&groupBy=countries&partnerTagId=ptag_1").isEmpty)
        // With another link-level filter it applies everywhere.
        #expect(try AnalyticsHTTP.rows(server, "groupBy=countries&partnerTagId=ptag_1&root=false").isEmpty)
    }

    // MARK: - The 5,000-group cap

    @Test func groupBysStopAt5000GroupsInDubsOrder() throws {
        let template = try String(contentsOfFile: try APITestData.small.get(), encoding: .utf8)
            .split(separator: "\n").first.map(String.init) ?? ""
        let city = try #require(template.range(of: #""city":"[^"]*""#, options: .regularExpression))
        var lines: [String] = []
        // 5,040 cities; the first 12 twice: they lead the answer with 2 clicks each.
        for n in 0..<5052 {
            lines.append(template.replacingCharacters(in: city, with: "\"city\":\"City \(n % 5040)\""))
        }
        let path = try makeTemporaryDirectory().appendingPathComponent("cities.ndjson").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let server = try ServeProcess(["--data", path, "--api-key", APITestData.key, "--now", APITestData.now, "--quiet"])
        defer { server.stop() }
        let rows = try AnalyticsHTTP.rows(server, "groupBy=cities&interval=all")
        #expect(rows.count == 5000)
        #expect(rows.prefix(12).allSatisfy { AnalyticsHTTP.metric($0, "clicks") == 2 })
        #expect(rows.dropFirst(12).allSatisfy { AnalyticsHTTP.metric($0, "clicks") == 1 })
        #expect(try AnalyticsHTTP.object(server, "interval=all")["clicks"] == 5052)
    }
}

/// A request with URLSession, synchronously (tests only).
func syncData(_ request: URLRequest) throws -> (Data, URLResponse) {
    let box = LockedPair()
    let done = DispatchSemaphore(value: 0)
    URLSession.shared.dataTask(with: request) { data, response, error in
        box.set(data ?? Data(), response, error)
        done.signal()
    }.resume()
    _ = done.wait(timeout: .now() + 30)
    return try box.get()
}

final class LockedPair: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (Data, URLResponse?, (any Error)?)?
    func set(_ d: Data, _ r: URLResponse?, _ e: (any Error)?) { lock.lock(); value = (d, r, e); lock.unlock() }
    func get() throws -> (Data, URLResponse) {
        lock.lock(); defer { lock.unlock() }
        guard let value, let response = value.1 else { throw ServeFailure(message: "\(String(describing: value?.2))") }
        return (value.0, response)
    }
}
