// The field catalog: one table of data that drives binding, type checks, completion, `.fields`,
// the README's field table, both planners and the evaluator (DESIGN.md §1.3).

// MARK: - Field description

/// The type of a field's values.
public enum FieldType: String, Hashable, Sendable, Codable, CaseIterable {
    /// Text compared exactly (after ``ValueNormalization`` where the field has one).
    case text
    /// An ISO 3166-1 alpha-2 country code (`US`), or `Unknown`.
    case country
    /// An ISO 3166-2 subdivision code (`US-CA`).
    case region
    /// A continent code (`EU`).
    case continent
    /// `qr`, `link`, `pageview` or `deeplink`.
    case trigger
    /// `new` or `recurring`.
    case saleType
    /// `TRUE` or `FALSE`.
    case boolean
    /// A number (`sale.amount`).
    case number
    /// An instant (`timestamp`).
    case timestamp
    /// Any JSON value (`metadata.*`): text, number or boolean literals compare with their JSON kind.
    case json

    /// Whether `<`, `<=`, `>`, `>=` make sense on the type.
    public var isOrdered: Bool { self == .number || self == .timestamp || self == .json }

    /// How the type is named in the README and in messages.
    public var displayName: String {
        switch self {
        case .text: "text"
        case .country: "ISO 3166-1 alpha-2"
        case .region: "ISO 3166-2"
        case .continent: "continent code"
        case .trigger: "trigger"
        case .saleType: "sale type"
        case .boolean: "boolean"
        case .number: "number"
        case .timestamp: "instant"
        case .json: "JSON value"
        }
    }
}

/// How a condition on a field reaches Dub's `GET /events`.
public enum Pushdown: String, Hashable, Sendable, Codable {
    /// Advanced-filter parameter: one include list (`US,DE`) or one exclude list (`-US,DE`).
    case list
    /// One value, equality only (`customerId`).
    case single
    /// `key`: one value, only together with one `domain` (a link lookup).
    case key
    /// `externalId`: one value, sent with the `ext_` prefix (a link lookup).
    case externalId
    /// `region`: one value `CC-SUB`; replaces any `country` parameter.
    case region
    /// `root=true|false`.
    case root
    /// Deprecated `qr=true` (`qr=false` does nothing on the API).
    case qr
    /// `utm_*`: a list parameter that the API matches as a substring of the URL.
    case utm
    /// `saleType=new|recurring`, sales only.
    case saleType
    /// `query`: metadata conditions, AND-ed only.
    case metadata
    /// Not sent: evaluated on the fetched events.
    case none
}

/// Where a field's value comes from in an event.
public enum Derivation: Hashable, Sendable, Codable {
    /// The JSON value at ``FieldSpec/jsonPath``.
    case path
    /// The string at the path with its query string (from the first `?`) removed (`url`, `refererUrl`).
    case withoutQuery
    /// The decoded value of a query parameter of `click.url` (`utm_source`).
    case urlParameter(String)
    /// `link.key == "_root"`.
    case isRoot
    /// ``EventRecord/saleType``.
    case saleType
    /// ``EventRecord/timestampMillis``.
    case timestamp
    /// Not present in exported events (`tagId`, `groupId`, `partnerTagId`).
    case unavailable
}

/// One field of the catalog.
public struct FieldSpec: Hashable, Sendable {
    /// The canonical name (`country`, `utm_source`, `sale.amount`).
    public var name: String
    /// Other names accepted for it (`click.country`); lookup is case-insensitive.
    public var aliases: [String]
    /// The type values are checked against.
    public var type: FieldType
    /// Events for which the field exists in the language.
    public var events: Set<EventType>
    /// Events for which exported event JSON holds the value (local evaluation is possible).
    public var localEvents: Set<EventType>
    /// The `GET /events` parameter, when the field has one.
    public var apiParameter: String?
    /// How a condition on the field reaches the API.
    public var pushdown: Pushdown
    /// True for link-level filters that the API ignores once `linkId` is set.
    public var isLinkLevel: Bool
    /// Where the value is in the event JSON (`["click", "country"]`).
    public var jsonPath: [String]
    /// How the value is read from an event.
    public var derivation: Derivation
    /// The values the field takes, when they are a known set (completion, hints).
    public var enumeratedValues: [String]?
    /// True when a value outside ``enumeratedValues`` is an error rather than a surprise.
    public var isStrict: Bool
    /// The normalization the API applies to values (`device`, `browser`, `os`).
    public var normalization: ValueNormalization
    /// One line of documentation.
    public var doc: String

