// Pipes and gzip streamed in chunks by `dubql query`: whatever the chunk size (forced tiny with
// the test-only DUBQL_STREAM_CHUNK_BYTES, so that reads end inside lines and inside UTF-8
// characters, and array elements straddle chunks), the answers and the errors are those of
// loading the same input (DUBQL_STREAM=0); an early exit stops reading a pipe.

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import DubQLTestSupport
import Testing

@Suite("Streaming input in chunks")
struct StreamingInputTests {
    static let now = StreamingQueryTests.now
    static let lines = StreamingQueryTests.lines

    /// Three queries of the streaming suite: a listing that stops early, a full scan, an aggregate.
    static let queries = [
        "SELECT clicks WHERE country IN (US, DE) AND NOT browser = Chrome SINCE 5d LIMIT 20",
        "SELECT clicks WHERE city = 'Berlin' OR device = Tablet SINCE all LIMIT 30 OFFSET 4",
        "SELECT country, count() FROM clicks GROUP BY country SINCE all",
    ]

    static func file(_ bytes: Data, _ name: String) throws -> String {
        let dir = try makeTemporaryDirectory()
        let url = dir.appendingPathComponent(name)
        try bytes.write(to: url)
        return url.path
    }

    static func gzip(_ bytes: Data) throws -> Data {
        let path = try file(bytes, "input")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-n", "-f", path]
        try p.run()
        p.waitUntilExit()
        return try Data(contentsOf: URL(fileURLWithPath: path + ".gz"))
    }

    /// Runs `dubql` with standard input from `stdinPath` (binary-safe), capturing both outputs.
    static func run(_ arguments: [String], stdinPath: String?, environment: [String: String]) throws -> ProcessResult {
        let process = Process()
        process.executableURL = DubQLBinary.url
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in ["DUB_API_KEY", "DUB_API_URL", "NO_COLOR", "DUBQL_HISTORY", "DUBQL_STREAM_CHUNK_BYTES"] { env[key] = nil }
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let dir = try makeTemporaryDirectory()
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = stdinPath.map { FileHandle(forReadingAtPath: $0) ?? FileHandle.nullDevice } ?? FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return ProcessResult(stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "",
                             status: process.terminationStatus)
    }

