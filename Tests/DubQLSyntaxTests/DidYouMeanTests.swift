// The one "did you mean" rule, as a table: how far a word may be from a candidate, prefixes, case,
// ranking, and no suggestions at all for words longer than any name.

import Testing
import DubQLSyntax

@Suite("Did you mean")
struct DidYouMeanTests {
    /// Edits that still read as a typo, by word length.
    @Test(arguments: [(1, 1), (2, 1), (3, 1), (4, 1), (5, 2), (8, 2), (9, 3), (20, 3), (64, 3)])
    func maximumDistanceGrowsWithTheWord(_ length: Int, _ distance: Int) {
        #expect(DidYouMean.maximumDistance(forLength: length) == distance)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var word: String
        var candidates: [String]
        var expected: [String]
        var testDescription: String { "\(word) -> \(expected)" }
    }

    static let cases: [Case] = [
        Case(word: "WHER", candidates: ["WHERE", "SINCE"], expected: ["WHERE"]),            // 4 letters, 1 edit
        Case(word: "WHRE", candidates: ["WHERE"], expected: ["WHERE"]),                     // a dropped letter
        Case(word: "ydt", candidates: ["ytd", "mtd", "qtd"], expected: ["ytd"]),            // a swap is one edit
        Case(word: "WHR", candidates: ["WHERE"], expected: []),                             // 2 edits in 3 letters
        Case(word: "contry", candidates: ["country", "city"], expected: ["country"]),
        Case(word: "cuntryy", candidates: ["country"], expected: ["country"]),              // 2 edits in 7 letters
        Case(word: "Europe/Brln", candidates: ["Europe/Berlin", "Europe/Dublin"], expected: ["Europe/Berlin"]),
        Case(word: "timezonexyz", candidates: ["timezone"], expected: ["timezone"]),        // 3 edits in 11 letters
        Case(word: "ORD", candidates: ["ORDER", "OFFSET"], expected: ["ORDER"]),            // a prefix of 3 letters
        Case(word: "hist", candidates: ["help", "history"], expected: ["history"]),
        Case(word: "or", candidates: ["order"], expected: []),                              // too short for a prefix
        Case(word: "Clicks", candidates: ["clicks"], expected: ["clicks"]),                 // case does not count
        Case(word: "USA", candidates: ["US", "UA", "SA", "DE"], expected: ["SA", "UA", "US"]), // ties alphabetical
        Case(word: "xyzzy", candidates: ["clicks", "leads", "sales"], expected: []),
        Case(word: "", candidates: ["a"], expected: []),
        Case(word: String(repeating: "a", count: 64) + "x", candidates: [String(repeating: "a", count: 64)], expected: []),
    ]

    @Test(arguments: cases)
    func candidates(_ c: Case) {
        #expect(DidYouMean.candidates(for: c.word, in: c.candidates) == c.expected)
        #expect(DidYouMean.best(for: c.word, in: c.candidates) == c.expected.first)
    }

    @Test func nearestComeFirstAndTheListIsCut() {
        #expect(DidYouMean.candidates(for: "sale", in: ["sales", "sale", "scale", "male", "tale"], limit: 2) == ["sale", "male"])
    }

    @Test func hintsNameOneOrSeveral() {
        #expect(DidYouMean.hint([]) == nil)
        #expect(DidYouMean.hint(["US"]) == "did you mean 'US'?")
        #expect(DidYouMean.hint(["US", "UA", "SA"]) == "did you mean 'US', 'UA' or 'SA'?")
    }

    /// A megabyte of identifier is turned down by its length alone, before any distance is computed.
    @Test func hugeWordsGetNoSuggestionInLinearTime() {
        let huge = String(repeating: "country", count: 150_000)
        #expect(DidYouMean.candidates(for: huge, in: ["country", huge]).isEmpty)
        let parsed = Parser.parse("SELECT clicks \(huge) = US")
        #expect(parsed.diagnostics.first?.hints.isEmpty == true)
    }
}
