// The columnar store of loaded events: dictionary-encoded text columns, integer timestamps, sale
// amounts, metadata and the original JSON of every event as offsets into the input buffers.

import DubQL

// MARK: - Store

/// Loaded events, column by column. Immutable once built, so it is shared freely between threads.
///
/// Row `i` is readable as an ``EventRecord`` with ``record(_:)``; its original JSON bytes are
/// ``rawJSON(_:)``. Build one with ``EventLoader``.
public final class EventStore: @unchecked Sendable {
    /// The buffers rows point into (memory-mapped files, decompressed or in-memory bytes).
    public let buffers: [InputBuffer]
    let bufferIndex: [UInt16]
    let offsets: [Int]
    let lengths: [UInt32]
    let types: [UInt8]
    /// Epoch milliseconds of each row.
    public let timestamps: [Int64]
    /// Codes of each ``StringColumn`` (0 = absent or null), indexed by the column's raw value.
    let codes: [[UInt32]]
    /// The values behind the codes, index 0 being `nil` (`dictionaries[c]` decodes column `c`'s).
    let dictionaries: StoreDictionaries
    /// `sale.amount`, NaN when absent.
    let amounts: [Double]
    /// `click.qr`: 0 false, 1 true, 2 absent.
    let qr: [UInt8]
    /// The `metadata` value's bytes relative to the row's start; length 0 when absent.
    let metadataStart: [UInt32]
    let metadataLength: [UInt32]
    /// True for a sale that is the first of its (link, customer) pair: derived from the rows, or
    /// supplied (``supplySaleTypes(_:)``) when the store holds part of the input.
    private(set) var newSale: [Bool]
    /// Rows of each event type in ascending (timestamp, event id) order, indexed by ``EventType``.
    let ascending: [[UInt32]]

    /// Number of events.
    public var count: Int { timestamps.count }

    init(buffers: [InputBuffer], bufferIndex: [UInt16], offsets: [Int], lengths: [UInt32], types: [UInt8],
         timestamps: [Int64], codes: [[UInt32]], values: [ValueDictionary], amounts: [Double], qr: [UInt8],
         metadataStart: [UInt32], metadataLength: [UInt32]) {
        self.buffers = buffers
        self.bufferIndex = bufferIndex
        self.offsets = offsets
        self.lengths = lengths
        self.types = types
        self.timestamps = timestamps
        self.codes = codes
        let dictionaries = StoreDictionaries(columns: values)
        self.dictionaries = dictionaries
        self.amounts = amounts
        self.qr = qr
        self.metadataStart = metadataStart
        self.metadataLength = metadataLength
        let order = EventStore.sortRows(types: types, timestamps: timestamps,
                                        ids: (codes[StringColumn.clickID.rawValue], codes[StringColumn.eventID.rawValue]),
                                        dictionaries: dictionaries)
        self.ascending = order
        self.newSale = EventStore.deriveNewSales(order: order[EventType.sales.index], count: timestamps.count,
                                                  link: codes[StringColumn.linkID.rawValue],
                                                  customer: codes[StringColumn.customerID.rawValue])
    }

    /// A store whose dictionaries are given decoded.
    convenience init(buffers: [InputBuffer], bufferIndex: [UInt16], offsets: [Int], lengths: [UInt32], types: [UInt8],
                     timestamps: [Int64], codes: [[UInt32]], dictionaries: [[String?]], amounts: [Double], qr: [UInt8],
                     metadataStart: [UInt32], metadataLength: [UInt32]) {
        self.init(buffers: buffers, bufferIndex: bufferIndex, offsets: offsets, lengths: lengths, types: types, timestamps: timestamps,
                  codes: codes, values: dictionaries.map(ValueDictionary.init(values:)), amounts: amounts, qr: qr,
                  metadataStart: metadataStart, metadataLength: metadataLength)
    }

    /// An empty store.
    public convenience init() {
        self.init(buffers: [], bufferIndex: [], offsets: [], lengths: [], types: [], timestamps: [],
                  codes: StringColumn.allCases.map { _ in [] }, dictionaries: StringColumn.allCases.map { _ in [nil] },
                  amounts: [], qr: [], metadataStart: [], metadataLength: [])
    }

    // MARK: Rows

    /// The event type of row `i`.
    public func eventType(_ row: Int) -> EventType { EventType.allCases[Int(types[row])] }

