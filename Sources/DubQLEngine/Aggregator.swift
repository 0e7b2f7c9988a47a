// Hash aggregation over the columnar store: group keys are read as dictionary codes (each distinct
// value derived once, with the evaluator's functions), time buckets by a sweep over boundaries
// computed with the zone's rules (rows are in time order), money summed as integer cents. The
// finishing (empty buckets, HAVING, order, paging) is the evaluator's, so both agree by design.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DubQL

// MARK: - Executor

extension Executor {
    /// Runs an aggregate plan: one row per group, in the plan's order.
    ///
    /// `rowFilter`, when given, is a further condition on row numbers, AND-ed with the plan's:
    /// `dubql serve` selects rows with Dub's own filter semantics (which DubQL conditions cannot
    /// all express, such as the UTM substring match) and aggregates them here.
    public static func aggregate(_ plan: LocalPlan, on store: EventStore, rowFilter: ((Int) -> Bool)? = nil,
                                 isCancelled: (() -> Bool)? = nil) -> AggregateResult {
        guard plan.aggregation != nil else { return AggregateResult(columns: [], rows: [], timeZone: plan.timeZone) }
        return partialAggregate(plan, on: store, mergeable: false, rowFilter: rowFilter, isCancelled: isCancelled).finish()
    }

    /// The groups of an aggregate plan over one store, before HAVING, order and paging
    /// (``PartialAggregate/finish()`` does those).
    ///
    /// With `mergeable` (streamed windows) `count(DISTINCT f)` keeps its values, so that the
    /// groups merge with those of other stores; without, it keeps only their number.
    public static func partialAggregate(_ plan: LocalPlan, on store: EventStore, mergeable: Bool = true,
                                        rowFilter: ((Int) -> Bool)? = nil, isCancelled: (() -> Bool)? = nil) -> PartialAggregate {
        guard let a = plan.aggregation else { preconditionFailure("partialAggregate of a plan without aggregation") }
        let calendar = ZonedCalendar(identifier: plan.timeZone) ?? .utc
        let rows = store.ascending[plan.event.index]
        var (lo, hi) = range(of: plan.time, in: rows, timestamps: store.timestamps)
        if plan.isEmpty { hi = lo }
        var filter = plan.filter.map { compile($0, plan.event, store) }
        if let rowFilter {
            let extra = ClosureFilter(rowFilter)
            filter = filter.map { AndFilter(parts: [$0, extra]) } ?? extra
        }
        let keyReaders = a.keys.map { KeyReader(key: $0, event: plan.event, store: store, calendar: calendar) }
        let valueReaders = a.aggregates.map { agg -> KeyReader? in
            guard agg.function == .count || agg.function == .countDistinct, let f = agg.field else { return nil }
            return KeyReader(key: BoundGroupKey(name: "", kind: .field(f), type: .json), event: plan.event, store: store, calendar: calendar)
        }
        if let result = fastAggregate(a, rows: rows, lo: lo, hi: hi, filter: filter, keyReaders: keyReaders,
                                      valueReaders: valueReaders, store: store, calendar: calendar, timeZone: plan.timeZone,
                                      mergeable: mergeable, isCancelled: isCancelled) {
            return result
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
        var keys: [[AggregateValue]] = []
        var states: [[AggregateState]] = []
        keys.reserveCapacity(groups.count)
        states.reserveCapacity(groups.count)
        for g in 0..<groups.count {
            let groupCodes = groups.codes(of: g)
            keys.append(keyReaders.indices.map { keyReaders[$0].value(groupCodes[$0]) })
            states.append(accumulators.indices.map { accumulators[$0].state(g, reader: valueReaders[$0], mergeable: mergeable) })
        }
        return PartialAggregate(a, timeZone: plan.timeZone, keys: keys, states: states, span: first.map { ($0, last ?? $0) })
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
    /// 0: a dictionary column (``codes`` through ``map``), 1: a time bucket, 2: anything else.
    private var tag: UInt8 = 2
    private(set) var codes: [UInt32] = []
    private(set) var map: [UInt32] = []
    /// For a column whose values are its stored texts: the dictionary (codes are values).
    private var identity: [String?]?
    /// For columns: 1 for codes of missing, null or empty values, else 0.
    private(set) var emptyBytes: [UInt8] = []
    /// True when the reader is a dictionary column (``codes`` through ``map``).
    var isColumn: Bool { tag == 0 }
    /// True when the reader is a time bucket.
    var isBucket: Bool { tag == 1 }
    /// How many distinct codes there are so far (all of them, for columns).
    var codeCount: Int { identity?.count ?? values.count }
    let store: EventStore
    let calendar: ZonedCalendar
    private(set) var values: [AggregateValue] = []
    private var interned: [AggregateValue: UInt32] = [:]
    private var pairs: [UInt64: UInt32] = [:]
    private var bucketStart: Int64 = .max
    private var bucketEnd: Int64 = .min
    /// The bucket the last ``code(_:_:)`` found, as a half-open range of instants.
    var currentBucket: (start: Int64, end: Int64) { (bucketStart, bucketEnd) }
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
            var plain = false
            switch ref {
            case .catalog(let name):
                if let spec = Catalog.field(named: name) {
                    plain = spec.derivation == .path
                    switch spec.derivation {
                    case .path, .withoutQuery, .urlParameter: path = spec.jsonPath
                    case .isRoot: path = ["link", "key"]
                    case .saleType: source = .saleType
                    case .timestamp, .unavailable: break
                    }
                }
            case .json(let p): path = p; plain = true
            case .metadata: break
            }
            if path == ["click", "qr"] {
                source = .qr
            } else if let path, key.type != .money, let column = StringColumn.at(path) {
                let dict = store.dictionaries[column.rawValue]
                // Derived once per store, column and key: the next query reuses it.
                let cacheKey = DerivedColumns.Key(store: ObjectIdentifier(store), column: column.rawValue, event: event,
                                                  kind: key.kind, type: key.type, plain: plain)
                let derived = DerivedColumns.shared.get(cacheKey, store: store) {
                    if plain {
                        // The value is the stored text itself: codes are already distinct values.
                        return DerivedColumns.Entry(store: store, map: Array(0..<UInt32(dict.count)), values: [],
                                                    empty: dict.map { $0 == nil || $0 == "" ? 1 : 0 })
                    }
                    var map = [UInt32](repeating: 0, count: dict.count)
                    for (c, v) in dict.enumerated() {
                        let record = ValueRecord(event: event, path: path, value: v.map(JSONValue.string), saleType: nil)
                        map[c] = intern(Evaluator.keyValue(key, of: record, calendar: calendar))
                    }
                    return DerivedColumns.Entry(store: store, map: map, values: values, empty: values.map { $0.isEmpty ? 1 : 0 })
                }
                if plain { identity = dict } else { values = derived.values }
                emptyBytes = derived.empty
                source = .column(codes: store.codes[column.rawValue], map: derived.map)
            }
        }
        self.source = source
        switch source {
        case .column(let codes, let map): self.tag = 0; self.codes = codes; self.map = map
        case .bucket: self.tag = 1
        default: self.tag = 2
        }
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
        // The hot cases read arrays held in `let`s, without unpacking the enum per row.
        switch tag {
        case 0: return map[Int(codes[row])]
        case 1:
            if ts >= bucketStart && ts < bucketEnd { return bucketCode }
            return enterBucket(ts)
        default: return slowCode(row, ts)
        }
    }

