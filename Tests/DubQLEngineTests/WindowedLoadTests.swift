// Loads cut into several windows (parsed at once, merged in order) give the same store as a load in
// one window: dictionaries merged across windows, skip notes and errors in input order, duplicate
// ids, and window cuts that fall inside multi-byte text.

import DubQL
import DubQLEngine
import DubQLTestSupport
import Foundation
import Testing

/// Everything a query can read of a store, row by row, plus the order of each event type.
func storeSnapshot(_ store: EventStore) -> [String] {
    var out: [String] = []
    for row in 0..<store.count {
        var fields = ["\(store.eventType(row)) \(store.timestamps[row]) \(store.eventID(row))",
                      "\(store.saleType(row) ?? "-") \(store.saleAmount(row).map { "\($0)" } ?? "-") \(store.clickQR(row).map { "\($0)" } ?? "-")",
                      store.metadata(row).map { "\($0)" } ?? "-",
                      String(decoding: store.rawJSON(row), as: UTF8.self)]
        for column in StringColumn.allCases { fields.append(store.string(column, row) ?? "∅") }
        out.append(fields.joined(separator: "|"))
    }
    for event in EventType.allCases { out.append("\(event): \(store.rowsInOrder(of: event))") }
    return out
}

/// Codes stand for values one to one in every column.
func codesAreOneToOne(_ store: EventStore) -> Bool {
    for column in StringColumn.allCases {
        var codeOf: [String: Int] = [:], valueOf: [Int: String] = [:]
        for row in 0..<store.count {
            let code = store.code(column, row)
            guard let value = store.string(column, row) else {
                if code != 0 { return false }
                continue
            }
            if code == 0 || codeOf[value, default: code] != code || valueOf[code, default: value] != value { return false }
            codeOf[value] = code
            valueOf[code] = value
        }
        if store.distinctCodes(column) != codeOf.count + 1 { return false }
    }
    return true
}

func loadWindows(_ text: String, windows: Int, skipInvalid: Bool = false) throws(LoadError) -> EventStore {
    try EventLoader.load(bytes: Array(text.utf8), name: "in.ndjson", options: LoadOptions(skipInvalid: skipInvalid, windows: windows))
}

