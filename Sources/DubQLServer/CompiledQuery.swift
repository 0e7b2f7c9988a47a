// One request's filters compiled against the store: each filter reads a dictionary-encoded column
// and is decided once per distinct value of it (UTM patterns encoded once, not once per event),
// so the work of a request is one array lookup per filter per event plus one decision per value.

import DubQL
import DubQLAPIModel
import DubQLEngine

// MARK: - Compiled query

/// An ``APIQuery`` ready to test rows of one ``EventStore``; it means exactly what
/// ``APIQuery/matches(_:)`` means (a property test holds the two together).
struct CompiledQuery {
    /// A test on one text column, memoised per dictionary code.
    private struct ColumnTest {
        let column: StringColumn
        /// 0 not decided yet, 1 passes, 2 fails; indexed by code.
        var memo: [UInt8]
        /// The decision on a value (`""` for an absent one, as Dub's model reads it).
        let decide: (String) -> Bool
    }

    let query: APIQuery
    private let store: EventStore
    private var tests: [ColumnTest] = []
    /// True when no event can pass (an include filter on a field exported events lack).
    private(set) var matchesNothing = false
    private let saleType: String?
    /// Metadata conditions grouped by their top-level key, duplicates removed.
    private let metadata: [(key: String, conditions: [APIMetadataCondition])]

    init(_ query: APIQuery, store: EventStore) {
        self.query = query
        self.store = store
        self.saleType = query.saleType
        var grouped: [(key: String, conditions: [APIMetadataCondition])] = []
        var seen = Set<APIMetadataCondition>()
        for condition in query.metadata where seen.insert(condition).inserted {
            if let i = grouped.firstIndex(where: { $0.key == condition.key }) {
                grouped[i].conditions.append(condition)
            } else {
                grouped.append((condition.key, [condition]))
            }
        }
        self.metadata = grouped

        switch query.linkLookup {
        case .externalId(let id)?: add(.externalID) { $0 == id }
        case .rawLinkId(let id)?: add(.linkID) { $0 == id }
        case .domainKey(let domain, let key)?:
            add(.domain) { $0 == domain }
            add(.key) { $0 == key }
        case nil: break
        }
        // Sorted by name so that the order of the work does not depend on dictionary order.
        for (name, filter) in query.filters.sorted(by: { $0.key < $1.key }) {
            let values = Set(filter.values)
            let negated = filter.negated
            switch name {
            case "tagId", "groupId", "partnerTagId":
                // Not in exported events: nothing passes an include list, every event an exclusion.
                if !negated { matchesNothing = true }
            case "linkId": add(.linkID) { values.contains($0) != negated }
            case "refererUrl": add(.refererURL) { values.contains(URLText.withoutQuery($0)) != negated }
            case "url": add(.clickURL) { values.contains(URLText.withoutQuery($0)) != negated }
            case let utm where utm.hasPrefix("utm_"):
                let matcher = UTMMatcher(parameter: utm, values: filter.values)
                add(.clickURL) { url in matcher.matches(url) != negated }
            default:
                let path = ["domain", "tenantId", "folderId", "partnerId"].contains(name) ? ["link", name] : ["click", name]
                guard let column = StringColumn.at(path) else {
                    // A filter the store has no column for compares the empty value.
                    if values.contains("") == negated { matchesNothing = true }
                    continue
                }
                add(column) { values.contains($0) != negated }
            }
        }
        if let sub = query.regionSubdivision {
            add(.region) { region in
                let stored = region.firstIndex(of: "-").map { String(region[region.index(after: $0)...]) } ?? region
                return stored == sub
            }
        }
        if let root = query.root { add(.key) { ($0 == "_root") == root } }
        if let customer = query.customerId { add(.customerID) { $0 == customer } }
        if let program = query.programId { add(.programID) { $0 == program } }
    }

    /// True when every row passes (no filter at all): the caller may skip calling ``matches(_:)``.
    var acceptsEveryRow: Bool { !matchesNothing && tests.isEmpty && saleType == nil && metadata.isEmpty }

