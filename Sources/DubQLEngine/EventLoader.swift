// Loads Dub events (a JSON array as `GET /events` returns it, NDJSON, or concatenated JSON objects)
// from files, stdin or memory into an ``EventStore``, with positioned errors for malformed input.

import DubQL
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

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
    /// What one event and one decompressed stream may take.
    public var limits: LoadLimits
    /// How many windows an NDJSON input is cut into (at line breaks) to parse them at once, whatever
    /// its size; `nil` is one per core for inputs of 16 MiB or more (`DUBQL_LOAD_WORKERS` sets it
    /// for a process). The store is the same whatever the number.
    public var windows: Int?
    public init(skipInvalid: Bool = false, limits: LoadLimits = LoadLimits(), windows: Int? = nil) {
        self.skipInvalid = skipInvalid
        self.limits = limits
        self.windows = windows
    }
}

/// Bounds on hostile or broken input, so that memory stays bounded whatever a file holds.
///
/// - One event (an NDJSON line, or an object of an array) takes at most ``maxEventBytes``
///   (16 MiB by default; `DUBQL_MAX_EVENT_SIZE`). A pipe or device read without a line break for
///   that long (`--data /dev/zero`) fails at once, unless it is a JSON array.
/// - A gzip stream decompresses to at most ``maxGzipRatio`` times its compressed size (100 by
///   default, `DUBQL_MAX_GZIP_RATIO`), and always to 64 MiB: exported events compress about 10
///   times, a decompression bomb about 1000 times.
public struct LoadLimits: Sendable, Equatable {
    public var maxEventBytes: Int
    public var maxGzipRatio: Int
    /// What any gzip stream may decompress to, whatever its ratio.
    public static let gzipAllowance = 64 << 20

    public init(maxEventBytes: Int = 16 << 20, maxGzipRatio: Int = 100) {
        self.maxEventBytes = maxEventBytes
        self.maxGzipRatio = maxGzipRatio
    }

    /// The limits with `DUBQL_MAX_EVENT_SIZE` (bytes, or with a `K`, `M` or `G` suffix for KiB,
    /// MiB, GiB) and `DUBQL_MAX_GZIP_RATIO` applied; an invalid value is an error naming it.
    public static func fromEnvironment(_ environment: [String: String]) throws(LimitError) -> LoadLimits {
        var limits = LoadLimits()
        if let text = environment["DUBQL_MAX_EVENT_SIZE"] {
            guard let n = parseSize(text), n >= 1024, n <= Int(UInt32.max) else {
                throw LimitError(message: "DUBQL_MAX_EVENT_SIZE must be a size between 1K and 4G (bytes, or with K, M or G), found '\(text)'")
            }
            limits.maxEventBytes = n
        }
        if let text = environment["DUBQL_MAX_GZIP_RATIO"] {
            guard let n = Int(text), n >= 1, n <= 1_000_000 else {
                throw LimitError(message: "DUBQL_MAX_GZIP_RATIO must be a whole number from 1 to 1000000, found '\(text)'")
            }
            limits.maxGzipRatio = n
        }
        return limits
    }

    static func parseSize(_ text: String) -> Int? {
        var digits = Substring(text)
        var scale = 1
        switch text.last {
        case "K"?, "k"?: scale = 1 << 10
        case "M"?, "m"?: scale = 1 << 20
        case "G"?, "g"?: scale = 1 << 30
        default: break
        }
        if scale > 1 { digits = digits.dropLast() }
        guard let n = Int(digits), n >= 0 else { return nil }
        let (product, overflow) = n.multipliedReportingOverflow(by: scale)
        return overflow ? nil : product
    }

