// The growing columns of a load: one row per parsed event, appended in input order. Parallel loads
// build one per window and merge them in order, re-mapping dictionary codes column by column on
// every core.

import DubQL
import Dispatch

/// Columns under construction (see ``EventStore`` for their meaning).
///
/// Columns that are often empty for a whole load (most text columns of clicks, amounts, metadata)
/// start empty and are filled in only from their first value on: ``padded`` completes them.
struct RowBuilder {
    var bufferIndex: [UInt16] = []
    var offsets: [Int] = []
    var lengths: [UInt32] = []
    var types: [UInt8] = []
    var timestamps: [Int64] = []
    /// Codes of each column; a column shorter than ``count`` has code 0 for its missing rows.
    var codes: [[UInt32]] = StringColumn.allCases.map { _ in [] }
    var interners: [Interner] = StringColumn.allCases.map { _ in Interner() }
    /// Amounts; shorter than ``count`` means NaN for the missing rows.
    var amounts: [Double] = []
    var qr: [UInt8] = []
    /// Metadata ranges; shorter than ``count`` means no metadata for the missing rows.
    var metadataStart: [UInt32] = []
    var metadataLength: [UInt32] = []
    private var scratch: [UInt8] = []
    /// `click.id` and `eventId` values (nearly one distinct value per row) whose codes are still
    /// 0 in their column: interned a batch at a time (``Interner/intern(batch:into:)``).
    /// ``flushPending()`` completes them; ``store(buffers:)`` and the merge do so first.
    private var pendingClickIDs: [PendingValue] = []
    private var pendingEventIDs: [PendingValue] = []
    private var batchCodes: [UInt32] = []
    static let pendingBatch = 32

    var count: Int { timestamps.count }