    /// The event JSON path as written in the README (`click.country`, or a description).
    public var jsonDescription: String {
        switch derivation {
        case .path, .withoutQuery: jsonPath.joined(separator: ".")
        case .urlParameter(let p): "the `\(p)` parameter of `click.url`"
        case .isRoot: "`link.key == \"_root\"`"
        case .saleType: "derived: first sale per (link, customer) is `new`"
        case .timestamp: "`timestamp` (else `click.timestamp`)"
        case .unavailable: "not in exported events (API only)"
        }
    }

    /// True when the field can be sent to the API in some form.
    public var isPushable: Bool { pushdown != .none && apiParameter != nil }
}

// MARK: - The catalog

/// The field catalog (DESIGN.md §1.3). Everything that needs a list of fields reads it from here.
public enum Catalog {
    /// Every field, in the order the README lists them.
    public static let fields: [FieldSpec] = buildFields()

    /// Looks a field up by canonical name or alias, case-insensitively.
    public static func field(named name: String) -> FieldSpec? {
        index(named: name).map { fields[$0] }
    }

    /// The position in ``fields`` of a field by name or alias (case-insensitive): lets hot paths
    /// read single properties instead of copying a whole ``FieldSpec``. ASCII names (all of the
    /// catalog's) are found without lower-casing or hashing a `String`.
    static func index(named name: String) -> Int? {
        if let i = writtenNames.position(of: name) { return i }
        return switch foldedNames.find(name) {
        case .found(let i): i
        case .absent: nil
        case .notASCII: index[name.lowercased()]
        }
    }

    /// Looks a field up by its exact canonical name (what ``FieldRef/catalog(_:)`` holds); faster
    /// than ``field(named:)`` for evaluators.
    public static func field(canonical name: String) -> FieldSpec? {
        (canonicalIdentities.position(of: name) ?? canonicalNames.position(of: name)).map { fields[$0] }
    }

    /// The position of a field (by canonical name) or of an API parameter in the catalog, for stable orders.
    /// A name the binder put in a ``FieldRef`` is the catalog's own string: found by its identity.
    public static func position(ofCanonical name: String) -> Int {
        canonicalIdentities.position(of: name) ?? canonicalNames.position(of: name) ?? Int.max
    }
    public static func position(ofParameter name: String) -> Int { parameterNames.position(of: name) ?? Int.max }

    /// The events each field exists for, as bits (``EventType/bit``), by position in ``fields``.
    static let eventBits: [UInt8] = fields.map { f in f.events.reduce(0) { $0 | $1.bit } }

    private static let parameterNames = NameTable(
        fields.enumerated().compactMap { e in e.element.apiParameter.map { ($0, e.offset) } }, foldingCase: false)

    private static let canonicalNames = NameTable(
        fields.enumerated().map { ($0.element.name, $0.offset) }, foldingCase: false)

    private static let foldedNames = NameTable(
        fields.enumerated().flatMap { e in ([e.element.name] + e.element.aliases).map { ($0, e.offset) } }, foldingCase: true)

    /// The canonical names by identity (``StringIdentityTable``): what ``FieldRef/catalog(_:)``
    /// holds, since the binder puts the catalog's own strings there.
    private static let canonicalIdentities = StringIdentityTable(fields.enumerated().map { ($0.element.name, $0.offset) })

    /// Every name and alias as the catalog writes it, by identity, with the position
    /// ``foldedNames`` gives it: a query spelling a name that way (`country`) is found without
    /// hashing its bytes.
    private static let writtenNames = StringIdentityTable(fields.flatMap { [$0.name] + $0.aliases }.compactMap { name -> (String, Int)? in
        if case .found(let i) = foldedNames.find(name) { return (name, i) }
        return nil
    })

    /// The fields an event type has, in catalog order.
    public static func fields(for event: EventType) -> [FieldSpec] {
        fields.filter { $0.events.contains(event) }
    }

