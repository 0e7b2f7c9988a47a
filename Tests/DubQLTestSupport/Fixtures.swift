// Fixtures shared by the test targets: a fixed clock, compiling text to bound queries and plans,
// in-memory events, and a small deterministic generator of events.

import DubQL
import DubQLEngine
import DubQLSyntax

// MARK: - Clock and compiling

public enum Fixture {
    /// 2026-08-20T12:00:00Z, a Thursday: the clock of every planner test.
    public static let now: Int64 = 1_787_227_200_000
    public static let context = QueryContext(now: now)

    /// Parses and binds the first statement of `text` on the clock `now` (the planner tests' clock
    /// unless given): the query if it bound, and every diagnostic.
    public static func bind(_ text: String, now: Int64 = Fixture.now,
                            timeZone: String? = nil) -> (query: BoundQuery?, diagnostics: [Diagnostic]) {
        let c = Compiler.compile(text, context: QueryContext(now: now, timeZone: timeZone))
        return (c.statements.first?.query, c.diagnostics)
    }

    public static func query(_ text: String) -> BoundQuery? { bind(text).query }

    public static func apiPlan(_ text: String) -> APIPlan? { Compiler.apiPlan(text, context: context).plan }

    /// The first request's parameters as a dictionary.
    public static func params(_ text: String) -> [String: String] {
        guard let r = apiPlan(text)?.requests.first else { return [:] }
        return Dictionary(r.params.map { ($0.name, $0.value) }, uniquingKeysWith: { _, b in b })
    }

    public static func instant(_ iso: String) -> Int64 { ISOInstant.parse(iso) ?? 0 }
}

// MARK: - Events

/// An event held as JSON, for the evaluator, the API model and the property test.
public struct TestEvent: EventRecord, Sendable, CustomStringConvertible {
    public var eventType: EventType
    public var timestampMillis: Int64
    public var eventID: String
    public var saleType: String?
    public var root: JSONValue

    public init(eventType: EventType, timestampMillis: Int64, eventID: String, saleType: String?, root: JSONValue) {
        self.eventType = eventType
        self.timestampMillis = timestampMillis
        self.eventID = eventID
        self.saleType = saleType
        self.root = root
    }

    public func json(at path: [String]) -> JSONValue? { root.value(at: path) }

    public var description: String { "\(eventID)@\(ISOInstant.format(timestampMillis))" }

    /// A click (or lead/sale) with the given `click` and `link` members, and extra top-level members.
    public static func make(_ type: EventType = .clicks, id: String = "e1", at millis: Int64 = Fixture.now - 3_600_000,
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

// MARK: - Event generator

/// Deterministic events whose values come from small pools, including the awkward ones (commas,
/// leading '-', empty and missing values, query strings, encoded UTM values, day boundaries).
public enum EventGenerator {
    public static let countries = ["US", "DE", "FR", "GB", "Unknown"]
    public static let regions = ["CA", "NY", "BY", "IDF"]
    public static let cities = ["San Jose", "Berlin", "Paris, TX", "-Minus", ""]
    public static let continents = ["NA", "EU", "AS"]
    public static let devices = ["Desktop", "Mobile", "Tablet"]
    public static let browsers = ["Chrome", "Safari", "Firefox", "Samsung Browser"]
    public static let oses = ["Mac OS", "iOS", "Windows", "Android"]
    public static let triggers = ["qr", "link", "pageview", ""]
    public static let referers = ["(direct)", "google.com", "t.co", "-weird"]
    public static let refererUrls = ["(direct)", "https://google.com/search?q=x", "https://t.co/abc"]
    public static let baseURLs = ["https://acme.com/", "https://acme.com/pricing", "https://shop.acme.com/a,b"]
    public static let utmSources = ["google", "goog", "news letter", "x+y", "-neg", nil]
    public static let utmMediums = ["cpc", "email", nil]
    public static let domains = ["dub.sh", "acme.link", "-dash.io"]
    public static let keys = ["_root", "try", "promo", "sale"]
    public static let tenants: [String?] = ["t1", "t2", nil]
    public static let folders: [String?] = ["f1", "f2", nil]
    public static let partners: [String?] = ["p1", nil]
    public static let externalIds: [String?] = ["x1", "x2", nil]
    public static let customers = ["cus_1", "cus_2", "cus_3"]
    public static let plans: [JSONValue?] = [.string("pro"), .string("free"), .string("a,b"), .number(5), .string("5"), nil]

    public static func events(seed: UInt64, count: Int, now: Int64) -> [TestEvent] {
        var rng = SplitMix64(seed: seed)
        var out: [TestEvent] = []
        for i in 0..<count {
            let type = rng.pick(EventType.allCases)
            // Mostly the last 120 days; some on exact day boundaries.
            var t = now - Int64(rng.int(in: 0...(120 * 24 * 60))) * 60_000 - Int64(rng.int(in: 0...59_999))
            if rng.chance(probability: 0.1) { t = (t / 86_400_000) * 86_400_000 - (rng.chance(probability: 0.5) ? 1 : 0) }
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
                "refererUrl": .string(rng.pick(refererUrls)), "url": .string(url), "qr": .bool(rng.chance(probability: 0.2)),
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
                                                 JSONValue.JSONMember("seats", rng.chance(probability: 0.5) ? .number(Double(rng.int(in: 1...9))) : .string(String(rng.int(in: 1...9))))])
                }
                if type == .sales {
                    extra["sale"] = .object([JSONValue.JSONMember("amount", .number(Double(rng.int(in: 1...100) * 100)))])
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

// MARK: - Event lines

/// A minimal valid click event line with `extra` spliced into the object.
public func clickLine(id: String = "c1", ts: String = "2026-08-18T14:03:12.345Z", country: String = "US", extra: String = "") -> String {
    #"{"event":"click","timestamp":"\#(ts)","click":{"id":"\#(id)","timestamp":"\#(ts)","url":"https://acme.com/?utm_source=x","country":"\#(country)"},"link":{"id":"l1","domain":"dub.sh","key":"try"}\#(extra)}"#
}

public func load(_ text: String, name: String = "in.ndjson", skipInvalid: Bool = false) throws(LoadError) -> EventStore {
    try EventLoader.load(bytes: Array(text.utf8), name: name, options: LoadOptions(skipInvalid: skipInvalid))
}
