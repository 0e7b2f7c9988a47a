// The client's response handling under fuzzing (issue 14): mutated answers of Dub's API (pages of
// `GET /events`, bodies of `GET /analytics`) and of ClickHouse (TabSeparated rows) are decoded as
// the sources decode them and written in every format. Each becomes rows or a readable error:
// never a trap, never an empty message.

@testable import DubQLShell
import DubQL
import DubQLClient
import DubQLEngine
import DubQLOutput
import DubQLTestSupport
import Foundation
import Testing

@Suite struct ResponseFuzzTests {
    /// A real page: five generated sales as the JSON array `GET /events` answers.
    static let page: [UInt8] = {
        let ndjson = Generator(GeneratorOptions(event: .sales, count: 5, seed: 3, days: 2, end: 1_787_061_792_000)).bytes()
        let lines = String(decoding: ndjson, as: UTF8.self).split(separator: "\n")
        return Array(("[" + lines.joined(separator: ",\n") + "]").utf8)
    }()

    static let analytics = Array(#"[{"country":"US","clicks":3,"leads":1,"sales":1,"saleAmount":4501},{"country":"DE","clicks":2,"leads":0,"sales":0,"saleAmount":0}]"#.utf8)

    /// What a hostile or broken peer may put in: structure, escapes, bytes that are not UTF-8, and
    /// numbers no integer holds.
    static let pieces: [[UInt8]] = [
        Array("\"".utf8), Array("\\".utf8), Array("{".utf8), Array("}".utf8), Array("[".utf8), Array("]".utf8),
        Array(",".utf8), Array(":".utf8), [0x0A], [0x00], [0xFF], [0xC3], [0x1B, 0x5D, 0x30, 0x3B], Array("null".utf8),
        Array("1e400".utf8), Array("-1e19".utf8), Array("123456789012345678901234567890".utf8), Array("\\u0000".utf8),
        Array("\\ud800".utf8), Array("true".utf8), Array("\"amount\":1e30".utf8),
    ]

    /// 1 to 4 edits of `original`: a byte replaced, a piece inserted, a byte deleted, or the body cut.
    static func mutate(_ original: [UInt8], _ r: inout SplitMix64) -> [UInt8] {
        var bytes = original
        for _ in 0..<(1 + r.below(4)) where !bytes.isEmpty {
            let at = r.below(bytes.count)
            switch r.below(4) {
            case 0: bytes[at] = r.pick(pieces)[0]
            case 1: bytes.insert(contentsOf: r.pick(pieces), at: at)
            case 2: bytes.remove(at: at)
            default: bytes = Array(bytes[..<at])
            }
        }
        return bytes
    }

    /// Writes `rows` of `schema` in every format to memory; the total bytes written.
    static func writeEverywhere(_ schema: ResultSchema, _ rows: [ResultRow]) -> Int {
        var total = 0
        for format in OutputFormat.allCases where format != .chart {
            let sink = OutputSink.memory()
            let writer = ResultWriter(format: format, schema: schema, sink: sink,
                                      options: .init(width: 80, escapeControls: true))
            writer.begin()
            for row in rows { writer.write(row) }
            writer.end()
            total += sink.captured.count
        }
        return total
    }

    @Test(arguments: 0..<4)
    func mutatedEventPagesBecomeRowsOrReadableErrors(seed: Int) {
        var r = SplitMix64(seed: 0xF022 &+ UInt64(seed))
        var decoded = 0, rejected = 0
        let listing = EventListing(columns: [], event: .sales)
        for _ in 0..<300 {
            let body = Self.mutate(Self.page, &r)
            do {
                let events = try APISource.decode(Data(body), event: .sales)
                let rows = events.map { listing.row($0.store, $0.row, saleType: .known(nil)) }
                #expect(Self.writeEverywhere(listing.schema, rows) > 0)
                decoded += 1
            } catch {
                rejected += 1
                #expect(!"\(error)".isEmpty)
            }
        }
        // Both outcomes happen: the mutations are neither all harmless nor all fatal.
        #expect(decoded > 0 && rejected > 0, "decoded \(decoded), rejected \(rejected)")
    }

    @Test(arguments: 0..<4)
    func mutatedAnalyticsAnswersBecomeRowsOrReadableErrors(seed: Int) {
        var r = SplitMix64(seed: 0xA7A1 &+ UInt64(seed))
        var decoded = 0, rejected = 0
        for _ in 0..<300 {
            let body = Self.mutate(Self.analytics, &r)
            do {
                let rows = try AnalyticsResponse.rows(Data(body), metric: "clicks", key: "country")
                for row in rows { _ = row["clicks"] }
                decoded += 1
            } catch {
                rejected += 1
                #expect(!error.description.isEmpty)
            }
        }
        #expect(decoded > 0 && rejected > 0, "decoded \(decoded), rejected \(rejected)")
    }

    @Test(arguments: 0..<4)
    func mutatedClickHouseRowsBecomeGroupsOrReadableErrors(seed: Int) {
        var r = SplitMix64(seed: 0xC4C4 &+ UInt64(seed))
        let columns = ClickHouseAggregateColumns(kinds: [.text, .integer, .number, .instant, .json, .boolean], hasSpan: false, isPaged: false)
        let original = Array("US\t12\t1.5\t1787061792000\t{\"a\":[1,2]}\ttrue\nDE\\tx\t3\t\\N\t-1\t\"s\"\tfalse\n".utf8)
        var decoded = 0, rejected = 0
        for _ in 0..<300 {
            let body = Self.mutate(original, &r)
            do {
                let (groups, _) = try ClickHouseAggregateDecoder.groups(Data(body), columns: columns)
                #expect(groups.allSatisfy { $0.count == columns.kinds.count })
                decoded += 1
            } catch {
                rejected += 1
                #expect(!error.description.isEmpty)
            }
        }
        #expect(decoded > 0 && rejected > 0, "decoded \(decoded), rejected \(rejected)")
    }
}
