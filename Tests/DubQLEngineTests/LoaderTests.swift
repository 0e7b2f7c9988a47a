// Loader tests: every accepted input shape, and every malformed input with its exact error text.

import DubQL
import DubQLEngine
import DubQLTestSupport
import Foundation
import Testing

/// 1-based byte column of the first occurrence of `needle` in a one-line `text`.
func column(of needle: String, in text: String) -> Int {
    guard let r = text.range(of: needle) else { return -1 }
    return text.utf8.distance(from: text.startIndex, to: r.lowerBound) + 1
}

struct MalformedCase: CustomTestStringConvertible, Sendable {
    var id: String
    var input: String
    var expected: String
    var testDescription: String { id }
}

@Suite("Loader")
struct LoaderTests {
    @Test func ndjsonAndArrayGiveTheSameEvents() throws {
        let lines = [clickLine(id: "a"), clickLine(id: "b", country: "DE")]
        let ndjson = try load(lines.joined(separator: "\n") + "\n")
        let array = try load("[\n" + lines.joined(separator: ",\n") + "\n]")
        #expect(ndjson.count == 2)
        #expect(array.count == 2)
        for row in 0..<2 {
            #expect(ndjson.eventID(row) == array.eventID(row))
            #expect(ndjson.string(.country, row) == array.string(.country, row))
        }
    }

    @Test func prettyPrintedObjectsOneAfterAnother() throws {
        let pretty = """
            {
              "event": "click", "timestamp": "2026-08-18T14:03:12.345Z",
              "click": {"id": "p1", "country": "FR"}
            }
            {
              "event": "click", "timestamp": "2026-08-18T14:03:13.000Z",
              "click": {"id": "p2", "country": "NL"}
            }
            """
        let store = try load(pretty)
        #expect(store.count == 2)
        #expect(store.string(.country, 1) == "NL")
    }

