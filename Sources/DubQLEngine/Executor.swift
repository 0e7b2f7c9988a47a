// Runs local plans over an EventStore: Scan -> Filter(condition, time) -> Sort -> Offset/Limit.
// Conditions on dictionary-encoded columns are decided once per distinct value, with the planner's
// Evaluator as the judge, so the fast path cannot mean anything other than DESIGN.md §1.4.

import DubQL

// MARK: - Executor

/// Executes ``LocalPlan``s.
public enum Executor {
    /// Calls `body` with every row the plan returns, in order, as soon as each is found.
    ///
    /// Rows are visited in (timestamp, event id) order, so the first rows come out before the
    /// scan ends and `LIMIT` stops it early. `isCancelled` is polled every few thousand rows.
    /// Returns the number of rows passed to `body`.
    @discardableResult
    public static func run(_ plan: LocalPlan, on store: EventStore, isCancelled: (() -> Bool)? = nil,
                           _ body: (Int) throws -> Void) rethrows -> Int {
        guard !plan.isEmpty, plan.limit > 0 else { return 0 }
        let rows = store.ascending[plan.event.index]
        let (lo, hi) = range(of: plan.time, in: rows, timestamps: store.timestamps)
        guard lo < hi else { return 0 }
        let filter = compile(plan.filter, plan.event, store)
        var skipped = 0, emitted = 0, visited = 0
        func visit(_ row: Int) throws -> Bool {
            visited &+= 1
            if visited & 0xFFF == 0, let isCancelled, isCancelled() { return false }
            guard filter.matches(row) else { return true }
            if skipped < plan.offset { skipped += 1; return true }
            try body(row)
            emitted += 1
            return emitted < plan.limit
        }
        if plan.order == .ascending {
            var i = lo
            while i < hi {
                guard try visit(Int(rows[i])) else { break }
                i += 1
            }
        } else {
            var i = hi - 1
            while i >= lo {
                guard try visit(Int(rows[i])) else { break }
                i -= 1
            }
        }
        return emitted
    }

    /// The rows the plan returns, in order.
    public static func rows(_ plan: LocalPlan, on store: EventStore) -> [Int] {
        var out: [Int] = []
        run(plan, on: store) { out.append($0) }
        return out
    }

    /// How many events of the plan's type match its filter and time range (ignoring OFFSET/LIMIT).
    public static func count(_ plan: LocalPlan, on store: EventStore) -> Int {
        var all = plan
        all.offset = 0
        all.limit = Int.max
        return run(all, on: store) { _ in }
    }

