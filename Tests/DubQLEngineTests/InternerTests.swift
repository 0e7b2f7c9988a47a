// The loader's byte dictionary (``Interner``): equal bytes get one code and unequal bytes
// different ones through every growth of its table; and the lean windows of a streamed aggregate,
// whose amount and metadata columns start empty and fill in from their first value, answer as the
// loaded store does when those values appear only part-way through the input; and the count of
// lines a streamed listing's prefilter rejects unparsed.

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
