// One-shot sales queries stream (issue 11): `saleType` must be the whole file's answer, the same
// as loading it (DUBQL_STREAM=0, and a two-statement script, which loads), whether it is shown
// (the default columns), read by WHERE or GROUP BY (two passes over the file), or neither
// (whole events as NDJSON: streamed like clicks, stopping early). Stdin cannot be read twice:
// a plan that reads saleType loads it.

import Foundation
import Testing

@Suite("Streaming sales queries")
struct SalesStreamingQueryTests {
    static let now = "2026-12-01T12:00:00Z"

    /// 2,000 generated sales over 30 days, newest first.
    static let file: URL? = {
        guard let result = try? runDubQL(["generate", "--event", "sales", "--count", "2000", "--days", "30", "--seed", "4", "--end", now]),
              result.status == 0 else { return nil }
        return try? StreamingQueryTests.write(result.stdout, "sales.ndjson")
    }()

    static func run(_ query: String, _ extra: [String] = [], stdin: String? = nil, data: String,
                    environment: [String: String] = [:]) throws -> ProcessResult {
        try runDubQL(["query", query, "--now", now, "--data", data, "--verbose"] + extra, stdin: stdin, environment: environment)
    }

    /// The streamed answer equals the loaded one; returns the streamed run's notes.
    @discardableResult
    static func expectSameAsLoaded(_ query: String, _ extra: [String] = ["--format", "csv"], environment: [String: String] = [:],
                                   sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> String {
        let path = try #require(file).path
        let streamed = try run(query, extra, data: path, environment: environment)
        let loaded = try run(query, extra, data: path, environment: ["DUBQL_STREAM": "0"])
        #expect(streamed.status == 0, "\(streamed.stderr)", sourceLocation: sourceLocation)
        #expect(loaded.status == 0, "\(loaded.stderr)", sourceLocation: sourceLocation)
        #expect(!loaded.stdout.isEmpty, sourceLocation: sourceLocation)
        #expect(streamed.stdout == loaded.stdout, "\(query)", sourceLocation: sourceLocation)
        #expect(!loaded.stderr.contains("streamed:"), sourceLocation: sourceLocation)
        return streamed.stderr
    }

    @Test func aLimitedListingShowingSaleTypeStreamsToTheEndWithTheLoadedTypes() throws {
        let notes = try Self.expectSameAsLoaded("SELECT sales SINCE all LIMIT 10")
        #expect(notes.contains("streamed:") && notes.contains("read to the end"), "\(notes)")
        // Both sale types are in the answer, so a type computed from the kept rows alone would differ.
        let path = try #require(Self.file).path
        let out = try Self.run("SELECT sales SINCE all LIMIT 40", ["--format", "csv"], data: path).stdout
        #expect(out.contains(",new,") && out.contains(",recurring,"), "\(out)")
    }

    @Test func wholeEventsWithoutSaleTypeStopEarly() throws {
        let notes = try Self.expectSameAsLoaded("SELECT sales SINCE all LIMIT 10", ["--format", "ndjson"])
        #expect(notes.contains("streamed:") && notes.contains("stopped early"), "\(notes)")
        let columns = try Self.expectSameAsLoaded("SELECT timestamp, sale.amount, customer.email FROM sales SINCE all LIMIT 10")
        #expect(columns.contains("stopped early"), "\(columns)")
    }

    @Test func aConditionOnSaleTypeStreamsTwoPassesWithTheLoadedAnswer() throws {
        let notes = try Self.expectSameAsLoaded("SELECT sales WHERE saleType = new SINCE all LIMIT 25")
        #expect(notes.contains("streamed:"), "\(notes)")
        // Recurring sales are the newer ones: a newest-first file gives them first and stops.
        let recurring = try Self.expectSameAsLoaded("SELECT sales WHERE saleType = recurring SINCE all LIMIT 25")
        #expect(recurring.contains("stopped early"), "\(recurring)")
        try Self.expectSameAsLoaded("SELECT sales WHERE saleType = recurring AND country = US SINCE 20d")
        try Self.expectSameAsLoaded("SELECT customer.email, saleType FROM sales WHERE NOT saleType = new SINCE all ORDER BY timestamp ASC LIMIT 30")
    }

    @Test func groupBySaleTypeStreamedEqualsLoaded() throws {
        let query = "SELECT saleType, count(), sum(sale.amount) FROM sales GROUP BY saleType SINCE all"
        let notes = try Self.expectSameAsLoaded(query, environment: ["DUBQL_STREAM": "1"])
        #expect(notes.contains("streamed:"), "\(notes)")
        try Self.expectSameAsLoaded("SELECT day, count() FROM sales WHERE saleType = new GROUP BY day SINCE 10d", environment: ["DUBQL_STREAM": "1"])
        // A script of two statements loads the file: its first answer is the same.
        let path = try #require(Self.file).path
        let dir = path.components(separatedBy: "/").dropLast().joined(separator: "/")
        let script = URL(fileURLWithPath: dir).appendingPathComponent("two.dql")
        try Data("\(query);\nSELECT sales SINCE all LIMIT 1;\n".utf8).write(to: script)
        let both = try runDubQL(["run", script.path, "--now", Self.now, "--data", path, "--format", "csv"])
        let one = try Self.run(query, ["--format", "csv"], data: path, environment: ["DUBQL_STREAM": "1"])
        #expect(both.status == 0, "\(both.stderr)")
        #expect(both.stdout.hasPrefix(one.stdout), "\(both.stdout)\n---\n\(one.stdout)")
    }

    @Test func salesFromStdinLoadWhenSaleTypeIsReadAndStreamOtherwise() throws {
        let text = try String(contentsOf: try #require(Self.file), encoding: .utf8)
        let path = try #require(Self.file).path
        for query in ["SELECT sales WHERE saleType = new SINCE all LIMIT 25", "SELECT saleType, count() FROM sales GROUP BY saleType SINCE all"] {
            let piped = try Self.run(query, ["--format", "csv"], stdin: text, data: "-", environment: ["DUBQL_STREAM": "1"])
            let loaded = try Self.run(query, ["--format", "csv"], data: path, environment: ["DUBQL_STREAM": "0"])
            #expect(piped.status == 0, "\(piped.stderr)")
            #expect(piped.stdout == loaded.stdout, "\(query)")
            #expect(!piped.stderr.contains("streamed:"), "stdin cannot be read twice: loaded. \(piped.stderr)")
        }
        // Shown only: one pass, so stdin streams.
        let piped = try Self.run("SELECT sales SINCE all LIMIT 10", ["--format", "csv"], stdin: text, data: "-")
        let loaded = try Self.run("SELECT sales SINCE all LIMIT 10", ["--format", "csv"], data: path, environment: ["DUBQL_STREAM": "0"])
        #expect(piped.stdout == loaded.stdout)
        #expect(piped.stderr.contains("streamed:"), "\(piped.stderr)")
    }
}
