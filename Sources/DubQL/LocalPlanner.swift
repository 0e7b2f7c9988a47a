// The local planner (DESIGN.md §2.2): a bound query to Scan -> Filter -> Sort -> Offset/Limit ->
// Project over exported events, refusing fields that exported events do not carry.

import DubQLSyntax

// MARK: - LocalPlanner

/// Plans queries for the local engine.
public enum LocalPlanner {
    /// The plan, or errors for fields exported events lack (`tagId`, `groupId`, `customerId` on clicks).
    public static func plan(_ query: BoundQuery) -> (plan: LocalPlan?, diagnostics: [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        if let c = query.condition {
            for p in APIPlanner.predicates(in: c) where Pushdowns.isAPIOnly(p.field, event: query.event) {
                let why = whyAPIOnly(p.field)
                diagnostics.append(.error(.notInExportedEvents,
                                          "'\(p.field)' cannot be evaluated on local data: \(why)",
                                          at: p.span ?? Span(at: 0), hints: ["run the query against Dub's API (--api)"]))
            }
        }
        if let a = query.aggregation {
            var uses: [(FieldRef, Span?, String)] = []
            for k in a.keys { if case .field(let f) = k.kind { uses.append((f, k.span, "be a group key")) } }
            for g in a.aggregates { if let f = g.field { uses.append((f, g.span, "be aggregated")) } }
            for (f, span, what) in uses where Pushdowns.isAPIOnly(f, event: query.event) {
                diagnostics.append(.error(.notInExportedEvents, "'\(f)' cannot \(what) on local data: \(whyAPIOnly(f))",
                                          at: span ?? Span(at: 0), hints: ["use a field that exported events carry (.fields lists them)"]))
            }
        }
        guard diagnostics.isEmpty else { return (nil, diagnostics) }
        var normalized = Normalizer.normalize(query.condition)
        // `timestamp` bounds in WHERE narrow the scanned slice (TimeNarrowing.swift).
        var time = query.time
        if let narrowed = TimeNarrowing.narrow(time, by: normalized) {
            if narrowed.isEmpty {
                normalized = .constant(false)
            } else {
                time = narrowed.time
                normalized = narrowed.condition
            }
        }
        // Pattern matches, not `==`: comparing builds a boxed constant and walks the whole tree.
        var filter = normalized
        var isEmpty = false
        switch normalized {
        case .constant(true)?: filter = nil
        case .constant(false)?: filter = nil; isEmpty = true
        default: break
        }
        let plan = LocalPlan(event: query.event, filter: filter, time: time,
                             timeZone: query.timeZone, order: query.order, offset: query.offset, limit: query.limit,
                             columns: query.columns, isEmpty: isEmpty, aggregation: query.aggregation)
        return (plan, [])
    }

    /// Why exported events cannot answer for an API-only field.
    static func whyAPIOnly(_ field: FieldRef) -> String {
        field == .catalog("customerId")
            ? "exported click events carry no customer"
            : "exported events carry no \(field == .catalog("tagId") ? "tags" : field == .catalog("partnerTagId") ? "partner tags" : "partner groups")"
    }
}
