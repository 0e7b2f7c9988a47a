// The loader's byte dictionary (``Interner``): equal bytes get one code and unequal bytes
// different ones through every growth of its table; and the lean windows of a streamed aggregate,
// whose amount and metadata columns start empty and fill in from their first value, answer as the
// loaded store does when those values appear only part-way through the input; and the count of
// lines a streamed listing's prefilter rejects unparsed; and batched interning (the loader's
// `click.id` and `eventId`) gives the codes of interning one by one.

import DubQL
@testable import DubQLEngine
import DubQLSyntax
import DubQLTestSupport
import Testing

@Suite("Interner")
struct InternerTests {
    /// Random byte strings (empty, shared prefixes, lengths across the 8-byte hashing steps), each
    /// interned many times in random order: one code per distinct value, dense from 1, and the
    /// code's bytes are the value's.
    @Test(arguments: [1, 2, 3])
    func equalBytesShareACodeThroughEveryGrowth(_ seed: Int) {
        var r = SplitMix64(seed: UInt64(seed) &* 977)
        var values: [[UInt8]] = [[]]
        for k in 0..<3000 {
            let n = r.below(40)
            var v = (0..<n).map { _ in UInt8(truncatingIfNeeded: 97 + r.below(4)) }
            if k % 7 == 0, let other = values.last { v = other + [UInt8(ascii: "x")] }
            values.append(v)
        }
        var interner = Interner()
        var codes: [[UInt8]: UInt32] = [:]
        for _ in 0..<12_000 {
            let v = values[r.below(values.count)]
            let code = v.withUnsafeBufferPointer { b in
                b.baseAddress.map { interner.intern($0, b.count) } ?? [UInt8(0)].withUnsafeBufferPointer { interner.intern($0.baseAddress!, 0) }
            }
            if let known = codes[v] {
                #expect(code == known, "\(v) changed its code")
            } else {
                #expect(Int(code) == codes.count + 1, "codes are dense from 1")
                codes[v] = code
            }
        }
        #expect(interner.count == codes.count + 1)
        for (v, code) in codes {
            #expect(interner.withValue(code) { p, n in Array(UnsafeBufferPointer(start: p, count: n)) } == v)
        }
    }

    /// The same random values interned in batches of every size (one to past a batch of the
    /// loader's) get the codes that interning them one by one gives, through every growth.
    @Test(arguments: [4, 5])
    func batchesGetTheCodesOfOneByOne(_ seed: Int) {
        var r = SplitMix64(seed: UInt64(seed) &* 131)
        let values: [[UInt8]] = (0..<6000).map { k in
            // Mostly distinct (as click ids), some repeated, some empty.
            k % 5 == 0 ? Array("v\(r.below(300))".utf8) : (0..<r.below(24)).map { _ in UInt8(truncatingIfNeeded: 48 + r.below(60)) }
        }
        var single = Interner(), batched = Interner()
        let pad: [UInt8] = [0]
        var expected: [UInt32] = [], got: [UInt32] = []
        let stored = values.map { v -> UnsafeMutablePointer<UInt8> in
            let m = UnsafeMutablePointer<UInt8>.allocate(capacity: max(v.count, 1))
            m.initialize(from: v.isEmpty ? pad : v, count: max(v.count, 1))
            return m
        }
        defer { stored.forEach { $0.deallocate() } }
        for (k, v) in values.enumerated() { expected.append(single.intern(stored[k], v.count)) }
        var k = 0
        while k < values.count {
            let n = min(1 + r.below(RowBuilder.pendingBatch + 8), values.count - k)
            let batch = (k..<k + n).map { i in
                PendingValue(base: stored[i], count: values[i].count, hash: Interner.hashOf(stored[i], values[i].count), row: i)
            }
            batch.withUnsafeBufferPointer { batched.intern(batch: $0, into: &got) }
            k += n
        }
        #expect(got == expected)
        #expect(batched.count == single.count)
        for code in 1..<batched.count {
            let a = batched.withValue(UInt32(code)) { p, n in Array(UnsafeBufferPointer(start: p, count: n)) }
            let b = single.withValue(UInt32(code)) { p, n in Array(UnsafeBufferPointer(start: p, count: n)) }
            #expect(a == b)
        }
    }

