// The normalizer: NOT pushed to the leaves, IN lists merged per field, contradictions and
// tautologies folded to constants, common factors pulled out of disjunctions. Meaning-preserving
// under DESIGN.md §1.4 (`f != v` is true for missing values, so `NOT f = v` is `f NOT IN (v)`).

import DubQLSyntax

// MARK: - Normalizer

/// Rewrites bound conditions into a simpler equivalent form the planners work on.
public enum Normalizer {
    /// The normalized condition: `.constant(false)` for a contradiction, `.constant(true)` for a
    /// tautology, `nil` only when there was no condition.
    public static func normalize(_ condition: BoundCondition?) -> BoundCondition? {
        guard let condition else { return nil }
        return simplified(condition, negated: false)
    }

    /// `simplify(negationNormalForm(c, negated: negated))` in one walk: each AND and OR builds one
    /// operand list instead of two.
    static func simplified(_ c: BoundCondition, negated: Bool) -> BoundCondition {
        switch c {
        case .constant(let b):
            return .constant(b != negated)
        case .not(let inner):
            return simplified(inner, negated: !negated)
        case .predicate(var p):
            // `simplify(negationNormalForm(c, negated:))` for a leaf, without building the NOT-ed
            // leaf twice: IN and NOT IN swap, an ordering keeps its NOT (see negationNormalForm).
            if negated {
                switch p.op {
                case .in: p.op = .notIn
                case .notIn: p.op = .in
                case .less, .lessEqual, .greater, .greaterEqual: return .not(.predicate(p))
                }
            } else if p.op != .in && p.op != .notIn {
                return c
            }
            if isNormalLeaf(p) { return negated ? .predicate(p) : c }
            return mergeGroup([p], conjunctive: true)
        case .and(let parts), .or(let parts):
            var conjunctive = true
            if case .or = c { conjunctive = false }
            // The usual WHERE: an AND of normal IN/NOT IN leaves on distinct fields, which every
            // step below gives back as it is. Returned itself: no operand list is built.
            if conjunctive, !negated, isNormalConjunction(parts) { return c }
            if negated { conjunctive.toggle() }
            var flat: [BoundCondition] = []
            flat.reserveCapacity(parts.count)
            for part in parts {
                switch simplified(part, negated: negated) {
                case .constant(let b):
                    if b == conjunctive { continue }
                    return .constant(b)
                case .and(let inner) where conjunctive: flat += inner
                case .or(let inner) where !conjunctive: flat += inner
                case let other: flat.append(other)
                }
            }
            if conjunctive { return merge(flat, conjunctive: true) }
            let merged = merge(flat, conjunctive: false)
            if case .or(let disjuncts) = merged { return factor(disjuncts) }
            return merged
        }
    }

    /// True when `parts` are two or more normal IN/NOT IN leaves (``isNormalLeaf(_:)``) on distinct
    /// fields: `simplified(.and(parts), negated: false)` is then `.and(parts)` itself.
    static func isNormalConjunction(_ parts: [BoundCondition]) -> Bool {
        guard parts.count >= 2, parts.count <= 8 else { return false }
        for i in parts.indices {
            guard case .predicate(let p) = parts[i], p.op == .in || p.op == .notIn, isNormalLeaf(p) else { return false }
            for j in 0..<i {
                if case .predicate(let q) = parts[j], q.field == p.field { return false }
            }
        }
        return true
    }

    // MARK: - NOT to the leaves

    static func negationNormalForm(_ c: BoundCondition, negated: Bool) -> BoundCondition {
        switch c {
        case .constant(let b):
            return .constant(b != negated)
        case .not(let inner):
            return negationNormalForm(inner, negated: !negated)
        case .and(let parts):
            let mapped = parts.map { negationNormalForm($0, negated: negated) }
            return negated ? .or(mapped) : .and(mapped)
        case .or(let parts):
            let mapped = parts.map { negationNormalForm($0, negated: negated) }
            return negated ? .and(mapped) : .or(mapped)
        case .predicate(var p):
            guard negated else { return c }
            switch p.op {
            case .in: p.op = .notIn
            case .notIn: p.op = .in
            // `NOT x < 5` is true for events without x, which `x >= 5` is not: keep the NOT on the leaf.
            case .less, .lessEqual, .greater, .greaterEqual: return .not(.predicate(p))
            }
            return .predicate(p)
        }
    }

    // MARK: - Simplification