    private func enterBucket(_ ts: Int64) -> UInt32 {
        guard case .bucket(let b) = source else { return 0 }
        bucketStart = TimeBuckets.start(b, of: ts, in: calendar)
        bucketEnd = TimeBuckets.next(b, after: bucketStart, in: calendar)
        bucketCode = intern(.instant(bucketStart))
        return bucketCode
    }

    private func slowCode(_ row: Int, _ ts: Int64) -> UInt32 {
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
        case .bucket:
            return enterBucket(ts)
        case .record(let key):
            return intern(Evaluator.keyValue(key, of: store.record(row), calendar: calendar))
        }
    }

    func value(_ code: UInt32) -> AggregateValue {
        if let identity { return identity[Int(code)].map(AggregateValue.text) ?? .null }
        return values[Int(code)]
    }

    /// True when the code stands for a missing, null or empty value.
    @inline(__always) func isEmpty(_ code: UInt32) -> Bool {
        tag == 0 ? emptyBytes[Int(code)] != 0 : values[Int(code)].isEmpty
    }
}

// MARK: - Derived columns

/// The codes of derived group-key values (`utm_source` from `url`, `link.title`) for each
/// dictionary code of a store's column, kept while the store lives: deriving them parses every
/// distinct value, which costs more than the aggregation itself.
final class DerivedColumns: @unchecked Sendable {
    static let shared = DerivedColumns()

