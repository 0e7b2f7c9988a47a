// One-shot queries over files and pipes without loading them first: the input is cut into windows
// at line breaks (or between the elements of a JSON array), windows are parsed and filtered on
// every core, and only what the answer needs is kept: the best OFFSET+LIMIT rows of a listing, the
// partial groups of an aggregate (``PartialAggregate``, merged window by window in input order).
// Time-ordered input (newest first, as Dub exports and `dubql generate` write it) stops the scan
// as soon as nothing later can be in the answer. A listing's answer is computed by the ordinary
// executor on a store of the rows kept; an aggregate's windows run the store's aggregation and
// the merged groups finish as the evaluator finishes them: both are the loaded path's answer.

import DubQL
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Public interface

/// How a streamed one-shot query went: the store to run the plan on (or an aggregate's result),
/// and what the scan did.
public struct StreamOutcome {
    /// The events a listing's answer needs (empty for an aggregate).
    public var store: EventStore
    /// The plan to run on ``store``.
    public var plan: LocalPlan
    /// An aggregate plan's result (its groups merged over the windows, finished); set for every
    /// aggregate plan, `nil` for a listing. Run only listings on ``store``.
    public var aggregate: AggregateResult?
    /// An aggregate's groups before HAVING and paging (for notes: what the scan kept).
    public var groups: Int = 0
    /// True when the scan stopped before the end of the input (time-ordered input).
    public var stoppedEarly: Bool
    /// Events parsed (lines the prefilter rejected are not parsed).
    public var parsed: Int
    /// Lines rejected by the byte search before parsing.
    public var rejected: Int
    /// Malformed events skipped (with ``LoadOptions/skipInvalid``) and the first one's error.
    public var skipped: Int
    public var firstSkipped: LoadError?
    /// With `countMatches`: how many events matched the listing's condition in all.
    public var matched: Int?
}

/// Streams one-shot queries over input files (see the file's header).
///
///     if StreamExecutor.canStream(plan, paths: ["events.ndjson"]) {
///         let outcome = try StreamExecutor.run(plan, paths: ["events.ndjson"])
///         if let result = outcome.aggregate { print(result.rows) }
///         else { Executor.run(outcome.plan, on: outcome.store) { row in ... } }
///     }
public enum StreamExecutor {
    /// True when `plan` can be streamed over `paths` (`nil`: input in memory, which always can).
    ///
    /// A sale's `saleType` depends on every earlier sale of its (link, customer) pair. A plan whose
    /// condition or aggregation reads it streams in two passes, the first learning each pair's
    /// first sale: that needs input that can be read twice, so not stdin, a pipe or gzip (which
    /// are loaded instead). Plans that only show `saleType` need one pass (``run(_:paths:options:earlyExit:countMatches:showsSaleType:workers:firstWindowBytes:isCancelled:)``).
    public static func canStream(_ plan: LocalPlan, paths: [String]? = nil) -> Bool {
        guard let paths, SaleTypeNeed(plan, shows: false) == .oracle else { return true }
        return paths.allSatisfy(isRereadable)
    }