    /// Checks that a parsed event has what every event needs, then appends it.
    mutating func add(_ p: EventParser, start: Int, end: Int, _ index: UInt16) throws(EventParser.Failure) {
        guard let type = p.type else {
            throw EventParser.Failure(JSONScanError(offset: start, message: "missing field 'event' (expected \"click\", \"lead\" or \"sale\")"), code: "DQL0504")
        }
        guard let ts = p.resolvedTimestamp() else {
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
        let row = count
        p.starts.withUnsafeBufferPointer { starts in
            for c in 0..<starts.count {
                let s = starts[c]
                guard s >= 0 else {
                    if !codes[c].isEmpty { codes[c].append(0) }
                    continue
                }
                let e = p.ends[c]
                let code: UInt32
                if !p.escaped[c] && (c == StringColumn.clickID.rawValue || c == StringColumn.eventID.rawValue) {
                    if codes[c].count < row { codes[c].append(contentsOf: repeatElement(0, count: row - codes[c].count)) }
                    codes[c].append(0)
                    let value = PendingValue(base: p.base + s, count: e - s, hash: Interner.hashOf(p.base + s, e - s), row: row)
                    if c == StringColumn.clickID.rawValue {
                        pendingClickIDs.append(value)
                        if pendingClickIDs.count == Self.pendingBatch { flushPending(c) }
                    } else {
                        pendingEventIDs.append(value)
                        if pendingEventIDs.count == Self.pendingBatch { flushPending(c) }
                    }
                    continue
                }
                if p.escaped[c] {
                    // Codes are given in row order: the column's waiting values first.
                    flushPending(c)
                    code = interners[c].intern(escaped: p.base + s, e - s, scratch: &scratch)
                } else {
                    code = interners[c].intern(p.base + s, e - s)
                }
                if codes[c].count < row { codes[c].append(contentsOf: repeatElement(0, count: row - codes[c].count)) }
                codes[c].append(code)
            }
        }
        appendRow(p, start: start, end: end, index, type: type, timestamp: ts, row: row)
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

    /// Interns the waiting `click.id` and `eventId` values (see ``pendingClickIDs``).
    mutating func flushPending() {
        flushPending(StringColumn.clickID.rawValue)
        flushPending(StringColumn.eventID.rawValue)
    }

    /// True when no value waits to be interned.
    var isFlushed: Bool { pendingClickIDs.isEmpty && pendingEventIDs.isEmpty }

    private mutating func flushPending(_ c: Int) {
        if c == StringColumn.clickID.rawValue {
            Self.flush(&pendingClickIDs, &interners[c], &codes[c], &batchCodes)
        } else if c == StringColumn.eventID.rawValue {
            Self.flush(&pendingEventIDs, &interners[c], &codes[c], &batchCodes)
        }
    }

    private static func flush(_ pending: inout [PendingValue], _ interner: inout Interner, _ codes: inout [UInt32],
                              _ batch: inout [UInt32]) {
        guard !pending.isEmpty else { return }
        batch.removeAll(keepingCapacity: true)
        pending.withUnsafeBufferPointer { interner.intern(batch: $0, into: &batch) }
        codes.withUnsafeMutableBufferPointer { out in
            for (i, v) in pending.enumerated() { out[v.row] = batch[i] }
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Room for `n` rows in the columns every row fills (and in the text columns `interned`).
    mutating func reserve(_ n: Int, interned: [Int] = []) {
        bufferIndex.reserveCapacity(n); offsets.reserveCapacity(n); lengths.reserveCapacity(n)
        types.reserveCapacity(n); timestamps.reserveCapacity(n); qr.reserveCapacity(n)
        for c in interned { codes[c].reserveCapacity(n) }
    }

    /// The text columns with a value so far.
    var filledColumns: [Int] { codes.indices.filter { !codes[$0].isEmpty } }

    /// Appends another builder's rows after this one's.
    mutating func append(_ other: RowBuilder) { append(contentsOf: [other]) }

    /// Appends other builders' rows after this one's, in order: the row columns are concatenated,
    /// the text columns' dictionaries merged (each part's codes re-mapped to this one's), one
    /// column per core at a time.
    mutating func append(contentsOf parts: [RowBuilder]) {
        guard !parts.isEmpty else { return }
        flushPending()
        let parts = parts.map { p in
            guard !p.isFlushed else { return p }
            var done = p
            done.flushPending()
            return done
        }
        let base = count
        var ends: [Int] = []
        var total = base
        for p in parts { total += p.count; ends.append(total) }
        bufferIndex.reserveCapacity(total); offsets.reserveCapacity(total); lengths.reserveCapacity(total)
        types.reserveCapacity(total); timestamps.reserveCapacity(total); qr.reserveCapacity(total)
        var rowStart = base
        for p in parts {
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
        let columns = MergeColumns(codes: codes, interners: interners)
        codes = []
        interners = []
        DispatchQueue.concurrentPerform(iterations: columns.count) { c in
            var out = columns.codes[c], interner = columns.interners[c]
            columns.codes[c] = []
            columns.interners[c] = Interner()
            var start = base
            for p in parts {
                let other = p.interners[c], theirs = p.codes[c]
                defer { start += p.count }
                guard !theirs.isEmpty else { continue }
                if interner.count <= 1 {
                    // The first values of this column: take the part's dictionary as it is.
                    interner = other
                    if start == 0 {
                        out = theirs
                    } else {
                        out = [UInt32](repeating: 0, count: start)
                        out += theirs
                    }
                    continue
                }
                if out.count < start { out.append(contentsOf: repeatElement(0, count: start - out.count)) }
                var remap = [UInt32](repeating: 0, count: max(other.count, 1))
                for code in 1..<max(other.count, 1) {
                    remap[code] = other.withValue(UInt32(code)) { p, n in interner.intern(p, n) }
                }
                out.reserveCapacity(start + theirs.count)
                remap.withUnsafeBufferPointer { map in
                    for code in theirs { out.append(map[Int(code)]) }
                }
            }
            columns.codes[c] = out
            columns.interners[c] = interner
        }
        (codes, interners) = columns.take()
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
        let full = codes.map { c in c.isEmpty ? zeros : Self.padded(c, n, 0) }
        let starts = metadataStart.isEmpty ? zeros : Self.padded(metadataStart, n, 0)
        let lengthsOfMetadata = metadataLength.isEmpty ? zeros : Self.padded(metadataLength, n, 0)
        return EventStore(buffers: buffers, bufferIndex: bufferIndex, offsets: offsets, lengths: lengths, types: types,
                          timestamps: timestamps, codes: full, values: interners.map { $0.dictionary() },
                          amounts: amounts.isEmpty ? [Double](repeating: .nan, count: n) : Self.padded(amounts, n, .nan), qr: qr,
                          metadataStart: starts, metadataLength: lengthsOfMetadata)
    }
}

/// The text columns of a merge, each slot read and written by one worker only.
private final class MergeColumns: @unchecked Sendable {
    let codes: UnsafeMutablePointer<[UInt32]>
    let interners: UnsafeMutablePointer<Interner>
    let count: Int
    init(codes: [[UInt32]], interners: [Interner]) {
        count = codes.count
        self.codes = .allocate(capacity: count)
        self.codes.initialize(from: codes, count: count)
        self.interners = .allocate(capacity: count)
        self.interners.initialize(from: interners, count: count)
    }
    /// The merged columns (once).
    func take() -> ([[UInt32]], [Interner]) {
        let result = (Array(UnsafeBufferPointer(start: codes, count: count)), Array(UnsafeBufferPointer(start: interners, count: count)))
        codes.deinitialize(count: count)
        codes.deallocate()
        interners.deinitialize(count: count)
        interners.deallocate()
        return result
    }
}

extension Interner {
    /// The code of a string value written with escapes (`p[0..<n]`, as in the JSON): its
    /// decoded text interned; `scratch` holds the decoding.
    @inline(__always)
    mutating func intern(escaped p: UnsafePointer<UInt8>, _ n: Int, scratch: inout [UInt8]) -> UInt32 {
        scratch.removeAll(keepingCapacity: true)
        JSONScanner.unescape(UnsafeBufferPointer(start: p, count: n), into: &scratch)
        return scratch.withUnsafeBufferPointer { b in b.baseAddress.map { intern($0, b.count) } } ?? intern(p, 0)
    }
}