    struct Key: Hashable {
        var store: ObjectIdentifier
        var column: Int
        var event: EventType
        var kind: GroupKeyKind
        var type: AggregateValueType
        var plain: Bool
    }

    struct Entry {
        /// The store the entry is for; `nil` once it is gone (its identifier may then be reused).
        weak var store: EventStore?
        /// The derived value's code for every code of the column.
        var map: [UInt32]
        /// The derived values by code (empty for a plain column, whose codes are its values).
        var values: [AggregateValue]
        /// 1 for codes of missing, null or empty values, else 0.
        var empty: [UInt8]
    }

    private let lock = Mutex()
    private var entries: [Key: Entry] = [:]

    /// The entry of `key`, made by `make` when there is none for this very store.
    func get(_ key: Key, store: EventStore, make: () -> Entry) -> Entry {
        lock.lock()
        if let e = entries[key], e.store === store { lock.unlock(); return e }
        lock.unlock()
        let made = make()
        lock.lock()
        entries = entries.filter { $0.value.store != nil }
        if entries.count >= 256 { entries.removeAll() }
        entries[key] = made
        lock.unlock()
        return made
    }
}

/// A plain mutual exclusion lock (`pthread_mutex_t`).
final class Mutex: @unchecked Sendable {
    private let m: UnsafeMutablePointer<pthread_mutex_t>
    init() {
        m = .allocate(capacity: 1)
        pthread_mutex_init(m, nil)
    }
    deinit {
        pthread_mutex_destroy(m)
        m.deallocate()
    }
    func lock() { pthread_mutex_lock(m) }
    func unlock() { pthread_mutex_unlock(m) }
}

// MARK: - Accumulators

/// One aggregate's state for every group, column-wise.
struct ColumnAccumulator {
    let aggregate: BoundAggregate
    let singleGroup: Bool
    private(set) var groupCount = 0
    private var counts: [Int64] = []
    private var cents: [Int64] = []
    private var lowest: [Int64] = []
    private var highest: [Int64] = []
    private var sums: [ExactSum] = []
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
            if aggregate.isMoney {
                cents.append(contentsOf: repeatElement(0, count: extra))
                lowest.append(contentsOf: repeatElement(.max, count: extra))
                highest.append(contentsOf: repeatElement(.min, count: extra))
            } else {
                sums.append(contentsOf: repeatElement(ExactSum(), count: extra))
                best.append(contentsOf: repeatElement(.null, count: extra))
            }
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
            if aggregate.isMoney {
                guard let amount = store.saleAmount(row) else { return }
                let c = Cents.of(amount)
                cents[g] = Cents.add(cents[g], c)
                if c < lowest[g] { lowest[g] = c }
                if c > highest[g] { highest[g] = c }
                counts[g] += 1
                return
            }
            let v: AggregateValue
            if aggregate.field == .catalog("timestamp") {
                let ts = store.timestamps[row]
                sums[g].add(Double(ts))
                v = .instant(ts)
            } else {
                guard let f = aggregate.field, case .number(let d)? = Evaluator.fieldValue(f, in: store.record(row)) else { return }
                sums[g].add(d)
                v = aggregate.type == .instant ? .instant(Int64(d)) : .number(d)
            }
            counts[g] += 1
            if aggregate.function == .min, best[g] == .null || AggregateValue.compare(v, best[g]) < 0 { best[g] = v }
            if aggregate.function == .max, best[g] == .null || AggregateValue.compare(v, best[g]) > 0 { best[g] = v }
        }
    }

    /// Group `g`'s state; with `mergeable`, distinct values as values (through `reader`).
    func state(_ g: Int, reader: KeyReader?, mergeable: Bool) -> AggregateState {
        switch aggregate.function {
        case .count: return .count(counts[g])
        case .countDistinct:
            guard mergeable else { return .distinctCount(singleGroup ? seenCount : Int64(distinct[g].count)) }
            guard let reader else { return .distinct([]) }
            var values = Set<AggregateValue>()
            if singleGroup {
                for (c, s) in seen.enumerated() where s { values.insert(reader.value(UInt32(c))) }
            } else {
                for c in distinct[g] { values.insert(reader.value(c)) }
            }
            return .distinct(values)
        case .sum, .avg, .min, .max:
            if aggregate.isMoney { return .money(cents: cents[g], count: counts[g], lowest: lowest[g], highest: highest[g]) }
            return .number(sum: sums[g], count: counts[g], best: best[g])
        }
    }
}

