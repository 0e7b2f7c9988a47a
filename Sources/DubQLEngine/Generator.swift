// Deterministic synthetic Dub events in exactly the API's JSON shape (`dubql generate`, demo data,
// fixtures and benchmarks): skewed but coherent geography, devices, links and customers.

import DubQL
import Dispatch

// MARK: - Options

/// What to generate.
public struct GeneratorOptions: Sendable {
    public var event: EventType
    public var count: Int
    public var seed: UInt64
    /// Events are spread over this many days ending at ``end``.
    public var days: Int
    /// Epoch milliseconds of the newest event.
    public var end: Int64

    public init(event: EventType, count: Int, seed: UInt64 = 1, days: Int = 30, end: Int64) {
        self.event = event
        self.count = count
        self.seed = seed
        self.days = days
        self.end = end
    }
}

// MARK: - Random numbers

/// SplitMix64: tiny, fast and the same on every platform, so a seed always gives the same file.
///
/// The package's one seeded random number generator: the generator's files and every randomized
/// test draw from it, so a seed names a case that can be replayed anywhere.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The whole state: the next output is a function of it alone.
    public var state: UInt64

    /// A generator whose first output is the SplitMix64 output after `state`.
    public init(state: UInt64) { self.state = state }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<n` (0 when `n` is below 1), by remainder: cheap, and stable across platforms.
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }

    /// True with the given percentage (0...100).
    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    /// An index skewed towards 0 (roughly Zipf): popular links, customers, cities.
    public mutating func skewed(_ n: Int) -> Int {
        let u = Double(next() >> 11) / Double(1 << 53)
        return min(n - 1, Int(Double(n) * u * u * u))
    }
}

/// Picks from (value, weight) pairs with a precomputed cumulative table.
struct Weighted<T: Sendable>: Sendable {
    let items: [T]
    let cumulative: [Int]
    init(_ pairs: [(T, Int)]) {
        items = pairs.map(\.0)
        var sum = 0
        cumulative = pairs.map { sum += $0.1; return sum }
    }
    func pick(_ r: inout SplitMix64) -> T {
        let x = r.below(cumulative.last ?? 1)
        var i = 0
        while cumulative[i] <= x { i += 1 }
        return items[i]
    }
}

// MARK: - World

private struct Place: Sendable {
    var country: StaticString, continent: StaticString, city: StaticString, region: StaticString
    /// EU visitors have no IP in Dub's events.
    var isEU: Bool { "\(continent)" == "EU" }
}

private let places = Weighted<Place>([
    (Place(country: "US", continent: "NA", city: "San Francisco", region: "US-CA"), 14),
    (Place(country: "US", continent: "NA", city: "New York", region: "US-NY"), 12),
    (Place(country: "US", continent: "NA", city: "San Jose", region: "US-CA"), 6),
    (Place(country: "US", continent: "NA", city: "Austin", region: "US-TX"), 5),
    (Place(country: "US", continent: "NA", city: "Seattle", region: "US-WA"), 4),
    (Place(country: "US", continent: "NA", city: "Chicago", region: "US-IL"), 4),
    (Place(country: "DE", continent: "EU", city: "Berlin", region: "DE-BE"), 6),
    (Place(country: "DE", continent: "EU", city: "Munich", region: "DE-BY"), 3),
    (Place(country: "GB", continent: "EU", city: "London", region: "GB-ENG"), 7),
    (Place(country: "FR", continent: "EU", city: "Paris", region: "FR-IDF"), 4),
    (Place(country: "NL", continent: "EU", city: "Amsterdam", region: "NL-NH"), 2),
    (Place(country: "IN", continent: "AS", city: "Bengaluru", region: "IN-KA"), 5),
    (Place(country: "IN", continent: "AS", city: "Mumbai", region: "IN-MH"), 3),
    (Place(country: "JP", continent: "AS", city: "Tokyo", region: "JP-13"), 3),
    (Place(country: "SG", continent: "AS", city: "Singapore", region: "SG-01"), 2),
    (Place(country: "BR", continent: "SA", city: "São Paulo", region: "BR-SP"), 3),
    (Place(country: "CA", continent: "NA", city: "Toronto", region: "CA-ON"), 3),
    (Place(country: "AU", continent: "OC", city: "Sydney", region: "AU-NSW"), 2),
    (Place(country: "NG", continent: "AF", city: "Lagos", region: "NG-LA"), 1),
    (Place(country: "ZA", continent: "AF", city: "Cape Town", region: "ZA-WC"), 1),
])

private struct Platform: Sendable {
    var device: StaticString, os: StaticString, browsers: Weighted<StaticString>
}

private let platforms = Weighted<Platform>([
    (Platform(device: "Desktop", os: "Mac OS", browsers: Weighted([("Chrome", 60), ("Safari", 25), ("Firefox", 8), ("Arc", 7)])), 24),
    (Platform(device: "Desktop", os: "Windows", browsers: Weighted([("Chrome", 65), ("Edge", 25), ("Firefox", 10)])), 22),
    (Platform(device: "Desktop", os: "Linux", browsers: Weighted([("Chrome", 55), ("Firefox", 45)])), 4),
    (Platform(device: "Mobile", os: "iOS", browsers: Weighted([("Mobile Safari", 75), ("Chrome", 20), ("Instagram", 5)])), 26),
    (Platform(device: "Mobile", os: "Android", browsers: Weighted([("Chrome", 70), ("Samsung Internet", 20), ("Facebook", 10)])), 18),
    (Platform(device: "Tablet", os: "iOS", browsers: Weighted([("Mobile Safari", 100)])), 4),
    (Platform(device: "Desktop", os: "Unknown", browsers: Weighted([("Unknown", 100)])), 2),
])

private let referers = Weighted<(StaticString, StaticString)>([
    (("(direct)", "(direct)"), 40), (("google.com", "https://www.google.com/"), 20), (("x.com", "https://x.com/"), 10),
    (("linkedin.com", "https://www.linkedin.com/feed/"), 8), (("news.ycombinator.com", "https://news.ycombinator.com/item"), 5),
    (("reddit.com", "https://www.reddit.com/r/SaaS/"), 5), (("youtube.com", "https://www.youtube.com/"), 4),
    (("facebook.com", "https://www.facebook.com/"), 4), (("github.com", "https://github.com/dubinc/dub"), 4),
])

private let triggers = Weighted<(StaticString, isQR: Bool)>([(("link", false), 80), (("qr", true), 12), (("pageview", false), 5), (("deeplink", false), 3)])

private let utmVariants: [StaticString] = [
    "?utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale",
    "?utm_source=twitter&utm_medium=social&utm_campaign=launch%20week",
    "?utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=link+shortener",
    "?utm_source=linkedin&utm_medium=social&utm_content=carousel",
    "?ref=producthunt",
]

private let firstNames = ["Jane", "John", "Ana", "Luis", "Mei", "Arjun", "Fatima", "Olu", "Sofia", "Liam", "Yuki", "Noah", "Emma", "Kofi", "Lena", "Omar"]
private let lastNames = ["Smith", "García", "Chen", "Patel", "Müller", "Okafor", "Rossi", "Kim", "Dubois", "Silva", "Tanaka", "Novak"]

private struct LinkInfo {
    var json: [UInt8]
    var id: [UInt8], domain: [UInt8], key: [UInt8], url: [UInt8]
}

private struct CustomerInfo {
    var json: [UInt8]
    var country: String
}

// MARK: - Generator

/// Writes synthetic events as NDJSON, newest first, as `GET /events` orders them.
public struct Generator: Sendable {
    public let options: GeneratorOptions
    private let links: [LinkInfo]
    private let customers: [CustomerInfo]

    public init(_ options: GeneratorOptions) {
        self.options = options
        var r = SplitMix64(state: options.seed &* 0x2545_F491_4F6C_DD1D &+ 7)
        links = Generator.makeLinks(&r)
        customers = Generator.makeCustomers(&r, count: max(50, min(options.count / 4, 200_000)))
    }

    /// Generates everything into memory.
    public func bytes() -> [UInt8] {
        var all: [UInt8] = []
        all.reserveCapacity(options.count * 2200)
        write { all.append(contentsOf: $0) }
        return all
    }

    /// Events per block: each block has its own random stream, so blocks are made in parallel
    /// and the output does not depend on the number of cores.
    static let blockSize = 4096

    /// Generates events, handing chunks of NDJSON (one or more blocks) to `sink`, in order.
    public func write(_ sink: ([UInt8]) throws -> Void) rethrows {
        let blocks = (options.count + Self.blockSize - 1) / Self.blockSize
        let workers = max(1, min(CPU.activeProcessors, 8))
        var next = 0
        while next < blocks {
            let batch = min(workers * 2, blocks - next)
            let results = BlockResults(count: batch)
            let first = next
            let generator = self
            DispatchQueue.concurrentPerform(iterations: batch) { k in
                results.set(k, generator.block(first + k))
            }
            for k in 0..<batch { try sink(results.get(k)) }
            next += batch
        }
    }

    /// The NDJSON of block `b`.
    func block(_ b: Int) -> [UInt8] {
        var r = SplitMix64(state: options.seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(options.event.index) << 56 ^ UInt64(b) &* 0xD1B5_4A32_D192_ED03)
        var out: [UInt8] = []
        out.reserveCapacity(Self.blockSize * 2400)
        let span = Int64(max(options.days, 1)) * 86_400_000
        let step = max(span / Int64(max(options.count, 1)), 1)
        for i in (b * Self.blockSize)..<min((b + 1) * Self.blockSize, options.count) {
            let ts = options.end - Int64(i) * step - Int64(r.below(Int(min(step, 3_600_000))))
            event(&r, ts, &out)
            out.append(0x0A)
        }
        return out
    }

    private func event(_ r: inout SplitMix64, _ ts: Int64, _ o: inout [UInt8]) {
        let link = links[r.skewed(links.count)]
        let place = places.pick(&r)
        let platform = platforms.pick(&r)
        let browser = platform.browsers.pick(&r)
        let (referer, refererURL) = referers.pick(&r)
        let (trigger, isQR) = triggers.pick(&r)
        let clickIDState = r.next()
        let utm: StaticString? = r.chance(30) ? utmVariants[r.below(utmVariants.count)] : nil
        let ipBits = place.isEU ? nil : Optional(r.next())
        let clickTime = options.event == .clicks ? ts : ts - Int64(r.below(3 * 86_400_000))

        o.put(#"{"event":""#); o.put(options.event == .clicks ? "click" : options.event == .leads ? "lead" : "sale"); o.put(#"","timestamp":""#)
        ISOInstant.appendJavaScript(ts, to: &o)
        o.put("\"")
        if options.event != .clicks {
            let eventName: StaticString = options.event == .leads ? (r.chance(80) ? "Sign up" : "Demo request")
                : (r.chance(70) ? "Invoice paid" : "Subscription created")
            o.put(#","eventId":""#); Generator.appendID(r.next(), 16, &o)
            o.put(#"","eventName":""#); o.put(eventName); o.put("\"")
        }
        var amount = 0
        var invoice = ""
        var processor: StaticString = "stripe"
        if options.event == .sales {
            amount = [4900, 9900, 1900, 29900, 900, 4900, 120_000, 49900][r.skewed(8)]
            processor = ([("stripe", 3), ("shopify", 1), ("paddle", 1), ("polar", 1)] as [(StaticString, Int)])[r.skewed(4)].0
            invoice = r.chance(85) ? "in_" + Generator.id(&r, 14) : ""
            o.put(#","sale":{"amount":"#); Generator.appendInt(amount, &o)
            o.put(#","currency":"usd","paymentProcessor":""#); o.put(processor)
            o.put(#"","invoiceId":""#); o += invoice.utf8; o.put(#""}"#)
        }
        if options.event != .clicks {
            let plans: [StaticString] = ["free", "pro", "business", "enterprise"]
            if options.event == .sales && r.chance(15) {
                o.put(#","metadata":null"#)
            } else if !(options.event == .leads && r.chance(20)) {
                let plan = plans[options.event == .leads ? r.skewed(2) : 1 + r.skewed(3)]
                o.put(#","metadata":{"plan":""#); o.put(plan)
                o.put(#"","seats":"#); Generator.appendInt(1 + r.skewed(40), &o)
                o.put(#","trial":"#); o.put(r.chance(30) ? "true" : "false"); o.put("}")
            }
        }
        o.put(#","click":{"id":""#); Generator.appendID(clickIDState, 16, &o)
        o.put(#"","timestamp":""#); ISOInstant.appendISO(clickTime, to: &o)
        o.put(#"","url":""#); o += link.url; if let utm { o.put(utm) }
        o.put(#"","country":""#); o.put(place.country)
        o.put(#"","city":""#); o.put(place.city)
        o.put(#"","region":""#); o.put(place.region)
        o.put(#"","continent":""#); o.put(place.continent)
        o.put(#"","device":""#); o.put(platform.device)
        o.put(#"","browser":""#); o.put(browser)
        o.put(#"","os":""#); o.put(platform.os)
        o.put(#"","ua":"Mozilla/5.0 ("#); o.put(platform.os); o.put(#") "#); o.put(browser)
        o.put(#"","trigger":""#); o.put(trigger)
        o.put(#"","referer":""#); o.put(referer)
        o.put(#"","refererUrl":""#); o.put(refererURL)
        o.put(#"","qr":"#); o.put(isQR ? "true" : "false")
        o.put(#","ip":""#); Generator.appendIP(ipBits, &o); o.put(#""},"link":"#)
        o += link.json
        if options.event != .clicks {
            o.put(#","customer":"#)
            o += customers[r.skewed(customers.count)].json
        }
        if options.event == .sales {
            o.put(#","saleAmount":"#); Generator.appendInt(amount, &o)
            o.put(#","invoice_id":""#); o += invoice.utf8
            o.put(#"","payment_processor":""#); o.put(processor); o.put("\"")
        }
        o.put(#","click_id":""#); Generator.appendID(clickIDState, 16, &o)
        o.put(#"","link_id":""#); o += link.id
        o.put(#"","domain":""#); o += link.domain
        o.put(#"","key":""#); o += link.key
        o.put(#"","url":""#); o += link.url; if let utm { o.put(utm) }
        o.put(#"","continent":""#); o.put(place.continent)
        o.put(#"","country":""#); o.put(place.country)
        o.put(#"","city":""#); o.put(place.city)
        o.put(#"","device":""#); o.put(platform.device)
        o.put(#"","browser":""#); o.put(browser)
        o.put(#"","os":""#); o.put(platform.os)
        o.put(#"","qr":"#); o.put(isQR ? "1" : "0")
        o.put(#","ip":""#); Generator.appendIP(ipBits, &o); o.put(#""}"#)
    }

    // MARK: World building

    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// Appends an `n`-character id drawn from `state`.
    static func appendID(_ state: UInt64, _ n: Int, _ o: inout [UInt8]) {
        var r = SplitMix64(state: state)
        var x = r.next()
        for i in 0..<n {
            if i % 10 == 9 { x = r.next() }
            o.append(alphabet[Int(x % 62)])
            x /= 62
        }
    }

    /// Appends a non-negative integer in decimal.
    static func appendInt(_ v: Int, _ o: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = max(v, 0), count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[count] = UInt8(48 + n % 10)
                n /= 10
                count += 1
            } while n > 0
            for k in stride(from: count - 1, through: 0, by: -1) { o.append(d[k]) }
        }
    }

    /// Appends a dotted IPv4 address drawn from `bits`, or nothing (EU visitors have no IP).
    static func appendIP(_ bits: UInt64?, _ o: inout [UInt8]) {
        guard let bits else { return }
        let parts = [Int(bits % 223) + 1, Int((bits >> 8) % 256), Int((bits >> 16) % 256), Int((bits >> 24) % 254) + 1]
        for (k, v) in parts.enumerated() {
            if k > 0 { o.append(UInt8(ascii: ".")) }
            if v >= 100 { o.append(UInt8(48 + v / 100)) }
            if v >= 10 { o.append(UInt8(48 + v / 10 % 10)) }
            o.append(UInt8(48 + v % 10))
        }
    }

    static func id(_ r: inout SplitMix64, _ n: Int) -> String {
        var bytes = [UInt8](repeating: 0, count: n)
        var x = r.next()
        for i in 0..<n {
            if i % 10 == 9 { x = r.next() }
            bytes[i] = alphabet[Int(x % 62)]
            x /= 62
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func makeLinks(_ r: inout SplitMix64) -> [LinkInfo] {
        let domains = ["dub.sh", "acme.link", "go.acme.com", "getacme.co"]
        let destinations = ["https://acme.com", "https://acme.com/pricing", "https://acme.com/blog/launch-week",
                            "https://acme.com/docs/getting-started", "https://shop.acme.com/products/widget",
                            "https://acme.com/careers", "https://app.acme.com/signup", "https://acme.com/changelog"]
        let words = ["try", "pricing", "launch", "docs", "shop", "jobs", "signup", "news", "promo", "demo", "hn", "ph", "x", "yt"]
        let tenants = ["tenant_alpha", "tenant_beta", "tenant_gamma", "tenant_delta"]
        let folders = ["fold_marketing", "fold_sales", "fold_partners", "fold_product", "fold_events"]
        var links: [LinkInfo] = []
        for n in 0..<320 {
            let domain = domains[n < 4 ? n : r.skewed(domains.count)]
            let key = n < 4 ? "_root" : words[r.below(words.count)] + String(n)
            let url = n < 4 ? "https://acme.com" : destinations[r.below(destinations.count)]
            let id = "link_" + Generator.id(&r, 24)
            let tenant = r.chance(30) ? "\"" + tenants[r.below(tenants.count)] + "\"" : "null"
            let folder = r.chance(60) ? "\"" + folders[r.skewed(folders.count)] + "\"" : "null"
            let partner = r.chance(20) ? "\"pn_" + Generator.id(&r, 20) + "\"" : "null"
            let program = partner == "null" ? "null" : "\"prog_" + Generator.id(&r, 20) + "\""
            let external = r.chance(25) ? "\"ext_" + String(1000 + n) + "\"" : "null"
            let title = r.chance(50) ? "\"Acme " + key.replacingUnderscores() + "\"" : "null"
            let created = 1_700_000_000_000 + Int64(r.below(40_000_000)) * 1000
            var createdISO: [UInt8] = []
            ISOInstant.appendISO(created, to: &createdISO)
            let c = String(decoding: createdISO, as: UTF8.self)
            let shortLink = "https://\(domain)/\(key == "_root" ? "" : key)"
            let json = """
                {"id":"\(id)","domain":"\(domain)","key":"\(key)","url":"\(url)","trackConversion":\(r.chance(50)),\
                "externalId":\(external),"tenantId":\(tenant),"programId":\(program),"partnerId":\(partner),"archived":false,\
                "expiresAt":null,"expiredUrl":null,"disabledAt":null,"password":null,"proxy":false,"title":\(title),\
                "description":null,"image":null,"video":null,"rewrite":false,"doIndex":false,"ios":null,"android":null,\
                "geo":null,"publicStats":false,"tags":[],"folderId":\(folder),"webhookIds":[],"comments":null,\
                "shortLink":"\(shortLink)","qrCode":"https://api.dub.co/qr?url=\(shortLink)?qr=1",\
                "utm_source":null,"utm_medium":null,"utm_campaign":null,"utm_term":null,"utm_content":null,\
                "testVariants":null,"testStartedAt":null,"testCompletedAt":null,"userId":"cl\(Generator.id(&r, 22))",\
                "workspaceId":"ws_cl\(Generator.id(&r, 22))","clicks":\(r.below(50_000)),"leads":\(r.below(900)),\
                "conversions":\(r.below(300)),"sales":\(r.below(200)),"saleAmount":\(r.below(2_000_000)),\
                "lastClicked":"\(c)","createdAt":"\(c)","updatedAt":"\(c)","tagId":null,"projectId":"cl\(Generator.id(&r, 22))"}
                """
            links.append(LinkInfo(json: Array(json.utf8), id: Array(id.utf8), domain: Array(domain.utf8), key: Array(key.utf8), url: Array(url.utf8)))
        }
        return links
    }

    private static func makeCustomers(_ r: inout SplitMix64, count: Int) -> [CustomerInfo] {
        (0..<count).map { n in
            let first = firstNames[r.below(firstNames.count)], last = lastNames[r.below(lastNames.count)]
            let email = "\(first.lowercased()).\(n)@example.com"
            let country = "\(places.pick(&r).country)"
            var created: [UInt8] = []
            ISOInstant.appendISO(1_720_000_000_000 + Int64(r.below(30_000_000)) * 1000, to: &created)
            let external = r.chance(70) ? "user_\(n)" : ""
            let json = #"{"id":"cus_\#(Generator.id(&r, 20))","externalId":"\#(external)","name":"\#(first) \#(last)","email":"\#(email)","avatar":null,"country":"\#(country)","createdAt":"\#(String(decoding: created, as: UTF8.self))"}"#
            return CustomerInfo(json: Array(json.utf8), country: country)
        }
    }
}

private extension String {
    func replacingUnderscores() -> String { String(map { $0 == "_" ? " " : $0 }) }
}

// MARK: - Demo data

/// The built-in demo dataset: clicks, leads and sales of the last 30 days, generated at start-up.
public enum DemoData {
    /// Event counts of the demo dataset.
    public static let counts: [(EventType, Int)] = [(.clicks, 20_000), (.leads, 3_000), (.sales, 1_500)]

    /// A store of demo events whose newest is at `now` (epoch ms).
    public static func store(now: Int64) -> EventStore {
        var loader = EventLoader()
        for (event, count) in counts {
            let bytes = Generator(GeneratorOptions(event: event, count: count, seed: 42, days: 30, end: now)).bytes()
            // Generated bytes are well-formed by construction; a failure here is a bug worth seeing in tests.
            _ = try? loader.load(bytes: bytes, name: "<demo \(event.rawValue)>")
        }
        return loader.finish()
    }
}

/// Blocks made in parallel, each slot written by one worker.
private final class BlockResults: @unchecked Sendable {
    private var slots: [[UInt8]]
    private let lock = PthreadLock()
    init(count: Int) { slots = Array(repeating: [], count: count) }
    func set(_ k: Int, _ bytes: [UInt8]) { lock.locked { slots[k] = bytes } }
    func get(_ k: Int) -> [UInt8] { lock.locked { slots[k] } }
}

extension Array where Element == UInt8 {
    /// Appends a literal's bytes with one copy (the generator's hot path).
    @inline(__always) mutating func put(_ s: StaticString) {
        guard s.hasPointerRepresentation else {
            // A one-scalar literal may be stored as the scalar itself.
            append(contentsOf: String(Character(s.unicodeScalar)).utf8)
            return
        }
        append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
}
