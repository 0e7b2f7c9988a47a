// Pushdown of one conjunction of leaf conditions to `GET /events` parameters: the strongest set of
// parameters whose answer is a superset of the conjunction, plus the exact residual, respecting the
// API's quirks (dub-api.md §1-§2).

import DubQLSyntax

// MARK: - Conjunction plan

/// The parameters of one request before the fixed ones (event, time, paging) join them: a short
/// list kept in catalog order (``Catalog/position(ofParameter:)``, `query` last), so that it is
/// sent as it is and two lists are equal exactly when they hold the same parameters.
struct ParameterList: Equatable {
    /// One parameter and its place (a struct, not a tuple: arrays of tuples of references are
    /// copied through generic value witnesses).
    struct Item {
        var rank: Int
        var name: String
        var value: String
    }

    private(set) var items: [Item] = []

    var isEmpty: Bool { items.isEmpty }

    /// Where a parameter goes: catalog parameters by position, then any other, then `query`.
    static func rank(_ name: String) -> Int {
        name == "query" ? Int.max : Swift.min(Catalog.position(ofParameter: name), Int.max - 1)
    }

    subscript(name: String) -> String? {
        get { items.first { $0.name == name }?.value }
        set {
            if let i = items.firstIndex(where: { $0.name == name }) {
                if let newValue { items[i].value = newValue } else { items.remove(at: i) }
                return
            }
            guard let newValue else { return }
            insert(name, newValue, rank: ParameterList.rank(name))
        }
    }

    /// Sets `name` (whose ``rank(_:)`` is `rank`, looked up by the caller once) to `value`.
    mutating func set(_ name: String, _ value: String, rank: Int) {
        for i in items.indices where items[i].rank == rank && items[i].name == name {
            items[i].value = value
            return
        }
        insert(name, value, rank: rank)
    }

    private mutating func insert(_ name: String, _ value: String, rank: Int) {
        if items.isEmpty { items.reserveCapacity(4) }
        // Appended and moved into place: `insert(_:at:)` goes through the generic replaceSubrange.
        items.append(Item(rank: rank, name: name, value: value))
        var at = items.count - 1
        while at > 0, items[at - 1].rank > rank {
            items.swapAt(at, at - 1)
            at -= 1
        }
    }