    /// Number of rows of one event type.
    public func count(of event: EventType) -> Int { ascending[event.index].count }

    /// The original JSON bytes of row `i`, exactly as they were in the input.
    public func rawJSON(_ row: Int) -> UnsafeBufferPointer<UInt8> {
        let b = buffers[Int(bufferIndex[row])]
        return UnsafeBufferPointer(start: b.base + offsets[row], count: Int(lengths[row]))
    }

    /// Where row `i` came from: buffer name and byte offset.
    public func origin(_ row: Int) -> (name: String, offset: Int) {
        (buffers[Int(bufferIndex[row])].name, offsets[row])
    }

    /// The decoded value of a text column for row `i` (`nil` when absent or null).
    public func string(_ column: StringColumn, _ row: Int) -> String? {
        dictionaries.columns[column.rawValue].value(Int(codes[column.rawValue][row]))
    }

    /// `click.id` for clicks, `eventId` for leads and sales.
    public func eventID(_ row: Int) -> String {
        string(types[row] == 0 ? .clickID : .eventID, row) ?? ""
    }

    /// `sale.amount` in cents, if the row is a sale with an amount.
    public func saleAmount(_ row: Int) -> Double? {
        let a = amounts[row]
        return a.isNaN ? nil : a
    }

    /// `click.qr` of row `i`, `nil` when absent or null.
    public func clickQR(_ row: Int) -> Bool? {
        qr[row] == 2 ? nil : qr[row] == 1
    }

    /// `new` or `recurring` for sales, `nil` otherwise.
    public func saleType(_ row: Int) -> String? {
        guard types[row] == 2 else { return nil }
        return newSale[row] ? "new" : "recurring"
    }

    /// Replaces the derived sale types (true: new) with the caller's, one per row: for a store of
    /// part of the input (a streamed window, the kept rows), whose sales' history is elsewhere.
    /// Call it before the store is shared.
    func supplySaleTypes(_ newSale: [Bool]) {
        precondition(newSale.count == count, "one sale type per row")
        self.newSale = newSale
    }

    /// Rows of one event type in ascending (timestamp, event id) order.
    public func rowsInOrder(of event: EventType) -> [UInt32] { ascending[event.index] }

    /// The dictionary code of a text column in row `i`: equal codes mean equal values, 0 means
    /// absent or null. For callers that decide a condition once per distinct value.
    @inline(__always)
    public func code(_ column: StringColumn, _ row: Int) -> Int { Int(codes[column.rawValue][row]) }

    /// Distinct values of a text column, plus one for code 0 (the codes are `0..<distinctCodes`).
    public func distinctCodes(_ column: StringColumn) -> Int { dictionaries.columns[column.rawValue].count }

    /// The value behind a code of ``code(_:_:)`` (`nil` for 0).
    public func value(_ column: StringColumn, code: Int) -> String? { dictionaries.columns[column.rawValue].value(code) }

    /// Row `i` as an ``EventRecord`` (what the evaluator, the server and test oracles read).
    public func record(_ row: Int) -> StoredEvent { StoredEvent(store: self, row: row) }

    /// Every row as a record, in load order.
    public var records: [StoredEvent] { (0..<count).map { StoredEvent(store: self, row: $0) } }

    /// The JSON value at `path` in row `i`, read from the original bytes.
    public func json(at path: [String], row: Int) -> JSONValue? {
        if path.first == "metadata" {
            // Metadata is where most local-only conditions look: read just its bytes.
            let n = Int(metadataLength[row])
            guard n > 0 else { return path.count == 1 && hasNullMetadata(row) ? .null : nil }
            let raw = rawJSON(row)
            guard let base = raw.baseAddress else { return nil }
            var scanner = JSONScanner(base: base, start: Int(metadataStart[row]), end: Int(metadataStart[row]) + n)
            return (try? scanner.value(at: path.dropFirst())) ?? nil
        }
        let raw = rawJSON(row)
        guard let base = raw.baseAddress else { return nil }
        var scanner = JSONScanner(base: base, start: 0, end: raw.count)
        return (try? scanner.value(at: path[...])) ?? nil
    }