    /// Scans `paths` (`-` is stdin) for `plan`; an aggregate's answer is ``StreamOutcome/aggregate``. Throws ``InputError`` and ``LoadError`` as
    /// ``EventLoader`` does. With `earlyExit` false every byte is read (no order is assumed).
    ///
    /// Early exit trusts the order it has seen: when every event of the plan's type read so far is
    /// newest first (or oldest first), the rest of the input is assumed to continue that order.
    /// An event out of order in what is read switches to the full scan, with the same answer.
    /// Lines the prefilter rejects and input after an early stop are not validated.
    ///
    /// `countMatches` counts every event a listing's condition matches (``StreamOutcome/matched``),
    /// for `100 of 5,412 rows shown`: the scan then stops early only at the time range's bound.
    ///
    /// Regular files are mapped; stdin, pipes and gzip are read in chunks of whole lines (as big as
    /// a batch of windows, or `chunkBytes` when given) and each is released once processed, so
    /// memory does not grow with the input. When the scan stops early it stops reading: a pipe's
    /// writer then gets `SIGPIPE` (or `EPIPE`) when the process exits, as with `head`. NDJSON is
    /// cut this way; a JSON array or pretty-printed objects from a stream are read whole first.
    ///
    /// `showsSaleType` says whether the rows' `saleType` is shown (a listing's columns): sales then
    /// keep each pair's first sale as they stream, and newest-first input is read to its end (an
    /// older sale could make a kept one recurring). A plan that reads `saleType` in its condition
    /// or aggregation first reads the sales of `paths` to learn every pair's first sale; when the
    /// paths cannot be read twice (stdin, pipes, gzip) the input is loaded instead.
    public static func run(_ plan: LocalPlan, paths: [String], options: LoadOptions = LoadOptions(), earlyExit: Bool = true,
                           countMatches: Bool = false, showsSaleType: Bool = true,
                           workers: Int? = nil, firstWindowBytes: Int = 256 << 10, chunkBytes: Int? = nil,
                           isCancelled: (() -> Bool)? = nil) throws -> StreamOutcome {
        let need = SaleTypeNeed(plan, shows: showsSaleType)
        // Stdin, pipes and gzip cannot be read twice: load them (see canStream).
        if need == .oracle && !canStream(plan, paths: paths) {
            return try loadWhole(plan, paths: paths, options: options, countMatches: countMatches)
        }
        var scan = Scan(plan: plan, options: options, earlyExit: earlyExit, workers: max(1, workers ?? CPU.activeProcessors),
                        countMatches: countMatches, saleTypes: need)
        scan.windowSize = max(1, firstWindowBytes)
        if need == .oracle && !scan.stopped {
            scan.firsts = try firstSales(plan, options: options, workers: scan.workers, firstWindowBytes: firstWindowBytes) { pass in
                for path in paths where !pass.stopped {
                    if let isCancelled, isCancelled() { break }
                    try pass.consume(InputBuffer.open(path: path, limits: options.limits), isCancelled: isCancelled)
                }
            }
        }
        for path in paths {
            if scan.stopped { break }
            if let isCancelled, isCancelled() { break }
            switch try InputBuffer.openInput(path: path, limits: options.limits) {
            case .buffer(let buffer):
                try scan.consume(buffer, isCancelled: isCancelled)
            case .stream(let source):
                // Pipes and gzip: read (and inflate) in chunks of whole lines, each released once
                // its windows are merged; reading stops with the scan.
                try scan.consume(InputChunks(source, fixed: chunkBytes ?? InputChunks.testChunkBytes), isCancelled: isCancelled)
            }
        }
        return try scan.finish()
    }

    /// Scans input already in memory, in order, as ``run(_:paths:options:earlyExit:workers:firstWindowBytes:isCancelled:)``
    /// scans files. `firstWindowBytes` is the size of the first windows (they double up to 8 MiB).
    public static func run(_ plan: LocalPlan, buffers: [InputBuffer], options: LoadOptions = LoadOptions(), earlyExit: Bool = true,
                           countMatches: Bool = false, showsSaleType: Bool = true, workers: Int? = nil,
                           firstWindowBytes: Int = 256 << 10) throws -> StreamOutcome {
        let need = SaleTypeNeed(plan, shows: showsSaleType)
        var scan = Scan(plan: plan, options: options, earlyExit: earlyExit, workers: max(1, workers ?? CPU.activeProcessors),
                        countMatches: countMatches, saleTypes: need)
        scan.windowSize = max(1, firstWindowBytes)
        if need == .oracle && !scan.stopped {
            scan.firsts = try firstSales(plan, options: options, workers: scan.workers, firstWindowBytes: firstWindowBytes) { pass in
                for buffer in buffers { try pass.consume(buffer, isCancelled: nil) }
            }
        }
        for buffer in buffers where !scan.stopped { try scan.consume(buffer, isCancelled: nil) }
        return try scan.finish()
    }
}

// MARK: - Prefilter

/// A byte search that rejects lines that cannot match, before they are parsed.
///
/// Each requirement is a set of literals (`"San Jose"` with its quotes); a line passes when it
/// holds one literal of every set. Exact because a line without a backslash has no escapes: a
/// string value equal to `v` appears in it as `"v"`. Lines with a backslash are always parsed.
struct LinePrefilter: Sendable {
    let requirements: [[[UInt8]]]

    @inline(__always)
    func mayMatch(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        if memchr(p, 0x5C, n) != nil { return true }
        for alternatives in requirements {
            var found = false
            for literal in alternatives where literal.withUnsafeBufferPointer({ Self.contains(p, n, $0) }) {
                found = true
                break
            }
            if !found { return false }
        }
        return true
    }

    /// True when `p[0..<n]` holds `literal` (found by `memchr` on its first byte after the quote).
    @inline(__always)
    static func contains(_ p: UnsafePointer<UInt8>, _ n: Int, _ literal: UnsafeBufferPointer<UInt8>) -> Bool {
        let m = literal.count
        guard m > 0, m <= n, let l = literal.baseAddress else { return m == 0 }
        let anchor = m > 2 ? 1 : 0
        let byte = Int32(l[anchor])
        var from = anchor
        let last = n - m + anchor
        while from <= last {
            guard let q = memchr(p + from, byte, last - from + 1) else { return false }
            let at = UnsafeRawPointer(q).assumingMemoryBound(to: UInt8.self) - p
            if memcmp(p + at - anchor, l, m) == 0 { return true }
            from = at + 1
        }
        return false
    }

