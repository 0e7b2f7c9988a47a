// The growing columns of a load: one row per parsed event, appended in input order. Parallel loads
// build one per window and merge them in order, re-mapping dictionary codes column by column on
// every core.

import DubQL
import Dispatch

/// Columns under construction (see ``EventStore`` for their meaning).
///
/// Columns that are often empty for a whole load (most text columns of clicks, amounts, metadata)
/// start empty and are filled in only from their first value on: ``padded`` completes them.
///
/// Text codes are written a block of ``TextColumns/block`` rows at a time: a row's codes go into
/// the block's staging area (one slot per column and row, no bounds or uniqueness check per
/// value), and a full block is appended to each column that had a value in it.
struct RowBuilder {
    var bufferIndex: [UInt16] = []
    var offsets: [Int] = []
    var lengths: [UInt32] = []
    var types: [UInt8] = []
    var timestamps: [Int64] = []
    /// Amounts; shorter than ``count`` means NaN for the missing rows.
    var amounts: [Double] = []
    var qr: [UInt8] = []
    /// Metadata ranges; shorter than ``count`` means no metadata for the missing rows.
    var metadataStart: [UInt32] = []
    var metadataLength: [UInt32] = []
    /// The text columns' codes, dictionaries and staging block (shared by copies until one adds).
    private var text = TextColumns()
    /// Rows of the current block (their codes still staged).
    private var staged = 0
    /// Columns with a value in the current block, by ``StringColumn`` raw value.
    private var blockMask: UInt64 = 0
    /// `click.id` and `eventId` values of the block waiting to be interned (batches:
    /// ``Interner/intern(batch:at:)``), each in ``TextColumns/pending``.
    private var pendingClickIDs = 0
    private var pendingEventIDs = 0
    /// Row capacities that ``reserve(_:interned:)`` asks for are multiplied by this: the first
    /// window of a parallel load reserves for the whole input, its columns then take the other
    /// windows' rows without being copied.
    var reserveScale = 1
    /// A block is this many rows; also the size of a batch of pending ids.
    static let pendingBatch = TextColumns.block

    var count: Int { timestamps.count }

    /// Codes of each column; a column shorter than ``count`` has code 0 for its missing rows
    /// (after ``flushPending()``: the current block's codes are staged until then).
    var codes: [[UInt32]] { (0..<TextColumns.columnCount).map { text.codes[$0] } }

    /// Checks that a parsed event has what every event needs, then appends it.
    mutating func add(_ p: EventParser, start: Int, end: Int, _ index: UInt16) throws(EventParser.Failure) {
        try check(p, start: start, end: end)
        let type = p.type!, ts = p.resolvedTimestamp()!
        if !isKnownUniquelyReferenced(&text) { text = text.copy() }
        let r = staged
        let stage = text.stage, interners = text.interners
        var mask = blockMask
        let clickID = StringColumn.clickID.rawValue, eventID = StringColumn.eventID.rawValue
        let lineStart = p.base + start
        for c in 0..<TextColumns.columnCount {
            let s = p.starts[c]
            guard s >= 0 else { continue }
            mask |= 1 &<< UInt64(c)
            let v = p.base + s, n = p.ends[c] - s
            if p.escaped[c] {
                // Codes are given in row order: the column's waiting values first.
                flushPending(c)
                stage[c &* TextColumns.block &+ r] = interners[c].intern(escaped: v, n, scratch: &text.scratch)
            } else if c == clickID || c == eventID {
                let value = PendingValue(base: v, count: n, hash: Interner.hashOf(v, n), row: c &* TextColumns.block &+ r)
                if c == clickID { text.pend(0, &pendingClickIDs, value) } else { text.pend(1, &pendingEventIDs, value) }
            } else {
                // The value's first word, read as the 8 bytes that end it when it is shorter
                // (the line holds at least its key before it).
                let first: UInt64
                if n < 8 && v + n - 8 >= lineStart {
                    first = n == 0 ? 0 : UnsafeRawPointer(v + n - 8).loadUnaligned(as: UInt64.self) &>> UInt64((8 - n) &* 8)
                } else {
                    first = Interner.word(v, n)
                }
                stage[c &* TextColumns.block &+ r] = interners[c].intern(v, n, first: first)
            }
        }
        blockMask = mask
        appendRow(p, start: start, end: end, index, type: type, timestamp: ts, row: count)
        staged += 1
        if staged == TextColumns.block { flushBlock() }
    }

