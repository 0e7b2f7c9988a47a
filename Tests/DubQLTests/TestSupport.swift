// Shared helpers of the planner tests: a fixed clock, compiling text to bound queries and plans,
// in-memory events, and a small deterministic generator of events.

import DubQL
import DubQLSyntax

// MARK: - Clock and compiling

enum Fixture {
    /// 2026-08-20T12:00:00Z, a Thursday: the clock of every planner test.
    static let now: Int64 = 1_787_227_200_000
    static let context = QueryContext(now: now)

    static func bind(_ text: String, timeZone: String? = nil) -> (query: BoundQuery?, diagnostics: [Diagnostic]) {
        let c = Compiler.compile(text, context: QueryContext(now: now, timeZone: timeZone))
        return (c.statements.first?.query, c.diagnostics)
    }

    static func query(_ text: String) -> BoundQuery? { bind(text).query }

    static func apiPlan(_ text: String) -> APIPlan? { Compiler.apiPlan(text, context: context).plan }

    /// The first request's parameters as a dictionary.
    static func params(_ text: String) -> [String: String] {
        guard let r = apiPlan(text)?.requests.first else { return [:] }
        return Dictionary(r.params.map { ($0.name, $0.value) }, uniquingKeysWith: { _, b in b })
    }

    static func instant(_ iso: String) -> Int64 { ISOInstant.parse(iso) ?? 0 }
}

// MARK: - Events

/// An event held as JSON, for the evaluator, the API model and the property test.
struct TestEvent: EventRecord, Sendable, CustomStringConvertible {
    var eventType: EventType
    var timestampMillis: Int64
    var eventID: String
    var saleType: String?
    var root: JSONValue

    func json(at path: [String]) -> JSONValue? { root.value(at: path) }

    var description: String { "\(eventID)@\(ISOInstant.format(timestampMillis))" }

    /// A click (or lead/sale) with the given `click` and `link` members, and extra top-level members.
    static func make(_ type: EventType = .clicks, id: String = "e1", at millis: Int64 = Fixture.now - 3_600_000,
                     click: [String: JSONValue] = [:], link: [String: JSONValue] = [:],
                     extra: [String: JSONValue] = [:], saleType: String? = nil) -> TestEvent {
        func obj(_ d: [String: JSONValue]) -> JSONValue {
            .object(d.sorted { $0.key < $1.key }.map { JSONValue.JSONMember($0.key, $0.value) })
        }
        var members: [String: JSONValue] = [
            "event": .string(type.singular), "timestamp": .string(ISOInstant.format(millis)),
            "click": obj(click.merging(["id": .string(id), "timestamp": .string(ISOInstant.format(millis))]) { a, _ in a }),
            "link": obj(link),
        ]
        if type != .clicks { members["eventId"] = .string(id) }
        for (k, v) in extra { members[k] = v }
        return TestEvent(eventType: type, timestampMillis: millis, eventID: id,
                         saleType: type == .sales ? (saleType ?? "new") : nil, root: obj(members))
    }
}

// MARK: - Random numbers

/// SplitMix64: small, fast, deterministic.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) < p * 10_000 }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
}

// MARK: - Event generator

/// Deterministic events whose values come from small pools, including the awkward ones (commas,
/// leading '-', empty and missing values, query strings, encoded UTM values, day boundaries).
enum EventGenerator {
    static let countries = ["US", "DE", "FR", "GB", "Unknown"]
    static let regions = ["CA", "NY", "BY", "IDF"]
    static let cities = ["San Jose", "Berlin", "Paris, TX", "-Minus", ""]
    static let continents = ["NA", "EU", "AS"]
    static let devices = ["Desktop", "Mobile", "Tablet"]
    static let browsers = ["Chrome", "Safari", "Firefox", "Samsung Browser"]
    static let oses = ["Mac OS", "iOS", "Windows", "Android"]
    static let triggers = ["qr", "link", "pageview", ""]
    static let referers = ["(direct)", "google.com", "t.co", "-weird"]
    static let refererUrls = ["(direct)", "https://google.com/search?q=x", "https://t.co/abc"]
    static let baseURLs = ["https://acme.com/", "https://acme.com/pricing", "https://shop.acme.com/a,b"]
    static let utmSources = ["google", "goog", "news letter", "x+y", "-neg", nil]
    static let utmMediums = ["cpc", "email", nil]
    static let domains = ["dub.sh", "acme.link", "-dash.io"]
    static let keys = ["_root", "try", "promo", "sale"]
    static let tenants: [String?] = ["t1", "t2", nil]
    static let folders: [String?] = ["f1", "f2", nil]
    static let partners: [String?] = ["p1", nil]
    static let externalIds: [String?] = ["x1", "x2", nil]
    static let customers = ["cus_1", "cus_2", "cus_3"]
    static let plans: [JSONValue?] = [.string("pro"), .string("free"), .string("a,b"), .number(5), .string("5"), nil]