    /// Click and lead ids (the loader interns them in batches after their rows): repeated ones,
    /// escaped ones between them, row counts on both sides of a batch's size, in one window and in
    /// several: every row reads its own id back, and rows share a code exactly when they share an id.
    @Test(arguments: [1, 31, 32, 33, 100, 257])
    func batchedIDsReadBackInEveryWindowing(_ rows: Int) throws {
        var r = SplitMix64(seed: UInt64(rows))
        var lines: [String] = [], ids: [String] = []
        for k in 0..<rows {
            let id = k % 9 == 4 ? "dup\(r.below(3))" : "id\(k)_\(r.below(1000))"
            let escaped = k % 11 == 7
            // An escaped id reads unescaped: `\u0041` is "A".
            let written = escaped ? id + "\\u0041" : id
            ids.append(escaped ? id + "A" : id)
            let ts = "2026-12-01T00:00:\(k % 60 < 10 ? "0" : "")\(k % 60).000Z"
            if k % 3 == 2 {
                lines.append(#"{"event":"lead","timestamp":"\#(ts)","eventId":"\#(written)","eventName":"Sign up","click":{"id":"c\#(k)"}}"#)
            } else {
                lines.append(#"{"event":"click","timestamp":"\#(ts)","click":{"id":"\#(written)","country":"US"}}"#)
            }
        }
        let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        for windows in [1, 2, 3, 7] {
            let store = try EventLoader.load(bytes: bytes, name: "ids.ndjson", options: LoadOptions(windows: windows))
            #expect(store.count == rows)
            var byID: [String: Int] = [:]
            for row in 0..<store.count {
                #expect(store.eventID(row) == ids[row], "row \(row) in \(windows) windows")
                let column: StringColumn = row % 3 == 2 ? .eventID : .clickID
                let code = store.code(column, row)
                #expect(code != 0)
                let key = "\(column)/\(ids[row])"
                if let known = byID[key] { #expect(known == code, "\(key) has one code") } else { byID[key] = code }
            }
            for column in [StringColumn.clickID, .eventID] {
                let codes = byID.filter { $0.key.hasPrefix("\(column)/") }.map(\.value)
                #expect(Set(codes).count == codes.count, "distinct ids get distinct codes")
            }
        }
    }

    /// Clicks (no amount, no metadata) then leads (with metadata): the leads' aggregates over
    /// metadata, streamed in windows of one event to a few kilobytes with one to three workers,
    /// equal the evaluator over the loaded store.
    @Test func leanWindowsWhoseMetadataStartsPartWayEqualTheLoadedStore() throws {
        let end: Int64 = 1_793_880_000_000
        let clicks = Generator(GeneratorOptions(event: .clicks, count: 60, seed: 7, days: 10, end: end)).bytes()
        let leads = Generator(GeneratorOptions(event: .leads, count: 60, seed: 8, days: 10, end: end)).bytes()
        let bytes = clicks + leads
        let store = try EventLoader.load(bytes: bytes, name: "mixed.ndjson")
        for text in ["SELECT metadata.plan, count(), sum(metadata.seats), max(metadata.seats) FROM leads GROUP BY metadata.plan SINCE all",
                     "SELECT country, count(), avg(metadata.seats) FROM leads GROUP BY country SINCE all"] {
            let compilation = Compiler.compile(SourceFile(name: "<q>", text: text), context: QueryContext(now: end, timeZone: nil))
            let query = try #require(compilation.statements.first?.query, "\(compilation.diagnostics)")
            let plan = try #require(LocalPlanner.plan(query).plan)
            #expect(LeanFields(plan) != nil, "the plan streams through lean windows")
            let expected = Evaluator.aggregate(query, from: store.records)
            for (workers, first) in [(1, 1), (2, 900), (3, 4000)] {
                let outcome = try StreamExecutor.run(plan, buffers: [InputBuffer(name: "mixed.ndjson", bytes: bytes)], workers: workers,
                                                     firstWindowBytes: first)
                #expect(outcome.aggregate == expected, "\(text) with \(workers) workers")
            }
        }
    }
}

@Suite("Prefilter counts")
struct PrefilterCountTests {
    /// The lines a streamed listing rejects unparsed (counted as the windows read them) are the
    /// input's event lines that neither became rows nor were skipped as invalid: blank and
    /// CR-only lines are not counted, whatever the workers and windows.
    @Test func rejectedLinesAreTheEventLinesNeitherParsedNorSkipped() throws {
        let end: Int64 = 1_793_880_000_000
        let clicks = Generator(GeneratorOptions(event: .clicks, count: 300, seed: 11, days: 10, end: end)).bytes()
        var lines = clicks.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        lines.insert([], at: 5)
        lines.insert([0x20, 0x0D], at: 40)
        lines.insert(Array(#"{"event":"click","city":"San Jose","timestamp":oops}"#.utf8), at: 90)
        let bytes = Array(lines.joined(separator: [0x0A]))
        let eventLines = lines.filter { $0.contains { $0 != 0x20 && $0 != 0x0D } }.count
        let text = "SELECT * FROM clicks WHERE city = 'San Jose' SINCE all LIMIT ALL"
        let compilation = Compiler.compile(SourceFile(name: "<q>", text: text), context: QueryContext(now: end, timeZone: nil))
        let query = try #require(compilation.statements.first?.query, "\(compilation.diagnostics)")
        let plan = try #require(LocalPlanner.plan(query).plan)
        for (workers, first) in [(1, 1), (2, 700), (3, 5000)] {
            let outcome = try StreamExecutor.run(plan, buffers: [InputBuffer(name: "c.ndjson", bytes: bytes)],
                                                 options: LoadOptions(skipInvalid: true), workers: workers, firstWindowBytes: first)
            #expect(outcome.skipped == 1, "the broken San Jose line is parsed, and skipped")
            #expect(outcome.rejected > 0 && outcome.rejected + outcome.parsed + outcome.skipped == eventLines,
                    "\(workers) workers: \(outcome.rejected) rejected + \(outcome.parsed) parsed + \(outcome.skipped) skipped of \(eventLines)")
        }
    }
}