// MARK: - Fast path

extension Executor {
    /// The common shapes column at a time over plain arrays, with no per-row allocation and no
    /// hashing per row: group keys that are dictionary columns or time buckets (any number of
    /// them), and aggregates that are `count()`, `count(f)` and `count(DISTINCT f)` on a column,
    /// and money `sum/avg/min/max(sale.amount)` in integer cents. The filter is decided for a
    /// block of rows at once (``RowSelection``), then group numbers are computed for the rows
    /// that pass, then each aggregate runs its own tight loop. `nil` for other shapes.
    static func fastAggregate(_ a: BoundAggregation, rows: [UInt32], lo: Int, hi: Int, filter: RowFilter?,
                              keyReaders: [KeyReader], valueReaders: [KeyReader?], store: EventStore,
                              calendar: ZonedCalendar, timeZone: String, mergeable: Bool,
                              isCancelled: (() -> Bool)?) -> PartialAggregate? {
        guard keyReaders.allSatisfy({ $0.isColumn || $0.isBucket }) else { return nil }
        enum Kind { case count, countColumn, distinct, money }
        var kinds: [Kind] = []
        for (j, g) in a.aggregates.enumerated() {
            switch g.function {
            case .count where g.field == nil: kinds.append(.count)
            case .count where valueReaders[j]?.isColumn == true: kinds.append(.countColumn)
            case .countDistinct where valueReaders[j]?.isColumn == true: kinds.append(.distinct)
            case .sum where g.isMoney, .avg where g.isMoney, .min where g.isMoney, .max where g.isMoney: kinds.append(.money)
            default: return nil
            }
        }
        let unfiltered = filter == nil || (filter as? ConstantFilter)?.value == true
        if unfiltered, keyReaders.count <= 1, kinds.allSatisfy({ $0 == .count }) {
            return countOnly(a, rows: rows, lo: lo, hi: hi, key: keyReaders.first, store: store, calendar: calendar, timeZone: timeZone)
        }
        // The rows that pass the filter, in time order.
        let selected: [UInt32]
        if let filter, !unfiltered {
            selected = RowSelection.select(filter, rows: rows, lo: lo, hi: hi, isCancelled: isCancelled)
        } else {
            selected = lo < hi ? Array(rows[lo..<hi]) : []
        }
        let n = selected.count
        let timestamps = store.timestamps

        // Group numbers: dense, in order of first appearance.
        var groupOf = [UInt32](repeating: 0, count: a.keys.isEmpty ? 0 : n)
        var groupKeys: [[UInt32]] = []  // per group, the code of each key
        var groupCount = a.keys.isEmpty ? 1 : 0
        if !keyReaders.isEmpty {
            // Each key's code per selected row, and how many codes each key has.
            var keyCodes: [[UInt32]] = []
            var radix: [Int] = []
            for reader in keyReaders {
                var codes = [UInt32](repeating: 0, count: n)
                if reader.isColumn {
                    reader.codes.withUnsafeBufferPointer { column in
                        reader.map.withUnsafeBufferPointer { map in
                            selected.withUnsafeBufferPointer { sel in
                                codes.withUnsafeMutableBufferPointer { out in
                                    for i in 0..<n { out[i] = map[Int(column[Int(sel[i])])] }
                                }
                            }
                        }
                    }
                } else {
                    // Rows are in time order: a bucket is a run of rows, entered once.
                    var start = Int64.max, end = Int64.min, code: UInt32 = 0
                    timestamps.withUnsafeBufferPointer { ts in
                        selected.withUnsafeBufferPointer { sel in
                            for i in 0..<n {
                                let row = Int(sel[i]), t = ts[row]
                                if t >= end || t < start {
                                    code = reader.code(row, t)
                                    (start, end) = reader.currentBucket
                                }
                                codes[i] = code
                            }
                        }
                    }
                }
                keyCodes.append(codes)
                radix.append(max(reader.codeCount, 1))
            }
            if keyReaders.count == 1 {
                // One key: its code is the group through a direct table.
                var dense = [Int32](repeating: -1, count: radix[0])
                keyCodes[0].withUnsafeBufferPointer { codes in
                    groupOf.withUnsafeMutableBufferPointer { out in
                        dense.withUnsafeMutableBufferPointer { d in
                            for i in 0..<n {
                                let c = Int(codes[i])
                                var g = d[c]
                                if g < 0 {
                                    g = Int32(groupCount)
                                    d[c] = g
                                    groupKeys.append([UInt32(c)])
                                    groupCount += 1
                                }
                                out[i] = UInt32(g)
                            }
                        }
                    }
                }
            } else {
                // Several keys: their codes in mixed radix, through a direct table when the product
                // is small, else a hash table of the combined code (one lookup per row, no allocation).
                let product = radix.reduce(1.0) { $0 * Double($1) }
                guard product < 1.8e19 else { return nil }
                var combined = [UInt64](repeating: 0, count: n)
                for k in keyCodes.indices {
                    let r = UInt64(radix[k])
                    keyCodes[k].withUnsafeBufferPointer { codes in
                        combined.withUnsafeMutableBufferPointer { out in
                            for i in 0..<n { out[i] = out[i] &* r &+ UInt64(codes[i]) }
                        }
                    }
                }
                func record(_ i: Int) {
                    groupKeys.append(keyCodes.map { $0[i] })
                    groupCount += 1
                }
                if product <= Double(1 << 22) {
                    var dense = [Int32](repeating: -1, count: Int(product))
                    for i in 0..<n {
                        let c = Int(combined[i])
                        if dense[c] < 0 { dense[c] = Int32(groupCount); record(i) }
                        groupOf[i] = UInt32(dense[c])
                    }
                } else {
                    var table: [UInt64: UInt32] = [:]
                    for i in 0..<n {
                        if let g = table[combined[i]] {
                            groupOf[i] = g
                        } else {
                            table[combined[i]] = UInt32(groupCount)
                            groupOf[i] = UInt32(groupCount)
                            record(i)
                        }
                    }
                }
            }
        }

        // Every aggregate in its own loop over the selected rows.
        var events = [Int64](repeating: 0, count: groupCount)
        if keyReaders.isEmpty {
            events[0] = Int64(n)
        } else {
            groupOf.withUnsafeBufferPointer { gs in
                events.withUnsafeMutableBufferPointer { e in for i in 0..<n { e[Int(gs[i])] &+= 1 } }
            }
        }
        let single = keyReaders.isEmpty
        var results: [[AggregateState]] = Array(repeating: [], count: a.aggregates.count)
        var money: (cents: [Int64], amounts: [Int64], lowest: [Int64], highest: [Int64])?
        for (j, kind) in kinds.enumerated() {
            switch kind {
            case .count:
                results[j] = events.map { .count($0) }
            case .countColumn:
                guard let r = valueReaders[j] else { return nil }
                var counts = [Int64](repeating: 0, count: groupCount)
                Self.withColumn(r, selected) { value, empty in
                    groupOf.withUnsafeBufferPointer { gs in
                        counts.withUnsafeMutableBufferPointer { out in
                            for i in 0..<n where empty[Int(value(i))] == 0 { out[single ? 0 : Int(gs[i])] &+= 1 }
                        }
                    }
                }
                results[j] = counts.map { .count($0) }
            case .distinct where mergeable:
                // The values themselves, to unite with other stores' (a window has few rows).
                guard let r = valueReaders[j] else { return nil }
                var codes = [Set<UInt32>](repeating: [], count: groupCount)
                Self.withColumn(r, selected) { value, empty in
                    for i in 0..<n {
                        let c = value(i)
                        if empty[Int(c)] == 0 { codes[single ? 0 : Int(groupOf[i])].insert(c) }
                    }
                }
                results[j] = codes.map { .distinct(Set($0.map { r.value($0) })) }
            case .distinct:
                guard let r = valueReaders[j] else { return nil }
                let codeCount = max(r.codeCount, 1)
                var counts = [Int64](repeating: 0, count: groupCount)
                if Double(groupCount) * Double(codeCount) <= Double(1 << 27) {
                    // A bit per (group, value): set once, counted when set.
                    var bits = [UInt64](repeating: 0, count: (groupCount * codeCount + 63) / 64)
                    Self.withColumn(r, selected) { value, empty in
                        groupOf.withUnsafeBufferPointer { gs in
                            bits.withUnsafeMutableBufferPointer { b in
                                counts.withUnsafeMutableBufferPointer { out in
                                    for i in 0..<n {
                                        let c = Int(value(i))
                                        if empty[c] != 0 { continue }
                                        let g = single ? 0 : Int(gs[i])
                                        let bit = g * codeCount + c
                                        let word = b[bit >> 6], mask = UInt64(1) << UInt64(bit & 63)
                                        if word & mask == 0 {
                                            b[bit >> 6] = word | mask
                                            out[g] &+= 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                } else {
                    var seen = Set<UInt64>()
                    Self.withColumn(r, selected) { value, empty in
                        for i in 0..<n {
                            let c = value(i)
                            if empty[Int(c)] != 0 { continue }
                            let g = single ? 0 : Int(groupOf[i])
                            if seen.insert(UInt64(g) << 32 | UInt64(c)).inserted { counts[g] &+= 1 }
                        }
                    }
                }
                results[j] = counts.map { .distinctCount($0) }
            case .money:
                if money == nil {
                    var cents = [Int64](repeating: 0, count: groupCount), amounts = [Int64](repeating: 0, count: groupCount)
                    var lowest = [Int64](repeating: .max, count: groupCount), highest = [Int64](repeating: .min, count: groupCount)
                    store.amounts.withUnsafeBufferPointer { amount in
                        selected.withUnsafeBufferPointer { sel in
                            groupOf.withUnsafeBufferPointer { gs in
                                cents.withUnsafeMutableBufferPointer { cents in
                                    amounts.withUnsafeMutableBufferPointer { amounts in
                                        lowest.withUnsafeMutableBufferPointer { lowest in
                                            highest.withUnsafeMutableBufferPointer { highest in
                                                for i in 0..<n {
                                                    let v = amount[Int(sel[i])]
                                                    if v.isNaN { continue }
                                                    // Amounts are whole cents; anything else rounds as the evaluator does.
                                                    let c = Cents.of(v)
                                                    let g = single ? 0 : Int(gs[i])
                                                    cents[g] = Cents.add(cents[g], c)
                                                    amounts[g] &+= 1
                                                    if c < lowest[g] { lowest[g] = c }
                                                    if c > highest[g] { highest[g] = c }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    money = (cents, amounts, lowest, highest)
                }
                guard let m = money else { return nil }
                results[j] = (0..<groupCount).map { g in
                    .money(cents: m.cents[g], count: m.amounts[g], lowest: m.lowest[g], highest: m.highest[g])
                }
            }
        }
        var keys: [[AggregateValue]] = []
        var states: [[AggregateState]] = []
        keys.reserveCapacity(groupCount)
        states.reserveCapacity(groupCount)
        for g in 0..<groupCount {
            keys.append(single ? [] : keyReaders.indices.map { keyReaders[$0].value(groupKeys[g][$0]) })
            states.append(results.indices.map { results[$0][g] })
        }
        let span = selected.first.map { (timestamps[Int($0)], timestamps[Int(selected[n - 1])]) }
        return PartialAggregate(a, timeZone: timeZone, keys: keys, states: states, span: span)
    }

    /// Counting only, by at most one key, every row of the range: for a column, two loads and an
    /// add per row; for a time bucket, a binary search per bucket (rows are in time order).
    private static func countOnly(_ a: BoundAggregation, rows: [UInt32], lo: Int, hi: Int, key: KeyReader?,
                                  store: EventStore, calendar: ZonedCalendar, timeZone: String) -> PartialAggregate {
        let timestamps = store.timestamps
        var events: [Int64] = []
        if let key, key.isColumn {
            events = [Int64](repeating: 0, count: max(key.codeCount, 1))
            rows.withUnsafeBufferPointer { r in
                key.codes.withUnsafeBufferPointer { codes in
                    key.map.withUnsafeBufferPointer { map in
                        events.withUnsafeMutableBufferPointer { e in
                            for i in lo..<max(lo, hi) { e[Int(map[Int(codes[Int(r[i])])])] &+= 1 }
                        }
                    }
                }
            }
        } else if let key {
            var i = lo
            while i < hi {
                let row = Int(rows[i])
                let g = Int(key.code(row, timestamps[row]))
                let end = key.currentBucket.end
                var a = i + 1, b = hi
                while a < b {
                    let mid = (a + b) / 2
                    if timestamps[Int(rows[mid])] < end { a = mid + 1 } else { b = mid }
                }
                if g >= events.count { events.append(contentsOf: repeatElement(0, count: g + 1 - events.count)) }
                events[g] &+= Int64(a - i)
                i = a
            }
        } else {
            events = [Int64(max(hi - lo, 0))]
        }
        var keys: [[AggregateValue]] = []
        var states: [[AggregateState]] = []
        for g in events.indices where events[g] > 0 || key == nil {
            keys.append(key.map { [$0.value(UInt32(g))] } ?? [])
            states.append(a.aggregates.map { _ in .count(events[g]) })
        }
        let span = lo < hi ? (timestamps[Int(rows[lo])], timestamps[Int(rows[hi - 1])]) : nil
        return PartialAggregate(a, timeZone: timeZone, keys: keys, states: states, span: span)
    }

    /// Calls `body` with a function from a selected row's index to its value code in `reader`'s
    /// column, and the column's empty table as bytes (1: missing, null or empty).
    @inline(__always)
    private static func withColumn(_ reader: KeyReader, _ selected: [UInt32],
                                   _ body: ((Int) -> UInt32, UnsafeBufferPointer<UInt8>) -> Void) {
        let empty = reader.emptyBytes
        reader.codes.withUnsafeBufferPointer { column in
            reader.map.withUnsafeBufferPointer { map in
                selected.withUnsafeBufferPointer { sel in
                    empty.withUnsafeBufferPointer { e in
                        body({ map[Int(column[Int(sel[$0])])] }, e)
                    }
                }
            }
        }
    }
}

// MARK: - Selection

/// The rows of a time range that pass a filter, decided a block of rows at a time: a compiled
/// filter of dictionary columns is a table lookup per row in a tight loop, `AND`, `OR` and `NOT`
/// combine byte masks, and anything else asks the filter row by row.
enum RowSelection {
    /// Rows `rows[lo..<hi]` that pass `filter`, in order.
    /// `isCancelled` is polled every 64k rows that the filter decides one by one; once it says so,
    /// the remaining rows do not pass.
    static func select(_ filter: RowFilter, rows: [UInt32], lo: Int, hi: Int, isCancelled: (() -> Bool)? = nil) -> [UInt32] {
        let n = max(hi - lo, 0)
        guard n > 0 else { return [] }
        var mask = [UInt8](repeating: 0, count: n)
        rows.withUnsafeBufferPointer { r in
            let slice = UnsafeBufferPointer(rebasing: r[lo..<hi])
            mask.withUnsafeMutableBufferPointer { evaluate(filter, slice, $0, isCancelled) }
        }
        var passing = 0
        mask.withUnsafeBufferPointer { m in for i in 0..<n { passing &+= Int(m[i]) } }
        return [UInt32](unsafeUninitializedCapacity: passing) { out, count in
            rows.withUnsafeBufferPointer { r in
                mask.withUnsafeBufferPointer { m in
                    var k = 0
                    for i in 0..<n where m[i] != 0 {
                        out[k] = r[lo + i]
                        k += 1
                    }
                    count = k
                }
            }
        }
    }

    /// Sets `mask[i]` to 1 when `rows[i]` passes `filter`, else 0.
    static func evaluate(_ filter: RowFilter, _ rows: UnsafeBufferPointer<UInt32>, _ mask: UnsafeMutableBufferPointer<UInt8>,
                         _ isCancelled: (() -> Bool)? = nil) {
        let n = rows.count
        switch filter {
        case let f as CodeFilter:
            let table = f.table.map { $0 ? UInt8(1) : 0 }
            f.codes.withUnsafeBufferPointer { codes in
                table.withUnsafeBufferPointer { t in
                    for i in 0..<n { mask[i] = t[Int(codes[Int(rows[i])])] }
                }
            }
        case let f as QRFilter:
            let table = f.table.map { $0 ? UInt8(1) : 0 }
            f.qr.withUnsafeBufferPointer { qr in
                for i in 0..<n { mask[i] = table[Int(qr[Int(rows[i])])] }
            }
        case let f as SaleTypeFilter:
            let table = f.table.map { $0 ? UInt8(1) : 0 }
            f.store.types.withUnsafeBufferPointer { types in
                f.store.newSale.withUnsafeBufferPointer { newSale in
                    for i in 0..<n {
                        let row = Int(rows[i])
                        mask[i] = types[row] != 2 ? table[0] : table[newSale[row] ? 1 : 2]
                    }
                }
            }
        case let f as ConstantFilter:
            mask.update(repeating: f.value ? 1 : 0)
        case let f as NotFilter:
            evaluate(f.inner, rows, mask, isCancelled)
            for i in 0..<n { mask[i] ^= 1 }
        case let f as AndFilter where !f.parts.isEmpty:
            evaluate(f.parts[0], rows, mask, isCancelled)
            combine(f.parts.dropFirst(), rows, mask, isCancelled) { $0 & $1 }
        case let f as OrFilter where !f.parts.isEmpty:
            evaluate(f.parts[0], rows, mask, isCancelled)
            combine(f.parts.dropFirst(), rows, mask, isCancelled) { $0 | $1 }
        default:
            var i = 0
            while i < n {
                if i & 0xFFFF == 0xFFFF, let isCancelled, isCancelled() {
                    for k in i..<n { mask[k] = 0 }
                    return
                }
                mask[i] = filter.matches(Int(rows[i])) ? 1 : 0
                i += 1
            }
        }
    }

    private static func combine(_ parts: ArraySlice<RowFilter>, _ rows: UnsafeBufferPointer<UInt32>,
                                _ mask: UnsafeMutableBufferPointer<UInt8>, _ isCancelled: (() -> Bool)?,
                                _ op: (UInt8, UInt8) -> UInt8) {
        guard !parts.isEmpty else { return }
        var other = [UInt8](repeating: 0, count: rows.count)
        other.withUnsafeMutableBufferPointer { o in
            for part in parts {
                evaluate(part, rows, o, isCancelled)
                for i in 0..<rows.count { mask[i] = op(mask[i], o[i]) }
            }
        }
    }
}
