// The planner's central property: for random queries over generated events, executing the API
// plan against the model of Dub's server (params, pages, union merge, residual, offset/limit)
// returns exactly the events the reference evaluator selects, in the same order.

import DubQL
import DubQLAPIModel
import DubQLSyntax
import DubQLTestSupport
import Testing

// MARK: - Executing a plan against the API model

enum PlanSimulator {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs every request page by page as a client would, merges, filters and cuts.
    static func run(_ plan: APIPlan, on events: [TestEvent], now: Int64) throws -> [TestEvent] {
        let paging = plan.paging
        var streams: [[TestEvent]] = []
        for request in plan.requests {
            var rows: [TestEvent] = []
            var page = paging.firstPage
            var matching: [TestEvent]?
            let needed = plan.residual == nil && plan.requests.count == 1 ? paging.skipRows + paging.takeRows : Int.max
            while true {
                var params = Dictionary(request.params.map { ($0.name, $0.value) }, uniquingKeysWith: { _, b in b })
                params["page"] = String(page)
                params["limit"] = String(paging.pageSize)
                let query: APIQuery
                do { query = try APIModel.parse(params, now: now) } catch { throw Failure(description: "API rejects \(params): \(error)") }
                // Filtering and sorting do not depend on the page: do them once per request.
                if matching == nil { matching = Evaluator.sortEvents(events.filter { query.matches($0) }, query.order) }
                let got = Array((matching ?? []).dropFirst(query.offset).prefix(query.limit))
                rows += got
                if got.count < paging.pageSize || rows.count >= needed { break }
                page += 1
            }
            streams.append(rows)
        }
        var merged: [TestEvent] = []
        var seen = Set<String>()
        for e in Evaluator.sortEvents(streams.flatMap { $0 }, plan.order) where seen.insert(e.eventID).inserted {
            merged.append(e)
        }
        if let r = plan.residual { merged = merged.filter { Evaluator.matches(r, $0) } }
        return Array(merged.dropFirst(paging.skipRows).prefix(paging.takeRows))
    }
}

// MARK: - Random queries