    static func simplify(_ c: BoundCondition) -> BoundCondition {
        switch c {
        case .constant, .not:
            return c
        case .predicate(let p):
            guard p.op == .in || p.op == .notIn else { return c }
            // Already normal (the common case): skip the allocations of a one-predicate merge.
            if isNormalLeaf(p) { return c }
            return mergeGroup([p], conjunctive: true)
        case .and(let parts):
            var flat: [BoundCondition] = []
            flat.reserveCapacity(parts.count)
            for part in parts {
                switch simplify(part) {
                case .constant(true): continue
                case .constant(false): return .constant(false)
                case .and(let inner): flat += inner
                case let other: flat.append(other)
                }
            }
            return merge(flat, conjunctive: true)
        case .or(let parts):
            var flat: [BoundCondition] = []
            flat.reserveCapacity(parts.count)
            for part in parts {
                switch simplify(part) {
                case .constant(false): continue
                case .constant(true): return .constant(true)
                case .or(let inner): flat += inner
                case let other: flat.append(other)
                }
            }
            let merged = merge(flat, conjunctive: false)
            if case .or(let disjuncts) = merged { return factor(disjuncts) }
            return merged
        }
    }

    /// Merges the IN/NOT IN predicates of each field among the operands of one AND or OR, keeping
    /// the first occurrence's position; removes duplicates.
    static func merge(_ operands: [BoundCondition], conjunctive: Bool) -> BoundCondition {
        // Fast path: normal IN/NOT IN leaves on distinct fields merge to themselves.
        if operands.allSatisfy({ o in
            guard case .predicate(let p) = o, isNormalLeaf(p) else { return false }
            return true
        }) {
            var distinct = true
            if operands.count <= 8 {
                // A handful of operands (the usual case): compared pairwise, without a set.
                outer: for i in operands.indices {
                    guard case .predicate(let p) = operands[i] else { continue }
                    for j in 0..<i {
                        if case .predicate(let q) = operands[j], q.field == p.field { distinct = false; break outer }
                    }
                }
            } else {
                var fields = SeenSet<FieldRef>()
                for case .predicate(let p) in operands where !fields.insert(p.field) {
                    distinct = false
                    break
                }
            }
            if distinct {
                if operands.isEmpty { return .constant(conjunctive) }
                if operands.count == 1 { return operands[0] }
                return conjunctive ? .and(operands) : .or(operands)
            }
        }
        // Operands are usually few (linear scans then), but a chain of 100,000 must not be compared pairwise.
        var items: [BoundCondition] = []
        var groups: [(field: FieldRef, predicates: [BoundPredicate], slot: Int)] = []
        var groupOfField: [FieldRef: Int] = [:]
        var erasedOthers = SeenSet<BoundCondition>()
        for o in operands {
            if case .predicate(let p) = o, p.op == .in || p.op == .notIn {
                let g = groups.count <= 8 ? groups.firstIndex(where: { $0.field == p.field }) : groupOfField[p.field]
                if let g {
                    groups[g].predicates.append(p)
                } else {
                    groupOfField[p.field] = groups.count
                    groups.append((p.field, [p], items.count))
                    items.append(o)
                }
            } else {
                guard erasedOthers.insert(erased(o)) else { continue }
                items.append(o)
            }
        }
        // A one-predicate group is an operand `simplify` already normalized; merging it again is the identity.
        for g in groups where g.predicates.count > 1 || !isNormalLeaf(g.predicates[0]) {
            items[g.slot] = mergeGroup(g.predicates, conjunctive: conjunctive)
        }
        var result: [BoundCondition] = []
        for item in items {
            switch (item, conjunctive) {
            case (.constant(false), true): return .constant(false)
            case (.constant(true), false): return .constant(true)
            case (.constant, _): continue
            default: result.append(item)
            }
        }
        if result.isEmpty { return .constant(conjunctive) }
        if result.count == 1 { return result[0] }
        return conjunctive ? .and(result) : .or(result)
    }

