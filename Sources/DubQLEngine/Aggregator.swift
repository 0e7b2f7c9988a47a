// Hash aggregation over the columnar store: group keys are read as dictionary codes (each distinct
// value derived once, with the evaluator's functions), time buckets by a sweep over boundaries
// computed with the zone's rules (rows are in time order), money summed as integer cents. The
// finishing (empty buckets, HAVING, order, paging) is the evaluator's, so both agree by design.

import DubQL

// MARK: - Executor

extension Executor {
    /// Runs an aggregate plan: one row per group, in the plan's order.
    public static func aggregate(_ plan: LocalPlan, on store: EventStore, isCancelled: (() -> Bool)? = nil) -> AggregateResult {
        guard let a = plan.aggregation else { return AggregateResult(columns: [], rows: [], timeZone: plan.timeZone) }
        let calendar = ZonedCalendar(identifier: plan.timeZone) ?? .utc
        let rows = store.ascending[plan.event.index]
        var (lo, hi) = range(of: plan.time, in: rows, timestamps: store.timestamps)
        if plan.isEmpty { hi = lo }
        let filter = plan.filter.map { compile($0, plan.event, store) }
        let keyReaders = a.keys.map { KeyReader(key: $0, event: plan.event, store: store, calendar: calendar) }
        let valueReaders = a.aggregates.map { agg -> KeyReader? in
            guard agg.function == .count || agg.function == .countDistinct, let f = agg.field else { return nil }
            return KeyReader(key: BoundGroupKey(name: "", kind: .field(f), type: .json), event: plan.event, store: store, calendar: calendar)
        }
        var groups = GroupTable(keyCount: a.keys.count)
        var accumulators = a.aggregates.map { ColumnAccumulator($0, singleGroup: a.keys.isEmpty) }
        if a.keys.isEmpty { _ = groups.group(for: []) ; for j in accumulators.indices { accumulators[j].grow(to: 1) } }
        var first: Int64?, last: Int64?
        var codes = [UInt32](repeating: 0, count: a.keys.count)
        var visited = 0
        var i = lo
        while i < hi {
            let row = Int(rows[i])
            i += 1
            visited &+= 1
            if visited & 0xFFFF == 0, let isCancelled, isCancelled() { break }
            if let filter, !filter.matches(row) { continue }
            let ts = store.timestamps[row]
            if first == nil { first = ts }
            last = ts
            let g: Int
            if a.keys.count == 1 {
                g = groups.group(single: keyReaders[0].code(row, ts))
            } else {
                for k in keyReaders.indices { codes[k] = keyReaders[k].code(row, ts) }
                g = groups.group(for: codes)
            }
            for j in accumulators.indices {
                if g >= accumulators[j].groupCount { accumulators[j].grow(to: groups.count) }
                accumulators[j].add(row: row, group: g, store: store, reader: valueReaders[j])
            }
        }
        var out: [[AggregateValue]] = []
        out.reserveCapacity(groups.count)
        for g in 0..<groups.count {
            var row: [AggregateValue] = []
            row.reserveCapacity(a.keys.count + a.aggregates.count)
            for (k, reader) in keyReaders.enumerated() { row.append(reader.value(groups.codes(of: g)[k])) }
            for acc in accumulators { row.append(acc.result(g)) }
            out.append(row)
        }
        let span = first.map { ($0, last ?? $0) }
        return Evaluator.finish(out, a, calendar: calendar, eventSpan: span, timeZone: plan.timeZone)
    }
}

// MARK: - Groups

/// Group numbers by key codes: a direct array for one key (codes are dense), a hash table otherwise.
struct GroupTable {
    let keyCount: Int
    private var direct: [Int32] = []
    private var hashed: [[UInt32]: Int] = [:]
    private var keys: [[UInt32]] = []
    private(set) var count = 0

    init(keyCount: Int) { self.keyCount = keyCount }

    @inline(__always) mutating func group(single code: UInt32) -> Int {
        let c = Int(code)
        if c < direct.count {
            let g = direct[c]
            if g >= 0 { return Int(g) }
        } else {
            direct.append(contentsOf: repeatElement(-1, count: c + 1 - direct.count + 64))
        }
        direct[c] = Int32(count)
        keys.append([code])
        count += 1
        return count - 1
    }

