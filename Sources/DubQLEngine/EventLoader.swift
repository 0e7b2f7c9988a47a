// Loads Dub events (a JSON array as `GET /events` returns it, NDJSON, or concatenated JSON objects)
// from files, stdin or memory into an ``EventStore``, with positioned errors for malformed input.

import DubQL

// MARK: - Errors

/// A malformed event: where it is (file, line, byte column) and what was expected.
public struct LoadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file name, or `<stdin>`.
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based byte column.
    public var column: Int
    /// Stable code (`DQL05xx`).
    public var code: String
    public var message: String

    /// `events.ndjson:3:17: error[DQL0501]: expected ',' or '}' after an object member, found 'x'`.
    public var description: String { "\(file):\(line):\(column): error[\(code)]: \(message)" }
}

/// Options of a load.
public struct LoadOptions: Sendable {
    /// Skip malformed events instead of failing (their number is reported).
    public var skipInvalid: Bool
    public init(skipInvalid: Bool = false) { self.skipInvalid = skipInvalid }
}

// MARK: - Loader

/// Builds an ``EventStore`` from one or more inputs.
///
///     var loader = EventLoader()
///     try loader.load(path: "events.ndjson")
///     let store = loader.finish()
public struct EventLoader {
    public var options: LoadOptions
    /// Malformed events skipped so far (with ``LoadOptions/skipInvalid``).
    public private(set) var skipped = 0
    /// The first skipped event's error, for the note that reports the count.
    public private(set) var firstSkipped: LoadError?

    private var buffers: [InputBuffer] = []
    private var bufferIndex: [UInt16] = []
    private var offsets: [Int] = []
    private var lengths: [UInt32] = []
    private var types: [UInt8] = []
    private var timestamps: [Int64] = []
    private var codes: [[UInt32]] = StringColumn.allCases.map { _ in [] }
    private var interners: [Interner] = StringColumn.allCases.map { _ in Interner() }
    private var amounts: [Double] = []
    private var qr: [UInt8] = []
    private var metadataStart: [UInt32] = []
    private var metadataLength: [UInt32] = []
    private var scratch: [UInt8] = []

    public init(options: LoadOptions = LoadOptions()) { self.options = options }

    /// Events loaded so far.
    public var count: Int { timestamps.count }

    /// Loads a file (`-` is stdin; `.gz` content is decompressed whatever the name).
    public mutating func load(path: String) throws -> Int {
        try load(InputBuffer.open(path: path))
    }

    /// Loads events from bytes in memory (an API page, generated data), named for diagnostics.
    @discardableResult
    public mutating func load(bytes: [UInt8], name: String) throws(LoadError) -> Int {
        try load(InputBuffer(name: name, bytes: bytes))
    }

    /// Loads every event of a buffer; returns how many were added.
    @discardableResult
    public mutating func load(_ buffer: InputBuffer) throws(LoadError) -> Int {
        guard buffers.count < Int(UInt16.max) else {
            throw LoadError(file: buffer.name, line: 1, column: 1, code: "DQL0509", message: "too many input files (at most 65535)")
        }
        let before = count
        let index = UInt16(buffers.count)
        buffers.append(buffer)
        var parser = EventParser(base: buffer.base, end: buffer.count)
        var s = JSONScanner(base: buffer.base, start: 0, end: buffer.count)
        s.skipWhitespace()
        if s.atEnd {
            throw locate(buffer, JSONScanError(offset: 0, message: "empty input: expected a JSON array of events or NDJSON (one event per line)"), code: "DQL0505")
        }
        if s.peek() == UInt8(ascii: "[") {
            try loadArray(&s, &parser, buffer, index)
        } else {
            try loadStream(&s, &parser, buffer, index)
        }
        return count - before
    }

    /// `[ {...}, {...} ]`: the body of a `GET /events` response.
    private mutating func loadArray(_ s: inout JSONScanner, _ parser: inout EventParser, _ buffer: InputBuffer, _ index: UInt16) throws(LoadError) {
        s.pos += 1
        s.skipWhitespace()
        if s.peek() == UInt8(ascii: "]") {
            s.pos += 1
        } else {
            while true {
                s.skipWhitespace()
                let start = s.pos
                do throws(EventParser.Failure) {
                    guard s.peek() == UInt8(ascii: "{") else { throw EventParser.Failure(s.error("an event object"), syntax: true) }
                    try parser.parse(&s)
                    try add(parser, start: start, end: s.pos, index)
                } catch {
                    // A wrong type or missing field leaves the JSON readable: skip the element when asked.
                    if !options.skipInvalid || error.syntax { throw locate(buffer, error.error, code: error.code) }
                    note(locate(buffer, error.error, code: error.code))
                    s.pos = start
                    do { try s.skipValue() } catch { throw locate(buffer, error, code: "DQL0501") }
                }
                s.skipWhitespace()
                if s.peek() == UInt8(ascii: ",") { s.pos += 1; continue }
                if s.peek() == UInt8(ascii: "]") { s.pos += 1; break }
                throw locate(buffer, s.error("',' or ']' after an event"), code: "DQL0501")
            }
        }
        s.skipWhitespace()
        if !s.atEnd { throw locate(buffer, s.error("end of input after the array of events"), code: "DQL0501") }
    }

