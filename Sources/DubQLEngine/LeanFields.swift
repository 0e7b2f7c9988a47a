// The lean parse of a streamed aggregate's windows (the loader's own line loop,
// `EventLoader.parseLines` with `lean:`): every line is parsed and validated exactly as a load
// does (the same JSON checks, field types, required fields, size limit, errors and
// `--skip-invalid` notes), but only the text columns the plan reads are interned into the
// window's dictionaries; the others read as absent. Interning is most of what a row costs after
// parsing, and a window's store lives only until its groups are taken.

import DubQL

/// Which text columns an aggregate plan reads (its condition, keys and aggregates).
struct LeanFields: Sendable {
    /// Indexed by ``StringColumn`` raw value.
    let columns: [Bool]

    /// `nil` when the plan needs every column: sales (`saleType` is derived from the whole
    /// input's sales, the sales streaming path decides what it needs) and unknown fields.
    init?(_ plan: LocalPlan) {
        guard let a = plan.aggregation, plan.event != .sales else { return nil }
        var needed = Set<StringColumn>()
        var known = true
        func add(_ f: FieldRef) {
            switch f {
            case .catalog(let name):
                guard let spec = Catalog.field(named: name) else { known = false; return }
                switch spec.derivation {
                case .isRoot: needed.insert(.key)
                case .saleType: known = false
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
        for key in a.keys {
            switch key.kind {
            case .field(let f): add(f)
            case .link: needed.insert(.domain); needed.insert(.key)
            case .bucket: break
            }
        }
        for agg in a.aggregates { if let f = agg.field { add(f) } }
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