    /// The prefilter of a plan's condition, or `nil` when no literal is required.
    static func make(_ condition: BoundCondition?) -> LinePrefilter? {
        guard let condition else { return nil }
        let requirements = required(condition)
        return requirements.isEmpty ? nil : LinePrefilter(requirements: requirements)
    }

    /// Sets of literals of which a matching line holds one each.
    private static func required(_ c: BoundCondition) -> [[[UInt8]]] {
        switch c {
        case .predicate(let p):
            return literals(p).map { [$0] } ?? []
        case .and(let parts):
            return parts.flatMap(required)
        case .or(let parts):
            // Every alternative must require something; then a line holds one of their literals.
            var union: [[UInt8]] = []
            for part in parts {
                let r = required(part)
                guard let best = r.min(by: { $0.count < $1.count }) else { return [] }
                union += best
            }
            return [union]
        case .not, .constant:
            return []
        }
    }

    /// `"v"` for each value of `field IN (v, ...)` on a plain text column (what ``CodeFilter``
    /// decides by exact equality of the decoded value).
    private static func literals(_ p: BoundPredicate) -> [[UInt8]]? {
        guard case .catalog(let name) = p.field, let spec = Catalog.field(named: name), spec.derivation == .path,
              StringColumn.at(spec.jsonPath) != nil, p.op == .in, !p.values.isEmpty,
              p.values.allSatisfy({ if case .string = $0 { true } else { false } }) else { return nil }
        return p.values.map { v in
            var bytes: [UInt8] = [0x22]
            bytes += Array(v.description.utf8)
            bytes.append(0x22)
            return bytes
        }
    }
}

// MARK: - The scan

/// A listing row that may be in the answer, with the key of the store's order.
private struct Candidate {
    var ts: Int64
    var id: String
    var seq: Int
    var bytes: [UInt8]
    /// Sales: the type the window's store gave (right when it had the global first sales), and
    /// the (link, customer) pair to decide it at the end otherwise.
    var newSale = false
    var pair: [UInt8]? = nil

    /// The store's ascending order: timestamp, event id, load order.
    static func less(_ a: Candidate, _ b: Candidate) -> Bool {
        if a.ts != b.ts { return a.ts < b.ts }
        if a.id != b.id { return a.id < b.id }
        return a.seq < b.seq
    }
}

/// What one window gave.
private struct WindowResult {
    var candidates: [Candidate] = []
    /// An aggregate's groups over the window.
    var partial: PartialAggregate?
    var parsed = 0
    var rejected = 0
    /// Timestamps of the plan's events in load order: first, last, and the order between them.
    var first: Int64?
    var last: Int64?
    var descending = true
    var ascending = true
    /// A strict step down or up was seen (one event, or equal times, show no direction).
    var fell = false
    var rose = false
    var notes: SkipNotes = []
    var error: Error?
    /// Events of the window the listing's condition matches (when counted).
    var matched = 0
    /// The first sale of each pair in the window (positions relative to the window's input).
    var firsts = SaleFirsts()
}

/// A window of input: a line range, element ranges of an array, or a whole buffer to load.
private enum Window {
    case lines(Int, Int)
    case elements([Range<Int>])
    case whole
}

private struct Scan {
    let plan: LocalPlan
    let windowPlan: LocalPlan
    let options: LoadOptions
    let earlyExit: Bool
    let workers: Int
    let prefilter: LinePrefilter?
    /// The text columns the windows intern (``LeanFields``), `nil` for all of them.
    let lean: LeanFields?
    /// Rows a listing keeps: OFFSET + LIMIT, and one more to know whether more match.
    let keep: Int
    /// Count every match of a listing (no early stop at the LIMIT).
    let countMatches: Bool
    var matched = 0

    var candidates: [Candidate] = []
    /// An aggregate's groups over the windows merged so far.
    var groups: PartialAggregate?
    var seq = 0
    var rejected = 0
    var notes: SkipNotes = []
    var last: Int64?
    var descending = true
    var ascending = true
    var fell = false
    var rose = false
    var stopped = false
    var stoppedEarly = false
    var windowSize = 256 << 10
    /// How sale types are learned (see ``SaleTypeNeed``).
    let saleTypes: SaleTypeNeed
    /// The first pass of an `.oracle` plan: only collect ``firsts``.
    let collectOnly: Bool
    /// The first sale of each (link, customer) pair: collected (`.shown`, first pass), or the
    /// global answer windows decide by (`.oracle`).
    var firsts = SaleFirsts()
    /// Which input the windows come from (positions of sales are per input).
    var inputIndex = -1
    var lastBuffer: InputBuffer?