    /// NDJSON (each event on its own line), or JSON objects one after another (`jq '.[]'` output).
    private mutating func loadStream(_ s: inout JSONScanner, _ parser: inout EventParser, _ buffer: InputBuffer, _ index: UInt16) throws(LoadError) {
        var lineMode: Bool?
        while true {
            s.skipWhitespace()
            if s.atEnd { return }
            let start = s.pos
            let lineEnd = lineMode == false ? buffer.count : nextNewline(buffer, from: start)
            var bounded = JSONScanner(base: buffer.base, start: start, end: lineEnd)
            bounded.endsAtLineBreak = lineEnd < buffer.count
            do throws(EventParser.Failure) {
                guard bounded.peek() == UInt8(ascii: "{") else { throw EventParser.Failure(bounded.error("an event object"), syntax: true) }
                do {
                    try parser.parse(&bounded)
                } catch {
                    // The first event does not end on its line: pretty-printed objects, not NDJSON.
                    guard lineMode == nil, error.syntax, error.error.offset == lineEnd, lineEnd < buffer.count else { throw error }
                    lineMode = false
                    bounded = JSONScanner(base: buffer.base, start: start, end: buffer.count)
                    try parser.parse(&bounded)
                }
                if lineMode == nil { lineMode = true }
                let end = bounded.pos
                if lineMode == true {
                    bounded.skipWhitespace()
                    if !bounded.atEnd { throw EventParser.Failure(bounded.error("end of line after the event"), syntax: true) }
                }
                try add(parser, start: start, end: end, index)
                s.pos = lineMode == true ? lineEnd : end
            } catch {
                guard options.skipInvalid, lineMode != false else { throw locate(buffer, error.error, code: error.code) }
                note(locate(buffer, error.error, code: error.code))
                s.pos = lineEnd
            }
        }
    }

    private func nextNewline(_ buffer: InputBuffer, from: Int) -> Int {
        var i = from
        let base = buffer.base, n = buffer.count
        while i < n && base[i] != 0x0A { i += 1 }
        return i
    }

    private mutating func note(_ error: LoadError) {
        skipped += 1
        if firstSkipped == nil { firstSkipped = error }
    }

    /// Turns a byte offset into line and column (only on errors, so a scan is fine).
    func locate(_ buffer: InputBuffer, _ error: JSONScanError, code: String) -> LoadError {
        var line = 1, lineStart = 0
        let end = min(error.offset, buffer.count)
        for i in 0..<end where buffer.base[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return LoadError(file: buffer.name, line: line, column: end - lineStart + 1, code: code, message: error.message)
    }

    // MARK: Adding rows

    private mutating func add(_ p: EventParser, start: Int, end: Int, _ index: UInt16) throws(EventParser.Failure) {
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

    /// The store of everything loaded.
    public func finish() -> EventStore {
        EventStore(buffers: buffers, bufferIndex: bufferIndex, offsets: offsets, lengths: lengths, types: types,
                   timestamps: timestamps, codes: codes, dictionaries: interners.map { $0.strings() },
                   amounts: amounts, qr: qr, metadataStart: metadataStart, metadataLength: metadataLength)
    }

    // MARK: Conveniences

    /// Loads files (`-` for stdin) into a store.
    public static func load(paths: [String], options: LoadOptions = LoadOptions()) throws -> (store: EventStore, skipped: Int, firstSkipped: LoadError?) {
        var loader = EventLoader(options: options)
        for path in paths { _ = try loader.load(path: path) }
        return (loader.finish(), loader.skipped, loader.firstSkipped)
    }

    /// Loads one in-memory document (JSON array or NDJSON) into a store.
    public static func load(bytes: [UInt8], name: String = "<memory>", options: LoadOptions = LoadOptions()) throws(LoadError) -> EventStore {
        var loader = EventLoader(options: options)
        try loader.load(bytes: bytes, name: name)
        return loader.finish()
    }
}