    /// All names (canonical and aliases) that resolve to a field, for "did you mean" and completion.
    public static let allNames: [String] = fields.flatMap { [$0.name] + $0.aliases }

    /// The field that holds money: written and shown in US dollars, stored by Dub in cents.
    public static let moneyField = "sale.amount"

    /// The top-level objects of an event under which any JSON path may be read locally.
    public static let jsonRoots: [String: Set<EventType>] = [
        "click": [.clicks, .leads, .sales],
        "link": [.clicks, .leads, .sales],
        "customer": [.leads, .sales],
        "sale": [.sales],
    ]

    /// The keys Dub's event JSON has in each top-level object (Dub's `/events` schemas): a path
    /// under `click`, `link`, `customer` or `sale` must start with one of them (`click.contry` is
    /// a typo, not an empty column). Paths below them (`link.geo.US`) and `metadata.*` are open.
    public static let eventKeys: [String: [String]] = [
        "click": ["id", "timestamp", "url", "country", "city", "region", "continent", "device", "browser", "os", "ua",
                  "trigger", "referer", "refererUrl", "qr", "ip"],
        "link": ["id", "domain", "key", "url", "trackConversion", "archived", "proxy", "rewrite", "doIndex", "publicStats",
                 "externalId", "tenantId", "programId", "partnerId", "expiresAt", "disabledAt", "testStartedAt",
                 "testCompletedAt", "lastClicked", "createdAt", "updatedAt", "expiredUrl", "password", "title",
                 "description", "image", "video", "ios", "android", "comments", "folderId", "utm_source", "utm_medium",
                 "utm_campaign", "utm_term", "utm_content", "geo", "tags", "tagId", "webhookIds", "shortLink", "qrCode",
                 "testVariants", "userId", "workspaceId", "projectId", "clicks", "leads", "conversions", "sales", "saleAmount"],
        "customer": ["id", "externalId", "name", "email", "avatar", "country", "createdAt"],
        "sale": ["amount", "currency", "paymentProcessor", "invoiceId"],
    ]

    private static let index: [String: Int] = {
        var map: [String: Int] = [:]
        for (i, f) in fields.enumerated() {
            for n in [f.name] + f.aliases where map[n.lowercased()] == nil { map[n.lowercased()] = i }
        }
        return map
    }()
}

// MARK: - Name tables

extension EventType {
    /// One bit per event type, for sets of events held in a byte.
    var bit: UInt8 {
        switch self {
        case .clicks: 1
        case .leads: 2
        case .sales: 4
        }
    }
}

/// Catalog names to positions: open addressing over the names' UTF-8 bytes with FNV-1a, so that
/// a lookup on the planner's hot path neither lower-cases nor hashes a `String` (SipHash).
/// The first position given for a name wins, as in the dictionaries it replaces.
/// Strings found by their representation: the 16 bytes of a `String` value. Two values with the
/// same bytes are the same string (the same small string, whose bytes are its text, or the same
/// storage), so a hit is always right; a miss (the same text in other storage) says nothing, and
/// the caller asks a ``NameTable``. Short names (15 bytes of UTF-8 or less) are small strings,
/// so a query's `country` finds the catalog's `country` here. The strings given must live for
/// as long as the table (the catalog's do): their storage is compared, not retained.
struct StringIdentityTable: Sendable {
    private let first: [UInt64], second: [UInt64], positions: [Int32]
    private let mask: Int

    static var isUsable: Bool { MemoryLayout<String>.size == 16 }

    @inline(__always) static func bits(_ s: String) -> (UInt64, UInt64) {
        withUnsafeBytes(of: s) { ($0.load(fromByteOffset: 0, as: UInt64.self), $0.load(fromByteOffset: 8, as: UInt64.self)) }
    }

    @inline(__always) static func slot(_ b: (UInt64, UInt64), mask: Int) -> Int {
        let h = (b.0 &* 0x9E37_79B9_7F4A_7C15) ^ (b.1 &* 0xC2B2_AE3D_27D4_EB4F)
        return Int(truncatingIfNeeded: h ^ (h >> 31)) & mask
    }

