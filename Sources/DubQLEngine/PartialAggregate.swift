// Aggregates of part of the events that merge with the aggregates of other parts: the groups of a
// window of streamed input are keyed by their key values (not by one store's dictionary codes),
// and each aggregate keeps a state that two parts combine exactly (counts add, distinct values
// unite, cents add with saturation, float sums are exact). Merged in input order and finished
// with the evaluator's finishing, the answer is the loaded store's: memory is the groups' (and
// the distinct values'), whatever the size of the input.

import DubQL

// MARK: - States

/// The state of one aggregate over the events of one group so far.
public enum AggregateState: Sendable, Equatable {
    /// `count()` and `count(f)`: events (with a non-empty `f`).
    case count(Int64)
    /// `count(DISTINCT f)`: the distinct non-empty values.
    case distinct(Set<AggregateValue>)
    /// `count(DISTINCT f)` over a whole store, counted already: cannot merge.
    case distinctCount(Int64)
    /// `sum/avg/min/max(sale.amount)`: total cents (saturated), how many amounts, the lowest and
    /// highest (`Int64.max` and `.min` over none).
    case money(cents: Int64, count: Int64, lowest: Int64, highest: Int64)
    /// `sum/avg/min/max` of other numbers: the exact sum, how many values, the minimum or maximum
    /// (`null` over none, and for `sum` and `avg`).
    case number(sum: ExactSum, count: Int64, best: AggregateValue)

    /// The state over no events.
    public static func empty(_ a: BoundAggregate) -> AggregateState {
        switch a.function {
        case .count: .count(0)
        case .countDistinct: .distinct([])
        case .sum, .avg, .min, .max:
            a.isMoney ? .money(cents: 0, count: 0, lowest: .max, highest: .min) : .number(sum: ExactSum(), count: 0, best: .null)
        }
    }

    /// Adds the events of `other` (the same aggregate over other events).
    public mutating func merge(_ other: AggregateState, _ a: BoundAggregate) {
        switch (self, other) {
        case (.count(let x), .count(let y)):
            self = .count(x &+ y)
        case (.distinct(var x), .distinct(let y)):
            if x.count < y.count {
                var bigger = y
                bigger.formUnion(x)
                self = .distinct(bigger)
            } else {
                self = .distinct([])
                x.formUnion(y)
                self = .distinct(x)
            }
        case (.money(let c, let n, let lo, let hi), .money(let c2, let n2, let lo2, let hi2)):
            self = .money(cents: Cents.add(c, c2), count: n &+ n2, lowest: min(lo, lo2), highest: max(hi, hi2))
        case (.number(var s, let n, let best), .number(let s2, let n2, let best2)):
            s.add(s2)
            var b = best
            if best2 != .null {
                if b == .null {
                    b = best2
                } else if a.function == .min, AggregateValue.compare(best2, b) < 0 {
                    b = best2
                } else if a.function == .max, AggregateValue.compare(best2, b) > 0 {
                    b = best2
                }
            }
            self = .number(sum: s, count: n &+ n2, best: b)
        default:
            preconditionFailure("merging unlike aggregate states: \(self) and \(other)")
        }
    }

    /// The aggregate's value.
    public func result(_ a: BoundAggregate) -> AggregateValue {
        switch self {
        case .count(let n): return .integer(n)
        case .distinct(let values): return .integer(Int64(values.count))
        case .distinctCount(let n): return .integer(n)
        case .money(let cents, let count, let lowest, let highest):
            switch a.function {
            case .sum: return .integer(cents)
            case .avg: return count == 0 ? .null : .number(Double(cents) / Double(count))
            case .min: return count == 0 ? .null : .integer(lowest)
            default: return count == 0 ? .null : .integer(highest)
            }
        case .number(let sum, let count, let best):
            switch a.function {
            case .sum: return .number(sum.value)
            case .avg: return count == 0 ? .null : .number(sum.value / Double(count))
            default: return best
            }
        }
    }
}

// MARK: - Partial aggregates

/// The groups of an aggregate over some of the events, with mergeable states (see the file's
/// header). Made by ``Executor/partialAggregate(_:on:mergeable:rowFilter:isCancelled:)``.
///
///     var total = PartialAggregate(plan.aggregation!, timeZone: plan.timeZone)
///     for store in windows { total.merge(Executor.partialAggregate(plan, on: store)) }
///     let result = total.finish()
public struct PartialAggregate: Sendable {
    public let aggregation: BoundAggregation
    public let timeZone: String
    /// Each group's key values, in order of first appearance.
    public private(set) var keys: [[AggregateValue]] = []
    /// Each group's aggregate states, in ``BoundAggregation/aggregates`` order.
    public private(set) var states: [[AggregateState]] = []
    /// The first and last instant of the events aggregated (what a time series' empty buckets
    /// extend to), `nil` over no events.
    public private(set) var span: (first: Int64, last: Int64)?
    /// Group numbers by key, made when the first part is merged in.
    private var index: [[AggregateValue]: Int]?

    /// No events: no group, or the one group of an aggregate without GROUP BY.
    public init(_ aggregation: BoundAggregation, timeZone: String) {
        self.aggregation = aggregation
        self.timeZone = timeZone
        if aggregation.keys.isEmpty {
            keys = [[]]
            states = [aggregation.aggregates.map(AggregateState.empty)]
        }
    }

    init(_ aggregation: BoundAggregation, timeZone: String, keys: [[AggregateValue]], states: [[AggregateState]],
         span: (Int64, Int64)?) {
        self.aggregation = aggregation
        self.timeZone = timeZone
        self.keys = keys
        self.states = states
        self.span = span.map { (first: $0.0, last: $0.1) }
    }

    /// Number of groups.
    public var count: Int { keys.count }

    /// Adds the groups of `other` (the same aggregation over other events).
    public mutating func merge(_ other: PartialAggregate) {
        if let s = other.span {
            span = span.map { (first: min($0.first, s.first), last: max($0.last, s.last)) } ?? s
        }
        let aggregates = aggregation.aggregates
        if aggregation.keys.isEmpty {
            guard let incoming = other.states.first else { return }
            if states.isEmpty { states = [aggregates.map(AggregateState.empty)]; keys = [[]] }
            for j in aggregates.indices { states[0][j].merge(incoming[j], aggregates[j]) }
            return
        }
        if index == nil {
            var made: [[AggregateValue]: Int] = [:]
            made.reserveCapacity(keys.count + other.keys.count)
            for (g, key) in keys.enumerated() { made[key] = g }
            index = made
        }
        for (h, key) in other.keys.enumerated() {
            if let g = index?[key] {
                for j in aggregates.indices { states[g][j].merge(other.states[h][j], aggregates[j]) }
            } else {
                index?[key] = keys.count
                keys.append(key)
                states.append(other.states[h])
            }
        }
    }

    /// The result: empty buckets of a time series, HAVING, order, OFFSET and LIMIT, as the
    /// evaluator finishes its groups.
    public func finish() -> AggregateResult {
        let calendar = ZonedCalendar(identifier: timeZone) ?? .utc
        let aggregates = aggregation.aggregates
        var rows: [[AggregateValue]] = []
        rows.reserveCapacity(keys.count)
        for g in keys.indices {
            var row = keys[g]
            row.reserveCapacity(row.count + aggregates.count)
            for j in aggregates.indices { row.append(states[g][j].result(aggregates[j])) }
            rows.append(row)
        }
        return Evaluator.finish(rows, aggregation, calendar: calendar, eventSpan: span.map { ($0.first, $0.last) }, timeZone: timeZone)
    }
}