    mutating func group(for codes: [UInt32]) -> Int {
        if let g = hashed[codes] { return g }
        hashed[codes] = count
        keys.append(codes)
        count += 1
        return count - 1
    }

    func codes(of group: Int) -> [UInt32] { keys[group] }
}

// MARK: - Key readers

/// Reads one group key (or the argument of `count(f)`, `count(DISTINCT f)`) as a dense code per
/// row, with the value behind every code.
final class KeyReader {
    enum Source {
        /// A dictionary column; `map` turns its codes into codes of derived values.
        case column(codes: [UInt32], map: [UInt32])
        case saleType
        case qr
        case link(domains: [UInt32], keys: [UInt32], domainDict: [String?], keyDict: [String?])
        /// Bucket boundaries ascending; rows come in time order, so a cursor sweeps them.
        case bucket(TimeBucket)
        /// Anything else: the evaluator on the stored row.
        case record(BoundGroupKey)
    }

    private(set) var source: Source = .qr
    let store: EventStore
    let calendar: ZonedCalendar
    private(set) var values: [AggregateValue] = []
    private var interned: [AggregateValue: UInt32] = [:]
    private var pairs: [UInt64: UInt32] = [:]
    private var bucketStart: Int64 = .max
    private var bucketEnd: Int64 = .min
    private var bucketCode: UInt32 = 0

    init(key: BoundGroupKey, event: EventType, store: EventStore, calendar: ZonedCalendar) {
        self.store = store
        self.calendar = calendar
        var source = Source.record(key)
        switch key.kind {
        case .bucket(let b):
            source = .bucket(b)
        case .link:
            source = .link(domains: store.codes[StringColumn.domain.rawValue], keys: store.codes[StringColumn.key.rawValue],
                           domainDict: store.dictionaries[StringColumn.domain.rawValue], keyDict: store.dictionaries[StringColumn.key.rawValue])
        case .field(let ref):
            var path: [String]?
            switch ref {
            case .catalog(let name):
                if let spec = Catalog.field(named: name) {
                    switch spec.derivation {
                    case .path, .withoutQuery, .urlParameter: path = spec.jsonPath
                    case .isRoot: path = ["link", "key"]
                    case .saleType: source = .saleType
                    case .timestamp, .unavailable: break
                    }
                }
            case .json(let p): path = p
            case .metadata: break
            }
            if path == ["click", "qr"] {
                source = .qr
            } else if let path, key.type != .money, let column = StringColumn.at(path) {
                let dict = store.dictionaries[column.rawValue]
                var map = [UInt32](repeating: 0, count: dict.count)
                for (c, v) in dict.enumerated() {
                    let record = ValueRecord(event: event, path: path, value: v.map(JSONValue.string), saleType: nil)
                    map[c] = intern(Evaluator.keyValue(key, of: record, calendar: calendar))
                }
                source = .column(codes: store.codes[column.rawValue], map: map)
            }
        }
        self.source = source
        switch source {
        case .saleType: for v in [AggregateValue.null, .text("new"), .text("recurring")] { _ = intern(v) }
        case .qr: for v in [AggregateValue.bool(false), .bool(true), .null] { _ = intern(v) }
        default: break
        }
    }

    private func intern(_ v: AggregateValue) -> UInt32 {
        if let c = interned[v] { return c }
        let c = UInt32(values.count)
        interned[v] = c
        values.append(v)
        return c
    }

    /// The code of row `row` (whose timestamp is `ts`).
    @inline(__always) func code(_ row: Int, _ ts: Int64) -> UInt32 {
        switch source {
        case .column(let codes, let map):
            return map[Int(codes[row])]
        case .saleType:
            return store.types[row] == 2 ? (store.newSale[row] ? 1 : 2) : 0
        case .qr:
            return UInt32(store.qr[row])
        case .link(let domains, let keys, let domainDict, let keyDict):
            let d = domains[row], k = keys[row]
            let pair = UInt64(d) << 32 | UInt64(k)
            if let c = pairs[pair] { return c }
            var v = AggregateValue.null
            if let domain = domainDict[Int(d)], let slug = keyDict[Int(k)] { v = .text(Evaluator.shortLink(domain: domain, key: slug)) }
            let c = intern(v)
            pairs[pair] = c
            return c
        case .bucket(let b):
            if ts >= bucketStart && ts < bucketEnd { return bucketCode }
            bucketStart = TimeBuckets.start(b, of: ts, in: calendar)
            bucketEnd = TimeBuckets.next(b, after: bucketStart, in: calendar)
            bucketCode = intern(.instant(bucketStart))
            return bucketCode
        case .record(let key):
            return intern(Evaluator.keyValue(key, of: store.record(row), calendar: calendar))
        }
    }