enum QueryGenerator {
    static let predicates: [(events: Set<EventType>, texts: [String])] = [
        (all, ["country = US", "country IN (US, DE)", "country != FR", "country NOT IN (GB, Unknown)", "country = JP"]),
        (all, ["city = 'San Jose'", "city = 'Paris, TX'", "city = '-Minus'", "city IN ('-Minus', Berlin)", "city != '-Minus'",
               "city NOT IN ('Paris, TX', Berlin)", "city = ''", "city != ''"]),
        (all, ["region = 'US-CA'", "region IN ('DE-BY', 'FR-IDF')", "region != 'US-NY'"]),
        (all, ["continent = EU", "continent IN (NA, AS)", "continent != NA"]),
        (all, ["device = mobile", "device != Desktop", "browser IN (Chrome, 'Samsung Browser')", "browser != Safari",
               "os = iOS", "os IN ('Mac OS', Windows)", "os != iOS"]),
        (all, ["trigger = qr", "trigger IN (link, pageview)", "trigger != link", "qr", "NOT qr"]),
        (all, ["referer = 'google.com'", "referer = '-weird'", "referer != '(direct)'", "refererUrl = 'https://google.com/search'",
               "refererUrl != '(direct)'"]),
        (all, ["url = 'https://acme.com/pricing'", "url = 'https://shop.acme.com/a,b'", "url != 'https://acme.com/'"]),
        (all, ["utm_source = google", "utm_source = goog", "utm_source IN (google, 'news letter')", "utm_source = 'x+y'",
               "utm_source = '-neg'", "utm_source != google", "utm_medium = cpc", "utm_medium IN (cpc, email)"]),
        (all, ["domain = 'dub.sh'", "domain IN ('dub.sh', '-dash.io')", "domain != 'acme.link'", "domain = '-dash.io'",
               "(domain = 'dub.sh' AND key = try)", "(domain = 'acme.link' AND key IN (promo, _root))",
               "(domain = 'dub.sh' AND key != try)"]),
        (all, ["linkId = 'link_dub.sh_try'", "linkId IN ('link_dub.sh_try', 'link_acme.link_promo')", "linkId != 'link_dub.sh_try'",
               "externalId = x1", "externalId IN (x1, x2)", "externalId != x2"]),
        (all, ["tenantId = t1", "tenantId != t2", "folderId IN (f1, f2)", "folderId != f1", "partnerId = p1", "partnerId != p1",
               "root", "NOT root", "root = FALSE"]),
        ([.leads, .sales], ["customerId = cus_1", "customerId IN (cus_1, cus_2)", "customerId != cus_3",
                            "metadata.plan = pro", "metadata.plan != free", "metadata.plan = 'a,b'", "metadata.plan IN (pro, free)",
                            "metadata.seats = 5", "metadata.seats = '5'", "metadata.seats >= 5", "NOT metadata.seats < 3",
                            "eventName = 'Sign up'"]),
        ([.sales], ["saleType = new", "saleType != new", "saleType IN (new, recurring)", "sale.amount >= 5000", "sale.amount < 300"]),
        // `timestamp` bounds narrow the range sent (whole days exactly, instants with a residual).
        (all, ["timestamp >= 2026-08-01", "timestamp < '2026-08-15T12:00:00Z'", "NOT timestamp < 2026-07-20",
               "timestamp > 2026-08-10T06:30:00Z", "timestamp <= 2026-08-18", "timestamp >= 2026-09-01"]),
    ]
    static let all: Set<EventType> = [.clicks, .leads, .sales]
    static let times = ["", "SINCE 7d", "SINCE 30d", "SINCE 1h", "SINCE 2w", "SINCE 90d", "SINCE mtd", "SINCE qtd", "SINCE ytd",
                        "SINCE all", "SINCE all_unfiltered", "SINCE 1y", "SINCE 24h", "BETWEEN 2026-06-01 AND 2026-07-15",
                        "SINCE 2026-07-01T10:30:00Z", "SINCE 60d UNTIL 10d", "SINCE 2026-05-01 UNTIL 2026-06-30T12:00:00Z",
                        "BETWEEN 2026-08-01T06:00:00+02:00 AND 2026-08-19"]
    static let zones = ["", "", "TIMEZONE 'America/New_York'", "TIMEZONE 'Asia/Tokyo'"]

    static func condition(_ rng: inout SplitMix64, event: EventType, depth: Int) -> String {
        if depth == 0 || rng.chance(probability: 0.35) {
            let groups = predicates.filter { $0.events.contains(event) }
            return rng.pick(rng.pick(groups).texts)
        }
        let n = rng.int(in: 2...3)
        let parts = (0..<n).map { _ in condition(&rng, event: event, depth: depth - 1) }
        switch rng.int(in: 0...4) {
        case 0, 1: return "(" + parts.joined(separator: " AND ") + ")"
        case 2, 3: return "(" + parts.joined(separator: " OR ") + ")"
        default: return "NOT (" + parts.joined(separator: " AND ") + ")"
        }
    }

    static func query(_ rng: inout SplitMix64) -> String {
        let event = rng.pick(EventType.allCases)
        var q = "SELECT \(event.rawValue)"
        if !rng.chance(probability: 0.1) { q += " WHERE " + condition(&rng, event: event, depth: rng.int(in: 0...3)) }
        q += " " + rng.pick(times) + " " + rng.pick(zones)
        if rng.chance(probability: 0.3) { q += " ORDER BY timestamp " + rng.pick(["ASC", "DESC"]) }
        q += " LIMIT \(rng.pick([3, 7, 20, 100, 1500]))"
        if rng.chance(probability: 0.4) { q += " OFFSET \(rng.pick([1, 5, 14, 40]))" }
        return q
    }
}

// MARK: - The property

@Suite struct PlanPropertyTests {
    static let events = EventGenerator.events(seed: 7, count: 900, now: Fixture.now)