    /// The half-open index range of `rows` (ascending by time) inside the time range.
    static func range(of time: TimeRange, in rows: [UInt32], timestamps: [Int64]) -> (Int, Int) {
        func firstIndex(where atLeast: (Int64) -> Bool) -> Int {
            var lo = 0, hi = rows.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if atLeast(timestamps[Int(rows[mid])]) { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
        let lo = time.start.map { s in firstIndex { $0 >= s } } ?? 0
        let hi = time.end.map { e in firstIndex { $0 > e } } ?? rows.count
        return (lo, hi)
    }

    // MARK: Compiling conditions

    static func compile(_ condition: BoundCondition?, _ event: EventType, _ store: EventStore) -> RowFilter {
        guard let condition else { return ConstantFilter(value: true) }
        switch condition {
        case .constant(let b): return ConstantFilter(value: b)
        case .and(let parts): return AndFilter(parts: parts.map { compile($0, event, store) })
        case .or(let parts): return OrFilter(parts: parts.map { compile($0, event, store) })
        case .not(let inner): return NotFilter(inner: compile(inner, event, store))
        case .predicate(let p): return compile(p, event, store)
        }
    }

    static func compile(_ p: BoundPredicate, _ event: EventType, _ store: EventStore) -> RowFilter {
        // Where the value comes from: a dictionary-encoded column read at `path`, or the JSON.
        var path: [String]?
        switch p.field {
        case .catalog(let name):
            guard let spec = Catalog.field(named: name) else { break }
            switch spec.derivation {
            case .path, .withoutQuery, .urlParameter:
                path = spec.jsonPath
            case .isRoot:
                path = ["link", "key"]
            case .saleType:
                let table = [nil, "new", "recurring"].map { t in
                    Evaluator.matches(p, ValueRecord(event: event, path: [], value: nil, saleType: t))
                }
                return SaleTypeFilter(store: store, table: table)
            case .timestamp, .unavailable:
                break
            }
        case .json(let p):
            path = p
        case .metadata:
            break
        }
        if let path, let column = StringColumn.at(path) {
            let dict = store.dictionaries[column.rawValue]
            let table: [Bool]
            if case .catalog(let name) = p.field, let spec = Catalog.field(named: name), spec.derivation == .path,
               p.op == .in || p.op == .notIn, p.values.allSatisfy({ if case .string = $0 { true } else { false } }) {
                // Plain text equality: a set lookup per distinct value.
                let wanted = Set(p.values.map(\.description))
                table = dict.map { v in (v.map { wanted.contains($0) } ?? false) == (p.op == .in) }
            } else {
                table = dict.map { v in
                    Evaluator.matches(p, ValueRecord(event: event, path: path, value: v.map(JSONValue.string), saleType: nil))
                }
            }
            return CodeFilter(codes: store.codes[column.rawValue], table: table)
        }
        if path == ["click", "qr"] {
            let table = [JSONValue.bool(false), .bool(true), nil].map { v in
                Evaluator.matches(p, ValueRecord(event: event, path: ["click", "qr"], value: v, saleType: nil))
            }
            return QRFilter(qr: store.qr, table: table)
        }
        return RecordFilter(store: store, predicate: p)
    }
}

// MARK: - Filters

/// A compiled condition, evaluated on row numbers.
class RowFilter {
    func matches(_ row: Int) -> Bool { true }
}

/// A condition given as a function of the row number (``Executor/aggregate(_:on:rowFilter:isCancelled:)``).
final class ClosureFilter: RowFilter {
    let test: (Int) -> Bool
    init(_ test: @escaping (Int) -> Bool) { self.test = test }
    override func matches(_ row: Int) -> Bool { test(row) }
}

final class ConstantFilter: RowFilter {
    let value: Bool
    init(value: Bool) { self.value = value }
    override func matches(_ row: Int) -> Bool { value }
}

final class AndFilter: RowFilter {
    let parts: [RowFilter]
    init(parts: [RowFilter]) { self.parts = parts }
    override func matches(_ row: Int) -> Bool {
        for p in parts where !p.matches(row) { return false }
        return true
    }
}

final class OrFilter: RowFilter {
    let parts: [RowFilter]
    init(parts: [RowFilter]) { self.parts = parts }
    override func matches(_ row: Int) -> Bool {
        for p in parts where p.matches(row) { return true }
        return false
    }
}

final class NotFilter: RowFilter {
    let inner: RowFilter
    init(inner: RowFilter) { self.inner = inner }
    override func matches(_ row: Int) -> Bool { !inner.matches(row) }
}

/// A predicate on a dictionary-encoded column: decided per distinct value in advance.
final class CodeFilter: RowFilter {
    let codes: [UInt32]
    let table: [Bool]
    init(codes: [UInt32], table: [Bool]) {
        self.codes = codes
        self.table = table
    }
    override func matches(_ row: Int) -> Bool { table[Int(codes[row])] }
}

final class QRFilter: RowFilter {
    let qr: [UInt8]
    let table: [Bool]
    init(qr: [UInt8], table: [Bool]) {
        self.qr = qr
        self.table = table
    }
    override func matches(_ row: Int) -> Bool { table[Int(qr[row])] }
}

final class SaleTypeFilter: RowFilter {
    let store: EventStore
    /// Outcome for no sale type, `new`, `recurring`.
    let table: [Bool]
    init(store: EventStore, table: [Bool]) {
        self.store = store
        self.table = table
    }
    override func matches(_ row: Int) -> Bool {
        guard store.types[row] == 2 else { return table[0] }
        return table[store.newSale[row] ? 1 : 2]
    }
}

/// Any other predicate (metadata, timestamps, rare JSON paths): the evaluator on the stored row.
final class RecordFilter: RowFilter {
    let store: EventStore
    let predicate: BoundPredicate
    init(store: EventStore, predicate: BoundPredicate) {
        self.store = store
        self.predicate = predicate
    }
    override func matches(_ row: Int) -> Bool { Evaluator.matches(predicate, store.record(row)) }
}

/// An event that has one value at one path: how a predicate is decided per distinct column value.
struct ValueRecord: EventRecord {
    var event: EventType
    var path: [String]
    var value: JSONValue?
    var saleType: String?
    var eventType: EventType { event }
    var timestampMillis: Int64 { 0 }
    var eventID: String { "" }
    func json(at p: [String]) -> JSONValue? { p == path ? value : nil }
}
