// The table of sales' (link, customer) pairs that streamed `saleType` scans keep
// (``SalePairTable``, ``SaleFirsts``, ``SalePairKey``), against a Swift dictionary of the same
// keys: equal keys one index and unequal keys different ones through every growth, look-ups of
// absent keys, merges that keep the earlier first sale; and keys that tell apart every pair of
// (link, customer) values, absent and null included, whatever their bytes.

import DubQL
import Foundation
@testable import DubQLEngine
import DubQLTestSupport
import Testing

@Suite("Sale pair table")
struct SalePairTableTests {
    static func randomKey(_ r: inout SplitMix64) -> [UInt8] {
        // Short keys over few bytes, so that keys share prefixes and hashes' low bits collide.
        let n = Int(r.below(20))
        return (0..<n).map { _ in UInt8(truncatingIfNeeded: r.below(3)) }
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func indicesMatchADictionaryThroughEveryGrowth(_ seed: UInt64) {
        var r = SplitMix64(seed: seed)
        var table = SalePairTable()
        var reference: [[UInt8]: Int] = [:]
        for _ in 0..<5_000 {
            let key = Self.randomKey(&r)
            let (index, inserted) = table.insert(key)
            if let known = reference[key] {
                #expect(!inserted && index == known)
            } else {
                #expect(inserted && index == reference.count)
                reference[key] = index
            }
            #expect(table.count == reference.count)
        }
        for (key, index) in reference {
            #expect(table.find(key) == index)
            #expect(table.key(index) == key)
        }
        for _ in 0..<500 {
            let key = Self.randomKey(&r) + [7]
            #expect(table.find(key) == nil)
        }
    }

    @Test func mergesKeepTheEarlierFirstSaleOfEachPair() {
        func first(_ ts: Int64, _ id: String, _ offset: Int) -> FirstSale {
            FirstSale(ts: ts, id: id, at: SalePosition(input: 0, offset: offset))
        }
        var a = SaleFirsts()
        a.offer([1, 2], first(10, "b", 0))
        a.offer([1, 3], first(20, "a", 1))
        var b = SaleFirsts()
        b.offer([1, 3], first(20, "a", 0)) // same time and id: the earlier position, a's, stays
        b.offer([1, 2], first(10, "a", 5)) // same time, smaller id: replaces
        b.offer([9], first(1, "z", 2))
        a.merge(b, offsetBy: 100)
        #expect(a.count == 3)
        #expect(a.first(of: [1, 2]).map { ($0.id, $0.at.offset) } ?? ("", -1) == ("a", 105))
        #expect(a.first(of: [1, 3]).map { ($0.id, $0.at.offset) } ?? ("", -1) == ("a", 1))
        #expect(a.first(of: [9]).map { $0.at.offset } == 102)
        #expect(a.first(of: [1]) == nil)
    }

    @Test func keysTellEveryPairApart() throws {
        // Values that would collide under a naive concatenation: "ab" + "c" and "a" + "bc", empty
        // strings against absent and null, and the presence byte's value inside a string.
        let values: [String?] = [nil, "", "a", "ab", "bc", "c", "\u{1}", "\u{0}\u{0}\u{0}\u{0}", "é"]
        var lines: [String] = []
        var pairs: [(String?, String?)] = []
        for link in values {
            for customer in values {
                let n = pairs.count
                pairs.append((link, customer))
                func object(_ v: String?) -> String {
                    guard let v else { return "null" }
                    let data = try! JSONSerialization.data(withJSONObject: ["id": v])
                    return String(decoding: data, as: UTF8.self)
                }
                lines.append(#"{"event":"sale","timestamp":"2026-01-01T00:00:00.000Z","eventId":"s\#(n)","sale":{"amount":1},"link":\#(object(link)),"customer":\#(object(customer))}"#)
            }
        }
        let store = try EventLoader.load(bytes: Array(lines.joined(separator: "\n").utf8))
        var table = SalePairTable()
        var key = SalePairKey()
        for row in 0..<store.count {
            key.set(store, row)
            let (index, inserted) = table.insert(key.bytes)
            let n = Int(store.eventID(row).dropFirst())!
            #expect(inserted && index == row, "pair \(pairs[n]) shares a key with an earlier one")
        }
        #expect(table.count == pairs.count)
    }
}
