// `BoundQuery.text` is printed from the statement when it is read, not when the query is bound:
// it must read exactly as the eager text did (the printed statement), compare and code as before.

import DubQL
import DubQLSyntax
import DubQLTestSupport
import Foundation
import Testing

@Suite struct LazyTextTests {
    /// Every statement of every golden query: the lazy text is the printed statement; a query whose
    /// text was set to that string is equal to it and hashes alike; JSON keeps `text`.
    @Test(arguments: Golden.cases)
    func lazyTextIsThePrintedStatement(_ name: String) throws {
        let text = try String(contentsOf: Golden.directory.appendingPathComponent(name + ".dql"), encoding: .utf8)
        let source = SourceFile(name: name + ".dql", text: text)
        for statement in Parser.parse(source).script.statements {
            guard let query = Binder.bind(statement, source: source, context: Fixture.context).query else { continue }
            #expect(query.text == Printer.print(statement))
            var eager = query
            eager.text = Printer.print(statement)
            #expect(eager == query && eager.hashValue == query.hashValue)
            let json = try JSONEncoder().encode(query)
            let object = try JSONSerialization.jsonObject(with: json) as? [String: Any]
            #expect(object?["text"] as? String == Printer.print(statement))
            #expect(try JSONDecoder().decode(BoundQuery.self, from: json) == query)
        }
    }

    /// Setting the text replaces the statement's: two queries differing only in text differ.
    @Test func settingTheTextReplacesIt() throws {
        var query = try #require(Fixture.query("SELECT clicks WHERE country = US"))
        let bound = query
        #expect(query.text == "SELECT clicks WHERE country = US")
        query.text = "SELECT clicks"
        #expect(query.text == "SELECT clicks" && query != bound)
    }
}
