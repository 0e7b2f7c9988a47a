// The allocation-saving paths of the front end give what the plain ones gave: a one-line source
// shares its line table, pending NOTs are kept as a run of tokens, statements are parsed in place.

import Foundation
import Testing
@testable import DubQLSyntax

/// Line and column of `offset` counted the slow way: line ends before it, characters since the last.
private func naiveLocation(_ text: String, _ offset: Int) -> (line: Int, column: Int) {
    let bytes = Array(text.utf8)
    let offset = max(0, min(offset, bytes.count))
    var line = 1, lineStart = 0
    for i in 0..<offset where bytes[i] == 10 {
        line += 1
        lineStart = i + 1
    }
    return (line, String(decoding: bytes[lineStart..<offset], as: UTF8.self).count + 1)
}

@Suite("Parse layout")
struct ParseLayoutTests {
    @Test(arguments: [
        "SELECT sales WHERE country IN (US) AND NOT browser = Chrome SINCE 30d",
        "",
        "SELECT clicks WHERE city = 'Zürich'",
        "SELECT clicks\nWHERE city = 'Zürich'\n\nSINCE 7d\n",
        "\n",
        "a\r\nb",
    ])
    func locationsMatchACountFromTheStart(_ text: String) {
        let source = SourceFile(name: "t", text: text)
        var expectedStarts = [0]
        for (i, b) in text.utf8.enumerated() where b == 10 { expectedStarts.append(i + 1) }
        #expect(source.lineStarts == expectedStarts)
        for offset in 0...source.bytes.count {
            let location = source.location(of: offset)
            let expected = naiveLocation(text, offset)
            #expect(location.line == expected.line && location.column == expected.column, "offset \(offset) of \(text.debugDescription)")
        }
    }

    @Test func lineEndsAndNonASCIIAtEveryPlaceOfAnEightByteChunk() {
        // The line table reads eight bytes at once; put the bytes it looks for everywhere.
        for length in 0..<26 {
            for special in 0..<max(1, length) {
                for insert in ["\n", "ü", "\r\n", "日\n"] {
                    var text = String(repeating: "a", count: length)
                    if length > 0 {
                        let index = text.index(text.startIndex, offsetBy: special)
                        text.replaceSubrange(index...index, with: insert)
                    }
                    let source = SourceFile(name: "t", text: text)
                    var expectedStarts = [0]
                    for (i, b) in text.utf8.enumerated() where b == 10 { expectedStarts.append(i + 1) }
                    #expect(source.lineStarts == expectedStarts, "\(text.debugDescription)")
                    for offset in 0...source.bytes.count {
                        let location = source.location(of: offset)
                        let expected = naiveLocation(text, offset)
                        #expect(location.line == expected.line && location.column == expected.column,
                                "offset \(offset) of \(text.debugDescription)")
                    }
                }
            }
        }
    }

    @Test func aCallInHavingComparesHashesAndCodesAsAStoredValue() throws {
        let parsed = Parser.parse("SELECT country, count() FROM clicks GROUP BY country HAVING count() > 5 AND sum(sale.amount) >= 10")
        #expect(!parsed.hasErrors)
        guard case .and(let operands, _)? = parsed.script.statements.first?.select.having?.condition,
              case .predicate(let count) = operands[0], case .predicate(let sum) = operands[1] else {
            Issue.record("expected two predicates in HAVING")
            return
        }
        #expect(count.call?.name.text == "count" && count.call?.argument == FunctionCall.Argument.none)
        #expect(sum.call?.name.text == "sum")
        #expect(count != sum)
        var changed = count
        changed.call = sum.call
        #expect(changed != count && changed.call == sum.call)
        changed.call = count.call
        #expect(changed == count && changed.hashValue == count.hashValue)
        changed.call = nil
        #expect(changed != count && changed.call == nil)
        let decoded = try JSONDecoder().decode(Predicate.self, from: JSONEncoder().encode(count))
        #expect(decoded == count)
        let json = try #require(String(data: try JSONEncoder().encode(count), encoding: .utf8))
        #expect(json.contains("\"call\"") && json.contains("\"field\"") && json.contains("\"kind\""))
        let plain = try JSONDecoder().decode(Predicate.self, from: JSONEncoder().encode(changed))
        #expect(plain == changed && plain.call == nil)
    }

    @Test func oneLineSourcesDoNotShareTheirLines() {
        // The shared table of one-line texts is copied, never changed, by a text with line ends.
        let one = SourceFile(name: "a", text: "SELECT clicks")
        let two = SourceFile(name: "b", text: "SELECT clicks\nLIMIT 1")
        #expect(one.lineStarts == [0])
        #expect(two.lineStarts == [0, 14])
        #expect(SourceFile(name: "c", text: "x").lineStarts == [0])
        #expect(two.location(of: 15) == SourceLocation(line: 2, column: 2, offset: 15))
    }

    static func bare(_ name: String, _ start: Int) -> Condition {
        let span = Span(start: start, end: start + name.utf8.count)
        return .predicate(Predicate(field: FieldPath(components: [Name(name, span: span)], span: span), kind: .bare, span: span))
    }

    @Test func nestedNotsAndParenthesesKeepTheirSpans() throws {
        // 0         1         2         3         4         5
        // 0123456789012345678901234567890123456789012345678901234
        // SELECT clicks WHERE NOT NOT (a OR NOT b) AND NOT (c)
        let result = Parser.parse("SELECT clicks WHERE NOT NOT (a OR NOT b) AND NOT (c)")
        #expect(result.diagnostics.isEmpty)
        let condition = try #require(result.script.statements.first?.select.whereClause?.condition)
        let or = Condition.or([Self.bare("a", 29), .not(Self.bare("b", 38), Span(start: 34, end: 39))], Span(start: 29, end: 39))
        let left = Condition.not(.not(or, Span(start: 24, end: 39)), Span(start: 20, end: 39))
        let right = Condition.not(Self.bare("c", 50), Span(start: 45, end: 51))
        #expect(condition == .and([left, right], Span(start: 20, end: 51)))
    }

    @Test func anUnclosedParenthesisAppliesTheNotsAroundIt() throws {
        let result = Parser.parse("SELECT clicks WHERE NOT (NOT a AND b")
        #expect(result.diagnostics.map(\.message) == ["expected ')', found end of input"])
        let condition = try #require(result.script.statements.first?.select.whereClause?.condition)
        let inner = Condition.and([.not(Self.bare("a", 29), Span(start: 25, end: 30)), Self.bare("b", 35)], Span(start: 25, end: 36))
        #expect(condition == .not(inner, Span(start: 20, end: 36)))
    }

    @Test func statementsAfterOneWithoutSelectAreKept() {
        let result = Parser.parse("clicks; EXPLAIN SELECT leads LIMIT 2; SELECT sales")
        #expect(result.script.statements.map(\.select.event.text) == ["leads", "sales"])
        #expect(result.script.statements.map(\.span) == [Span(start: 8, end: 36), Span(start: 38, end: 50)])
        #expect(result.script.statements[0].isExplain)
        #expect(result.script.statements[0].select.limit?.value == 2)
    }
}