    /// The number at `path` in row `i` exactly as the JSON writes it (`1e400`,
    /// `123456789012345678901234567890`); `nil` when the value there is not a number.
    ///
    /// For the numbers a Double cannot hold exactly: output prints them as written.
    public func numberLiteral(at path: [String], row: Int) -> String? {
        let raw = rawJSON(row)
        guard let base = raw.baseAddress else { return nil }
        var scanner = JSONScanner(base: base, start: 0, end: raw.count)
        guard let range = try? scanner.numberRange(at: path[...]) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: base + range.lowerBound, count: range.count), as: UTF8.self)
    }

    private func hasNullMetadata(_ row: Int) -> Bool {
        if case .null? = { () -> JSONValue? in
            let raw = rawJSON(row)
            guard let base = raw.baseAddress else { return nil }
            var scanner = JSONScanner(base: base, start: 0, end: raw.count)
            return (try? scanner.value(at: ["metadata"])) ?? nil
        }() { return true }
        return false
    }

    /// The row's `metadata` object, parsed; `nil` when absent or null.
    public func metadata(_ row: Int) -> JSONValue? {
        let n = Int(metadataLength[row])
        guard n > 0 else { return nil }
        let raw = rawJSON(row)
        guard let base = raw.baseAddress else { return nil }
        var scanner = JSONScanner(base: base, start: Int(metadataStart[row]), end: Int(metadataStart[row]) + n)
        return try? scanner.parseValue()
    }

    // MARK: Derivations

    private static func sortRows(types: [UInt8], timestamps: [Int64], ids: ([UInt32], [UInt32]),
                                 dictionaries: StoreDictionaries) -> [[UInt32]] {
        var byType: [[UInt32]] = [[], [], []]
        for row in 0..<types.count { byType[Int(types[row])].append(UInt32(row)) }
        let clickIDs = dictionaries.columns[StringColumn.clickID.rawValue], eventIDs = dictionaries.columns[StringColumn.eventID.rawValue]
        return byType.enumerated().map { (type, rows) in
            let codes = type == 0 ? ids.0 : ids.1
            let dict = type == 0 ? clickIDs : eventIDs
            func less(_ a: UInt32, _ b: UInt32) -> Bool {
                let ta = timestamps[Int(a)], tb = timestamps[Int(b)]
                if ta != tb { return ta < tb }
                let ca = codes[Int(a)], cb = codes[Int(b)]
                if ca == cb { return a < b }
                let ia = dict.value(Int(ca)) ?? "", ib = dict.value(Int(cb)) ?? ""
                return ia != ib ? ia < ib : a < b
            }
            // Exports are usually sorted already (the API returns newest first): check before sorting.
            if isSorted(rows, by: less) { return rows }
            let reversed = Array(rows.reversed())
            if isSorted(reversed, by: less) { return reversed }
            return rows.sorted(by: less)
        }
    }

    private static func isSorted(_ rows: [UInt32], by less: (UInt32, UInt32) -> Bool) -> Bool {
        var i = 1
        while i < rows.count {
            if less(rows[i], rows[i - 1]) { return false }
            i += 1
        }
        return true
    }

    /// The first sale of each (link, customer) pair, by timestamp then event id, is `new`.
    private static func deriveNewSales(order: [UInt32], count: Int, link: [UInt32], customer: [UInt32]) -> [Bool] {
        var result = [Bool](repeating: false, count: count)
        var seen = Set<UInt64>()
        for row in order {
            let pair = UInt64(link[Int(row)]) << 32 | UInt64(customer[Int(row)])
            if seen.insert(pair).inserted { result[Int(row)] = true }
        }
        return result
    }
}

extension EventType {
    /// 0, 1, 2 for clicks, leads, sales: the store's type code.
    public var index: Int {
        switch self {
        case .clicks: 0
        case .leads: 1
        case .sales: 2
        }
    }
}

// MARK: - Records

/// One row of an ``EventStore`` read through ``EventRecord``.
public struct StoredEvent: EventRecord, Sendable {
    public let store: EventStore
    public let row: Int

    public var eventType: EventType { store.eventType(row) }
    public var timestampMillis: Int64 { store.timestamps[row] }
    public var eventID: String { store.eventID(row) }
    public var saleType: String? { store.saleType(row) }
    public func json(at path: [String]) -> JSONValue? { store.json(at: path, row: row) }
    /// The original JSON bytes of the event.
    public var rawJSON: [UInt8] { Array(store.rawJSON(row)) }
}