    /// `16 MiB`, `512 KiB`, `1000 bytes`.
    static func describe(_ bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 16 << 20 { return "\((bytes + (1 << 19)) >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}

/// An invalid limit setting (from the environment).
public struct LimitError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

// MARK: - Loader

/// Builds an ``EventStore`` from one or more inputs.
///
///     var loader = EventLoader()
///     try loader.load(path: "events.ndjson")
///     let store = loader.finish()
///
/// Large NDJSON inputs are parsed on every core, in chunks cut at line breaks.
public struct EventLoader {
    public var options: LoadOptions
    /// Malformed events skipped so far (with ``LoadOptions/skipInvalid``).
    public var skipped: Int { notes.count }
    /// The first skipped event's error, for the note that reports the count.
    public var firstSkipped: LoadError? { notes.first }

    private var buffers: [InputBuffer] = []
    private var rows = RowBuilder()
    private(set) var notes = SkipNotes()

    public init(options: LoadOptions = LoadOptions()) { self.options = options }

    /// Events loaded so far.
    public var count: Int { rows.count }

    /// Loads a file (`-` is stdin; `.gz` content is decompressed whatever the name).
    public mutating func load(path: String) throws -> Int {
        try load(InputBuffer.open(path: path, limits: options.limits))
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
        // A UTF-8 byte order mark (as some Windows tools write) is not part of the JSON.
        let bom = buffer.count >= 3 && buffer.base[0] == 0xEF && buffer.base[1] == 0xBB && buffer.base[2] == 0xBF
        var s = JSONScanner(base: buffer.base, start: bom ? 3 : 0, end: buffer.count)
        s.skipWhitespace()
        if s.atEnd {
            throw Self.locate(buffer, JSONScanError(offset: 0, message: "empty input: expected a JSON array of events or NDJSON (one event per line)"), code: "DQL0505")
        }
        if s.peek() == UInt8(ascii: "[") {
            try Self.loadArray(&s, buffer, index, options, &rows, &notes)
        } else {
            try loadStream(s.pos, buffer, index)
        }
        rows.flushPending()
        buffer.releaseResidentPages()
        return count - before
    }

    /// The store of everything loaded.
    public func finish() -> EventStore {
        let store = rows.store(buffers: buffers)
        #if canImport(Glibc)
        // The windows' builders were freed in the worker threads' malloc arenas: hand those pages back.
        _ = glibcMallocTrim(0)
        #endif
        return store
    }

    // MARK: Formats

    /// `[ {...}, {...} ]`: the body of a `GET /events` response.
    private static func loadArray(_ s: inout JSONScanner, _ buffer: InputBuffer, _ index: UInt16, _ options: LoadOptions,
                                  _ rows: inout RowBuilder, _ notes: inout SkipNotes) throws(LoadError) {
        var parser = EventParser(base: buffer.base, end: buffer.count)
        s.pos += 1
        s.skipWhitespace()
        if s.peek() == UInt8(ascii: "]") {
            s.pos += 1
        } else {
            while true {
                s.skipWhitespace()
                try loadObject(&s, &parser, buffer, index, options, &rows, &notes)
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
    private mutating func loadStream(_ start: Int, _ buffer: InputBuffer, _ index: UInt16) throws(LoadError) {
        // The first event decides: it ends on its line (NDJSON) or spans lines (pretty-printed objects).
        let firstLineEnd = Self.nextNewline(buffer, from: start)
        var probe = EventParser(base: buffer.base, end: buffer.count)
        var bounded = JSONScanner(base: buffer.base, start: start, end: firstLineEnd)
        let ndjson = bounded.peek() != UInt8(ascii: "{") || firstLineEnd == buffer.count
            || (try? probe.parse(&bounded)) != nil || bounded.pos < firstLineEnd
        guard ndjson else {
            try Self.parseObjects(start, buffer.count, buffer, index, options, &rows, &notes)
            return
        }
        let forced = options.windows.map { max(1, $0) } ?? CPU.loadWorkers
        let workers = forced ?? CPU.activeProcessors
        let remaining = buffer.count - start
        guard workers > 1, remaining >= 16 << 20 || forced != nil else {
            try Self.parseLines(start, buffer.count, buffer, index, options, &rows, &notes)
            return
        }
        // Cut into chunks at line breaks; parse them at once; append in order.
        var cuts = [start]
        for k in 1..<workers {
            let guess = max(start + remaining * k / workers, cuts[cuts.count - 1])
            cuts.append(min(Self.nextNewline(buffer, from: guess) + 1, buffer.count))
        }
        cuts.append(buffer.count)
        let results = ChunkResults(count: workers)
        let opts = options, bounds = cuts
        // Into an empty loader the first window's builder is moved: room there for every window's
        // rows lets the merge append the others without copying the first.
        let firstScale = rows.count == 0 ? workers : 1
        DispatchQueue.concurrentPerform(iterations: workers) { k in
            var part = RowBuilder()
            if k == 0 { part.reserveScale = firstScale }
            var partNotes = SkipNotes()
            do throws(LoadError) {
                try Self.parseLines(bounds[k], bounds[k + 1], buffer, index, opts, &part, &partNotes)
                results.set(k, .success((part, partNotes)))
            } catch {
                results.set(k, .failure(error))
            }
        }
        // The first failing window holds the first error of the input: the one a plain load throws.
        var parts: [RowBuilder] = []
        for k in 0..<workers {
            switch results.take(k) {
            case .success(let (part, partNotes))?:
                parts.append(part)
                notes.append(contentsOf: partNotes)
            case .failure(let error)?:
                throw error
            case nil:
                break
            }
        }
        rows.append(contentsOf: parts)
    }

    /// Parses NDJSON lines in `[from, to)` (which start at line starts).
    ///
    /// With a `prefilter`, lines it rejects are skipped unparsed (one-shot queries: they cannot
    /// match); returns how many it rejected.
    ///
    /// With `lean` (a streamed query's windows, see LeanFields), every line is parsed and validated the same
    /// way, but only the text columns the plan reads are interned; the others read as absent.
    @discardableResult
    static func parseLines(_ from: Int, _ to: Int, _ buffer: InputBuffer, _ index: UInt16, _ options: LoadOptions,
                           _ rows: inout RowBuilder, _ notes: inout SkipNotes, prefilter: LinePrefilter? = nil,
                           lean: LeanFields? = nil) throws(LoadError) -> Int {
        var rejected = 0
        var parser = EventParser(base: buffer.base, end: buffer.count)
        var s = JSONScanner(base: buffer.base, start: from, end: to)
        var scratch: [UInt8] = []
        let interned = lean.map { l in StringColumn.allCases.indices.filter { l.columns[$0] } } ?? []
        while true {
            s.skipWhitespace()
            if s.atEnd { rows.flushPending(); return rejected }
            let start = s.pos
            // Most lines: the fast pass parses the event and finds the line's end after it, so the
            // line's bytes are read once. Anything else (a prefilter, which needs the line first;
            // a bail; more on the line; an event over the size limit) is parsed as found by a search
            // for the line's end, which the fast pass's end then equals.
            var lineEnd = to, end = -1
            if prefilter == nil, buffer.base[start] == UInt8(ascii: "{"), let line = parser.parseLine(start, limit: to),
               line.lineEnd - start <= options.limits.maxEventBytes {
                (end, lineEnd) = line
            } else {
                lineEnd = min(nextNewline(buffer, from: start), to)
                if let prefilter, lineEnd - start <= options.limits.maxEventBytes, !prefilter.mayMatch(buffer.base + start, lineEnd - start) {
                    rejected += 1
                    s.pos = lineEnd
                    continue
                }
            }
            do throws(EventParser.Failure) {
                if end < 0 {
                    var bounded = JSONScanner(base: buffer.base, start: start, end: lineEnd)
                    bounded.endsAtLineBreak = lineEnd < buffer.count
                    if lineEnd - start > options.limits.maxEventBytes { throw tooLarge(start, options.limits) }
                    guard bounded.peek() == UInt8(ascii: "{") else { throw EventParser.Failure(bounded.error("an event object"), syntax: true) }
                    try parser.parse(&bounded)
                    end = bounded.pos
                    bounded.skipWhitespace()
                    if !bounded.atEnd { throw EventParser.Failure(bounded.error("end of line after the event"), syntax: true) }
                }
                if lean != nil {
                    try rows.addLean(parser, start: start, end: end, interned, &scratch)
                } else {
                    try rows.add(parser, start: start, end: end, index)
                }
                // After the first event, room for as many as the range holds lines like it: the
                // columns then grow by copying rarely, and not into fresh pages at every doubling.
                if rows.count == 1 && to - lineEnd > 1 << 20 {
                    rows.reserve((to - from) / (lineEnd - start + 1) * 5 / 4, interned: lean == nil ? rows.filledColumns : interned)
                }
            } catch {
                guard options.skipInvalid else { throw locate(buffer, error.error, code: error.code) }
                notes.append(locate(buffer, error.error, code: error.code))
            }
            s.pos = lineEnd
        }
    }

    /// Parses JSON objects separated by any whitespace in `[from, to)`.
    private static func parseObjects(_ from: Int, _ to: Int, _ buffer: InputBuffer, _ index: UInt16, _ options: LoadOptions,
                                     _ rows: inout RowBuilder, _ notes: inout SkipNotes) throws(LoadError) {
        var parser = EventParser(base: buffer.base, end: buffer.count)
        var s = JSONScanner(base: buffer.base, start: from, end: to)
        while true {
            s.skipWhitespace()
            if s.atEnd { return }
            try loadObject(&s, &parser, buffer, index, options, &rows, &notes)
        }
    }

    /// Parses the event object at the scanner into `rows`. A wrong type or missing field leaves
    /// the JSON readable, so with `--skip-invalid` the object is skipped and noted; broken JSON
    /// always stops the load.
    @inline(__always)
    static func loadObject(_ s: inout JSONScanner, _ parser: inout EventParser, _ buffer: InputBuffer, _ index: UInt16,
                                   _ options: LoadOptions, _ rows: inout RowBuilder, _ notes: inout SkipNotes) throws(LoadError) {
        let start = s.pos
        do throws(EventParser.Failure) {
            guard s.peek() == UInt8(ascii: "{") else { throw EventParser.Failure(s.error("an event object"), syntax: true) }
            try parser.parse(&s)
            if s.pos - start > options.limits.maxEventBytes { throw tooLarge(start, options.limits) }
            try rows.add(parser, start: start, end: s.pos, index)
        } catch {
            if !options.skipInvalid || error.syntax { throw locate(buffer, error.error, code: error.code) }
            notes.append(locate(buffer, error.error, code: error.code))
            s.pos = start
            do { try s.skipValue() } catch { throw locate(buffer, error, code: "DQL0501") }
        }
    }

    /// An event over the size limit (skippable with `--skip-invalid`: the JSON around it is sound).
    static func tooLarge(_ start: Int, _ limits: LoadLimits) -> EventParser.Failure {
        EventParser.Failure(JSONScanError(offset: start, message: "event larger than \(LoadLimits.describe(limits.maxEventBytes)): one event may take at most that (set DUBQL_MAX_EVENT_SIZE to raise it)"), code: "DQL0509")
    }

    static func nextNewline(_ buffer: InputBuffer, from: Int) -> Int {
        guard from < buffer.count else { return buffer.count }
        guard let p = memchr(buffer.base + from, 0x0A, buffer.count - from) else { return buffer.count }
        return UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self) - buffer.base
    }

    /// Turns a byte offset into line and column (only on errors, so a scan is fine).
    static func locate(_ buffer: InputBuffer, _ error: JSONScanError, code: String) -> LoadError {
        // A chunk of a stream counts from the stream's start (``InputBuffer/linesBefore``).
        var line = 1 + buffer.linesBefore, lineStart = -buffer.columnsBefore
        let end = min(error.offset, buffer.count)
        for i in 0..<end where buffer.base[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return LoadError(file: buffer.name, line: line, column: end - lineStart + 1, code: code, message: error.message)
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

// MARK: - Helpers

/// Skipped events' errors (only the first is shown, but all are counted).
typealias SkipNotes = [LoadError]

/// Results of parallel chunks, each slot written by one worker.
private final class ChunkResults: @unchecked Sendable {
    private var slots: [Result<(RowBuilder, SkipNotes), LoadError>?]
    private let lock = PthreadLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ k: Int, _ r: Result<(RowBuilder, SkipNotes), LoadError>) { lock.locked { slots[k] = r } }
    /// Takes slot `k`'s result out: the merge then holds the only reference to its columns.
    func take(_ k: Int) -> Result<(RowBuilder, SkipNotes), LoadError>? {
        lock.locked {
            let r = slots[k]
            slots[k] = nil
            return r
        }
    }
}

/// A pthread mutex (the engine does not import Foundation).
final class PthreadLock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}

#if canImport(Glibc)
/// glibc's `malloc_trim` (not in the Glibc module): returns free heap pages to the system.
@_silgen_name("malloc_trim") private func glibcMallocTrim(_ pad: Int) -> Int32
#endif

enum CPU {
    /// Cores available to this process.
    static var activeProcessors: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// `DUBQL_LOAD_WORKERS` (1 to 64): how many windows an NDJSON load is cut into, whatever its
    /// size. Internal: tests compare loads in one window and in several.
    static var loadWorkers: Int? {
        guard let text = getenv("DUBQL_LOAD_WORKERS").map({ String(cString: $0) }), let n = Int(text), n >= 1, n <= 64 else { return nil }
        return n
    }
}