    /// The checks of ``add(_:start:end:_:)``: what every event needs.
    @inline(__always)
    func check(_ p: EventParser, start: Int, end: Int) throws(EventParser.Failure) {
        guard let type = p.type else {
            throw EventParser.Failure(JSONScanError(offset: start, message: "missing field 'event' (expected \"click\", \"lead\" or \"sale\")"), code: "DQL0504")
        }
        guard p.resolvedTimestamp() != nil else {
            throw EventParser.Failure(JSONScanError(offset: start, message: "missing field 'timestamp' (and no 'click.timestamp' to fall back on)"), code: "DQL0504")
        }
        let idColumn = type == 0 ? StringColumn.clickID : .eventID
        guard p.starts[idColumn.rawValue] >= 0 else {
            throw EventParser.Failure(JSONScanError(offset: start, message: "missing field '\(idColumn.path.joined(separator: "."))' (the \(EventType.allCases[Int(type)].singular) event's id)"), code: "DQL0504")
        }
        if type == 2 && p.amount.isNaN {
            throw EventParser.Failure(JSONScanError(offset: start, message: "missing field 'sale.amount'"), code: "DQL0504")
        }
        guard end - start <= Int(UInt32.max) else {
            throw EventParser.Failure(JSONScanError(offset: start, message: "event larger than 4 GiB"), code: "DQL0509")
        }
    }

    /// ``add(_:start:end:_:)`` interning only the columns `interned` (the lean parse of a streamed
    /// aggregate's windows; see ``LeanFields``).
    @inline(__always)
    mutating func addInterning(_ p: EventParser, start: Int, end: Int, _ index: UInt16, _ interned: [Int]) throws(EventParser.Failure) {
        try check(p, start: start, end: end)
        if !isKnownUniquelyReferenced(&text) { text = text.copy() }
        let r = staged
        let stage = text.stage, interners = text.interners
        for c in interned {
            let s = p.starts[c]
            guard s >= 0 else { continue }
            blockMask |= 1 &<< UInt64(c)
            if p.escaped[c] { flushPending(c) }
            stage[c &* TextColumns.block &+ r] = p.escaped[c] ? interners[c].intern(escaped: p.base + s, p.ends[c] - s, scratch: &text.scratch)
                                                              : interners[c].intern(p.base + s, p.ends[c] - s)
        }
        appendRow(p, start: start, end: end, index, type: p.type!, timestamp: p.resolvedTimestamp()!, row: count)
        staged += 1
        if staged == TextColumns.block { flushBlock() }
    }

    /// Appends the block's staged codes to their columns (after interning its pending ids).
    private mutating func flushBlock() {
        flushPending(StringColumn.clickID.rawValue)
        flushPending(StringColumn.eventID.rawValue)
        guard staged > 0 else { return }
        let base = count - staged
        var m = blockMask
        while m != 0 {
            let c = m.trailingZeroBitCount
            m &= m &- 1
            let slice = text.stage + c * TextColumns.block
            // A column's first values: room for as many rows as the others (a column that starts
            // part-way otherwise grows by copies, and is copied again when padded or merged).
            if text.codes[c].isEmpty { text.codes[c].reserveCapacity(timestamps.capacity) }
            if text.codes[c].count < base { text.codes[c].append(contentsOf: repeatElement(0, count: base - text.codes[c].count)) }
            text.codes[c].append(contentsOf: UnsafeBufferPointer(start: slice, count: staged))
            slice.update(repeating: 0, count: staged)
        }
        blockMask = 0
        staged = 0
    }

    /// Appends what every row has beside its text codes (``add(_:start:end:_:)`` and the lean
    /// add): where its JSON is, its type and instant, and its amount, `qr` and metadata; amounts
    /// and metadata stay empty until their first value (``padded`` completes them).
    @inline(__always)
    mutating func appendRow(_ p: EventParser, start: Int, end: Int, _ index: UInt16, type: UInt8, timestamp ts: Int64, row: Int) {
        bufferIndex.append(index)
        offsets.append(start)
        lengths.append(UInt32(end - start))
        types.append(type)
        timestamps.append(ts)
        if !p.amount.isNaN || !amounts.isEmpty {
            if amounts.count < row { amounts.append(contentsOf: repeatElement(.nan, count: row - amounts.count)) }
            amounts.append(p.amount)
        }
        qr.append(p.qr)
        if p.metadataStart >= 0 {
            if metadataStart.count < row {
                metadataStart.append(contentsOf: repeatElement(0, count: row - metadataStart.count))
                metadataLength.append(contentsOf: repeatElement(0, count: row - metadataLength.count))
            }
            metadataStart.append(UInt32(p.metadataStart - start))
            metadataLength.append(UInt32(p.metadataEnd - p.metadataStart))
        } else if !metadataStart.isEmpty {
            metadataStart.append(0)
            metadataLength.append(0)
        }
    }