@Suite("Windowed loading")
struct WindowedLoadTests {
    /// Mixed events whose values first appear in different windows (escaped, multi-byte, null).
    static let mixed: String = {
        let gen = Generator(GeneratorOptions(event: .sales, count: 300, seed: 11, days: 3, end: 1_787_061_792_000)).bytes()
        var lines = String(decoding: gen, as: UTF8.self).split(separator: "\n").map(String.init)
        let cities = ["Zürich", "東京", "São Paulo", "Kraków", "Reykjavík"]
        for (i, city) in cities.enumerated() {
            lines.insert(clickLine(id: "mb\(i)", country: "Z\(i)", extra: #","metadata":{"city":"\#(city)"}"#)
                .replacingOccurrences(of: #""country":"Z\#(i)""#, with: #""country":"Z\#(i)","city":"\#(city)""#), at: 40 + i * 60)
        }
        lines.insert(clickLine(id: "esc", country: #"U\u0053"#), at: 250)
        lines.insert(clickLine(id: "null", extra: #","metadata":null"#).replacingOccurrences(of: #""country":"US""#, with: #""country":null"#), at: 120)
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test(arguments: [2, 3, 5, 8, 64])
    func dictionariesMergeAcrossWindows(windows: Int) throws {
        let one = try loadWindows(Self.mixed, windows: 1)
        let many = try loadWindows(Self.mixed, windows: windows)
        #expect(many.count == one.count)
        #expect(storeSnapshot(many) == storeSnapshot(one))
        #expect(codesAreOneToOne(many))
        for column in StringColumn.allCases { #expect(many.distinctCodes(column) == one.distinctCodes(column)) }
        #expect(many.string(.country, many.count - 1) == one.string(.country, one.count - 1))
    }

    @Test func skipNotesAndErrorsKeepInputOrderAcrossWindows() throws {
        var lines = Self.mixed.split(separator: "\n").map(String.init)
        lines[200] = #"{"event":"click","timestamp":"2026-08-18T14:03:12Z"}"#   // no click.id
        lines[260] = #"{"event":"lead","timestamp":"2026-08-18T14:03:12Z","eventId":7}"#
        lines[90] = #"{"event":"nope","timestamp":"2026-08-18T14:03:12Z"}"#
        let text = lines.joined(separator: "\n") + "\n"
        var reference: (Int, LoadError?)?
        var referenceError: String?
        for windows in [1, 2, 3, 7] {
            var loader = EventLoader(options: LoadOptions(skipInvalid: true, windows: windows))
            try loader.load(bytes: Array(text.utf8), name: "in.ndjson")
            let store = loader.finish()
            #expect(store.count == lines.count - 3)
            #expect(loader.skipped == 3)
            #expect(loader.firstSkipped?.line == 91)
            if let reference {
                #expect(loader.skipped == reference.0 && loader.firstSkipped == reference.1)
            } else {
                reference = (loader.skipped, loader.firstSkipped)
            }
            do {
                _ = try loadWindows(text, windows: windows)
                Issue.record("expected an error")
            } catch {
                if let referenceError { #expect(error.description == referenceError) } else { referenceError = error.description }
                #expect(error.description.hasPrefix("in.ndjson:91:"))
            }
        }
    }

    @Test func duplicateIDsAcrossWindowsKeepOneCodeAndTheSameOrder() throws {
        // The same click id in every window, at equal and at different instants.
        var lines: [String] = []
        for i in 0..<40 {
            let ts = i % 3 == 0 ? "2026-08-18T14:03:12.000Z" : "2026-08-18T14:0\(i % 10):00.000Z"
            lines.append(clickLine(id: i % 2 == 0 ? "dup" : "c\(i % 7)", ts: ts, country: "C\(i % 5)"))
        }
        let text = lines.joined(separator: "\n") + "\n"
        let one = try loadWindows(text, windows: 1)
        for windows in [2, 4, 9] {
            let many = try loadWindows(text, windows: windows)
            #expect(storeSnapshot(many) == storeSnapshot(one))
            #expect(codesAreOneToOne(many))
            let dupRows = (0..<many.count).filter { many.eventID($0) == "dup" }
            #expect(dupRows.count == 20)
            #expect(Set(dupRows.map { many.code(.clickID, $0) }).count == 1)
        }
    }

    @Test func windowsCutInsideMultiByteTextEndAtLineBreaks() throws {
        // Long lines of 2-, 3- and 4-byte characters: a cut guessed at any byte moves to a line end.
        let texts = ["é", "東", "😀"].map { String(repeating: $0, count: 333) }
        var lines: [String] = []
        for i in 0..<30 {
            lines.append(clickLine(id: "u\(i)", country: "X", extra: #","metadata":{"note":"\#(texts[i % 3])"}"#)
                .replacingOccurrences(of: #""country":"X""#, with: #""country":"X","city":"\#(texts[(i + 1) % 3])\#(i)""#))
        }
        let text = lines.joined(separator: "\n")   // no final line break
        let one = try loadWindows(text, windows: 1)
        #expect(one.count == 30)
        for windows in [2, 3, 7, 13, 29, 30, 31] {
            let many = try loadWindows(text, windows: windows)
            #expect(storeSnapshot(many) == storeSnapshot(one))
            #expect(many.string(.city, 29) == texts[30 % 3] + "29")
        }
    }

    @Test func severalInputsMergeIntoOneDictionary() throws {
        var loader = EventLoader(options: LoadOptions(windows: 3))
        try loader.load(bytes: Array(Self.mixed.utf8), name: "a.ndjson")
        try loader.load(bytes: Array((clickLine(id: "z1", country: "Z0") + "\n" + clickLine(id: "z2", country: "QQ")).utf8), name: "b.ndjson")
        let store = loader.finish()
        #expect(codesAreOneToOne(store))
        let reference = try loadWindows(Self.mixed + clickLine(id: "z1", country: "Z0") + "\n" + clickLine(id: "z2", country: "QQ"), windows: 1)
        #expect((0..<store.count).map { store.string(.country, $0) } == (0..<reference.count).map { reference.string(.country, $0) })
        #expect(store.code(.country, store.count - 2) == store.code(.country, 40))
    }
}
