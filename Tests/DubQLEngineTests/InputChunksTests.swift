// The chunk reader of streamed input (pipes, gzip): chunks of whole lines that add up to the
// input whatever the chunk size, the positions they carry for diagnostics, gzip members and
// broken gzip, JSON arrays cut between elements; and the streamed answers over gzip in tiny
// chunks against the loaded ones.

import DubQL
import Foundation
@testable import DubQLEngine
import DubQLTestSupport
import Testing

@Suite("Input chunks")
struct InputChunksTests {
    static func file(_ bytes: [UInt8], _ name: String = "input") throws -> String {
        let url = try makeTemporaryDirectory().appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let path = try file(bytes)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-n", "-f", path]
        try p.run()
        p.waitUntilExit()
        return Array(try Data(contentsOf: URL(fileURLWithPath: path + ".gz")))
    }

    static func chunks(_ path: String, size: Int, limits: LoadLimits = LoadLimits()) throws -> InputChunks {
        guard case .stream(let source) = try InputBuffer.openInput(path: path, limits: limits) else {
            throw InputError(path: path, message: "expected a stream")
        }
        return InputChunks(source, fixed: size)
    }

    /// Lines of varied lengths with multi-byte characters, CRLF and a last line without a break.
    static let text: [UInt8] = {
        var lines: [String] = []
        for k in 0..<300 {
            let pad = String(repeating: k % 3 == 0 ? "é" : "x", count: (k * 37) % 211)
            lines.append(#"{"event":"click","n":\#(k),"s":"\#(pad)𝄞"}"# + (k % 4 == 0 ? "\r" : ""))
        }
        return Array(lines.joined(separator: "\n").utf8)
    }()

    /// Reads every chunk; checks each ends at a line break (but the last) and carries the line and
    /// column it starts at; returns their concatenation.
    static func readAll(_ chunks: InputChunks, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [UInt8] {
        var all: [UInt8] = []
        var pending: InputBuffer?
        while let c = try chunks.next() {
            if let p = pending { #expect(p.count > 0 && p.base[p.count - 1] == 0x0A, sourceLocation: sourceLocation) }
            let lines = all.filter { $0 == 0x0A }.count
            let column = all.count - ((all.lastIndex(of: 0x0A)).map { $0 + 1 } ?? 0)
            #expect(c.linesBefore == lines && c.columnsBefore == column, sourceLocation: sourceLocation)
            all += Array(c.bytes)
            pending = c
        }
        return all
    }

    /// A FIFO that a thread writes `bytes` into: a stream, as stdin is.
    static func fifo(_ bytes: [UInt8]) throws -> String {
        let path = try makeTemporaryDirectory().appendingPathComponent("fifo").path
        #expect(mkfifo(path, 0o600) == 0)
        let writer = Thread {
            if let h = FileHandle(forWritingAtPath: path) { h.write(Data(bytes)); try? h.close() }
        }
        writer.start()
        return path
    }

    @Test(arguments: [1, 2, 3, 7, 64, 1000, 1 << 20])
    func chunksOfPlainInputAddUpToIt(size: Int) throws {
        let chunks = try Self.chunks(try Self.fifo(Self.text), size: size)
        let same = try Self.readAll(chunks) == Self.text
        #expect(same)
    }

    @Test(arguments: [1, 5, 333, 1 << 16])
    func gzipMembersAndPaddingInChunks(size: Int) throws {
        let half = Self.text.count / 2
        let zipped = try Self.gzip(Array(Self.text[..<half])) + Self.gzip(Array(Self.text[half...])) + [0, 0, 0, 0]
        let chunks = try Self.chunks(try Self.file(zipped, "two.gz"), size: size)
        let same = try Self.readAll(chunks) == Self.text
        #expect(same)
    }

    @Test func aTruncatedOrCorruptGzipIsAnInputError() throws {
        let zipped = try Self.gzip(Self.text)
        var corrupt = zipped
        corrupt[12] ^= 0xFF
        corrupt[13] ^= 0xFF
        let cases: [(String, [UInt8])] = [("truncated gzip data", Array(zipped.dropLast(20))),
                                          ("truncated gzip data", Array(zipped.prefix(zipped.count / 2))),
                                          ("corrupt gzip data", corrupt),
                                          ("corrupt gzip data", zipped + [0x1F, 0x8B, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])]
        for (message, bytes) in cases {
            let path = try Self.file(bytes, "bad.gz")
            #expect(throws: InputError(path: path, message: message)) { _ = try Self.readAll(try Self.chunks(path, size: 100)) }
            // The loaded path reads the same way.
            #expect(throws: InputError(path: path, message: message)) { _ = try InputBuffer.open(path: path) }
        }
    }

    @Test func aLongLineFailsAtTheEventLimitAndBigLinesGrowTheChunk() throws {
        var bytes = Array("{\"a\":1}\n{\"b\":\"".utf8) + Array(repeating: UInt8(ascii: "z"), count: 5000) + Array("\"}\n{}\n".utf8)
        let limits = LoadLimits(maxEventBytes: 4096)
        let zipped = try Self.file(try Self.gzip(bytes), "long.ndjson.gz")
        for plain in [true, false] {
            do {
                _ = try Self.readAll(try Self.chunks(plain ? try Self.fifo(bytes) : zipped, size: 10, limits: limits))
                Issue.record("a line over the limit was read")
            } catch let e as LoadError {
                #expect(e.line == 2 && e.code == "DQL0509" && e.message.hasPrefix("line 2 is longer than 4 KiB"), "\(e)")
            }
            // Under a higher limit the line is one chunk.
            let chunks = try Self.chunks(plain ? try Self.fifo(bytes) : zipped, size: 10)
            let same = try Self.readAll(chunks) == bytes
            #expect(same)
        }
        bytes = []
        #expect(try Self.chunks(try Self.file(try Self.gzip(bytes), "empty.gz"), size: 10).next() == nil)
    }

    /// The elements an array's chunks give, as offsets in the whole input.
    static func elements(_ bytes: [UInt8], size: Int) throws -> (ranges: [Range<Int>], failure: ArraySplitter.Failure?, bytes: [UInt8]) {
        let chunks = try Self.chunks(try fifo(bytes), size: size)
        guard let first = try chunks.next() else { return ([], nil, []) }
        let bom = first.count >= 3 && first.base[0] == 0xEF
        var s = JSONScanner(base: first.base, start: bom ? 3 : 0, end: first.count)
        s.skipWhitespace()
        chunks.elements(startingAt: s.pos, of: first)
        var offset = 0
        var ranges: [Range<Int>] = []
        var all: [UInt8] = []
        while let (chunk, elements, failure) = try chunks.nextElements() {
            ranges += elements.map { ($0.lowerBound + offset)..<($0.upperBound + offset) }
            offset += chunk.count
            all += Array(chunk.bytes)
            if let failure { return (ranges, ArraySplitter.Failure(offset: failure.offset + offset - chunk.count, expected: failure.expected), all) }
        }
        return (ranges, nil, all)
    }

    @Test(arguments: [1, 4, 50, 4096])
    func arraysAreCutBetweenElements(size: Int) throws {
        let objects = (0..<60).map { k in
            #"{"event":"click","s":"a]},[{\"\\\#(k)","t":[1,{"u":"}"}],"v":{}}"#
        }
        let text = "\u{FEFF} [" + objects.joined(separator: " ,\n ") + "\n] \n"
        let bytes = Array(text.utf8)
        let (ranges, failure, all) = try Self.elements(bytes, size: size)
        #expect(failure == nil)
        let same = all == bytes
        #expect(same)
        // The elements as the JSON scanner skips them over the whole input.
        let whole = InputBuffer(name: "a", bytes: bytes)
        var s = JSONScanner(base: whole.base, start: 3, end: whole.count)
        var expected: [Range<Int>] = []
        s.skipWhitespace()
        s.pos += 1
        while true {
            s.skipWhitespace()
            let start = s.pos
            try s.skipValue()
            expected.append(start..<s.pos)
            s.skipWhitespace()
            s.pos += 1
            if whole.base[s.pos - 1] == UInt8(ascii: "]") { break }
        }
        #expect(ranges.count == 60)
        let sameRanges = ranges == expected
        #expect(sameRanges)

        // Structural errors where the loader finds them.
        let broken: [(String, String)] = [
            ("[" + objects[0] + " " + objects[1] + "]", "',' or ']' after an event"),
            ("[" + objects[0] + ",]", "an event object"),
            ("[" + objects[0] + "] x", "end of input after the array of events"),
            ("[" + objects[0] + ",", "an event object"),
            ("[" + objects[0], "',' or ']' after an event"),
            ("[1]", "an event object"),
        ]
        for (text, expected) in broken {
            let (_, failure, _) = try Self.elements(Array(text.utf8), size: size)
            #expect(failure?.expected == expected, "\(text)")
        }
    }

    /// Streamed over gzip in chunks of a few hundred bytes, the answers are the loaded ones.
    @Test func streamedAnswersOverGzipChunksAreTheLoadedOnes() throws {
        let bytes = StreamingTests.clicks(2000)
        let path = try Self.file(try Self.gzip(bytes), "clicks.gz")
        let store = try EventLoader.load(bytes: bytes, name: "clicks")
        for text in ["SELECT clicks SINCE all LIMIT 25", "SELECT clicks WHERE country = US SINCE all",
                     "SELECT country, count() FROM clicks GROUP BY country SINCE all"] {
            let plan = try StreamingTests.plan(text)
            for size in [300, 5000] {
                let outcome = try StreamExecutor.run(plan, paths: [path], workers: 3, firstWindowBytes: 1000, chunkBytes: size)
                if plan.aggregation != nil {
                    #expect(outcome.aggregate == Executor.aggregate(plan, on: store), "\(text)")
                } else {
                    let expected = Executor.rows(plan, on: store).map { Array(store.rawJSON($0)) }
                    let got = Executor.rows(outcome.plan, on: outcome.store).map { Array(outcome.store.rawJSON($0)) }
                    #expect(got == expected, "\(text)")
                    #expect(!got.isEmpty)
                }
            }
        }
    }
}
