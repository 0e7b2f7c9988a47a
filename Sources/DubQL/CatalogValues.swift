// The enumerated values of catalog fields (continents, triggers, devices, browsers, systems, sale
// types, payment processors, time presets) and the value normalization the Dub API applies.

// MARK: - Value lists

extension Catalog {
    /// Continent codes (`CONTINENT_CODES` in Dub).
    public static let continents: [String] = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"]

    /// Continent names, for hints such as `continent = Europe`.
    public static let continentNames: [String: String] = [
        "AF": "Africa", "AN": "Antarctica", "AS": "Asia", "EU": "Europe",
        "NA": "North America", "OC": "Oceania", "SA": "South America",
    ]

    /// What made a click (`TRIGGER_TYPES` in Dub).
    public static let triggers: [String] = ["qr", "link", "pageview", "deeplink"]

    /// Device types Dub stores (capitalised; `Desktop` is the default). Used for completion only:
    /// the API accepts any value.
    public static let devices: [String] = ["Desktop", "Mobile", "Tablet", "Console", "Smarttv", "Wearable", "Embedded", "Xr"]

    /// Common browser names as Dub stores them. Completion only.
    public static let browsers: [String] = [
        "Chrome", "Safari", "Firefox", "Edge", "Opera", "Samsung Browser", "Mobile Safari", "Chrome WebView",
        "Facebook", "Instagram", "WebKit", "Brave", "Vivaldi", "Yandex", "UCBrowser",
    ]

    /// Common operating systems as Dub stores them. Completion only.
    public static let operatingSystems: [String] = [
        "Mac OS", "Windows", "iOS", "Android", "Linux", "Ubuntu", "Chromium OS", "HarmonyOS", "Fedora",
    ]

    /// `saleType` values.
    public static let saleTypes: [String] = ["new", "recurring"]

    /// `sale.paymentProcessor` values (the schema's enum).
    public static let paymentProcessors: [String] = ["stripe", "shopify", "polar", "paddle", "apple", "revenuecat", "dub", "custom"]

    /// Values of boolean fields.
    public static let booleans: [String] = ["true", "false"]

    /// The time presets of the language (`SINCE 30d`, `SINCE ytd`).
    public static let timePresets: [String] = ["1h", "24h", "7d", "30d", "90d", "1y", "mtd", "qtd", "ytd", "all", "all_unfiltered"]

    /// The `interval` values Dub's API accepts today (`DATE_RANGE_INTERVAL_PRESETS`).
    public static let apiIntervals: [String] = ["24h", "7d", "30d", "90d", "1y", "mtd", "qtd", "ytd", "all"]

    /// The event names of the language.
    public static let eventNames: [String] = EventType.allCases.map(\.rawValue)

    /// The earliest instant the API accepts (`DUB_FOUNDING_DATE`, 2022-09-22T00:00:00Z), epoch ms.
    public static let earliestInstant: Int64 = 1_663_804_800_000
}

// MARK: - Normalization

/// How the API rewrites a value before comparing it (`device`, `browser`, `os`).
public enum ValueNormalization: String, Hashable, Sendable, Codable {
    /// Compared as written.
    case none
    /// Each word capitalised: first letter upper case, the rest as written (`mobile` → `Mobile`,
    /// `mac os` → `Mac Os`).
    case capitalizeWords
    /// As ``capitalizeWords``, but the exact value `iOS` is kept (`ios` still becomes `Ios`).
    case capitalizeWordsKeepingIOS

    /// The value as the API compares it.
    public func apply(_ value: String) -> String {
        switch self {
        case .none:
            return value
        case .capitalizeWordsKeepingIOS where value == "iOS":
            return value
        case .capitalizeWords, .capitalizeWordsKeepingIOS:
            return capitalizeEachWord(value)
        }
    }
}

/// Dub's per-word capitalisation: the first character of every space-separated word upper-cased,
/// the rest kept as written (`mac OS` → `Mac OS`, `ios` → `Ios`, `Mobile` unchanged), so it is
/// idempotent and the planner can send already-normalized values.
func capitalizeEachWord(_ value: String) -> String {
    // Fast path: every word already starts with something that is not a lower-case ASCII letter.
    var atStart = true
    var unchanged = true
    for b in value.utf8 {
        if atStart && (b >= 0x80 || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))) {
            unchanged = false
            break
        }
        atStart = b == UInt8(ascii: " ")
    }
    if unchanged { return value }
    var out = ""
    out.reserveCapacity(value.utf8.count)
    var atWordStart = true
    for ch in value {
        if ch == " " {
            out.append(ch)
            atWordStart = true
        } else if atWordStart {
            out += ch.uppercased()
            atWordStart = false
        } else {
            out.append(ch)
        }
    }
    return out
}