    init(plan: LocalPlan, options: LoadOptions, earlyExit: Bool, workers: Int, countMatches: Bool = false,
         saleTypes: SaleTypeNeed = .none, collectOnly: Bool = false) {
        self.plan = plan
        self.saleTypes = saleTypes
        self.collectOnly = collectOnly
        self.countMatches = countMatches && plan.aggregation == nil
        self.options = options
        self.earlyExit = earlyExit
        self.workers = workers
        var w = plan
        w.aggregation = nil
        w.columns = []
        w.offset = 0
        if let a = plan.aggregation {
            w.limit = Int.max
            w.order = .ascending
            keep = Int.max
            groups = PartialAggregate(a, timeZone: plan.timeZone)
        } else {
            // One row more than the answer: whether more rows match is part of it (the note
            // `100 of ... rows shown`), and that one row tells.
            let (sum, overflow) = plan.offset.addingReportingOverflow(plan.limit)
            keep = overflow || sum == Int.max ? Int.max : sum + 1
            w.limit = keep
        }
        windowPlan = w
        // A candidate row's JSON is loaded again in full at the end: windows intern only what
        // their condition, groups, order and sale types read.
        lean = LeanFields(plan, saleTypes: saleTypes, collectOnly: collectOnly)
        // Showing sale types needs every sale parsed; the first pass needs only sales.
        prefilter = plan.isEmpty || saleTypes == .shown ? nil : collectOnly ? LinePrefilter.sales : LinePrefilter.make(plan.filter)
        stopped = plan.isEmpty || (plan.aggregation == nil && plan.limit <= 0)
    }

    // MARK: Cutting

    /// Where NDJSON starts in `buffer` (after a byte order mark and blanks), or `nil` when the
    /// input is not NDJSON: empty, an array, or an event that spans lines (pretty-printed objects).
    static func ndjsonStart(_ buffer: InputBuffer) -> Int? {
        let bom = buffer.count >= 3 && buffer.base[0] == 0xEF && buffer.base[1] == 0xBB && buffer.base[2] == 0xBF
        var s = JSONScanner(base: buffer.base, start: bom ? 3 : 0, end: buffer.count)
        s.skipWhitespace()
        guard !s.atEnd, s.peek() == UInt8(ascii: "{") else { return nil }
        let firstLineEnd = EventLoader.nextNewline(buffer, from: s.pos)
        var probe = EventParser(base: buffer.base, end: buffer.count)
        var bounded = JSONScanner(base: buffer.base, start: s.pos, end: firstLineEnd)
        let ndjson = firstLineEnd == buffer.count || (try? probe.parse(&bounded)) != nil || bounded.pos < firstLineEnd
        return ndjson ? s.pos : nil
    }

    mutating func consume(_ buffer: InputBuffer, isCancelled: (() -> Bool)?) throws {
        guard let start = Self.ndjsonStart(buffer) else {
            // Empty input and other first bytes: the loader's answer and message.
            let bom = buffer.count >= 3 && buffer.base[0] == 0xEF && buffer.base[1] == 0xBB && buffer.base[2] == 0xBF
            var s = JSONScanner(base: buffer.base, start: bom ? 3 : 0, end: buffer.count)
            s.skipWhitespace()
            if s.peek() == UInt8(ascii: "["), let ranges = Self.arrayElements(buffer, from: s.pos) {
                try run(buffer, elements: ranges, isCancelled: isCancelled)
            } else {
                try process(buffer, [.whole])
            }
            return
        }
        try consumeLines(buffer, from: start, isCancelled: isCancelled)
    }

    /// The size of a stream's next chunk: a batch of windows, at most 64 MiB.
    static func chunkSize(workers: Int, window: Int) -> Int {
        let (batch, overflow) = workers.multipliedReportingOverflow(by: window)
        return overflow ? 64 << 20 : min(batch, 64 << 20)
    }

