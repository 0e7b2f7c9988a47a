// Hash aggregation over the columnar store: group keys are read as dictionary codes (each distinct
// value derived once, with the evaluator's functions), time buckets by a sweep over boundaries
// computed with the zone's rules (rows are in time order), money summed as integer cents. The
// finishing (empty buckets, HAVING, order, paging) is the evaluator's, so both agree by design.

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
        guard let a = plan.aggregation else { return AggregateResult(columns: [], rows: [], timeZone: plan.timeZone) }
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
                                      isCancelled: isCancelled) {
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
    /// 0: a dictionary column (``codes`` through ``map``), 1: a time bucket, 2: anything else.
    private var tag: UInt8 = 2
    private(set) var codes: [UInt32] = []
    private(set) var map: [UInt32] = []
    /// For a column whose values are its stored texts: the dictionary (codes are values).
    private var identity: [String?]?
    /// For columns: true for codes of missing, null or empty values.
    private(set) var emptyTable: [Bool] = []
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
                if plain {
                    // The value is the stored text itself: codes are already distinct values.
                    identity = dict
                    emptyTable = dict.map { $0 == nil || $0 == "" }
                    source = .column(codes: store.codes[column.rawValue], map: Array(0..<UInt32(dict.count)))
                } else {
                    var map = [UInt32](repeating: 0, count: dict.count)
                    for (c, v) in dict.enumerated() {
                        let record = ValueRecord(event: event, path: path, value: v.map(JSONValue.string), saleType: nil)
                        map[c] = intern(Evaluator.keyValue(key, of: record, calendar: calendar))
                    }
                    emptyTable = values.map(\.isEmpty)
                    source = .column(codes: store.codes[column.rawValue], map: map)
                }
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
        tag == 0 ? emptyTable[Int(code)] : values[Int(code)].isEmpty
    }
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

// MARK: - Fast path