    static func == (a: ParameterList, b: ParameterList) -> Bool {
        a.items.count == b.items.count && zip(a.items, b.items).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

/// The parameters one conjunction becomes, and what stays local.
struct ConjunctionPlan {
    /// Parameter name to value, exactly as sent.
    var params = ParameterList()
    /// Leaves the API cannot express exactly; evaluated on the fetched events.
    var residual: [BoundCondition] = []
    /// Leaves that can neither be sent nor evaluated locally, with the reason.
    var unplannable: [(BoundPredicate, String)] = []
    var notes: [String] = []

    var isExact: Bool { residual.isEmpty && unplannable.isEmpty }
}

enum Pushdowns {
    /// Fields whose values exported events lack: they must be sent or the query cannot run.
    static func isAPIOnly(_ field: FieldRef, event: EventType) -> Bool {
        guard case .catalog(let name) = field else { return false }
        let i = Catalog.position(ofCanonical: name)
        guard i < Catalog.fields.count else { return false }
        return !Catalog.fields[i].localEvents.contains(event)
    }

    /// Fields that cannot be checked on the events one API request returns: those exported events
    /// lack, and `saleType`, which is derived from every sale of a (link, customer) pair, not just
    /// the fetched ones. In a residual they would give wrong answers, so they must be sent.
    static func mustBeSent(_ field: FieldRef, event: EventType) -> Bool {
        field == .catalog("saleType") || isAPIOnly(field, event: event)
    }

    /// Plans a conjunction of leaves (predicates and NOT-ed ordering predicates).
    static func plan(_ leaves: [BoundCondition], event: EventType) -> ConjunctionPlan {
        var plan = ConjunctionPlan()
        // Few fields per conjunction: a list with linear lookups beats hashing strings. Each field
        // is looked up in the catalog once; after that it is its position (`rank`).
        var list: [Entry] = []
        list.reserveCapacity(leaves.count)
        var metadata: [BoundPredicate] = []
        for leaf in leaves {
            guard case .predicate(let p) = leaf, p.op == .in || p.op == .notIn else {
                if case .predicate(let p) = leaf, case .metadata = p.field {
                    plan.notes.append("\(p.field) checked locally: the API compares metadata only as text, so numbers stored as JSON numbers would be missed")
                }
                plan.residual.append(leaf)
                continue
            }
            switch p.field {
            case .catalog(let name):
                let rank = Catalog.position(ofCanonical: name)
                var repeated = false
                // By index: `contains(where:)` would copy every entry (and its predicate) it looks at.
                for j in list.indices where list[j].rank == rank && (rank != Int.max || list[j].name == name) {
                    repeated = true
                    break
                }
                if repeated {
                    plan.residual.append(leaf)
                } else {
                    // Kept in catalog order as it is built (after equal ranks, as a stable sort
                    // would put it): a handful of entries, no sort afterwards.
                    list.append(Entry(rank: rank, name: name, predicate: p))
                    var at = list.count - 1
                    while at > 0, list[at - 1].rank > rank {
                        list.swapAt(at, at - 1)
                        at -= 1
                    }
                }
            case .metadata: metadata.append(p)
            default: plan.residual.append(leaf)
            }
        }
        func keep(_ p: BoundPredicate) { plan.residual.append(.predicate(p)) }
        // Read in place from here on (by index): a predicate copied out costs a copy and a destroy.
        let entries = list
        let preds = PredicateList(entries)

        // Link lookup: which of linkId / externalId / domain+key (if any) the API will act on.
        let linkId = preds.index(Ranks.linkId).flatMap { encodeList(entries[$0].predicate) }
        let externalId = preds.index(Ranks.externalId).flatMap { singleValue(entries[$0].predicate) }.map { "ext_" + $0 }
        let key = preds.index(Ranks.key).flatMap { singleValue(entries[$0].predicate) }
        let domainSingle = preds.index(Ranks.domain).flatMap { i in
            singleValue(entries[i].predicate).flatMap { v in encodeList(entries[i].predicate) == v ? v : nil }
        }
        let apiOnlyLinkLevel = preds.has(Ranks.tagId) || preds.has(Ranks.groupId) || preds.has(Ranks.partnerTagId)
        enum Mode { case none, linkId, externalId, key }
        var mode = Mode.none
        if !apiOnlyLinkLevel {
            if let l = linkId, !l.hasPrefix("-") { mode = .linkId }
            else if externalId != nil { mode = .externalId }
            else if key != nil, domainSingle != nil { mode = .key }
            else if linkId != nil, !list.contains(where: { linkLevel(rank: $0.rank) }) { mode = .linkId }
        } else if linkId != nil || externalId != nil || key != nil {
            plan.notes.append("linkId, externalId and key are checked locally: with them the API would ignore the "
                              + (preds.has(Ranks.partnerTagId) ? "tagId/groupId/partnerTagId" : "tagId/groupId") + " filter")
        }

        if mode != .none {
            let suppressed = list.filter { linkLevel(rank: $0.rank) }.map(\.name).filter { !(mode == .key && $0 == "domain") }.sorted()
            if !suppressed.isEmpty {
                plan.notes.append("\(suppressed.joined(separator: ", ")) checked locally: the API ignores link-level filters once a link is selected by \(mode == .key ? "domain and key" : mode == .linkId ? "linkId" : "externalId")")
            }
        }

        let regionValue = preds.index(Ranks.region).flatMap { singleValue(entries[$0].predicate) }
        // `list` is in catalog order already (entries are inserted in place): no sorted copy.
        // One entry, its predicate borrowed from `entries` (not copied out of it).
        func planEntry(_ p: BoundPredicate, _ rank: Int) {
            guard rank < Catalog.fields.count, let param = Catalog.fields[rank].apiParameter else {
                keep(p)
                return
            }
            // The parameter's place in the request, from a table instead of a lookup by name.
            let paramRank = Catalog.parameterRanks[rank]
            // Properties read in place: a copy of the whole FieldSpec would retain a dozen references.
            let spec = CatalogField(index: rank)
            // Fields told apart by position, not by comparing their names.
            if spec.isLinkLevel && mode != .none && !(mode == .key && rank == Ranks.domain) {
                keep(p)
                return
            }
            switch spec.pushdown {
            case .list:
                if rank == Ranks.linkId {
                    if mode == .linkId, let v = linkId { plan.params.set(param, v, rank: paramRank) } else { keep(p) }
                    return
                }
                if rank == Ranks.country, regionValue != nil {
                    plan.notes.append("country checked locally: the API replaces it with the country of region")
                    keep(p)
                    return
                }
                if rank == Ranks.domain, mode == .key, let d = domainSingle {
                    plan.params.set(param, d, rank: paramRank)
                    return
                }
                guard let v = encodeList(p) else {
                    if isAPIOnly(p.field, event: event) {
                        plan.unplannable.append((p, "its values cannot be sent (a comma, an empty value, or only values starting with '-')"))
                    } else {
                        plan.notes.append("\(spec.name) checked locally: Dub's filter syntax cannot express \(describe(p.values))")
                        keep(p)
                    }
                    return
                }
                // `v` joins the sendable values with commas: fewer parts than values means some were dropped.
                if p.op == .notIn, p.values.count > 1, v.utf8.reduce(1, { $1 == UInt8(ascii: ",") ? $0 + 1 : $0 }) < p.values.count {
                    guard !isAPIOnly(p.field, event: event) else {
                        plan.unplannable.append((p, "some of its values cannot be sent (a comma or an empty value)"))
                        return
                    }
                    keep(p)
                }
                plan.params.set(param, v, rank: paramRank)
            case .single:
                if let v = singleValue(p) { plan.params.set(param, v, rank: paramRank) }
                else if isAPIOnly(p.field, event: event) {
                    let many = p.op == .in && p.values.count > APIPlanner.maximumUnionRequests
                    plan.unplannable.append((p, many ? "the API takes one \(spec.name) per request, and a union has at most \(APIPlanner.maximumUnionRequests) requests"
                                                     : "the API takes one \(spec.name) and no exclusion"))
                }
                else { keep(p) }
            case .key:
                if mode == .key, let k = key { plan.params.set(param, k, rank: paramRank) } else { keep(p) }
            case .externalId:
                if mode == .externalId, let e = externalId { plan.params.set(param, e, rank: paramRank) } else { keep(p) }
            case .region:
                if let r = regionValue { plan.params.set(param, r, rank: paramRank) } else { keep(p) }
            case .root:
                if case .bool(let b)? = p.values.first, p.op == .in, p.values.count == 1 { plan.params.set(param, b ? "true" : "false", rank: paramRank) }
                else { keep(p) }
            case .qr:
                plan.notes.append("qr checked locally: Dub's qr=true filters on trigger, not on click.qr")
                keep(p)
            case .utm:
                if p.op == .in, p.values.allSatisfy({ if case .string(let s) = $0 { URLText.isFormEncodingInvariant(s) && !s.isEmpty } else { false } }),
                   let v = encodeList(p) {
                    plan.params.set(param, v, rank: paramRank)
                    plan.notes.append("\(spec.name) also checked locally: the API matches it as a substring of the URL")
                } else if p.op == .notIn {
                    plan.notes.append("\(spec.name) checked locally: the API's substring match cannot exclude exactly")
                }
                keep(p)
            case .saleType:
                if event == .sales, let v = singleValue(p) { plan.params.set(param, v, rank: paramRank) }
                else { plan.unplannable.append((p, "the API takes one saleType, and it cannot be derived from the fetched sales alone")) }
            case .metadata, .none:
                keep(p)
            }
        }
        for i in entries.indices { planEntry(entries[i].predicate, entries[i].rank) }

        // Metadata: AND-ed equality and inequality on top-level keys with text values.
        var queryParts: [String] = []
        for p in metadata {
            if let text = metadataCondition(p) { queryParts.append(text) } else {
                plan.notes.append("\(p.field) checked locally: the API's metadata query cannot express it exactly")
                keep(p)
            }
        }
        if !queryParts.isEmpty { plan.params["query"] = queryParts.joined(separator: " AND ") }
        // Dub's events pipe applies partnerTagId to clicks and leads only when another link-level
        // filter is sent too (dub-api.md §2); exported events cannot check it either.
        if event != .sales, plan.params["partnerTagId"] != nil,
           !partnerTagCompanions.contains(where: { plan.params[$0] != nil }), let i = preds.index(Ranks.partnerTagId) {
            let p = entries[i].predicate
            plan.params["partnerTagId"] = nil
            plan.unplannable.append((p, "Dub's API applies partnerTagId to \(event.rawValue) only together with another link-level filter"))
        }
        return plan
    }

    /// The link-level parameters that make Dub apply `partnerTagId` to clicks and leads.
    static let partnerTagCompanions = ["domain", "tagId", "folderId", "partnerId", "groupId", "tenantId", "root"]

    /// The properties of one catalog field that planning reads, read in place from ``Catalog/fields``.
    struct CatalogField {
        let index: Int
        var name: String { Catalog.fields[index].name }
        var isLinkLevel: Bool { Catalog.fields[index].isLinkLevel }
        var pushdown: Pushdown { Catalog.fields[index].pushdown }
    }

    /// A catalog predicate of a conjunction, by its field's position.
    struct Entry {
        var rank: Int
        var name: String
        var predicate: BoundPredicate
    }

    /// Lookup by catalog position in a short list.
    struct PredicateList {
        let items: [Entry]
        init(_ items: [Entry]) { self.items = items }
        /// True when an entry has position `rank` (without copying its predicate, as `!= nil` would).
        func has(_ rank: Int) -> Bool {
            for i in items.indices where items[i].rank == rank { return true }
            return false
        }
        /// The index of the entry at position `rank`: its predicate is then read in place.
        func index(_ rank: Int) -> Int? {
            for i in items.indices where items[i].rank == rank { return i }
            return nil
        }
    }

    /// The catalog positions of the fields the link lookup reads, found once.
    enum Ranks {
        static let linkId = Catalog.position(ofCanonical: "linkId")
        static let externalId = Catalog.position(ofCanonical: "externalId")
        static let key = Catalog.position(ofCanonical: "key")
        static let domain = Catalog.position(ofCanonical: "domain")
        static let tagId = Catalog.position(ofCanonical: "tagId")
        static let groupId = Catalog.position(ofCanonical: "groupId")
        static let partnerTagId = Catalog.position(ofCanonical: "partnerTagId")
        static let region = Catalog.position(ofCanonical: "region")
        static let country = Catalog.position(ofCanonical: "country")
    }

    static func linkLevel(_ name: String) -> Bool {
        linkLevel(rank: Catalog.position(ofCanonical: name))
    }

    static func linkLevel(rank i: Int) -> Bool {
        i < Catalog.fields.count && Catalog.fields[i].isLinkLevel
    }

    static func describe(_ values: ScalarValues) -> String {
        values.map { "'\($0.description)'" }.joined(separator: ", ")
    }

    /// The advanced-filter value for an IN or NOT IN predicate, or `nil` when it cannot be expressed.
    /// NOT IN drops inexpressible values (a superset); IN needs all of them.
    static func encodeList(_ p: BoundPredicate) -> String? {
        // One value (the usual `f = v`, `f != v`): no intermediate arrays.
        if p.values.count == 1 {
            guard case .string(let s) = p.values[0], p.op == .in || p.op == .notIn else { return nil }
            // One pass over the bytes: empty, a comma, a leading `-`.
            var first: UInt8?
            for b in s.utf8 {
                if b == UInt8(ascii: ",") { return nil }
                if first == nil { first = b }
            }
            guard let first else { return nil }
            if p.op == .notIn { return "-" + s }
            // A `-` byte first: asked as before, by Character (`-` and a combining mark is not `-`).
            return first == UInt8(ascii: "-") && s.hasPrefix("-") ? nil : s
        }
        let texts = p.values.compactMap { v -> String? in if case .string(let s) = v { s } else { nil } }
        guard texts.count == p.values.count else { return nil }
        let expressible = texts.filter { !$0.isEmpty && !$0.utf8.contains(UInt8(ascii: ",")) }
        if p.op == .notIn {
            guard !expressible.isEmpty else { return nil }
            return "-" + expressible.joined(separator: ",")
        }
        guard p.op == .in, expressible.count == texts.count,
              let firstIndex = texts.firstIndex(where: { !$0.hasPrefix("-") }) else { return nil }
        // Only a leading `-` of the whole parameter negates: any value not starting with one goes first.
        var ordered = texts
        ordered.insert(ordered.remove(at: firstIndex), at: 0)
        return ordered.joined(separator: ",")
    }

    /// The one non-empty text value of an `= v` predicate.
    static func singleValue(_ p: BoundPredicate) -> String? {
        guard p.op == .in, p.values.count == 1, case .string(let s) = p.values[0], !s.isEmpty else { return nil }
        return s
    }

    /// `metadata['plan']:'pro'` when Dub's parser reads it back exactly, else `nil`.
    static func metadataCondition(_ p: BoundPredicate) -> String? {
        guard case .metadata(let path) = p.field, path.count == 1, let key = path.first, !key.isEmpty,
              key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }),
              p.values.count == 1, case .string(let value) = p.values[0], !value.isEmpty else { return nil }
        let op: APIMetadataCondition.Operator = p.op == .in ? .equals : .notEquals
        guard p.op == .in || p.op == .notIn else { return nil }
        let text = "metadata['\(key)']\(op == .equals ? ":" : "!=")'\(value)'"
        let parsed = APIMetadataQuery.parse(text)
        guard parsed == [APIMetadataCondition(key: key, op: op, value: value)] else { return nil }
        return text
    }
}

extension Catalog {
    /// Per field (by position in ``fields``): the ``ParameterList/rank(_:)`` of its API parameter,
    /// `Int.max` for a field without one; read instead of looking the parameter up by name.
    static let parameterRanks: [Int] = fields.map { f in f.apiParameter.map { ParameterList.rank($0) } ?? Int.max }
}