    private mutating func add(_ column: StringColumn, _ decide: @escaping (String) -> Bool) {
        tests.append(ColumnTest(column: column, memo: [UInt8](repeating: 0, count: store.distinctCodes(column)), decide: decide))
    }

    /// True when the server returns row `row` (of the query's event type, inside its time range).
    mutating func matches(_ row: Int) -> Bool {
        if matchesNothing { return false }
        for t in tests.indices {
            let code = store.code(tests[t].column, row)
            var verdict = tests[t].memo[code]
            if verdict == 0 {
                verdict = tests[t].decide(store.value(tests[t].column, code: code) ?? "") ? 1 : 2
                tests[t].memo[code] = verdict
            }
            if verdict == 2 { return false }
        }
        if let saleType, store.saleType(row) != saleType { return false }
        if !metadata.isEmpty, !metadataMatches(row) { return false }
        return true
    }

    /// Dub's metadata conditions: with one or two keys each is looked up in the row's bytes; with
    /// more, the metadata object is read once and every key taken from it.
    private func metadataMatches(_ row: Int) -> Bool {
        if metadata.count <= 2 {
            for (key, conditions) in metadata {
                let value = store.json(at: ["metadata", key], row: row)
                for c in conditions where !c.matches(value) { return false }
            }
            return true
        }
        var members: [String: JSONValue] = [:]
        if case .object(let all)? = store.metadata(row) {
            for member in all where members[member.key] == nil { members[member.key] = member.value }
        }
        for (key, conditions) in metadata {
            let value = members[key]
            for c in conditions where !c.matches(value) { return false }
        }
        return true
    }
}

// MARK: - UTM patterns

/// Dub's UTM filter, ClickHouse's `url LIKE '%utm_x=<encodeURLFormComponent(v)>%'` for any of the
/// values, with each pattern encoded once per request.
///
/// Every pattern starts with `utm_x=` (whose `_` is a wildcard too), so only the places where that
/// matches are tried; there a value with no wildcard is a byte-string comparison (a hash lookup
/// per length), and a value whose encoding holds `%` or `_` runs the general `LIKE`.
struct UTMMatcher {
    private let lead: [UInt8]
    /// Wildcard-free encoded values, by length.
    private let literals: [Int: Set<[UInt8]>]
    /// Encoded values with `%` or `_`: each matched as `LIKE '<value>%'` from the place after `lead`.
    private let wild: [[UInt8]]

    init(parameter: String, values: [String]) {
        lead = Array("\(parameter)=".utf8)
        var literals: [Int: Set<[UInt8]>] = [:]
        var wild: [[UInt8]] = []
        for value in Set(values) {
            let encoded = Array(URLText.formEncode(value).utf8)
            if encoded.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "\\") }) {
                wild.append(encoded + [UInt8(ascii: "%")])
            } else {
                literals[encoded.count, default: []].insert(encoded)
            }
        }
        self.literals = literals
        self.wild = wild.sorted { $0.lexicographicallyPrecedes($1) }
    }

    func matches(_ url: String) -> Bool {
        let text = Array(url.utf8)
        guard text.count >= lead.count else { return false }
        for p in 0...(text.count - lead.count) where Self.matchesHere(lead, text, at: p) {
            let q = p + lead.count
            for (length, set) in literals where q + length <= text.count && set.contains(Array(text[q..<(q + length)])) {
                return true
            }
            for pattern in wild where APIModel.like(text, from: q, pattern) { return true }
        }
        return false
    }

    /// `pattern` (literal bytes and `_`) matches `text` at `p`.
    private static func matchesHere(_ pattern: [UInt8], _ text: [UInt8], at p: Int) -> Bool {
        for k in 0..<pattern.count where pattern[k] != UInt8(ascii: "_") && pattern[k] != text[p + k] { return false }
        return true
    }
}