    /// A stream in chunks of whole lines: NDJSON is processed chunk by chunk, each released once
    /// merged; anything else is read whole and consumed as a buffer.
    mutating func consume(_ chunks: InputChunks, isCancelled: (() -> Bool)?) throws {
        chunks.target = Self.chunkSize(workers: workers, window: windowSize)
        var chunk = try chunks.next()
        guard let first = chunk else {
            try process(InputBuffer(name: chunks.name, bytes: []), [.whole])
            return
        }
        // The first chunk decides, as the start of a file does. (It holds at least one line; if it
        // holds only blanks, the stream is read whole and the loader decides.)
        guard var from = Self.ndjsonStart(first) else {
            chunk = nil
            let bom = first.count >= 3 && first.base[0] == 0xEF && first.base[1] == 0xBB && first.base[2] == 0xBF
            var s = JSONScanner(base: first.base, start: bom ? 3 : 0, end: first.count)
            s.skipWhitespace()
            if !s.atEnd, s.peek() == UInt8(ascii: "[") {
                // A JSON array: chunks cut between its elements.
                chunks.elements(startingAt: s.pos, of: first)
                while !stopped, let (part, elements, failure) = try chunks.nextElements() {
                    try run(part, elements: elements, isCancelled: isCancelled)
                    if let failure, !stopped {
                        var at = JSONScanner(base: part.base, start: failure.offset, end: part.count)
                        at.pos = failure.offset
                        throw EventLoader.locate(part, at.error(failure.expected), code: "DQL0501")
                    }
                    if let isCancelled, isCancelled() { stopped = true }
                    chunks.target = Self.chunkSize(workers: workers, window: windowSize)
                }
                return
            }
            try consume(chunks.rest(after: first), isCancelled: isCancelled)
            return
        }
        while let current = chunk, !stopped {
            chunk = nil
            try consumeLines(current, from: from, isCancelled: isCancelled)
            from = 0
            if stopped { break }
            if let isCancelled, isCancelled() { stopped = true; break }
            chunks.target = Self.chunkSize(workers: workers, window: windowSize)
            chunk = try chunks.next()
        }
    }

    /// Cuts NDJSON lines of `buffer` from `start` into windows, a batch of them per core at a time.
    private mutating func consumeLines(_ buffer: InputBuffer, from start: Int, isCancelled: (() -> Bool)?) throws {
        var pos = start
        while pos < buffer.count && !stopped {
            if let isCancelled, isCancelled() { stopped = true; break }
            var windows: [Window] = []
            for _ in 0..<workers where pos < buffer.count {
                let cut = min(EventLoader.nextNewline(buffer, from: min(pos + windowSize, buffer.count)) + 1, buffer.count)
                windows.append(.lines(pos, cut))
                pos = cut
            }
            try process(buffer, windows)
            buffer.releaseResidentPages(upTo: pos)
            if windowSize < 8 << 20 { windowSize *= 2 }
        }
    }

    private mutating func run(_ buffer: InputBuffer, elements: [Range<Int>], isCancelled: (() -> Bool)?) throws {
        var i = 0
        while i < elements.count && !stopped {
            if let isCancelled, isCancelled() { stopped = true; break }
            var windows: [Window] = []
            for _ in 0..<workers where i < elements.count {
                var j = i, bytes = 0
                while j < elements.count && bytes < windowSize { bytes += elements[j].count; j += 1 }
                windows.append(.elements(Array(elements[i..<j])))
                i = j
            }
            try process(buffer, windows)
            if windowSize < 8 << 20 { windowSize *= 2 }
        }
    }

    /// The element ranges of a JSON array, or `nil` when the array is malformed (the loader then
    /// reports it with its own message).
    static func arrayElements(_ buffer: InputBuffer, from: Int) -> [Range<Int>]? {
        var s = JSONScanner(base: buffer.base, start: from + 1, end: buffer.count)
        var ranges: [Range<Int>] = []
        s.skipWhitespace()
        if s.peek() == UInt8(ascii: "]") {
            s.pos += 1
        } else {
            while true {
                s.skipWhitespace()
                guard s.peek() == UInt8(ascii: "{") else { return nil }
                let start = s.pos
                do { try s.skipValue() } catch { return nil }
                ranges.append(start..<s.pos)
                s.skipWhitespace()
                if s.peek() == UInt8(ascii: ",") { s.pos += 1; continue }
                if s.peek() == UInt8(ascii: "]") { s.pos += 1; break }
                return nil
            }
        }
        s.skipWhitespace()
        return s.atEnd ? ranges : nil
    }

    // MARK: Windows

    /// Parses and filters `windows` in parallel, then merges them in order.
    private mutating func process(_ buffer: InputBuffer, _ windows: [Window]) throws {
        let results = WindowSlots(count: windows.count)
        // Sales are identified by input and offset (the same in both passes of an `.oracle` plan).
        if lastBuffer !== buffer {
            inputIndex += 1
            lastBuffer = buffer
        }
        // Only the immutable parts go to the workers: a copy of the whole scan would keep what is
        // kept so far shared, and the merge below would then copy it at every batch.
        let worker = WindowWorker(plan: plan, windowPlan: windowPlan, options: options, prefilter: prefilter, lean: lean,
                                  countMatches: countMatches, saleTypes: saleTypes, collectOnly: collectOnly, input: inputIndex,
                                  firsts: saleTypes == .oracle && !collectOnly ? firsts : SaleFirsts())
        if windows.count == 1 {
            results.set(0, worker.window(buffer, windows[0]))
        } else {
            DispatchQueue.concurrentPerform(iterations: windows.count) { k in
                results.set(k, worker.window(buffer, windows[k]))
            }
        }
        for k in 0..<windows.count {
            guard let r = results.get(k) else { continue }
            if let error = r.error { throw error }
            merge(r)
            if stopped { break }
        }
    }