    /// Completes the columns: the staged block and the waiting `click.id` and `eventId` values;
    /// and the columns with a value are padded to every row here, in place (``store(buffers:)``
    /// and the merge then take them as they are instead of copying them to pad them).
    mutating func flushPending() {
        let n = count
        if !isFlushed {
            if !isKnownUniquelyReferenced(&text) { text = text.copy() }
            flushBlock()
        }
        for c in 0..<TextColumns.columnCount where !text.codes[c].isEmpty && text.codes[c].count < n {
            if !isKnownUniquelyReferenced(&text) { text = text.copy() }
            text.codes[c].append(contentsOf: repeatElement(0, count: n - text.codes[c].count))
        }
        if !amounts.isEmpty && amounts.count < n { amounts.append(contentsOf: repeatElement(.nan, count: n - amounts.count)) }
        if !metadataStart.isEmpty && metadataStart.count < n {
            metadataStart.append(contentsOf: repeatElement(0, count: n - metadataStart.count))
            metadataLength.append(contentsOf: repeatElement(0, count: n - metadataLength.count))
        }
    }

    /// True when every row's codes are in ``codes``.
    var isFlushed: Bool { staged == 0 }

    /// Interns column `c`'s waiting ids into the staging block.
    private mutating func flushPending(_ c: Int) {
        if c == StringColumn.clickID.rawValue {
            text.flush(0, c, &pendingClickIDs)
        } else if c == StringColumn.eventID.rawValue {
            text.flush(1, c, &pendingEventIDs)
        }
    }

    /// Room for `n` rows (times ``reserveScale``) in the columns every row fills (and in the text
    /// columns `interned`).
    ///
    /// The dictionaries of `click.id` and `eventId` (about one value per row) are sized for the
    /// rows too, without the margin: their tables are then rehashed once or not at all, not at
    /// every doubling on the way (each rehash a pass of cache misses over the whole table).
    mutating func reserve(_ n: Int, interned: [Int] = []) {
        let rows = n * reserveScale
        bufferIndex.reserveCapacity(rows); offsets.reserveCapacity(rows); lengths.reserveCapacity(rows)
        types.reserveCapacity(rows); timestamps.reserveCapacity(rows); qr.reserveCapacity(rows)
        if !isKnownUniquelyReferenced(&text) { text = text.copy() }
        for c in interned {
            text.codes[c].reserveCapacity(rows)
            if c == StringColumn.clickID.rawValue || c == StringColumn.eventID.rawValue {
                let values = n * 4 / 5, bytes = text.interners[c].count > 1 ? text.interners[c].bytes.count / (text.interners[c].count - 1) : 16
                text.interners[c].reserve(values: values, bytes: values * bytes)
            }
        }
    }

    /// The text columns with a value so far.
    var filledColumns: [Int] {
        (0..<TextColumns.columnCount).filter { !text.codes[$0].isEmpty || blockMask & (1 << UInt64($0)) != 0 }
    }

    /// Appends another builder's rows after this one's.
    mutating func append(_ other: RowBuilder) { append(contentsOf: [other]) }