    init(_ names: [(String, Int)]) {
        var size = 16
        while size < names.count * 3 { size *= 2 }
        var first = [UInt64](repeating: 0, count: size), second = [UInt64](repeating: 0, count: size)
        var positions = [Int32](repeating: -1, count: size)
        mask = size - 1
        if StringIdentityTable.isUsable {
            for (name, position) in names {
                let b = StringIdentityTable.bits(name)
                var i = StringIdentityTable.slot(b, mask: mask)
                var duplicate = false
                while positions[i] >= 0 {
                    if first[i] == b.0 && second[i] == b.1 { duplicate = true; break }
                    i = (i + 1) & mask
                }
                if duplicate { continue }
                first[i] = b.0
                second[i] = b.1
                positions[i] = Int32(position)
            }
        }
        self.first = first
        self.second = second
        self.positions = positions
    }

    /// The position of `name` when it is one of the table's strings; `nil` says nothing.
    func position(of name: String) -> Int? {
        guard StringIdentityTable.isUsable else { return nil }
        let b = StringIdentityTable.bits(name)
        var i = StringIdentityTable.slot(b, mask: mask)
        while true {
            let p = positions[i]
            if p < 0 { return nil }
            if first[i] == b.0 && second[i] == b.1 { return Int(p) }
            i = (i + 1) & mask
        }
    }
}

struct NameTable: Sendable {
    enum Lookup { case found(Int), absent, notASCII }

    /// The names' bytes (lower-cased when folding), one after another.
    private let bytes: [UInt8]
    /// Per slot: start in ``bytes``, length, position; length -1 for an empty slot.
    private let starts: [Int32], lengths: [Int32], positions: [Int32]
    private let mask: Int
    private let foldingCase: Bool

    init(_ names: [(String, Int)], foldingCase: Bool) {
        self.foldingCase = foldingCase
        var size = 16
        while size < names.count * 3 { size *= 2 }
        var bytes: [UInt8] = []
        var starts = [Int32](repeating: 0, count: size), lengths = [Int32](repeating: -1, count: size)
        var positions = [Int32](repeating: 0, count: size)
        let mask = size - 1
        for (name, position) in names {
            let key = Array(name.utf8).map { foldingCase ? NameTable.fold($0) : $0 }
            var i = key.withUnsafeBufferPointer { NameTable.hash($0, foldingCase: false) } & mask
            var duplicate = false
            while lengths[i] >= 0 {
                if bytes[Int(starts[i])..<Int(starts[i] + lengths[i])].elementsEqual(key) { duplicate = true; break }
                i = (i + 1) & mask
            }
            if duplicate { continue }
            starts[i] = Int32(bytes.count)
            lengths[i] = Int32(key.count)
            positions[i] = Int32(position)
            bytes += key
        }
        self.bytes = bytes
        self.starts = starts
        self.lengths = lengths
        self.positions = positions
        self.mask = mask
    }

    @inline(__always) static func fold(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c | 0x20 : c }