    /// Adds a window's rows to what is kept, then decides whether the rest can be skipped.
    private mutating func merge(_ r: WindowResult) {
        if collectOnly || saleTypes == .shown { mergeFirsts(r.firsts) }
        if collectOnly { return }
        notes += r.notes
        rejected += r.rejected
        matched += r.matched
        if let first = r.first, let last {
            if first > last { descending = false; rose = true }
            if first < last { ascending = false; fell = true }
        }
        if !r.descending { descending = false }
        if !r.ascending { ascending = false }
        if r.fell { fell = true }
        if r.rose { rose = true }
        if let l = r.last { last = l }
        if let partial = r.partial {
            groups?.merge(partial)
        } else if !r.candidates.isEmpty {
            var incoming = r.candidates
            for i in incoming.indices { incoming[i].seq += seq }
            candidates = Self.mergeBest(candidates, incoming, descending: plan.order == .descending, keep: keep)
        }
        seq += r.parsed
        guard earlyExit, let last else { return }
        let full = plan.aggregation == nil && candidates.count >= keep && !countMatches
        // Newest first, an unread older sale could make a kept one recurring: no stop when showing
        // sale types. Oldest first, every sale before a kept one has been read.
        if descending && fell && saleTypes != .shown {
            if let start = plan.time.start, last < start { stop() }
            if full, plan.order == .descending, let worst = candidates.last, last < worst.ts { stop() }
        }
        if ascending && rose {
            if let end = plan.time.end, last > end { stop() }
            if full, plan.order == .ascending, let worst = candidates.last, last > worst.ts { stop() }
        }
    }

    private mutating func stop() {
        stopped = true
        stoppedEarly = true
    }

    /// The best `keep` of two lists, each in the plan's order.
    private static func mergeBest(_ a: [Candidate], _ b: [Candidate], descending: Bool, keep: Int) -> [Candidate] {
        var out: [Candidate] = []
        out.reserveCapacity(min(keep, a.count + b.count))
        var i = 0, j = 0
        func before(_ x: Candidate, _ y: Candidate) -> Bool { descending ? Candidate.less(y, x) : Candidate.less(x, y) }
        while out.count < keep && (i < a.count || j < b.count) {
            if j >= b.count || (i < a.count && before(a[i], b[j])) {
                out.append(a[i]); i += 1
            } else {
                out.append(b[j]); j += 1
            }
        }
        return out
    }

    // MARK: Finishing

    func finish() throws -> StreamOutcome {
        if let groups {
            return StreamOutcome(store: EventStore(), plan: plan, aggregate: groups.finish(), groups: groups.count,
                                 stoppedEarly: stoppedEarly, parsed: seq, rejected: rejected,
                                 skipped: notes.count, firstSkipped: notes.first, matched: nil)
        }
        var bytes: [UInt8]
        do {
            // Load order, so ties break as they would in the whole input.
            let kept = candidates.sorted { $0.seq < $1.seq }
            bytes = [UInt8(ascii: "[")]
            for (k, c) in kept.enumerated() {
                if k > 0 { bytes += [UInt8(ascii: ","), 0x0A] }
                bytes += c.bytes
            }
            bytes.append(UInt8(ascii: "]"))
        }
        let store: EventStore
        if bytes.isEmpty {
            store = EventStore()
        } else {
            var loader = EventLoader(options: LoadOptions(limits: LoadLimits(maxEventBytes: Int.max >> 2, maxGzipRatio: options.limits.maxGzipRatio)))
            try loader.load(bytes: bytes, name: "<kept events>")
            store = loader.finish()
        }
        // The kept sales' types come from the whole input, not from the few kept rows.
        if plan.event == .sales && saleTypes != .none {
            let types = keptSaleTypes(candidates.sorted { $0.seq < $1.seq })
            if types.count == store.count { store.supplySaleTypes(types) }
        }
        return StreamOutcome(store: store, plan: plan, stoppedEarly: stoppedEarly, parsed: seq, rejected: rejected,
                             skipped: notes.count, firstSkipped: notes.first, matched: countMatches ? matched : nil)
    }
}

/// What the workers of a scan share: the plan, the options and what they derive.
private struct WindowWorker: Sendable {
    let plan: LocalPlan
    let windowPlan: LocalPlan
    let options: LoadOptions
    let prefilter: LinePrefilter?
    let lean: LeanFields?
    let countMatches: Bool
    let saleTypes: SaleTypeNeed
    let collectOnly: Bool
    /// The window's input (``Scan/inputIndex``) and the global first sales (`.oracle`).
    let input: Int
    let firsts: SaleFirsts