    /// Appends other builders' rows after this one's, in order: the row columns are concatenated,
    /// the text columns' dictionaries merged (each part's codes re-mapped to this one's), one
    /// column per core at a time.
    ///
    /// Into an empty builder the first part is moved, not copied: when it reserved room for all
    /// the parts (``reserveScale``), the others' rows are appended to its columns in place. Parts
    /// handed over uniquely referenced (as the loader does) also give up their dictionaries
    /// instead of having them copied.
    mutating func append(contentsOf parts: consuming [RowBuilder]) {
        var parts = parts
        guard !parts.isEmpty else { return }
        flushPending()
        for k in parts.indices where !parts[k].isFlushed { parts[k].flushPending() }
        var first = 0
        if count == 0 {
            swap(&self, &parts[0])
            first = 1
        }
        guard first < parts.count else { return }
        let base = count
        var total = base
        for k in first..<parts.count { total += parts[k].count }
        bufferIndex.reserveCapacity(total); offsets.reserveCapacity(total); lengths.reserveCapacity(total)
        types.reserveCapacity(total); timestamps.reserveCapacity(total); qr.reserveCapacity(total)
        var rowStart = base
        for k in first..<parts.count {
            let p = parts[k]
            bufferIndex += p.bufferIndex
            offsets += p.offsets
            lengths += p.lengths
            types += p.types
            timestamps += p.timestamps
            qr += p.qr
            if !p.amounts.isEmpty {
                if amounts.count < rowStart { amounts.append(contentsOf: repeatElement(.nan, count: rowStart - amounts.count)) }
                amounts += p.amounts
            }
            if !p.metadataStart.isEmpty {
                if metadataStart.count < rowStart {
                    metadataStart.append(contentsOf: repeatElement(0, count: rowStart - metadataStart.count))
                    metadataLength.append(contentsOf: repeatElement(0, count: rowStart - metadataLength.count))
                }
                metadataStart += p.metadataStart
                metadataLength += p.metadataLength
            }
            rowStart += p.count
        }
        if !isKnownUniquelyReferenced(&text) { text = text.copy() }
        var owned: [Bool] = []
        for k in first..<parts.count { owned.append(isKnownUniquelyReferenced(&parts[k].text)) }
        let mine = text, handed = owned
        let others = parts[first...].map(\.text), counts = parts[first...].map(\.count)
        DispatchQueue.concurrentPerform(iterations: TextColumns.columnCount) { c in
            mine.merge(column: c, base: base, others, counts: counts, owned: handed)
        }
    }

    /// A column completed to `n` rows with `fill`; an empty column stays empty (every row `fill`).
    static func padded<T>(_ column: [T], _ n: Int, _ fill: T) -> [T] {
        guard !column.isEmpty, column.count < n else { return column }
        var out = column
        out.append(contentsOf: repeatElement(fill, count: n - column.count))
        return out
    }

    /// A store of these rows, which point into `buffers`.
    func store(buffers: [InputBuffer]) -> EventStore {
        guard isFlushed else {
            var done = self
            done.flushPending()
            return done.store(buffers: buffers)
        }
        let n = count
        // One buffer of zeros serves every column without a value in any row.
        let zeros = [UInt32](repeating: 0, count: n)
        let full = (0..<TextColumns.columnCount).map { c in text.codes[c].isEmpty ? zeros : Self.padded(text.codes[c], n, 0) }
        let starts = metadataStart.isEmpty ? zeros : Self.padded(metadataStart, n, 0)
        let lengthsOfMetadata = metadataLength.isEmpty ? zeros : Self.padded(metadataLength, n, 0)
        return EventStore(buffers: buffers, bufferIndex: bufferIndex, offsets: offsets, lengths: lengths, types: types,
                          timestamps: timestamps, codes: full, values: (0..<TextColumns.columnCount).map { text.interners[$0].dictionary() },
                          amounts: amounts.isEmpty ? [Double](repeating: .nan, count: n) : Self.padded(amounts, n, .nan), qr: qr,
                          metadataStart: starts, metadataLength: lengthsOfMetadata)
    }
}

/// A builder's text columns: each column's codes and dictionary, the staging block of the rows
/// being added and their waiting ids. The builder that holds it alone mutates it (a copy of the
/// builder copies it first), and a merge's workers each touch their own column only.
final class TextColumns: @unchecked Sendable {
    static let columnCount = StringColumn.allCases.count
    /// Rows per staging block.
    static let block = 64
    /// Flushed codes of each column (see ``RowBuilder/codes``).
    let codes: UnsafeMutablePointer<[UInt32]>
    let interners: UnsafeMutablePointer<Interner>
    /// `block` codes per column (column `c`'s at `c * block`), 0 where the block has no value.
    let stage: UnsafeMutablePointer<UInt32>
    /// The block's waiting `click.id` (`0..<block`) and `eventId` (`block..<2 * block`) values.
    let pending: UnsafeMutablePointer<PendingValue>
    /// Decoding of an escaped value.
    var scratch: [UInt8] = []

    init() {
        let n = Self.columnCount
        codes = .allocate(capacity: n)
        codes.initialize(repeating: [], count: n)
        interners = .allocate(capacity: n)
        interners.initialize(repeating: Interner(), count: n)
        stage = .allocate(capacity: n * Self.block)
        stage.initialize(repeating: 0, count: n * Self.block)
        pending = .allocate(capacity: 2 * Self.block)
    }

    deinit {
        codes.deinitialize(count: Self.columnCount)
        codes.deallocate()
        interners.deinitialize(count: Self.columnCount)
        interners.deallocate()
        stage.deallocate()
        pending.deallocate()
    }