    func value(_ code: UInt32) -> AggregateValue { values[Int(code)] }

    /// True when the code stands for a missing, null or empty value.
    @inline(__always) func isEmpty(_ code: UInt32) -> Bool { values[Int(code)].isEmpty }
}

// MARK: - Accumulators

/// One aggregate's state for every group, column-wise.
struct ColumnAccumulator {
    let aggregate: BoundAggregate
    let singleGroup: Bool
    private(set) var groupCount = 0
    private var counts: [Int64] = []
    private var cents: [Int64] = []
    private var sums: [Double] = []
    private var best: [AggregateValue] = []
    private var distinct: [Set<UInt32>] = []
    /// With one group: which value codes were seen (codes are dense).
    private var seen: [Bool] = []
    private var seenCount: Int64 = 0

    init(_ aggregate: BoundAggregate, singleGroup: Bool) {
        self.aggregate = aggregate
        self.singleGroup = singleGroup
    }

    mutating func grow(to n: Int) {
        guard n > groupCount else { return }
        let extra = n - groupCount
        counts.append(contentsOf: repeatElement(0, count: extra))
        switch aggregate.function {
        case .count: break
        case .countDistinct: if !singleGroup { distinct.append(contentsOf: repeatElement([], count: extra)) }
        case .sum, .avg, .min, .max:
            cents.append(contentsOf: repeatElement(0, count: extra))
            sums.append(contentsOf: repeatElement(0, count: extra))
            best.append(contentsOf: repeatElement(.null, count: extra))
        }
        groupCount = n
    }

    @inline(__always) mutating func add(row: Int, group g: Int, store: EventStore, reader: KeyReader?) {
        switch aggregate.function {
        case .count:
            if let reader {
                if !reader.isEmpty(reader.code(row, store.timestamps[row])) { counts[g] += 1 }
            } else {
                counts[g] += 1
            }
        case .countDistinct:
            guard let reader else { return }
            let c = reader.code(row, store.timestamps[row])
            guard !reader.isEmpty(c) else { return }
            if singleGroup {
                let i = Int(c)
                if i >= seen.count { seen.append(contentsOf: repeatElement(false, count: i + 1 - seen.count + 1024)) }
                if !seen[i] { seen[i] = true; seenCount += 1 }
            } else {
                distinct[g].insert(c)
            }
        case .sum, .avg, .min, .max:
            let v: AggregateValue
            if aggregate.isMoney {
                guard let amount = store.saleAmount(row) else { return }
                let c = Int64(amount.rounded())
                cents[g] &+= c
                v = .integer(c)
            } else if aggregate.field == .catalog("timestamp") {
                let ts = store.timestamps[row]
                sums[g] += Double(ts)
                v = .instant(ts)
            } else {
                guard let f = aggregate.field, case .number(let d)? = Evaluator.fieldValue(f, in: store.record(row)) else { return }
                sums[g] += d
                v = aggregate.type == .instant ? .instant(Int64(d)) : .number(d)
            }
            counts[g] += 1
            if aggregate.function == .min, best[g] == .null || AggregateValue.compare(v, best[g]) < 0 { best[g] = v }
            if aggregate.function == .max, best[g] == .null || AggregateValue.compare(v, best[g]) > 0 { best[g] = v }
        }
    }

    func result(_ g: Int) -> AggregateValue {
        switch aggregate.function {
        case .count: return .integer(counts[g])
        case .countDistinct: return .integer(singleGroup ? seenCount : Int64(distinct[g].count))
        case .sum: return aggregate.isMoney ? .integer(cents[g]) : .number(sums[g])
        case .avg:
            guard counts[g] > 0 else { return .null }
            return .number((aggregate.isMoney ? Double(cents[g]) : sums[g]) / Double(counts[g]))
        case .min, .max: return best[g]
        }
    }
}