    /// Seeds of independent batches, so a failure names a small reproducible batch.
    @Test(arguments: 0..<12)
    func apiPlanSelectsExactlyWhatTheQueryMeans(batch: Int) throws {
        var rng = SplitMix64(seed: UInt64(1000 + batch))
        var planned = 0, unions = 0, residuals = 0, nonEmpty = 0, refused = 0
        for _ in 0..<60 {
            let text = QueryGenerator.query(&rng)
            let (query, diagnostics) = Fixture.bind(text)
            guard let query else {
                // Only the binder's documented refusals may reject a generated query.
                #expect(diagnostics.filter(\.isError).allSatisfy { $0.code == .keyWithoutDomain }, "\(text): \(diagnostics)")
                continue
            }
            let expected = Evaluator.select(query, from: Self.events).map(\.eventID)
            for pageSize in [1000, 7] {
                let (plan, planDiagnostics) = APIPlanner.plan(query, pageSize: pageSize)
                guard let plan else {
                    // The one documented refusal: saleType inside an OR that must become a residual
                    // (it is derived from every sale, so fetched pages cannot check it).
                    #expect(planDiagnostics.allSatisfy { $0.code == .notPlannable && $0.message.hasPrefix("'saleType'") },
                            "\(text) did not plan: \(planDiagnostics)")
                    refused += 1
                    continue
                }
                let actual = try PlanSimulator.run(plan, on: Self.events, now: Fixture.now).map(\.eventID)
                if pageSize == 1000 {
                    if plan.isUnion { unions += 1 }
                    if plan.residual != nil { residuals += 1 }
                    if !expected.isEmpty { nonEmpty += 1 }
                }
                let firstDifference = zip(actual, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? min(actual.count, expected.count)
                #expect(actual == expected, """
                    \(text) (page size \(pageSize)): \(actual.count) rows, expected \(expected.count), \
                    first difference at row \(firstDifference)
                    \(Explain.text(plan))
                    """)
            }
            planned += 1
        }
        // Not vacuous: most queries return rows, and both residuals and unions are exercised.
        #expect(planned > 40 && nonEmpty > planned / 3 && residuals > 5 && unions > 0 && refused < 10,
                "planned \(planned), non-empty \(nonEmpty), residual \(residuals), union \(unions), refused \(refused)")
    }

    @Test func generatedEventsHitMostConditions() {
        // Guards the property test against vacuous passes: most atomic conditions select something.
        var empty: [String] = []
        for group in QueryGenerator.predicates {
            for text in group.texts {
                let event = group.events.contains(.clicks) ? EventType.clicks : (group.events.contains(.leads) ? .leads : .sales)
                guard let q = Fixture.query("SELECT \(event.rawValue) WHERE \(text) SINCE all LIMIT 1000") else { continue }
                if Evaluator.select(q, from: Self.events).isEmpty { empty.append(text) }
            }
        }
        #expect(empty.count <= 6, "conditions that select nothing: \(empty)")
    }
}

// MARK: - The normalizer preserves meaning

@Suite struct NormalizerPropertyTests {
    @Test(arguments: 0..<4)
    func normalizedConditionMeansTheSame(batch: Int) {
        var rng = SplitMix64(seed: UInt64(5000 + batch))
        let events = PlanPropertyTests.events
        var checked = 0
        for _ in 0..<80 {
            let event = rng.pick(EventType.allCases)
            let text = "SELECT \(event.rawValue) WHERE " + QueryGenerator.condition(&rng, event: event, depth: 3)
            guard let condition = Fixture.query(text)?.condition else { continue }
            let normalized = Normalizer.normalize(condition)
            let differing = events.filter { $0.eventType == event }.filter { e in
                Evaluator.matches(condition, e) != (normalized.map { Evaluator.matches($0, e) } ?? true)
            }
            #expect(differing.isEmpty, "\(text)\nnormalized: \(normalized.map(ResidualPrinter.text) ?? "nil")\nfirst: \(differing.first.map(\.eventID) ?? "")")
            checked += 1
        }
        #expect(checked > 50)
    }
}