    static func events(seed: UInt64, count: Int, now: Int64) -> [TestEvent] {
        var rng = SeededRandom(seed: seed)
        var out: [TestEvent] = []
        for i in 0..<count {
            let type = rng.pick(EventType.allCases)
            // Mostly the last 120 days; some on exact day boundaries.
            var t = now - Int64(rng.int(0...(120 * 24 * 60))) * 60_000 - Int64(rng.int(0...59_999))
            if rng.chance(0.1) { t = (t / 86_400_000) * 86_400_000 - (rng.chance(0.5) ? 1 : 0) }
            let country = rng.pick(countries)
            var q: [String] = []
            if let s = rng.pick(utmSources) { q.append("utm_source=" + URLText.formEncode(s)) }
            if let m = rng.pick(utmMediums) { q.append("utm_medium=" + m) }
            let url = rng.pick(baseURLs) + (q.isEmpty ? "" : "?" + q.joined(separator: "&"))
            let domain = rng.pick(domains), key = rng.pick(keys)
            let click: [String: JSONValue] = [
                "country": .string(country), "city": .string(rng.pick(cities)),
                "region": .string(country + "-" + rng.pick(regions)), "continent": .string(rng.pick(continents)),
                "device": .string(rng.pick(devices)), "browser": .string(rng.pick(browsers)), "os": .string(rng.pick(oses)),
                "trigger": .string(rng.pick(triggers)), "referer": .string(rng.pick(referers)),
                "refererUrl": .string(rng.pick(refererUrls)), "url": .string(url), "qr": .bool(rng.chance(0.2)),
            ]
            func opt(_ v: String?) -> JSONValue { v.map(JSONValue.string) ?? .null }
            let link: [String: JSONValue] = [
                "id": .string("link_\(domain)_\(key)"), "domain": .string(domain), "key": .string(key),
                "externalId": opt(rng.pick(externalIds)), "tenantId": opt(rng.pick(tenants)),
                "folderId": opt(rng.pick(folders)), "partnerId": opt(rng.pick(partners)),
            ]
            var extra: [String: JSONValue] = [:]
            if type != .clicks {
                let customer = rng.pick(customers)
                extra["customer"] = .object([JSONValue.JSONMember("id", .string(customer))])
                extra["eventName"] = .string(rng.pick(["Sign up", "Purchase"]))
                if let plan = rng.pick(plans) {
                    extra["metadata"] = .object([JSONValue.JSONMember("plan", plan),
                                                 JSONValue.JSONMember("seats", rng.chance(0.5) ? .number(Double(rng.int(1...9))) : .string(String(rng.int(1...9))))])
                }
                if type == .sales {
                    extra["sale"] = .object([JSONValue.JSONMember("amount", .number(Double(rng.int(1...100) * 100)))])
                }
            }
            out.append(TestEvent.make(type, id: "ev" + String(100_000 + i).dropFirst(), at: t, click: click, link: link, extra: extra))
        }
        // saleType: the first sale of each (link, customer) pair is new.
        var seen = Set<String>()
        let order = out.indices.sorted { out[$0].timestampMillis != out[$1].timestampMillis ? out[$0].timestampMillis < out[$1].timestampMillis : out[$0].eventID < out[$1].eventID }
        for i in order where out[i].eventType == .sales {
            let pair = "\(out[i].json(at: ["link", "id"]) ?? .null)|\(out[i].json(at: ["customer", "id"]) ?? .null)"
            out[i].saleType = seen.insert(pair).inserted ? "new" : "recurring"
        }
        return out
    }
}