extension Executor {
    /// The common shapes in one tight loop over plain arrays: no key or one dictionary-column or
    /// bucket key, and aggregates that are `count()`, `count(f)` on a column, money
    /// `sum/avg/min/max(sale.amount)`, or (without keys) `count(DISTINCT f)` on a column. Group
    /// numbers are the key's dense codes, so there is no hashing per row. `nil` for other shapes.
    static func fastAggregate(_ a: BoundAggregation, rows: [UInt32], lo: Int, hi: Int, filter: RowFilter?,
                              keyReaders: [KeyReader], valueReaders: [KeyReader?], store: EventStore,
                              calendar: ZonedCalendar, timeZone: String, isCancelled: (() -> Bool)?) -> AggregateResult? {
        guard a.keys.count <= 1 else { return nil }
        let key = keyReaders.first
        if let key, !key.isColumn && !key.isBucket { return nil }
        enum Kind { case count, countColumn, distinct, money }
        var kinds: [Kind] = []
        for (j, g) in a.aggregates.enumerated() {
            switch g.function {
            case .count where g.field == nil: kinds.append(.count)
            case .count where valueReaders[j]?.isColumn == true: kinds.append(.countColumn)
            case .countDistinct where key == nil && valueReaders[j]?.isColumn == true: kinds.append(.distinct)
            case .sum where g.isMoney, .avg where g.isMoney, .min where g.isMoney, .max where g.isMoney: kinds.append(.money)
            default: return nil
            }
        }
        let timestamps = store.timestamps
        let keyCodes = key?.isColumn == true ? key?.codes ?? [] : []
        let keyMap = key?.isColumn == true ? key?.map ?? [] : []
        let isBucket = key?.isBucket == true
        var size = key == nil ? 1 : max(keyMap.count, 1)
        var events = [Int64](repeating: 0, count: size)
        var nonEmpty = kinds.map { $0 == .countColumn ? [Int64](repeating: 0, count: size) : [] }
        var seen = kinds.enumerated().map { j, k in k == .distinct ? [Bool](repeating: false, count: valueReaders[j]?.codeCount ?? 0) : [] }
        let needMoney = kinds.contains(.money)
        var cents = [Int64](repeating: 0, count: needMoney ? size : 0)
        var amounts = [Int64](repeating: 0, count: needMoney ? size : 0)
        var lowest = [Int64](repeating: .max, count: needMoney ? size : 0)
        var highest = [Int64](repeating: .min, count: needMoney ? size : 0)
        var firstIndex = -1, lastIndex = -1
        // Counting only, by a column or nothing, no filter: the whole loop is two loads and an add.
        if !isBucket, filter == nil, kinds.allSatisfy({ $0 == .count }) {
            rows.withUnsafeBufferPointer { r in
                events.withUnsafeMutableBufferPointer { e in
                    if keyMap.isEmpty {
                        e[0] = Int64(hi - lo)
                    } else {
                        keyCodes.withUnsafeBufferPointer { codes in
                            keyMap.withUnsafeBufferPointer { map in
                                for i in lo..<hi { e[Int(map[Int(codes[Int(r[i])])])] &+= 1 }
                            }
                        }
                    }
                }
            }
            if lo < hi { firstIndex = lo; lastIndex = hi - 1 }
        } else if isBucket, let key, filter == nil, kinds.allSatisfy({ $0 == .count }) {
            // Rows are in time order: each bucket is a run of rows, found by binary search.
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
                if g >= size {
                    let grow = g + 1 - size + 64
                    size += grow
                    events.append(contentsOf: repeatElement(0, count: grow))
                }
                events[g] &+= Int64(a - i)
                i = a
            }
            if lo < hi { firstIndex = lo; lastIndex = hi - 1 }
        } else {
            let saleAmounts = store.amounts
            var bucketStart = Int64.max, bucketEnd = Int64.min, bucketCode = 0
            var i = lo, visited = 0
            while i < hi {
                let row = Int(rows[i])
                i += 1
                visited &+= 1
                if visited & 0xFFFF == 0, let isCancelled, isCancelled() { break }
                if let filter, !filter.matches(row) { continue }
                if firstIndex < 0 { firstIndex = i - 1 }
                lastIndex = i - 1
                var g = 0
                if !keyMap.isEmpty {
                    g = Int(keyMap[Int(keyCodes[row])])
                } else if isBucket, let key {
                    let ts = timestamps[row]
                    if ts < bucketStart || ts >= bucketEnd {
                        bucketCode = Int(key.code(row, ts))
                        bucketStart = key.currentBucket.start
                        bucketEnd = key.currentBucket.end
                    }
                    g = bucketCode
                    if g >= size {
                        let grow = g + 1 - size + 64
                        size += grow
                        events.append(contentsOf: repeatElement(0, count: grow))
                        for j in nonEmpty.indices where kinds[j] == .countColumn {
                            nonEmpty[j].append(contentsOf: repeatElement(0, count: grow))
                        }
                        if needMoney {
                            cents.append(contentsOf: repeatElement(0, count: grow))
                            amounts.append(contentsOf: repeatElement(0, count: grow))
                            lowest.append(contentsOf: repeatElement(.max, count: grow))
                            highest.append(contentsOf: repeatElement(.min, count: grow))
                        }
                    }
                }
                events[g] &+= 1
                if needMoney {
                    let amount = saleAmounts[row]
                    if !amount.isNaN {
                        let c = Int64(amount.rounded())
                        cents[g] &+= c
                        amounts[g] &+= 1
                        if c < lowest[g] { lowest[g] = c }
                        if c > highest[g] { highest[g] = c }
                    }
                }
                for j in kinds.indices {
                    switch kinds[j] {
                    case .countColumn:
                        if let r = valueReaders[j], !r.emptyTable[Int(r.map[Int(r.codes[row])])] { nonEmpty[j][g] &+= 1 }
                    case .distinct:
                        if let r = valueReaders[j] {
                            let c = Int(r.map[Int(r.codes[row])])
                            if !r.emptyTable[c] { seen[j][c] = true }
                        }
                    default: break
                    }
                }
            }
        }
        let first: Int64? = firstIndex < 0 ? nil : timestamps[Int(rows[firstIndex])]
        let last: Int64 = lastIndex < 0 ? 0 : timestamps[Int(rows[lastIndex])]
        var groups: [[AggregateValue]] = []
        for g in 0..<size where events[g] > 0 || key == nil {
            var row: [AggregateValue] = key.map { [$0.value(UInt32(g))] } ?? []
            for (j, agg) in a.aggregates.enumerated() {
                switch kinds[j] {
                case .count: row.append(.integer(events[g]))
                case .countColumn: row.append(.integer(nonEmpty[j][g]))
                case .distinct: row.append(.integer(Int64(seen[j].reduce(0) { $0 + ($1 ? 1 : 0) })))
                case .money:
                    let n = amounts[g]
                    switch agg.function {
                    case .sum: row.append(.integer(cents[g]))
                    case .avg: row.append(n == 0 ? .null : .number(Double(cents[g]) / Double(n)))
                    case .min: row.append(n == 0 ? .null : .integer(lowest[g]))
                    default: row.append(n == 0 ? .null : .integer(highest[g]))
                    }
                }
            }
            groups.append(row)
        }
        let span = first.map { ($0, last) }
        return Evaluator.finish(groups, a, calendar: calendar, eventSpan: span, timeZone: timeZone)
    }
}
