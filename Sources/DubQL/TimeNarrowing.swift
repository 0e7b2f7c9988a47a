// Time narrowing: the `timestamp` comparisons a condition AND-s at its top level intersected with the
// query's time range, so that planners send (API) or scan (local) only the range that can match,
// and a range that cannot match is found before anything runs.

import DubQLSyntax

// MARK: - TimeNarrowing

/// Folds top-level `timestamp` bounds of a normalized condition into a ``TimeRange``.
///
/// `SELECT clicks WHERE timestamp >= 2026-11-20 AND timestamp < 2026-11-21 SINCE 30d` is the range
/// 2026-11-20T00:00:00Z .. 2026-11-20T23:59:59.999Z with no condition left. Only conjuncts that the
/// narrowed range implies exactly are removed (`timestamp >= x`, `>`, `<`, `<=`, `= x`, and their
/// `NOT`s); `timestamp IN (a, b)` narrows to `a .. b` and stays in the condition. Every event has a
/// timestamp, so `NOT timestamp < x` is `timestamp >= x`. The meaning is unchanged: an event is in
/// the narrowed range and passes the rest exactly when it is in the range and passes the condition.
public enum TimeNarrowing {
    /// The outcome of ``narrow(_:by:)``.
    public struct Result: Hashable, Sendable {
        /// The range intersected with the condition's bounds; `preset` is kept only when the range
        /// did not change (so the API may still be sent its `interval`).
        public var time: TimeRange
        /// The condition without the conjuncts the range now implies (`nil`: no condition left).
        public var condition: BoundCondition?
        /// True when the condition bounded the range more tightly than its time clause.
        public var narrowed: Bool
        /// True when no instant is in the range: the query can return no event.
        public var isEmpty: Bool
    }

    /// The narrowed range and the rest of `condition` (already normalized), or `nil` when the
    /// condition has no top-level `timestamp` comparison (the common case: nothing is allocated).
    public static func narrow(_ time: TimeRange, by condition: BoundCondition?) -> Result? {
        guard let condition, hasTopLevelTimestamp(condition) else { return nil }
        let conjuncts: [BoundCondition]
        if case .and(let parts) = condition { conjuncts = parts } else { conjuncts = [condition] }
        var start = time.start, end = time.end
        var rest: [BoundCondition] = []
        for c in conjuncts {
            guard let b = bound(of: c) else {
                rest.append(c)
                continue
            }
            if let lo = b.lo { start = max(start ?? lo, lo) }
            if let hi = b.hi { end = min(end ?? hi, hi) }
            if !b.exact { rest.append(c) }
        }
        let changed = start != time.start || end != time.end
        let range = TimeRange(start: start, end: end, preset: changed ? nil : time.preset)
        let isEmpty = start.flatMap { s in end.map { s > $0 } } ?? false
        let left: BoundCondition? = rest.isEmpty ? nil : (rest.count == 1 ? rest[0] : .and(rest))
        return Result(time: range, condition: left, narrowed: changed, isEmpty: isEmpty)
    }

    /// True when some top-level conjunct of `c` compares `timestamp`.
    static func hasTopLevelTimestamp(_ c: BoundCondition) -> Bool {
        // Most conditions compare no `timestamp` at all: a look at each conjunct's field, without
        // copying it, answers them before ``bound(of:)`` is asked.
        guard mayBound(c) else { return false }
        switch c {
        case .and(let parts): return parts.contains { bound(of: $0) != nil }
        default: return bound(of: c) != nil
        }
    }

    /// False when no top-level conjunct of `c` is a (NOT-ed) predicate on `timestamp`, so that
    /// ``bound(of:)`` is `nil` for every one of them.
    static func mayBound(_ c: BoundCondition) -> Bool {
        switch c {
        case .and(let parts):
            for i in parts.indices where isTimestampLeaf(parts[i]) { return true }
            return false
        default:
            return isTimestampLeaf(c)
        }
    }

    @inline(__always) static func isTimestampLeaf(_ c: BoundCondition) -> Bool {
        switch c {
        case .predicate(let p): return p.field.isCatalog("timestamp")
        case .not(.predicate(let p)): return p.field.isCatalog("timestamp")
        default: return false
        }
    }

    /// The inclusive bounds one conjunct puts on `timestamp`, and whether they say all it says.
    static func bound(of c: BoundCondition) -> (lo: Int64?, hi: Int64?, exact: Bool)? {
        var negated = false
        var leaf = c
        if case .not(let inner) = c {
            negated = true
            leaf = inner
        }
        guard case .predicate(let p) = leaf, p.field.isCatalog("timestamp") else { return nil }
        let instants = p.values.compactMap { v -> Int64? in if case .timestamp(let ms) = v { ms } else { nil } }
        guard instants.count == p.values.count, let first = instants.first else { return nil }
        // `NOT timestamp < x` is `timestamp >= x`: every event has a timestamp.
        var op = p.op
        if negated {
            switch op {
            case .less: op = .greaterEqual
            case .lessEqual: op = .greater
            case .greater: op = .lessEqual
            case .greaterEqual: op = .less
            case .in, .notIn: return nil
            }
        }
        switch op {
        case .greaterEqual: return (first, nil, true)
        case .greater: return first == Int64.max ? nil : (first + 1, nil, true)
        case .lessEqual: return (nil, first, true)
        case .less: return first == Int64.min ? nil : (nil, first - 1, true)
        case .in: return (instants.min(), instants.max(), instants.count == 1)
        case .notIn: return nil
        }
    }

    /// The range as text for messages: `2026-11-20T00:00:00Z .. now`.
    public static func describe(_ t: TimeRange) -> String {
        (t.start.map(APIPlanner.formatInstant) ?? "the beginning") + " .. " + (t.end.map(APIPlanner.formatInstant) ?? "now")
    }
}