    /// `query` over `input` (a file, or with `stdin` standard input) loaded, then streamed with
    /// each chunk size: the same status, output and errors; returns the loaded run.
    @discardableResult
    static func expectSame(_ query: String, data: String, stdin: Bool, chunks: [Int],
                           environment: [String: String] = [:],
                           sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> ProcessResult {
        let args = ["query", query, "--now", now, "--format", "ndjson", "--data", stdin ? "-" : data]
        let loaded = try run(args, stdinPath: stdin ? data : nil, environment: environment.merging(["DUBQL_STREAM": "0"]) { $1 })
        for size in chunks {
            var env = environment.merging(["DUBQL_STREAM": "1"]) { $1 }
            env["DUBQL_STREAM_CHUNK_BYTES"] = "\(size)"
            let streamed = try run(args + (loaded.status == 0 ? ["--verbose"] : []), stdinPath: stdin ? data : nil, environment: env)
            #expect(streamed.status == loaded.status, "\(query), chunks of \(size): \(streamed.stderr)", sourceLocation: sourceLocation)
            #expect(streamed.stdout == loaded.stdout, "\(query), chunks of \(size)", sourceLocation: sourceLocation)
            if loaded.status == 0 {
                #expect(streamed.stderr.contains("dubql: note: streamed:"), "\(streamed.stderr)", sourceLocation: sourceLocation)
            } else {
                #expect(streamed.stderr == loaded.stderr, "\(query), chunks of \(size)", sourceLocation: sourceLocation)
            }
        }
        return loaded
    }

    static var ndjson: Data { Data((lines.joined(separator: "\n") + "\n").utf8) }

    @Test func aGzipFileInChunksGivesTheSameAnswers() throws {
        let path = try Self.file(try Self.gzip(Self.ndjson), "clicks.ndjson.gz")
        for query in Self.queries {
            let loaded = try Self.expectSame(query, data: path, stdin: false, chunks: [1, 700, 64 << 10])
            #expect(loaded.status == 0 && !loaded.stdout.isEmpty, "\(loaded.stderr)")
        }
    }

    @Test func gzipOnStandardInputGivesTheSameAnswers() throws {
        // Two members, as `cat a.gz b.gz` makes them, and zero padding after the last.
        let half = Self.lines.count / 2
        let a = Data((Self.lines[..<half].joined(separator: "\n") + "\n").utf8)
        let b = Data((Self.lines[half...].joined(separator: "\n") + "\n").utf8)
        let path = try Self.file(try Self.gzip(a) + Self.gzip(b) + Data(count: 64), "two-members.gz")
        for query in Self.queries {
            let loaded = try Self.expectSame(query, data: path, stdin: true, chunks: [5, 4096])
            #expect(loaded.status == 0 && !loaded.stdout.isEmpty, "\(loaded.stderr)")
        }
    }

    /// Multi-byte characters (2 to 4 bytes), a byte order mark, CRLF line ends and a last line
    /// without a line break, on standard input in chunks of a few bytes.
    @Test func plainStandardInputSplitInsideLinesAndCharacters() throws {
        var lines = Array(Self.lines.prefix(400))
        for k in stride(from: 0, to: lines.count, by: 7) {
            lines[k] = lines[k].replacingOccurrences(of: "\"city\":\"", with: "\"city\":\"São Paulo € 𝄞 ")
        }
        let text = "\u{FEFF}" + lines.joined(separator: "\r\n")
        let path = try Self.file(Data(text.utf8), "utf8.ndjson")
        for query in Self.queries + ["SELECT city FROM clicks WHERE city != 'x' SINCE all LIMIT 50"] {
            let loaded = try Self.expectSame(query, data: path, stdin: true, chunks: [1, 2, 3, 5, 333])
            #expect(loaded.status == 0 && !loaded.stdout.isEmpty, "\(loaded.stderr)")
        }
        let loaded = try Self.run(["query", "SELECT city FROM clicks SINCE all LIMIT 1000", "--now", Self.now, "--format", "ndjson",
                                   "--data", "-"], stdinPath: path, environment: ["DUBQL_STREAM": "0"])
        #expect(loaded.stdout.contains("São Paulo € 𝄞 "))
    }

    /// Elements of a JSON array cut across chunks, with brackets, braces, commas and escaped
    /// quotes inside strings; from a pipe and from gzip.
    @Test func aJSONArrayIsSplitAcrossChunks() throws {
        var lines = Array(Self.lines.prefix(600))
        for k in stride(from: 0, to: lines.count, by: 5) {
            lines[k] = lines[k].replacingOccurrences(of: "\"city\":\"", with: "\"city\":\"]},[{\\\"\\\\ ")
        }
        let array = Data(("[" + lines.joined(separator: " ,\n\t") + "]\n").utf8)
        let plain = try Self.file(array, "page.json")
        let zipped = try Self.file(try Self.gzip(array), "page.json.gz")
        for query in Self.queries {
            let loaded = try Self.expectSame(query, data: plain, stdin: true, chunks: [1, 9, 2000])
            #expect(loaded.status == 0 && !loaded.stdout.isEmpty, "\(loaded.stderr)")
            try Self.expectSame(query, data: zipped, stdin: false, chunks: [17])
        }
        // Broken arrays fail with the loader's message and position, whatever the chunks.
        let head: String = "[" + lines.prefix(30).joined(separator: ",\n")
        let next: String = lines[30]
        let broken: [String] = [
            head + "\n" + next + "]",                                           // a missing comma
            head + ",\n]",                                                      // a trailing comma
            head + "]\nx",                                                      // text after the array
            head + ",\n" + String(next.dropLast(9)),                             // truncated
            head + ",\n" + next.replacingOccurrences(of: ":", with: ";"),       // broken JSON in an element
        ]
        for text in broken {
            let path = try Self.file(Data(text.utf8), "broken.json")
            let loaded = try Self.expectSame(Self.queries[2], data: path, stdin: true, chunks: [1, 100, 1 << 20])
            #expect(loaded.status == 65, "\(loaded.stderr)")
            #expect(loaded.stderr.contains("<stdin>:"), "\(loaded.stderr)")
        }
    }

    /// A truncated or corrupt gzip file fails (exit 66, no answer), as when it is loaded.
    @Test func aTruncatedOrCorruptGzipFails() throws {
        let zipped = try Self.gzip(Self.ndjson)
        var corrupt = zipped
        for k in stride(from: corrupt.count / 2, to: corrupt.count / 2 + 64, by: 1) { corrupt[k] ^= 0x5A }
        let cases = [("truncated gzip data", zipped.prefix(zipped.count * 2 / 3)), ("corrupt gzip data", corrupt)]
        for (message, bytes) in cases {
            let path = try Self.file(Data(bytes), "bad.ndjson.gz")
            for stdin in [false, true] {
                let loaded = try Self.expectSame(Self.queries[2], data: path, stdin: stdin, chunks: [3, 1 << 20])
                #expect(loaded.status == 66, "\(loaded.stderr)")
                #expect(loaded.stderr.contains(message), "\(loaded.stderr)")
                #expect(loaded.stdout.isEmpty)
            }
        }
    }

    /// A malformed line, a line over DUBQL_MAX_EVENT_SIZE and empty input deep in a stream are
    /// reported at the stream's line, with the loader's message.
    @Test func errorsNameTheLineOfTheStream() throws {
        var lines = Array(Self.lines.prefix(300))
        lines[211] = String(lines[211].dropLast(3))
        let malformed = try Self.file(Data((lines.joined(separator: "\n") + "\n").utf8), "malformed.ndjson")
        let loaded = try Self.expectSame(Self.queries[2], data: malformed, stdin: true, chunks: [1, 1000])
        #expect(loaded.status == 65)
        #expect(loaded.stderr.contains("<stdin>:212:"), "\(loaded.stderr)")
        try Self.expectSame(Self.queries[2], data: try Self.file(try Self.gzip(Data((lines.joined(separator: "\n") + "\n").utf8)), "m.gz"),
                            stdin: false, chunks: [7])

        lines = Array(Self.lines.prefix(300))
        lines[150] = lines[150].replacingOccurrences(of: "\"city\":\"", with: "\"city\":\"" + String(repeating: "y", count: 9000))
        let long = try Self.file(Data((lines.joined(separator: "\n") + "\n").utf8), "long.ndjson")
        let tooLong = try Self.expectSame(Self.queries[2], data: long, stdin: true, chunks: [1, 500], environment: ["DUBQL_MAX_EVENT_SIZE": "8K"])
        #expect(tooLong.status == 65)
        #expect(tooLong.stderr.contains("<stdin>:151:1: error[DQL0509]: line 151 is longer than 8 KiB"), "\(tooLong.stderr)")

        for text in ["", "\n \n", "\u{FEFF}"] {
            let empty = try Self.expectSame(Self.queries[0], data: try Self.file(Data(text.utf8), "empty"), stdin: true, chunks: [1])
            #expect(empty.status == 65)
            #expect(empty.stderr.contains("empty input"), "\(empty.stderr)")
        }
    }

    /// One event out of order in a later chunk, read before the scan could stop: it switches to
    /// the full scan, and the answer is the loaded one.
    @Test func anEventOutOfOrderInALaterChunk() throws {
        var lines = Self.lines
        let newest = lines.removeFirst()
        lines.insert(newest, at: 100)
        let path = try Self.file(Data((lines.joined(separator: "\n") + "\n").utf8), "disordered.ndjson")
        for query in ["SELECT clicks WHERE device = Mobile SINCE all LIMIT 300", "SELECT clicks SINCE all LIMIT 400"] {
            let loaded = try Self.expectSame(query, data: path, stdin: true, chunks: [20_000, 50_000])
            #expect(loaded.status == 0 && !loaded.stdout.isEmpty, "\(loaded.stderr)")
        }
    }

    /// `LIMIT` on newest-first input from a pipe that never ends: dubql answers and exits 0
    /// without reading to the end; the writer then gets EPIPE (SIGPIPE when not ignored).
    @Test func anEarlyExitStopsReadingAPipe() throws {
        signal(SIGPIPE, SIG_IGN)
        let head = Data((Self.lines.joined(separator: "\n") + "\n").utf8)
        let oldest = Data((Self.lines[Self.lines.count - 1] + "\n").utf8)
        let query = "SELECT clicks SINCE all LIMIT 5"
        let expected = try Self.run(["query", query, "--now", Self.now, "--format", "ndjson", "--data", try Self.file(head, "head.ndjson")],
                                    stdinPath: nil, environment: ["DUBQL_STREAM": "0"])
        let process = Process()
        process.executableURL = DubQLBinary.url
        process.arguments = ["query", query, "--now", Self.now, "--format", "ndjson", "--data", "-"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        var env = ProcessInfo.processInfo.environment
        env["DUBQL_STREAM"] = "1"
        env["DUBQL_STREAM_CHUNK_BYTES"] = nil
        process.environment = env
        try process.run()
        try? input.fileHandleForReading.close()
        // The writer: the newest-first lines, then the oldest line over and over (still in order), up to 1 GB.
        let fd = input.fileHandleForWriting.fileDescriptor
        let writer = DispatchQueue(label: "writer")
        let written = LockedData()
        writer.async {
            var total = 0
            var failure: Int32 = 0
            func put(_ d: Data) -> Bool {
                d.withUnsafeBytes { raw in
                    var off = 0
                    while off < raw.count {
                        let n = write(fd, raw.baseAddress! + off, raw.count - off)
                        if n < 0 { failure = errno; return false }
                        off += n
                    }
                    return true
                }
            }
            var block = Data()
            for _ in 0..<200 { block.append(oldest) }
            if put(head) { total += head.count; while total < 1 << 30, put(block) { total += block.count } }
            written.set(Data("\(total) \(failure)".utf8))
        }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        writer.sync {}
        let report = String(decoding: written.get(), as: UTF8.self).split(separator: " ")
        #expect(process.terminationStatus == 0)
        #expect(String(decoding: out, as: UTF8.self) == expected.stdout)
        #expect(report.count == 2 && report[1] == "\(EPIPE)", "the writer wrote \(report)")
        #expect((Int(report.first ?? "") ?? .max) < 1 << 28, "the writer wrote \(report) bytes")
        try? input.fileHandleForWriting.close()
    }
}
