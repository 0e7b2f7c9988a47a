// The bound form's compact parts: predicate values held inline (`ScalarValues`) and `NOT` folded
// into IN / NOT IN predicates. Both must mean, compare, hash and code exactly as before.

import DubQL
import DubQLSyntax
import DubQLTestSupport
import Foundation
import Testing

@Suite("Bound form")
struct BoundFormTests {
    // MARK: - ScalarValues

    static let lists: [[ScalarValue]] = [
        [], [.string("US")], [.string("US"), .string("DE")], [.number(4990, text: "49.90")],
        [.bool(true), .bool(false)], [.timestamp(1_787_227_200_000)],
    ]

    @Test(arguments: lists)
    func valuesActAsTheirArray(_ list: [ScalarValue]) throws {
        let values = ScalarValues(list)
        #expect(values.count == list.count && values.isEmpty == list.isEmpty)
        #expect(Array(values) == list && values.array == list && values.first == list.first)
        #expect(values == ScalarValues(list) && Set([values, ScalarValues(list)]).count == 1)
        #expect(values.description == list.description)
        // Coded as the array: the JSON of a bound query does not change. (Keys sorted: the
        // encoder's key order within an object is not fixed from one encode to the next.)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = try encoder.encode(values)
        #expect(json == (try encoder.encode(list)))
        #expect(try JSONDecoder().decode(ScalarValues.self, from: json) == values)
    }

    @Test func differentValuesDiffer() {
        #expect(ScalarValues([.string("US")]) != ScalarValues([.string("DE")]))
        #expect(ScalarValues([.string("US")]) != ScalarValues([.string("US"), .string("US")]))
        #expect(ScalarValues([]) != ScalarValues([.string("US")]))
        #expect(ScalarValues(.string("US")) == [.string("US")])
    }

    // MARK: - NOT folded

    static func condition(_ text: String) throws -> BoundCondition {
        let query = try #require(Fixture.query(text))
        return try #require(query.condition)
    }

    @Test func notOfAnEqualityIsBoundAsItsInequality() throws {
        let c = try Self.condition("SELECT clicks WHERE NOT browser = Chrome")
        guard case .predicate(let p) = c else { Issue.record("not a predicate: \(c)"); return }
        #expect(p.op == .notIn && p.values == [.string("Chrome")] && p.foldedNot)
        // The same condition as the one written with `!=`, which is not marked.
        let written = try Self.condition("SELECT clicks WHERE browser != Chrome")
        guard case .predicate(let q) = written else { Issue.record("not a predicate: \(written)"); return }
        #expect(!q.foldedNot && Normalizer.erased(c) == Normalizer.erased(written))
        #expect(Fixture.apiPlan("SELECT clicks WHERE NOT browser = Chrome") == Fixture.apiPlan("SELECT clicks WHERE browser != Chrome"))
    }

    @Test func notOfAnInListAndOfAnInequality() throws {
        guard case .predicate(let a) = try Self.condition("SELECT clicks WHERE NOT country IN (US, DE)") else { Issue.record("IN"); return }
        #expect(a.op == .notIn && a.values == [.string("US"), .string("DE")] && a.foldedNot)
        guard case .predicate(let b) = try Self.condition("SELECT clicks WHERE NOT country != US") else { Issue.record("!="); return }
        #expect(b.op == .in && b.values == [.string("US")] && b.foldedNot)
    }

    @Test func notIsFoldedOnceAndNotIntoOrderingsOrGroups() throws {
        // `NOT NOT f = v`: the inner NOT is folded, the outer one kept.
        guard case .not(.predicate(let p)) = try Self.condition("SELECT clicks WHERE NOT NOT country = US") else {
            Issue.record("expected NOT of a predicate"); return
        }
        #expect(p.op == .notIn && p.foldedNot)
        // `NOT x < v` is not `x >= v` for events without x: kept.
        guard case .not(.predicate(let o)) = try Self.condition("SELECT sales WHERE NOT sale.amount < 10") else {
            Issue.record("expected NOT of an ordering"); return
        }
        #expect(o.op == .less && !o.foldedNot)
        guard case .not(.and) = try Self.condition("SELECT clicks WHERE NOT (country = US AND device = Mobile)") else {
            Issue.record("expected NOT of an AND"); return
        }
    }

    /// The evaluator gives a folded predicate the answer of the NOT it replaces, on every event.
    @Test func foldedPredicatesMeanTheirNot() throws {
        let events = EventGenerator.events(seed: 5, count: 300, now: Fixture.now)
        for (folded, boxed) in [("NOT country = US", "NOT (country = US OR country = US)"),
                                ("NOT country != US", "NOT (country != US OR country != US)"),
                                ("NOT metadata.plan = pro", "NOT (metadata.plan = pro OR metadata.plan = pro)")] {
            let event: EventType = folded.contains("metadata") ? .sales : .clicks
            let a = try Self.condition("SELECT \(event.rawValue) WHERE \(folded)")
            let b = try Self.condition("SELECT \(event.rawValue) WHERE \(boxed)")
            for e in events { #expect(Evaluator.matches(a, e) == Evaluator.matches(b, e), "\(folded) on \(e)") }
        }
    }

    /// `key` needs a `domain` pinned by `=`; `NOT domain != x` pins nothing as written, folded or not.
    @Test func keyChecksReadWhatWasWritten() {
        let pinned = Fixture.bind("SELECT clicks WHERE domain = 'dub.sh' AND key = abc")
        #expect(pinned.query != nil)
        let negated = Fixture.bind("SELECT clicks WHERE NOT domain != 'dub.sh' AND key = abc")
        #expect(negated.query == nil && negated.diagnostics.contains { $0.code == .keyWithoutDomain })
    }
}
