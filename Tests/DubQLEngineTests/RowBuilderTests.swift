// The loader's row builder: text codes are staged a block of rows at a time and appended to their
// columns when the block is full, `click.id` and `eventId` wait for a batch, escaped values flush
// what waits, and a parallel load's windows are merged by moving the first window's columns. These
// tests put every such edge under rows whose values the test knows: row counts on both sides of a
// block, columns that start part-way (in a block, at its edge, in a later window), escaped values
// at block edges, one to many windows, several inputs, and a builder copied in the middle of a block.

import DubQL
@testable import DubQLEngine
import DubQLTestSupport
import Testing

@Suite("Row builder")
struct RowBuilderTests {
    /// One click per row whose values the test chose: `city` starts at row `cityFrom`, `region`
    /// only in rows past `regionFrom`, some countries and ids escaped, a few nulls; returns the
    /// NDJSON and each row's expected (click.id, country, city, region).
    static func rows(_ n: Int, cityFrom: Int, regionFrom: Int, seed: Int) -> (String, [[String?]]) {
        var r = SplitMix64(seed: UInt64(seed))
        var lines: [String] = [], expected: [[String?]] = []
        let block = RowBuilder.pendingBatch
        for k in 0..<n {
            // Ids: mostly distinct, some repeated, escaped ones at and around block edges.
            let edge = k % block == 0 || k % block == block - 1
            let baseID = k % 13 == 5 ? "dup\(r.below(4))" : "id\(k)"
            let idEscaped = edge && k % 3 == 0
            let id = idEscaped ? baseID + "\\u0042" : baseID
            let countries = ["US", "DE", "FR", "Zürich-land", "a-much-longer-country-name", ""]
            let country = countries[r.below(countries.count)]
            let countryEscaped = edge && k % 2 == 1
            var click = #""id":"\#(id)","country":"\#(countryEscaped ? "\\u0058" + country : country)""#
            var city: String? = nil, region: String? = nil
            if k >= cityFrom {
                city = k % 7 == 3 ? nil : ["Austin", "東京", "São Paulo", "Oslo", "x"][r.below(5)]
                click += city.map { #","city":"\#($0)""# } ?? #","city":null"#
            }
            if k >= regionFrom {
                region = "R\(r.below(3))"
                click += #","region":"\#(region!)""#
            }
            lines.append(#"{"event":"click","timestamp":"2026-12-01T00:00:00.000Z","click":{\#(click)},"link":{"id":"l1"}}"#)
            expected.append([idEscaped ? baseID + "B" : baseID, countryEscaped ? "X" + country : country, city, region])
        }
        return (lines.joined(separator: "\n") + "\n", expected)
    }

    /// Every row reads back its values, codes stand for values one to one, and each column's
    /// codes are numbered in the order of first appearance (the dictionary order queries see).
    static func check(_ store: EventStore, _ expected: [[String?]], _ label: String) {
        #expect(store.count == expected.count, "\(label)")
        let columns: [StringColumn] = [.clickID, .country, .city, .region]
        for row in 0..<min(store.count, expected.count) {
            for (i, column) in columns.enumerated() where store.string(column, row) != expected[row][i] {
                Issue.record("\(label): row \(row) \(column) is \(store.string(column, row) ?? "∅"), expected \(expected[row][i] ?? "∅")")
                return
            }
        }
        #expect(codesAreOneToOne(store), "\(label)")
        for column in columns {
            var next = 1
            for row in 0..<store.count {
                let code = store.code(column, row)
                if code == next { next += 1 } else if code > next { Issue.record("\(label): \(column) code \(code) before \(next)"); return }
            }
            #expect(store.distinctCodes(column) == next, "\(label): \(column)")
        }
    }

    /// Row counts on both sides of one and two blocks, columns starting at, before and after a
    /// block edge (or never), in one window and in several: the same values, codes and order.
    @Test(arguments: [(1, 0, 1), (63, 10, 62), (64, 63, 64), (65, 64, 65), (129, 65, 128), (300, 200, 1000)])
    func blockEdgesAndColumnsStartingPartWay(_ n: Int, _ cityFrom: Int, _ regionFrom: Int) throws {
        let (text, expected) = Self.rows(n, cityFrom: cityFrom, regionFrom: regionFrom, seed: n)
        for windows in [1, 2, 3, 5] {
            let store = try EventLoader.load(bytes: Array(text.utf8), name: "rows.ndjson", options: LoadOptions(windows: windows))
            Self.check(store, expected, "\(n) rows, \(windows) windows")
        }
    }

    /// Several inputs into one loader (the second's windows merge into a builder that already has
    /// rows, so nothing is moved), then a JSON array: the rows of all, in order.
    @Test func severalInputsOfSeveralWindowsAppendInOrder() throws {
        let (a, ea) = Self.rows(70, cityFrom: 30, regionFrom: 65, seed: 1)
        let (b, eb) = Self.rows(140, cityFrom: 0, regionFrom: 100, seed: 2)
        let (c, ec) = Self.rows(10, cityFrom: 3, regionFrom: 2, seed: 3)
        let array = "[" + c.split(separator: "\n").joined(separator: ",") + "]"
        for windows in [1, 2, 4] {
            var loader = EventLoader(options: LoadOptions(windows: windows))
            try loader.load(bytes: Array(a.utf8), name: "a.ndjson")
            try loader.load(bytes: Array(b.utf8), name: "b.ndjson")
            try loader.load(bytes: Array(array.utf8), name: "c.json")
            Self.check(loader.finish(), ea + eb + ec, "three inputs, \(windows) windows")
        }
    }

    /// A builder copied in the middle of a block: rows added to the copy do not reach the original
    /// (whose staged codes, waiting ids and dictionaries stay its own), and both read back right.
    @Test func aCopyInTheMiddleOfABlockIsIndependent() throws {
        let (text, expected) = Self.rows(100, cityFrom: 20, regionFrom: 90, seed: 9)
        let bytes = Array(text.utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map { Array($0.utf8) }
        do {
            let buffer = InputBuffer(name: "rows.ndjson", bytes: bytes)
            var parser = EventParser(base: buffer.base, end: buffer.count)
            var original = RowBuilder()
            var offset = 0
            var starts: [Int] = []
            for line in lines { starts.append(offset); offset += line.count + 1 }
            func add(_ rows: inout RowBuilder, _ k: Int) throws {
                var s = JSONScanner(base: buffer.base, start: starts[k], end: starts[k] + lines[k].count)
                try parser.parse(&s)
                try rows.add(parser, start: starts[k], end: s.pos, 0)
            }
            for k in 0..<40 { try add(&original, k) }
            var copy = original
            for k in 40..<100 { try add(&copy, k) }
            // The original goes on with other rows (the last ones again) after the copy's.
            for k in 90..<100 { try add(&original, k) }
            Self.check(copy.store(buffers: [buffer]), expected, "the copy")
            Self.check(original.store(buffers: [buffer]), Array(expected[0..<40] + expected[90..<100]), "the original")
        }
    }

    /// The staged values' first word, read as the 8 bytes that end a short value, and the
    /// interner's own reading of it agree for every length and position: each value has one code.
    @Test func shortValuesReadTheSameFromTheLineAndFromTheirBytes() throws {
        var lines: [String] = [], countries: [String] = []
        for k in 0..<200 {
            let value = String("abcdefghijklmnop".dropFirst(k % 3).prefix(k % 12))
            countries.append(value)
            lines.append(#"{"event":"click","timestamp":"2026-12-01T00:00:00.000Z","click":{"id":"c\#(k)","country":"\#(value)"}}"#)
        }
        let store = try EventLoader.load(bytes: Array((lines.joined(separator: "\n") + "\n").utf8), name: "short.ndjson")
        #expect(codesAreOneToOne(store))
        for row in 0..<store.count { #expect(store.string(.country, row) == countries[row]) }
        #expect(store.distinctCodes(.country) == Set(countries).count + 1)
    }
}