    /// One window: parse (skipping what the prefilter rejects), filter, keep what the answer needs.
    func window(_ buffer: InputBuffer, _ w: Window) -> WindowResult {
        var result = WindowResult()
        var rows = RowBuilder()
        let store: EventStore
        do {
            switch w {
            case .lines(let from, let to):
                // Counted as the lines are read: a count of the window's lines first read every byte twice.
                result.rejected = try EventLoader.parseLines(from, to, buffer, 0, options, &rows, &result.notes, prefilter: prefilter, lean: lean)
                store = rows.store(buffers: [buffer])
            case .elements(let ranges):
                var parser = EventParser(base: buffer.base, end: buffer.count)
                for r in ranges {
                    var s = JSONScanner(base: buffer.base, start: r.lowerBound, end: buffer.count)
                    try EventLoader.loadObject(&s, &parser, buffer, 0, options, &rows, &result.notes)
                }
                store = rows.store(buffers: [buffer])
            case .whole:
                var loader = EventLoader(options: options)
                try loader.load(buffer)
                result.notes = loader.notes
                store = loader.finish()
            }
        } catch {
            result.error = error
            return result
        }
        result.parsed = store.count
        if collectOnly || saleTypes == .shown {
            // Positions: offsets in the input for the first pass; rows here, rebased at the merge, otherwise.
            result.firsts = FirstSale.collect(store, input: input, byOffset: collectOnly)
            if collectOnly { return result }
        } else if saleTypes == .oracle {
            FirstSale.decide(store, input: input, firsts: firsts)
        }
        // The order of the plan's events as read.
        let type = UInt8(plan.event.index)
        for row in 0..<store.count where store.types[row] == type {
            let t = store.timestamps[row]
            if let last = result.last {
                if t > last { result.descending = false; result.rose = true }
                if t < last { result.ascending = false; result.fell = true }
            } else {
                result.first = t
            }
            result.last = t
        }
        if plan.aggregation != nil {
            result.partial = Executor.partialAggregate(plan, on: store, mergeable: true)
        } else {
            if countMatches { result.matched = Executor.count(windowPlan, on: store) }
            let sales = plan.event == .sales
            var key = SalePairKey()
            Executor.run(windowPlan, on: store) { row in
                let pair: [UInt8]?
                if sales && saleTypes == .shown { key.set(store, row); pair = key.bytes } else { pair = nil }
                result.candidates.append(Candidate(ts: store.timestamps[row], id: store.eventID(row), seq: row,
                                                   bytes: Array(store.rawJSON(row)), newSale: sales && store.newSale[row],
                                                   pair: pair))
            }
        }
        return result
    }
}

/// Window results, each slot written by one worker.
private final class WindowSlots: @unchecked Sendable {
    private var slots: [WindowResult?]
    private let lock = PthreadLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ k: Int, _ r: WindowResult) { lock.locked { slots[k] = r } }
    func get(_ k: Int) -> WindowResult? { lock.locked { slots[k] } }
}

// MARK: - Sales

/// How a streamed plan learns the `saleType` of sales (new: the first sale of its (link, customer)
/// pair by timestamp, event id and input order; recurring otherwise).
enum SaleTypeNeed: Equatable {
    /// Not read, not shown (or not sales): sales stream like clicks.
    case none
    /// Shown only: every sale read gives its pair's first sale as it streams (memory per pair),
    /// and the kept rows' types are decided at the end.
    case shown
    /// Read by the condition or the aggregation: a first pass learns every pair's first sale, and
    /// the windows of the second decide by it.
    case oracle

    init(_ plan: LocalPlan, shows: Bool) {
        guard plan.event == .sales, !plan.isEmpty else { self = .none; return }
        if Self.reads(plan) { self = .oracle } else { self = shows && plan.aggregation == nil ? .shown : .none }
    }

    /// True when the plan's condition or aggregation reads `saleType`.
    static func reads(_ plan: LocalPlan) -> Bool {
        func isSaleType(_ f: FieldRef?) -> Bool {
            guard case .catalog(let name)? = f, let spec = Catalog.field(named: name) else { return false }
            return spec.derivation == .saleType
        }
        func reads(_ c: BoundCondition) -> Bool {
            switch c {
            case .predicate(let p): isSaleType(p.field)
            case .and(let parts), .or(let parts): parts.contains(where: reads)
            case .not(let inner): reads(inner)
            case .constant: false
            }
        }
        if let filter = plan.filter, reads(filter) { return true }
        guard let a = plan.aggregation else { return false }
        return a.keys.contains { if case .field(let f) = $0.kind { isSaleType(f) } else { false } }
            || a.aggregates.contains { isSaleType($0.field) }
    }
}

/// Where a sale is in the input: input number and byte offset, or (0, event number) within one pass.
struct SalePosition: Comparable, Sendable {
    var input: Int
    var offset: Int

