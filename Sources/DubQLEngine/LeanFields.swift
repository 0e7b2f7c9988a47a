// The lean parse of a streamed query's windows (the loader's own line loop,
// `EventLoader.parseLines` with `lean:`): every line is parsed and validated exactly as a load
// does (the same JSON checks, field types, required fields, size limit, errors and
// `--skip-invalid` notes), but only the text columns the plan reads are interned into the
// window's dictionaries; the others read as absent. Interning is most of what a row costs after
// parsing, and a window's store lives only until its groups or candidate rows are taken (a
// candidate's JSON is loaded again in full for the answer).

import DubQL

/// Which text columns a streamed plan's windows read: its condition, keys and aggregates, the
/// ids that order a listing's rows, and for sales whose `saleType` is read or shown, the
/// (link, customer) pair and the event id that decide it.
struct LeanFields: Sendable {
    /// Indexed by ``StringColumn`` raw value.
    let columns: [Bool]

    /// `nil` when the plan needs every column (a field the catalog does not know, or `saleType`
    /// of events that are not sales).
    ///
    /// `saleTypes` says how the scan learns sale types; `collectOnly` is the first pass of an
    /// `.oracle` plan, which reads only each sale's pair, id and time.
    init?(_ plan: LocalPlan, saleTypes: SaleTypeNeed = .none, collectOnly: Bool = false) {
        let pair: Set<StringColumn> = [.linkID, .customerID, .eventID]
        if collectOnly {
            columns = StringColumn.allCases.map { pair.contains($0) }
            return
        }
        var needed = Set<StringColumn>()
        var known = true
        func add(_ f: FieldRef) {
            switch f {
            case .catalog(let name):
                guard let spec = Catalog.field(named: name) else { known = false; return }
                switch spec.derivation {
                case .isRoot: needed.insert(.key)
                case .saleType: if plan.event == .sales && saleTypes != .none { needed.formUnion(pair) } else { known = false }
                case .timestamp, .unavailable: break
                case .path, .withoutQuery, .urlParameter: if let c = StringColumn.at(spec.jsonPath) { needed.insert(c) }
                }
            case .json(let p):
                if let c = StringColumn.at(p) { needed.insert(c) }
            case .metadata:
                break
            }
        }
        func add(_ c: BoundCondition) {
            switch c {
            case .predicate(let p): add(p.field)
            case .and(let parts), .or(let parts): parts.forEach(add)
            case .not(let inner): add(inner)
            case .constant: break
            }
        }
        if let filter = plan.filter { add(filter) }
        if let a = plan.aggregation {
            for key in a.keys {
                switch key.kind {
                case .field(let f): add(f)
                case .link: needed.insert(.domain); needed.insert(.key)
                case .bucket: break
                }
            }
            for agg in a.aggregates { if let f = agg.field { add(f) } }
        } else {
            // A listing's rows are ordered by time, then event id (`click.id` for clicks).
            needed.insert(.clickID)
            needed.insert(.eventID)
        }
        if plan.event == .sales && saleTypes != .none { needed.formUnion(pair) }
        guard known else { return nil }
        columns = StringColumn.allCases.map { needed.contains($0) }
    }

}

extension RowBuilder {
    /// ``add(_:start:end:_:)`` interning only the columns `interned` (the others' codes stay
    /// empty: the store reads an empty column as absent in every row). An event the full add refuses is refused with its error.
    @inline(__always)
    mutating func addLean(_ p: EventParser, start: Int, end: Int, _ interned: [Int], _ scratch: inout [UInt8]) throws(EventParser.Failure) {
        try addInterning(p, start: start, end: end, 0, interned)
    }
}
