// The growing columns of a load: one row per parsed event, appended in input order. Parallel loads
// build one per chunk and append them in order, re-mapping dictionary codes.

import DubQL

/// Columns under construction (see ``EventStore`` for their meaning).
struct RowBuilder {
    var bufferIndex: [UInt16] = []
    var offsets: [Int] = []
    var lengths: [UInt32] = []
    var types: [UInt8] = []
    var timestamps: [Int64] = []
    var codes: [[UInt32]] = StringColumn.allCases.map { _ in [] }
    var interners: [Interner] = StringColumn.allCases.map { _ in Interner() }
    var amounts: [Double] = []
    var qr: [UInt8] = []
    var metadataStart: [UInt32] = []
    var metadataLength: [UInt32] = []
    private var scratch: [UInt8] = []

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
        for c in 0..<p.starts.count {
            let s = p.starts[c]
            guard s >= 0 else { codes[c].append(0); continue }
            let e = p.ends[c]
            if p.escaped[c] {
                scratch.removeAll(keepingCapacity: true)
                JSONScanner.unescape(UnsafeBufferPointer(start: p.base + s, count: e - s), into: &scratch)
                let code = scratch.withUnsafeBufferPointer { b in
                    b.baseAddress.map { interners[c].intern($0, b.count) }
                } ?? interners[c].intern(p.base, 0)
                codes[c].append(code)
            } else {
                codes[c].append(interners[c].intern(p.base + s, e - s))
            }
        }
        bufferIndex.append(index)
        offsets.append(start)
        lengths.append(UInt32(end - start))
        types.append(type)
        timestamps.append(ts)
        amounts.append(p.amount)
        qr.append(p.qr)
        if p.metadataStart >= 0 {
            metadataStart.append(UInt32(p.metadataStart - start))
            metadataLength.append(UInt32(p.metadataEnd - p.metadataStart))
        } else {
            metadataStart.append(0)
            metadataLength.append(0)
        }
    }

    /// Appends another builder's rows after this one's.
    mutating func append(_ other: RowBuilder) {
        bufferIndex += other.bufferIndex
        offsets += other.offsets
        lengths += other.lengths
        types += other.types
        timestamps += other.timestamps
        amounts += other.amounts
        qr += other.qr
        metadataStart += other.metadataStart
        metadataLength += other.metadataLength
        for c in 0..<codes.count {
            var remap = [UInt32](repeating: 0, count: other.interners[c].count)
            for code in 1..<max(other.interners[c].count, 1) {
                remap[code] = other.interners[c].withValue(UInt32(code)) { p, n in interners[c].intern(p, n) }
            }
            codes[c].reserveCapacity(codes[c].count + other.codes[c].count)
            for code in other.codes[c] { codes[c].append(remap[Int(code)]) }
        }
    }
}