    @Test func originalBytesAreKeptExactlyWithUnknownFields() throws {
        let line = clickLine(extra: #","somethingNew":{"nested":[1,2.5e3,"\u00e9"]},"click_id":"c1""#)
        let store = try load(line + "\n")
        #expect(String(decoding: store.rawJSON(0), as: UTF8.self) == line)
        #expect(store.record(0).json(at: ["somethingNew", "nested"]) == .array([.number(1), .number(2500), .string("é")]))
    }

    @Test(arguments: [
        ("iso", "2026-08-18T14:03:12.345Z", Int64(1_787_061_792_345)),
        ("iso offset", "2026-08-18T16:03:12.345+02:00", Int64(1_787_061_792_345)),
        ("javascript", "Tue Aug 18 2026 14:03:12 GMT+0000 (Coordinated Universal Time)", Int64(1_787_061_792_000)),
        ("javascript offset", "Tue Aug 18 2026 16:03:12 GMT+0200 (Central European Summer Time)", Int64(1_787_061_792_000)),
    ])
    func timestampForms(_ name: String, _ text: String, _ millis: Int64) throws {
        let line = #"{"event":"lead","timestamp":"\#(text)","eventId":"e1","click":{"id":"c","timestamp":"2026-01-01T00:00:00.000Z"}}"#
        #expect(try load(line).timestamps == [millis], "\(name)")
    }

    /// Instants that exist and texts that look like them but do not (`2024-02-31` does not roll
    /// into March), with the instant each one is, or `nil`.
    static let calendarCases: [(String, Int64?)] = [
        ("2024-02-29", 1_709_164_800_000), ("2024-02-29T23:59:59.999Z", 1_709_251_199_999),
        ("2024-02-31", nil), ("2023-02-29", nil), ("2100-02-29", nil), ("2000-02-29", 951_782_400_000),
        ("2024-04-31T00:00:00Z", nil), ("2024-06-31 12:00:00", nil), ("2024-00-10", nil), ("2024-13-01", nil),
        ("2024-01-00T00:00:00Z", nil), ("2024-01-32", nil),
        ("Sat Feb 31 2024 10:00:00 GMT+0000 (Coordinated Universal Time)", nil),
        ("Thu Feb 29 2024 10:00:00 GMT+0000 (Coordinated Universal Time)", 1_709_200_800_000),
    ]

    /// The binder (`WHERE timestamp = '…'`), `--now` and the loader read instants with one parser, so
    /// they accept and reject the same texts and agree on the instant.
    @Test(arguments: calendarCases)
    func everyReaderAgreesOnTheCalendar(_ text: String, _ expected: Int64?) throws {
        #expect(ISOInstant.parse(text) == expected, "ISOInstant")
        #expect(QueryContext.parseInstant(text) == expected, "--now")
        let (query, _) = Fixture.bind("SELECT clicks WHERE timestamp = '\(text)' SINCE all")
        if case .predicate(let p)? = query?.condition {
            #expect(p.values == [.timestamp(try #require(expected))], "binder")
        } else {
            #expect(expected == nil, "the binder rejects '\(text)'")
        }
        let line = #"{"event":"click","timestamp":"\#(text)","click":{"id":"c"}}"#
        if let expected {
            #expect(try load(line).timestamps == [expected], "loader")
        } else {
            #expect(throws: LoadError.self, "the loader accepts '\(text)'") { try load(line) }
        }
    }

    @Test func javascriptFormIsRefinedToMillisecondsByTheClickTimestamp() throws {
        let line = #"{"event":"click","timestamp":"Tue Aug 18 2026 14:03:12 GMT+0000 (Coordinated Universal Time)","click":{"id":"c","timestamp":"2026-08-18T14:03:12.345Z"}}"#
        #expect(try load(line).timestamps == [1_787_061_792_345])
    }

    @Test func missingTopLevelTimestampFallsBackToClickTimestamp() throws {
        let line = #"{"event":"click","click":{"id":"c","timestamp":"2026-08-18T14:03:12.345Z"}}"#
        #expect(try load(line).timestamps == [1_787_061_792_345])
    }

    @Test func mixedEventTypesInOneFile() throws {
        let text = [clickLine(id: "c1"),
                    #"{"event":"sale","timestamp":"2026-08-18T15:00:00.000Z","eventId":"s1","sale":{"amount":4900,"currency":"usd"},"customer":{"id":"cus_1"},"link":{"id":"l1"}}"#,
                    #"{"event":"lead","timestamp":"2026-08-18T15:00:00.000Z","eventId":"l1","customer":{"id":"cus_1"}}"#].joined(separator: "\n")
        let store = try load(text)
        #expect(store.count(of: .clicks) == 1)
        #expect(store.count(of: .sales) == 1)
        #expect(store.count(of: .leads) == 1)
        #expect(store.saleAmount(1) == 4900)
        #expect(store.saleType(1) == "new")
    }

    @Test func byteOrderMarkAndCRLFLineEnds() throws {
        let text = "\u{FEFF}" + clickLine(id: "a") + "\r\n" + clickLine(id: "b") + "\r\n"
        let store = try load(text)
        #expect(store.count == 2)
        #expect(String(decoding: store.rawJSON(1), as: UTF8.self) == clickLine(id: "b"))
    }

    @Test func escapedStringsAreDecodedInColumns() throws {
        let store = try load(clickLine(country: #"U\u0053"#))
        #expect(store.string(.country, 0) == "US")
    }

    static let malformed: [MalformedCase] = [
        MalformedCase(id: "truncated line", input: clickLine(id: "a") + "\n" + #"{"event":"click","timestamp":"2026-08-18T14:03:12.345Z","click":{"id":"b""# + "\n",
                      expected: #"in.ndjson:2:74: error[DQL0501]: expected ',' or '}' after an object member, found end of line"#),
        MalformedCase(id: "truncated string", input: #"{"event":"click","timestamp":"2026-08"#,
                      expected: #"in.ndjson:1:38: error[DQL0501]: expected '"' to close the string, found end of input"#),
        MalformedCase(id: "control character in a string", input: clickLine(country: "U\u{1}"),
                      expected: "in.ndjson:1:\(column(of: "\u{1}", in: clickLine(country: "U\u{1}"))): error[DQL0501]: expected a character of a string, found control byte 0x01 (escape it)"),
        MalformedCase(id: "wrong type for a column", input: clickLine().replacingOccurrences(of: #""country":"US""#, with: #""country":42"#),
                      expected: "in.ndjson:1:\(column(of: ":42", in: clickLine().replacingOccurrences(of: #""country":"US""#, with: #""country":42"#)) + 1): error[DQL0503]: expected a string or null for 'click.country', found a number"),
        MalformedCase(id: "wrong type for an object", input: #"{"event":"click","timestamp":"2026-08-18T14:03:12.345Z","click":"c1"}"#,
                      expected: "in.ndjson:1:65: error[DQL0503]: expected an object for 'click', found a string"),
        MalformedCase(id: "wrong type for sale amount", input: #"{"event":"sale","timestamp":"2026-08-18T14:03:12.345Z","eventId":"s","sale":{"amount":"49.00"}}"#,
                      expected: "in.ndjson:1:87: error[DQL0503]: expected a number for 'sale.amount', found a string"),
        MalformedCase(id: "missing event", input: #"{"timestamp":"2026-08-18T14:03:12.345Z","click":{"id":"c"}}"#,
                      expected: #"in.ndjson:1:1: error[DQL0504]: missing field 'event' (expected "click", "lead" or "sale")"#),
        MalformedCase(id: "missing timestamp", input: #"{"event":"click","click":{"id":"c"}}"#,
                      expected: "in.ndjson:1:1: error[DQL0504]: missing field 'timestamp' (and no 'click.timestamp' to fall back on)"),
        MalformedCase(id: "missing id", input: #"{"event":"lead","timestamp":"2026-08-18T14:03:12.345Z"}"#,
                      expected: "in.ndjson:1:1: error[DQL0504]: missing field 'eventId' (the lead event's id)"),
        MalformedCase(id: "unknown event", input: #"{"event":"view","timestamp":"2026-08-18T14:03:12.345Z"}"#,
                      expected: #"in.ndjson:1:10: error[DQL0506]: expected "click", "lead" or "sale" for 'event', found "view""#),
        MalformedCase(id: "bad timestamp", input: #"{"event":"click","timestamp":"yesterday","click":{"id":"c"}}"#,
                      expected: #"in.ndjson:1:30: error[DQL0507]: expected an ISO 8601 or JavaScript date for 'timestamp', found "yesterday""#),
        MalformedCase(id: "empty file", input: "",
                      expected: "in.ndjson:1:1: error[DQL0505]: empty input: expected a JSON array of events or NDJSON (one event per line)"),
        MalformedCase(id: "blank file", input: "\n  \n",
                      expected: "in.ndjson:1:1: error[DQL0505]: empty input: expected a JSON array of events or NDJSON (one event per line)"),
        MalformedCase(id: "not an object", input: "[1]",
                      expected: "in.ndjson:1:2: error[DQL0501]: expected an event object, found '1'"),
        MalformedCase(id: "unclosed array", input: "[" + clickLine(),
                      expected: "in.ndjson:1:\(clickLine().utf8.count + 2): error[DQL0501]: expected ',' or ']' after an event, found end of input"),
        MalformedCase(id: "garbage after event", input: clickLine() + " x\n",
                      expected: "in.ndjson:1:\(clickLine().utf8.count + 2): error[DQL0501]: expected end of line after the event, found 'x'"),
        MalformedCase(id: "bad escape", input: #"{"event":"cl\qck"}"#,
                      expected: #"in.ndjson:1:14: error[DQL0501]: expected an escape character (\" \\ \/ \b \f \n \r \t \u), found 'q'"#),
    ]

    @Test(arguments: malformed)
    func malformedInputIsAnErrorWithPosition(_ c: MalformedCase) {
        #expect(throws: LoadError.self) { try load(c.input) }
        do {
            _ = try load(c.input)
        } catch {
            #expect(error.description == c.expected)
        }
    }

    @Test func invalidUTF8Bytes() {
        var bytes = Array(clickLine(country: "XX").utf8)
        let at = bytes.firstIndex(of: UInt8(ascii: "X"))!
        bytes[at] = 0xFF
        do {
            _ = try EventLoader.load(bytes: bytes, name: "in.ndjson")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "in.ndjson:1:\(at + 1): error[DQL0502]: invalid UTF-8: byte 0xFF does not start a valid sequence")
        }
    }

    @Test func skipInvalidSkipsAndCounts() throws {
        let text = [clickLine(id: "a"), "{not json", clickLine(id: "b"), #"{"event":"nope"}"#].joined(separator: "\n")
        var loader = EventLoader(options: LoadOptions(skipInvalid: true))
        try loader.load(bytes: Array(text.utf8), name: "x.ndjson")
        #expect(loader.count == 2)
        #expect(loader.skipped == 2)
        #expect(loader.firstSkipped?.line == 2)
    }

    @Test func skipInvalidInAnArraySkipsWellFormedButWrongEvents() throws {
        let text = "[" + clickLine(id: "a") + #",{"event":"click"},"# + clickLine(id: "b") + "]"
        var loader = EventLoader(options: LoadOptions(skipInvalid: true))
        try loader.load(bytes: Array(text.utf8), name: "x.json")
        #expect(loader.count == 2)
        #expect(loader.skipped == 1)
    }

    /// A single multi-megabyte line (a whole API response without newlines) loads; the 100 MB case
    /// is the same code path (no recursion on size, no per-line limit), exercised by the benchmark.
    @Test func largeSingleLineArray() throws {
        let events = (0..<3000).map { clickLine(id: "id\($0)", extra: #","padding":"\#(String(repeating: "p", count: 600))""#) }
        let text = "[" + events.joined(separator: ",") + "]"
        #expect(text.utf8.count > 2_000_000)
        let store = try load(text)
        #expect(store.count == 3000)
    }

    /// Random byte edits of real events never crash the loader: they load or give a positioned error.
    @Test func mutatedInputNeverCrashes() {
        let original = Array((ParallelLoaderTests.lines.prefix(3).joined(separator: "\n") + "\n").utf8)
        var r = SplitMix64(state: 99)
        let specials: [UInt8] = [0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x0A, 0x00, 0xFF, 0xC3, 0x6E, 0x30]
        var failures = 0
        for _ in 0..<400 {
            var bytes = original
            for _ in 0..<(1 + r.below(4)) {
                let at = r.below(bytes.count)
                switch r.below(3) {
                case 0: bytes[at] = r.pick(specials)
                case 1: bytes.remove(at: at)
                default: bytes = Array(bytes[..<at])
                }
                if bytes.isEmpty { break }
            }
            do {
                _ = try EventLoader.load(bytes: bytes, name: "fuzz")
            } catch {
                failures += 1
                #expect(error.line >= 1 && error.column >= 1 && error.code.hasPrefix("DQL05"))
            }
        }
        #expect(failures > 0)
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 10_000)
        let line = clickLine(extra: #","x":"# + deep)
        #expect(throws: LoadError.self) { try load(line) }
    }

    @Test func gzipFilesAndConcatenatedMembers() throws {
        let dir = try makeTemporaryDirectory(prefix: "dubql-engine")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.ndjson"), b = dir.appendingPathComponent("b.ndjson")
        try (clickLine(id: "a") + "\n").write(to: a, atomically: true, encoding: .utf8)
        try (clickLine(id: "b") + "\n").write(to: b, atomically: true, encoding: .utf8)
        for f in [a, b] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["gzip", "-n", f.path]
            try p.run()
            p.waitUntilExit()
        }
        let gzA = try Data(contentsOf: dir.appendingPathComponent("a.ndjson.gz"))
        let gzB = try Data(contentsOf: dir.appendingPathComponent("b.ndjson.gz"))
        let both = dir.appendingPathComponent("both.gz")
        try (gzA + gzB).write(to: both)
        let (store, _, _) = try EventLoader.load(paths: [dir.appendingPathComponent("a.ndjson.gz").path, both.path])
        #expect(store.count == 3)
        #expect(Set((0..<3).map(store.eventID)) == ["a", "b"])
    }

    @Test func missingFileIsAnInputError() {
        #expect(throws: InputError.self) { _ = try EventLoader.load(paths: ["/nonexistent/events.ndjson"]) }
    }
}

@Suite("Parallel loading")
struct ParallelLoaderTests {
    /// More than 16 MB of NDJSON is parsed in chunks on several cores; the result must be the same
    /// as the single-threaded parse of the same events as a JSON array.
    static let lines: [String] = {
        let bytes = Generator(GeneratorOptions(event: .sales, count: 8_000, seed: 5, days: 5, end: 1_787_061_792_000)).bytes()
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }()

    @Test func chunkedNDJSONEqualsTheArray() throws {
        let ndjson = Self.lines.joined(separator: "\n") + "\n"
        #expect(ndjson.utf8.count > 16 << 20)
        let chunked = try load(ndjson)
        let array = try load("[" + Self.lines.joined(separator: ",") + "]")
        #expect(chunked.count == Self.lines.count)
        #expect(chunked.count == array.count)
        for row in stride(from: 0, to: chunked.count, by: 97) {
            #expect(chunked.eventID(row) == array.eventID(row))
            #expect(chunked.timestamps[row] == array.timestamps[row])
            #expect(chunked.string(.customerEmail, row) == array.string(.customerEmail, row))
            #expect(chunked.saleType(row) == array.saleType(row))
        }
        #expect(Set((0..<chunked.count).map { chunked.string(.city, $0) }) == Set((0..<array.count).map { array.string(.city, $0) }))
    }

    @Test func errorsInLaterChunksNameTheirLine() {
        var lines = Self.lines
        lines[7_000] = #"{"event":"sale""#
        do {
            _ = try load(lines.joined(separator: "\n"))
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "in.ndjson:7001:16: error[DQL0501]: expected ',' or '}' after an object member, found end of line")
        }
    }
}