    static func < (a: SalePosition, b: SalePosition) -> Bool {
        a.input != b.input ? a.input < b.input : a.offset < b.offset
    }
}

/// The first sale of a pair so far: the least by (timestamp, event id, position), the store's order.
struct FirstSale: Sendable {
    var ts: Int64
    var id: String
    var at: SalePosition

    func precedes(_ o: FirstSale) -> Bool {
        if ts != o.ts { return ts < o.ts }
        if id != o.id { return id < o.id }
        return at < o.at
    }

    /// The first sale of each pair among the sales of `store` (a window): positions by offset in
    /// the input `input`, or by row.
    static func collect(_ store: EventStore, input: Int, byOffset: Bool) -> SaleFirsts {
        var firsts = SaleFirsts()
        var key = SalePairKey()
        // Rows in (timestamp, event id, row) order: the first of a pair met is its first sale.
        for r in store.rowsInOrder(of: .sales) {
            let row = Int(r)
            key.set(store, row)
            let (index, inserted) = firsts.pairs.insert(key.bytes)
            guard inserted else { continue }
            precondition(index == firsts.firsts.count)
            firsts.firsts.append(FirstSale(ts: store.timestamps[row], id: store.eventID(row),
                                           at: byOffset ? SalePosition(input: input, offset: store.offsets[row]) : SalePosition(input: 0, offset: row)))
        }
        return firsts
    }

    /// Gives the sales of `store` (a window of input `input`) their type in the whole input.
    static func decide(_ store: EventStore, input: Int, firsts: SaleFirsts) {
        let sales = store.rowsInOrder(of: .sales)
        guard !sales.isEmpty else { return }
        var types = store.newSale
        var key = SalePairKey()
        for r in sales {
            let row = Int(r)
            key.set(store, row)
            // A sale the first pass did not see (the file changed in between) is its pair's first.
            types[row] = firsts.first(of: key.bytes).map { $0.at == SalePosition(input: input, offset: store.offsets[row]) } ?? true
        }
        store.supplySaleTypes(types)
    }
}

extension LinePrefilter {
    /// Lines that may be sales: a sale's line holds `"sale"` (its `event` value), or a backslash.
    static let sales = LinePrefilter(requirements: [[Array("\"sale\"".utf8)]])
}

extension Scan {
    /// Adds a window's first sales (`.shown`: positions are rows of the window, rebased here).
    fileprivate mutating func mergeFirsts(_ incoming: SaleFirsts) {
        firsts.merge(incoming, offsetBy: collectOnly ? 0 : seq)
    }

    /// The types of kept listing rows (in load order), from the window (`.oracle`) or the pairs' first sales.
    fileprivate func keptSaleTypes(_ kept: [Candidate]) -> [Bool] {
        guard saleTypes == .shown else { return kept.map(\.newSale) }
        return kept.map { c in
            guard let pair = c.pair, let first = firsts.first(of: pair) else { return true }
            return first.at == SalePosition(input: 0, offset: c.seq)
        }
    }
}

extension StreamExecutor {
    /// The first pass of an `.oracle` plan: the first sale of every pair in the input `feed` gives.
    fileprivate static func firstSales(_ plan: LocalPlan, options: LoadOptions, workers: Int, firstWindowBytes: Int,
                                       _ feed: (inout Scan) throws -> Void) throws -> SaleFirsts {
        var pass = Scan(plan: plan, options: options, earlyExit: false, workers: workers, saleTypes: .oracle, collectOnly: true)
        pass.windowSize = max(1, firstWindowBytes)
        try feed(&pass)
        return pass.firsts
    }

    /// What a plan that reads `saleType` gets over input that cannot be read twice: the whole input loaded.
    static func loadWhole(_ plan: LocalPlan, paths: [String], options: LoadOptions, countMatches: Bool) throws -> StreamOutcome {
        let (store, skipped, first) = try EventLoader.load(paths: paths, options: options)
        let aggregate = plan.aggregation == nil ? nil : Executor.aggregate(plan, on: store)
        return StreamOutcome(store: store, plan: plan, aggregate: aggregate, stoppedEarly: false, parsed: store.count, rejected: 0,
                             skipped: skipped, firstSkipped: first,
                             matched: countMatches && plan.aggregation == nil ? Executor.count(plan, on: store) : nil)
    }

    /// True for a regular file that is not gzip: what can be read twice, identically. That is what
    /// ``InputBuffer/openInput(path:limits:)`` maps (stdin, pipes and gzip it streams), so it decides.
    static func isRereadable(_ path: String) -> Bool {
        guard case .buffer? = try? InputBuffer.openInput(path: path, limits: LoadLimits()) else { return false }
        return true
    }
}
