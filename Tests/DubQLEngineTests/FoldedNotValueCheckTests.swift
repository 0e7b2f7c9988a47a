// The data value check reads conditions as written: `NOT city = 'x'` names the value 'x' with `=`
// (it is bound as `city != 'x'`, which means the same), `city != 'x'` does not.

import DubQL
import DubQLEngine
import DubQLSyntax
import DubQLTestSupport
import Testing

@Suite("Data value check under NOT")
struct FoldedNotValueCheckTests {
    static let store: EventStore? = {
        let bytes = Generator(GeneratorOptions(event: .clicks, count: 50, seed: 3, days: 3, end: Fixture.now)).bytes()
        return try? EventLoader.load(bytes: bytes, name: "clicks.ndjson", options: LoadOptions())
    }()

    static let cases: [(String, Bool)] = [
        ("city = 'Nowhere Town'", true),
        ("NOT city = 'Nowhere Town'", true),
        ("NOT city IN ('Nowhere Town', 'Elsewhere')", true),
        ("city != 'Nowhere Town'", false),
        ("NOT city != 'Nowhere Town'", false),
        ("NOT NOT city = 'Nowhere Town'", true),
        ("NOT NOT city != 'Nowhere Town'", false),
    ]

    @Test(arguments: cases)
    func warnsAsWritten(_ condition: String, _ warns: Bool) throws {
        let store = try #require(Self.store)
        let query = try #require(Fixture.query("SELECT clicks WHERE \(condition) SINCE all"))
        let warnings = DataValueCheck.warnings(query, store: store)
        #expect(warnings.contains { $0.message.contains("no event in the data has city 'Nowhere Town'") } == warns, "\(warnings)")
    }
}