    /// One field's IN/NOT IN predicates combined with AND (intersection) or OR (union).
    static func mergeGroup(_ group: [BoundPredicate], conjunctive: Bool) -> BoundCondition {
        guard var first = group.first else { return .constant(conjunctive) }
        // `include == nil` means "no include list": every value not excluded passes.
        // Lists keep the order of first occurrence; membership goes through `SeenSet`, so merging
        // is linear in the number of values, however many there are.
        var include: [ScalarValue]?
        var exclude: [ScalarValue] = []
        var excluded = SeenSet<ScalarValue>()
        if conjunctive {
            for p in group {
                if p.op == .in {
                    if let cur = include {
                        let admitted = SeenSet(p.values)
                        include = cur.filter { admitted.contains($0) }
                    } else {
                        include = p.values.array
                    }
                } else {
                    for v in p.values { excluded.insert(v) }
                }
            }
            exclude = excluded.elements
        } else {
            // Union: a value passes when some operand admits it.
            var included = SeenSet<ScalarValue>()
            var exc: [ScalarValue]?
            for p in group {
                if p.op == .in {
                    for v in p.values { included.insert(v) }
                } else if let cur = exc {
                    let rejected = SeenSet(p.values)
                    exc = cur.filter { rejected.contains($0) }
                } else {
                    exc = p.values.array
                }
            }
            if let exc {
                exclude = exc.filter { !included.contains($0) }
                excluded = SeenSet(exclude)
                include = nil
                if exclude.isEmpty { return .constant(true) }
            } else {
                include = included.elements
            }
        }
        var values: [ScalarValue]
        var op: BoundOperator
        if let inc = include {
            values = inc.filter { !excluded.contains($0) }
            op = .in
            if values.isEmpty { return .constant(false) }
        } else {
            values = exclude
            op = .notIn
        }
        if let domain = closedDomain(first.field) {
            let listed = SeenSet(values)
            let admitted = domain.filter { listed.contains($0) == (op == .in) }
            if admitted.isEmpty { return .constant(false) }
            if admitted.count == domain.count { return .constant(true) }
            values = admitted
            op = .in
        }
        first.op = op
        first.values = ScalarValues(values)
        if group.count > 1 {
            var span: Span?
            for s in group.lazy.compactMap(\.span) { span = span.map { $0.union(s) } ?? s }
            first.span = span
        }
        return .predicate(first)
    }

    /// True when `mergeGroup([p], conjunctive: true)` would return `p` unchanged: a non-empty IN
    /// list or a NOT IN list without repeated values, on a field without a closed domain.
    static func isNormalLeaf(_ p: BoundPredicate) -> Bool {
        guard !hasClosedDomain(p.field) else { return false }
        switch p.op {
        case .in:
            return !p.values.isEmpty
        case .notIn:
            if p.values.count < 2 { return true }
            var seen = SeenSet<ScalarValue>()
            return p.values.allSatisfy { seen.insert($0) }
        default:
            return false
        }
    }

    /// True when ``closedDomain(_:)`` has values for the field, without building them.
    @inline(__always) static func hasClosedDomain(_ field: FieldRef) -> Bool {
        guard case .catalog(let name) = field else { return false }
        return name == "root" || name == "saleType"
    }

    /// Fields whose every event has exactly one of a known set of values.
    static func closedDomain(_ field: FieldRef) -> [ScalarValue]? {
        switch field {
        case .catalog("root"): [.bool(true), .bool(false)]
        case .catalog("saleType"): [.string("new"), .string("recurring")]
        default: nil
        }
    }

    /// `(a AND b) OR (a AND c)` is `a AND (b OR c)`; `a OR (a AND b)` is `a`.
    static func factor(_ disjuncts: [BoundCondition]) -> BoundCondition {
        func conjuncts(_ c: BoundCondition) -> [BoundCondition] {
            if case .and(let parts) = c { return parts }
            return [c]
        }
        let lists = disjuncts.map(conjuncts)
        guard let firstList = lists.first else { return .constant(false) }
        let erasedLists = lists.map { Set($0.map(erased)) }
        let common = firstList.filter { c in erasedLists.allSatisfy { $0.contains(erased(c)) } }
        guard !common.isEmpty else { return .or(disjuncts) }
        let commonKeys = Set(common.map(erased))
        var rests: [BoundCondition] = []
        for list in lists {
            let rest = list.filter { !commonKeys.contains(erased($0)) }
            // One disjunct is exactly the common part: the whole OR is implied by it.
            if rest.isEmpty { return simplify(.and(common)) }
            rests.append(rest.count == 1 ? rest[0] : .and(rest))
        }
        return simplify(.and(common + [.or(rests)]))
    }

    /// The condition with every span removed, for comparisons of meaning.
    public static func erased(_ c: BoundCondition) -> BoundCondition {
        switch c {
        case .constant: return c
        case .not(let inner): return .not(erased(inner))
        case .and(let parts): return .and(parts.map(erased))
        case .or(let parts): return .or(parts.map(erased))
        case .predicate(var p):
            p.span = nil
            return .predicate(p)
        }
    }
}