    /// An independent copy (the arrays inside are shared until either side changes them).
    func copy() -> TextColumns {
        let other = TextColumns()
        let n = Self.columnCount
        other.codes.update(from: codes, count: n)
        other.interners.update(from: interners, count: n)
        other.stage.update(from: stage, count: n * Self.block)
        other.pending.update(from: pending, count: 2 * Self.block)
        other.scratch = scratch
        return other
    }

    /// Adds a waiting id to list `k` (0 `click.id`, 1 `eventId`), `count` long.
    @inline(__always) func pend(_ k: Int, _ count: inout Int, _ value: PendingValue) {
        (pending + k * Self.block + count).initialize(to: value)
        count += 1
    }

    /// Interns list `k`'s waiting values into column `c`, their codes into the stage.
    @inline(__always) func flush(_ k: Int, _ c: Int, _ count: inout Int) {
        guard count > 0 else { return }
        interners[c].intern(batch: UnsafeBufferPointer(start: pending + k * Self.block, count: count), at: stage)
        count = 0
    }

    /// Appends column `c` of `others` (`counts[k]` rows each, the first after row `base`) to
    /// this one's, re-mapping their codes to this dictionary; an `owned` part's dictionary and
    /// codes are taken rather than shared.
    func merge(column c: Int, base: Int, _ others: [TextColumns], counts: [Int], owned: [Bool]) {
        var out = codes[c], interner = interners[c]
        codes[c] = []
        interners[c] = Interner()
        var start = base
        for (k, other) in others.enumerated() {
            defer { start += counts[k] }
            guard !other.codes[c].isEmpty else { continue }
            if out.count < start { out.append(contentsOf: repeatElement(0, count: start - out.count)) }
            if interner.count <= 1 {
                // The first values of this column: take the part's dictionary as it is.
                interner = other.interners[c]
                if owned[k] { other.interners[c] = Interner() }
                if out.isEmpty && owned[k] {
                    swap(&out, &other.codes[c])
                } else {
                    out += other.codes[c]
                }
                continue
            }
            let map = interner.codes(of: other.interners[c])
            let theirs = other.codes[c], n0 = out.count
            out.append(contentsOf: repeatElement(0, count: theirs.count))
            out.withUnsafeMutableBufferPointer { o in
                map.withUnsafeBufferPointer { m in
                    theirs.withUnsafeBufferPointer { t in
                        for i in 0..<t.count { o[n0 &+ i] = m[Int(t[i])] }
                    }
                }
            }
        }
        codes[c] = out
        interners[c] = interner
    }
}

extension Interner {
    /// This dictionary's codes of `other`'s values (index: `other`'s code; 0 stays 0), adding the
    /// values it lacks in `other`'s order: a batch at a time, so that their table reads overlap.
    mutating func codes(of other: Interner) -> [UInt32] {
        let n = other.count
        var map = [UInt32](repeating: 0, count: max(n, 1))
        guard n > 1 else { return map }
        reserve(values: count + n - 1, bytes: bytes.count + other.bytes.count)
        var empty: UInt8 = 0
        withUnsafeMutablePointer(to: &empty) { zero in
            other.bytes.withUnsafeBufferPointer { b in
                other.starts.withUnsafeBufferPointer { st in
                    map.withUnsafeMutableBufferPointer { m in
                        let base = b.baseAddress.map { UnsafePointer($0) } ?? UnsafePointer(zero)
                        var batch: [PendingValue] = []
                        batch.reserveCapacity(RowBuilder.pendingBatch)
                        var code = 1
                        while code < n {
                            let hi = min(code + RowBuilder.pendingBatch, n)
                            batch.removeAll(keepingCapacity: true)
                            for k in code..<hi {
                                let p = base + st[k], len = st[k + 1] - st[k]
                                batch.append(PendingValue(base: p, count: len, hash: Interner.hashOf(p, len), row: k))
                            }
                            batch.withUnsafeBufferPointer { intern(batch: $0, at: m.baseAddress!) }
                            code = hi
                        }
                    }
                }
            }
        }
        return map
    }

    /// The code of a string value written with escapes (`p[0..<n]`, as in the JSON): its
    /// decoded text interned; `scratch` holds the decoding.
    @inline(__always)
    mutating func intern(escaped p: UnsafePointer<UInt8>, _ n: Int, scratch: inout [UInt8]) -> UInt32 {
        scratch.removeAll(keepingCapacity: true)
        JSONScanner.unescape(UnsafeBufferPointer(start: p, count: n), into: &scratch)
        return scratch.withUnsafeBufferPointer { b in b.baseAddress.map { intern($0, b.count) } } ?? intern(p, 0)
    }
}
