// Values that no loaded event has: `city = 'san jose'` when the data says `San Jose` returns
// nothing, silently. With the data at hand the local engine can say so, and name the nearest
// values the data does hold.

import DubQL
import DubQLSyntax

/// Warnings for text values of a condition that no event of the store holds.
public enum DataValueCheck {
    /// Distinct values above which only case-insensitive matches are suggested (edit distances
    /// over every value would cost more than the query).
    public static let maximumFuzzyValues = 20_000
    /// Values of one predicate checked at most (an `IN` list of a million ids is not a typo).
    public static let maximumCheckedValues = 64

    /// One warning per value of an `=` or `IN` on a stored text field of the catalog that no event
    /// in `store` has, with the nearest values it does have as hints. Fields whose values the
    /// binder checks against a closed set (`country`, `trigger`) are left out, and so are `!=` and
    /// `NOT IN`, which filter nothing out with such a value rather than everything.
    public static func warnings(_ query: BoundQuery, store: EventStore) -> [Diagnostic] {
        guard let condition = query.condition, store.count(of: query.event) > 0 else { return [] }
        var out: [Diagnostic] = []
        var known: [StringColumn: Set<String>] = [:]
        walk(condition) { p in
            // The operator as written: `NOT f = v` (bound as `f != v`) names `v` with `=`.
            guard p.op == (p.foldedNot ? .notIn : .in), case .catalog(let name) = p.field,
                  let spec = Catalog.field(canonical: name), spec.derivation == .path, !spec.isStrict,
                  let column = StringColumn.at(spec.jsonPath) else { return }
            if known[column] == nil {
                known[column] = Set((0..<store.distinctCodes(column)).compactMap { store.value(column, code: $0) })
            }
            guard let values = known[column] else { return }
            for case .string(let v) in p.values.prefix(maximumCheckedValues) where !values.contains(v) {
                var near = values.filter { $0.lowercased() == v.lowercased() }.sorted()
                let caseOnly = !near.isEmpty
                if near.isEmpty, values.count <= maximumFuzzyValues {
                    near = DidYouMean.candidates(for: v, in: values.sorted())
                }
                let hint = DidYouMean.hint(near).map { caseOnly ? $0 + " (values match exactly, case included)" : $0 }
                out.append(.warning(.valueNotInData, "no event in the data has \(spec.name) '\(v)'",
                                    at: p.span ?? Span(at: 0), hints: [hint].compactMap { $0 }))
            }
        }
        return out
    }

    private static func walk(_ c: BoundCondition, _ visit: (BoundPredicate) -> Void) {
        switch c {
        case .constant: break
        case .predicate(let p): visit(p)
        case .not(let inner): walk(inner, visit)
        case .and(let parts), .or(let parts): for part in parts { walk(part, visit) }
        }
    }
}