    @inline(__always) static func hash(_ key: UnsafeBufferPointer<UInt8>, foldingCase: Bool) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for c in key { h = (h ^ UInt64(foldingCase ? fold(c) : c)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    /// The position of `name` (an exact match, or a case-insensitive one when folding).
    func position(of name: String) -> Int? {
        if case .found(let i) = find(name) { return i }
        return nil
    }

    func find(_ name: String) -> Lookup {
        if let r = name.utf8.withContiguousStorageIfAvailable({ find(bytes: $0) }) { return r }
        return Array(name.utf8).withUnsafeBufferPointer { find(bytes: $0) }
    }

    private func find(bytes key: UnsafeBufferPointer<UInt8>) -> Lookup {
        if foldingCase, key.contains(where: { $0 >= 0x80 }) { return .notASCII }
        var i = NameTable.hash(key, foldingCase: foldingCase) & mask
        return bytes.withUnsafeBufferPointer { stored in
            while true {
                let length = Int(lengths[i])
                if length < 0 { return .absent }
                if length == key.count, let a = stored.baseAddress, let b = key.baseAddress {
                    let p = a + Int(starts[i])
                    var k = 0
                    if foldingCase {
                        while k < length, p[k] == NameTable.fold(b[k]) { k += 1 }
                    } else {
                        while k < length, p[k] == b[k] { k += 1 }
                    }
                    if k == length { return .found(Int(positions[i])) }
                }
                i = (i + 1) & mask
            }
        }
    }
}

// MARK: - The table

private let all: Set<EventType> = [.clicks, .leads, .sales]
private let conversions: Set<EventType> = [.leads, .sales]

private func spec(_ name: String, _ aliases: [String] = [], _ type: FieldType = .text, events: Set<EventType> = all,
                  local: Set<EventType>? = nil, api: String? = nil, _ pushdown: Pushdown = .none,
                  linkLevel: Bool = false, path: [String], _ derivation: Derivation = .path,
                  values: [String]? = nil, strict: Bool = false, normalization: ValueNormalization = .none,
                  doc: String) -> FieldSpec {
    FieldSpec(name: name, aliases: aliases, type: type, events: events, localEvents: local ?? events,
              apiParameter: api, pushdown: pushdown, isLinkLevel: linkLevel, jsonPath: path, derivation: derivation,
              enumeratedValues: values, isStrict: strict, normalization: normalization, doc: doc)
}

private func buildFields() -> [FieldSpec] {
    var f: [FieldSpec] = [
        spec("domain", ["link.domain"], api: "domain", .list, linkLevel: true, path: ["link", "domain"],
             doc: "Domain of the short link (`dub.sh`)."),
        spec("key", ["link.key", "slug"], api: "key", .key, path: ["link", "key"],
             doc: "Slug of the short link; needs exactly one `domain`."),
        spec("linkId", ["link.id"], api: "linkId", .list, path: ["link", "id"],
             doc: "Dub link ID; the API then ignores other link-level filters."),
        spec("externalId", ["link.externalId"], api: "externalId", .externalId, path: ["link", "externalId"],
             doc: "The link's ID in your system; sent as `ext_<id>`."),
        spec("tenantId", ["link.tenantId"], api: "tenantId", .list, linkLevel: true, path: ["link", "tenantId"],
             doc: "Tenant that created the link."),
        spec("folderId", ["link.folderId"], api: "folderId", .list, linkLevel: true, path: ["link", "folderId"],
             doc: "Folder of the link."),
        spec("partnerId", ["link.partnerId"], api: "partnerId", .list, linkLevel: true, path: ["link", "partnerId"],
             doc: "Partner of the link."),
        spec("tagId", [], local: [], api: "tagId", .list, linkLevel: true, path: [], .unavailable,
             doc: "Tag of the link (API only: exported events have no tags)."),
        spec("groupId", [], local: [], api: "groupId", .list, linkLevel: true, path: [], .unavailable,
             doc: "Partner group (API only)."),
        spec("partnerTagId", [], local: [], api: "partnerTagId", .list, linkLevel: true, path: [], .unavailable,
             doc: "Tag of the link's partner (API only; on clicks and leads Dub applies it only with another link-level filter)."),
        spec("customerId", ["customer.id"], local: conversions, api: "customerId", .single, path: ["customer", "id"],
             doc: "Dub customer ID; on clicks, the clicks that led to that customer's lead (API only)."),
        spec("country", ["click.country"], .country, api: "country", .list, path: ["click", "country"],
             values: Catalog.countries.map(\.alpha2) + [Catalog.unknownValue], strict: true,
             doc: "Visitor's country, ISO 3166-1 alpha-2 (`US`)."),
        spec("city", ["click.city"], api: "city", .list, path: ["click", "city"],
             doc: "Visitor's city (`San Jose`)."),
        spec("region", ["click.region"], .region, api: "region", .region, path: ["click", "region"],
             doc: "Visitor's region, ISO 3166-2 (`US-CA`); one value, replaces `country` on the API."),
        spec("continent", ["click.continent"], .continent, api: "continent", .list, path: ["click", "continent"],
             values: Catalog.continents, strict: true, doc: "Visitor's continent (`EU`)."),
        spec("device", ["click.device"], api: "device", .list, path: ["click", "device"],
             values: Catalog.devices, normalization: .capitalizeWords, doc: "Device type (`Desktop`, `Mobile`)."),
        spec("browser", ["click.browser"], api: "browser", .list, path: ["click", "browser"],
             values: Catalog.browsers, normalization: .capitalizeWords, doc: "Browser (`Chrome`)."),
        spec("os", ["click.os"], api: "os", .list, path: ["click", "os"],
             values: Catalog.operatingSystems, normalization: .capitalizeWordsKeepingIOS,
             doc: "Operating system (`Mac OS`, `iOS`)."),
        spec("trigger", ["click.trigger"], .trigger, api: "trigger", .list, path: ["click", "trigger"],
             values: Catalog.triggers, strict: true, doc: "What made the click: `qr`, `link`, `pageview`, `deeplink`."),
        spec("referer", ["click.referer"], api: "referer", .list, path: ["click", "referer"],
             doc: "Referrer host without `www.`, or `(direct)`."),
        spec("refererUrl", ["click.refererUrl"], api: "refererUrl", .list, path: ["click", "refererUrl"], .withoutQuery,
             doc: "Referrer URL, compared without its query string."),
        spec("url", ["click.url"], api: "url", .list, path: ["click", "url"], .withoutQuery,
             doc: "Destination URL, compared without its query string."),
    ]
    for p in ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"] {
        f.append(spec(p, [], api: p, .utm, path: ["click", "url"], .urlParameter(p),
                      doc: "The decoded `\(p)` parameter of the destination URL (the API matches a substring)."))
    }
    f += [
        spec("root", [], .boolean, api: "root", .root, linkLevel: true, path: ["link", "key"], .isRoot,
             values: Catalog.booleans, strict: true, doc: "True for the root link of a domain (`link.key` is `_root`)."),
        spec("qr", ["click.qr"], .boolean, api: "qr", .qr, path: ["click", "qr"],
             values: Catalog.booleans, strict: true, doc: "Deprecated QR flag; prefer `trigger = qr`."),
        spec("saleType", [], .saleType, events: [.sales], api: "saleType", .saleType, path: [], .saleType,
             values: Catalog.saleTypes, strict: true, doc: "`new` for the first sale of a (link, customer) pair, else `recurring`."),
        spec("timestamp", [], .timestamp, path: ["timestamp"], .timestamp,
             doc: "When the event happened (use SINCE/BETWEEN to send it to the API)."),
        spec("eventId", [], events: conversions, path: ["eventId"], doc: "ID of the lead or sale event."),
        spec("eventName", [], events: conversions, path: ["eventName"], doc: "Name of the lead or sale event (`Sign up`)."),
        spec("sale.amount", ["saleAmount"], .number, events: [.sales], path: ["sale", "amount"],
             doc: "Sale amount in US dollars (`49.90`, `$49.90`, `49.90 usd`); Dub's event JSON holds cents."),
        spec("sale.currency", [], events: [.sales], path: ["sale", "currency"], doc: "Currency, lower case (`usd`)."),
        spec("sale.paymentProcessor", [], events: [.sales], path: ["sale", "paymentProcessor"],
             values: Catalog.paymentProcessors, doc: "Payment processor (`stripe`)."),
        spec("sale.invoiceId", [], events: [.sales], path: ["sale", "invoiceId"], doc: "Invoice ID, `\"\"` when none."),
        spec("customer.email", [], events: conversions, path: ["customer", "email"], doc: "Customer's email."),
        spec("customer.name", [], events: conversions, path: ["customer", "name"], doc: "Customer's name."),
        spec("customer.country", [], events: conversions, path: ["customer", "country"], doc: "Customer's country."),
        spec("customer.externalId", [], events: conversions, path: ["customer", "externalId"],
             doc: "Customer's ID in your system."),
        spec("click.id", ["clickId"], path: ["click", "id"], doc: "Click ID."),
        spec("click.ip", [], path: ["click", "ip"], doc: "Visitor's IP address (`\"\"` for EU visitors)."),
        spec("click.ua", [], path: ["click", "ua"], doc: "User agent."),
        spec("link.url", [], path: ["link", "url"], doc: "The link's destination URL."),
        spec("link.shortLink", ["shortLink"], path: ["link", "shortLink"], doc: "The short link (`https://dub.sh/try`)."),
        spec("link.title", [], path: ["link", "title"], doc: "The link's title."),
        spec("link.programId", ["programId"], path: ["link", "programId"], doc: "The link's partner program."),
    ]
    return f
}
