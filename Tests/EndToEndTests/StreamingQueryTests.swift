// `dubql query` streams its --data (and stdin) for a single statement: the answers must be the
// loaded path's (DUBQL_STREAM=0) byte for byte, for newest-first, oldest-first and slightly
// disordered files, JSON arrays, gzip and pipes; LIMIT and SINCE stop early on ordered input.

import Foundation
import Testing

@Suite("Streaming queries")
struct StreamingQueryTests {
    static let now = "2026-12-01T12:00:00Z"

    /// 3,000 generated clicks over 20 days, newest first, as lines.
    static let lines: [String] = {
        let result = try? runDubQL(["generate", "--event", "clicks", "--count", "3000", "--days", "20", "--seed", "9", "--end", now])
        return (result?.stdout ?? "").split(separator: "\n").map(String.init)
    }()

    static func write(_ text: String, _ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dubql-stream-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    static let queries = [
        "SELECT clicks WHERE country IN (US, DE) AND NOT browser = Chrome SINCE 5d LIMIT 20",
        "SELECT clicks WHERE city = 'San Jose' SINCE all",
        "SELECT clicks SINCE all ORDER BY timestamp ASC LIMIT 7",
        "SELECT clicks WHERE city = 'Berlin' OR device = Tablet SINCE all LIMIT 30 OFFSET 4",
        "SELECT country, count() FROM clicks GROUP BY country SINCE all",
        "SELECT day, count() FROM clicks WHERE device = Mobile GROUP BY day SINCE 3d",
    ]

    /// Runs every query on `data` streamed and loaded and expects the same output; returns the
    /// streamed runs' notes (`--verbose`).
    @discardableResult
    static func expectSameAnswers(_ data: [String], stdin: String? = nil, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [String] {
        var notes: [String] = []
        for query in queries {
            let args = ["query", query, "--now", now, "--format", "ndjson"] + data.flatMap { ["--data", $0] }
            let loaded = try runDubQL(args, stdin: stdin, environment: ["DUBQL_STREAM": "0"])
            // Listings and aggregates alike stream by default.
            let streamed = try runDubQL(args + ["--verbose"], stdin: stdin)
            #expect(loaded.status == 0, "\(query): \(loaded.stderr)", sourceLocation: sourceLocation)
            #expect(streamed.status == 0, "\(query): \(streamed.stderr)", sourceLocation: sourceLocation)
            #expect(!loaded.stdout.isEmpty, sourceLocation: sourceLocation)
            #expect(streamed.stdout == loaded.stdout, "\(query)", sourceLocation: sourceLocation)
            #expect(streamed.stderr.contains("dubql: note: streamed:"), sourceLocation: sourceLocation)
            notes.append(streamed.stderr)
        }
        return notes
    }

    @Test func newestFirstFilesStopEarlyWithTheSameAnswers() throws {
        let file = try Self.write(Self.lines.joined(separator: "\n") + "\n", "newest.ndjson")
        let notes = try Self.expectSameAnswers([file.path])
        #expect(notes[0].contains("stopped early"), "\(notes[0])")
        #expect(notes[5].contains("stopped early"), "\(notes[5])")
    }

    @Test func aFileInAscendingOrderGivesTheSameAnswers() throws {
        let file = try Self.write(Self.lines.reversed().joined(separator: "\n") + "\n", "oldest.ndjson")
        let notes = try Self.expectSameAnswers([file.path])
        // ORDER BY timestamp ASC LIMIT 7 on oldest-first input stops after the first events.
        #expect(notes[2].contains("stopped early"), "\(notes[2])")
    }

    @Test func oneEventOutOfOrderGivesTheSameAnswers() throws {
        // The newest event moved a few lines down: what is parsed is out of order, so the queries
        // that parse every line (no byte search) do not stop early. (Where the byte search rejects
        // the moved event unparsed, it cannot be in the answer and need not be seen.)
        var lines = Self.lines
        let newest = lines.removeFirst()
        lines.insert(newest, at: 3)
        let file = try Self.write(lines.joined(separator: "\n") + "\n", "disordered.ndjson")
        let notes = try Self.expectSameAnswers([file.path])
        #expect(notes[2].contains("read to the end"), "\(notes[2])")
        #expect(notes[4].contains("read to the end"), "\(notes[4])")
    }

    @Test func aJSONArrayGivesTheSameAnswers() throws {
        let file = try Self.write("[\n  " + Self.lines.joined(separator: ",\n  ") + "\n]\n", "page.json")
        try Self.expectSameAnswers([file.path])
    }

    @Test func gzipGivesTheSameAnswers() throws {
        let plain = try Self.write(Self.lines.joined(separator: "\n") + "\n", "zipped.ndjson")
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", "-f", plain.path]
        try gzip.run()
        gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0)
        try Self.expectSameAnswers([plain.path + ".gz"])
    }

    @Test func stdinGivesTheSameAnswers() throws {
        try Self.expectSameAnswers(["-"], stdin: Self.lines.joined(separator: "\n") + "\n")
    }

    @Test func severalStatementsLoadOnceAndAnswerEach() throws {
        let file = try Self.write(Self.lines.joined(separator: "\n") + "\n", "twice.ndjson")
        let text = "SELECT clicks SINCE all LIMIT 2; SELECT count() FROM clicks SINCE all"
        let both = try runDubQL(["query", text, "--now", Self.now, "--format", "ndjson", "--data", file.path, "--verbose"])
        #expect(both.status == 0, "\(both.stderr)")
        #expect(!both.stderr.contains("streamed:"))
        #expect(both.stdout.contains("\"count()\":3000"), "\(both.stdout)")
    }

    /// Aggregates stream by default (`dubql query` and a one-statement `dubql run`), keeping
    /// groups rather than events, with the loaded answer; invalid lines are skipped and counted
    /// as when loading.
    @Test func aggregatesStreamByDefaultAndSkipInvalidLinesAsLoading() throws {
        var lines = Self.lines
        lines.insert(#"{"event":"click","timestamp":"2026-11-30T00:00:00.000Z","click":{"id":"x1","browser":7}}"#, at: 100)
        lines.insert(#"{"event":"click","timestamp":"2026-11-30T00:00:00.000Z","click":{"id":"x2","country":"US""#, at: 500)
        let file = try Self.write(lines.joined(separator: "\n") + "\n", "invalid.ndjson")
        let query = "SELECT day, country, count() AS n, count(DISTINCT city) FROM clicks GROUP BY day, country HAVING n > 2 SINCE 10d TIMEZONE 'America/New_York' ORDER BY n DESC LIMIT 15"
        let args = ["query", query, "--now", Self.now, "--format", "ndjson", "--data", file.path, "--skip-invalid"]
        let loaded = try runDubQL(args, environment: ["DUBQL_STREAM": "0"])
        let streamed = try runDubQL(args + ["--verbose"])
        #expect(loaded.status == 0, "\(loaded.stderr)")
        #expect(streamed.status == 0, "\(streamed.stderr)")
        #expect(streamed.stdout == loaded.stdout)
        #expect(streamed.stdout.split(separator: "\n").count == 15)
        #expect(streamed.stderr.contains("groups kept"), "\(streamed.stderr)")
        #expect(streamed.stderr.contains("dubql: note: skipped 2 invalid events (first: \(file.path):101:"), "\(streamed.stderr)")
        #expect(loaded.stderr.contains("dubql: note: skipped 2 invalid events (first: \(file.path):101:"), "\(loaded.stderr)")
        // Without --skip-invalid: the loader's error, exit 65.
        let failed = try runDubQL(Array(args.dropLast()))
        #expect(failed.status == 65)
        #expect(failed.stderr.contains("invalid.ndjson:101:"), "\(failed.stderr)")
        // One statement of `dubql run` streams too.
        let script = try Self.write(query + "\n", "count.dubql")
        let run = try runDubQL(["run", script.path, "--now", Self.now, "--format", "ndjson", "--data", file.path, "--skip-invalid", "--verbose"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == loaded.stdout)
        #expect(run.stderr.contains("groups kept"), "\(run.stderr)")
    }

    @Test func malformedInputStillFailsWithItsPosition() throws {
        let file = try Self.write(Self.lines.prefix(3).joined(separator: "\n") + "\n{\"event\":\"click\",\n", "broken.ndjson")
        let result = try runDubQL(["query", "SELECT country, count() FROM clicks GROUP BY country SINCE all", "--now", Self.now, "--data", file.path])
        #expect(result.status == 65)
        #expect(result.stderr.contains("broken.ndjson:4:"), "\(result.stderr)")
    }
}

@Suite("Streaming query limits")
struct StreamingLimitTests {
    /// Issue 14: one element of a JSON array read from a pipe is bounded like an NDJSON line,
    /// with an error that names the input and the element's line.
    @Test func anArrayElementFromAPipeIsBoundedByTheEventLimit() throws {
        let small = #"{"event":"click","timestamp":"2026-11-30T00:00:00.000Z","click":{"id":"c1","timestamp":"2026-11-30T00:00:00.000Z","country":"US"}}"#
        let big = #"{"event":"click","timestamp":"2026-11-30T00:00:00.000Z","click":{"id":"c2","city":""# + String(repeating: "x", count: 3000) + #""}}"#
        let env = ["DUBQL_MAX_EVENT_SIZE": "2K"]
        let args = ["query", "--data", "-", "SELECT clicks SINCE all", "--now", "2026-12-01T00:00:00Z", "--format", "ndjson"]
        let failed = try runDubQL(args, stdin: "[\n" + small + ",\n\n" + big + "\n]\n", environment: env)
        #expect(failed.status == 65)
        #expect(failed.stderr.contains("<stdin>:4:1: error[DQL0509]: an event of the JSON array is larger than 2 KiB"), "\(failed.stderr)")
        // Under the limit, braces and brackets inside strings do not confuse the count.
        let tricky = small.replacingOccurrences(of: "\"US\"", with: "\"U]S},[{\\\"\"")
        let passed = try runDubQL(args, stdin: "[" + String(repeating: tricky + ",", count: 40) + small + "]", environment: env)
        #expect(passed.status == 0, "\(passed.stderr)")
        #expect(passed.stdout.split(separator: "\n").count == 41)
    }
}
