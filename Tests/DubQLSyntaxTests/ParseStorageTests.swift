// How the front end stores what it reads and builds, checked against the plain forms it replaced:
// tokens on the stack against `Lexer.scan`, the eight-bytes-at-once word scan and the keyword
// hash against byte-by-byte rules, small strings against `String(decoding:)`, the in-place
// bytes of a source against `Array(text.utf8)`, field paths against arrays of names, and the
// boxed rarer clauses of a statement against stored properties (values, copies, equality, coding).

import DubQLTestSupport
import Foundation
import Testing
@testable import DubQLSyntax

/// The values of an IN list (`Predicate` alone would also name Foundation's).
private typealias INValues = DubQLSyntax.Predicate.Values

@Suite("Parse storage")
struct ParseStorageTests {
    // MARK: - Tokens

    /// Queries of every token count around the stack buffer's size (lexical errors included):
    /// the tokens and diagnostics `withTokens` hands over are those `scan` returns.
    @Test func stackTokensAreTheScannedTokens() {
        for count in 1...(Lexer.stackTokens + 5) {
            for tail in ["", " 'open", " é", " $5k"] {
                let text = "SELECT clicks WHERE " + Array(repeating: "a", count: count).joined(separator: " ") + tail
                let bytes = Array(text.utf8)
                let scanned = Lexer.scan(bytes)
                let handed = bytes.withUnsafeBufferPointer { b in
                    Lexer.withTokens(of: b) { tokens, diagnostics in (Array(tokens), diagnostics) }
                }
                #expect(handed.0 == scanned.tokens, "\(text)")
                #expect(handed.1 == scanned.diagnostics, "\(text)")
            }
        }
    }

    /// A statement longer than the stack buffer parses as the same statement written short.
    @Test func longStatementParsesLikeAShortOne() {
        let values = (0..<200).map { "v\($0)" }
        let long = Parser.parse("SELECT clicks WHERE country IN (\(values.joined(separator: ", "))) SINCE 7d")
        #expect(!long.hasErrors)
        guard case .predicate(let p)? = long.script.statements.first?.select.whereClause?.condition,
              case .inList(negated: false, let parsed) = p.kind else {
            Issue.record("expected an IN predicate")
            return
        }
        #expect(parsed.map { if case .text(let t) = $0.kind { t } else { "" } } == values)
    }

    // MARK: - Words and keywords

    /// The eight-byte scan counts the same leading identifier bytes as a byte-by-byte loop, for
    /// every byte value at every position, and for random words.
    @Test func identifierRunMatchesByteByByte() {
        func reference(_ bytes: [UInt8]) -> Int {
            bytes.prefix { isIdentifierContinue($0) }.count
        }
        func packed(_ bytes: [UInt8]) -> UInt64 {
            bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        }
        for position in 0..<8 {
            for value in 0...255 {
                var bytes = Array("aZ_09mQz".utf8)
                bytes[position] = UInt8(value)
                #expect(DubQLSyntax.Scanner.identifierBytes(packed(bytes)) == reference(bytes), "byte \(value) at \(position)")
            }
        }
        var rng = SplitMix64(seed: 11)
        let alphabet = Array("azAZ_09@[`{/:^ \u{7f}".utf8) + [0x80, 0xC3, 0xFF, 0x00]
        for _ in 0..<4_000 {
            let bytes = (0..<8).map { _ in rng.pick(alphabet) }
            #expect(DubQLSyntax.Scanner.identifierBytes(packed(bytes)) == reference(bytes), "\(bytes)")
        }
    }

    /// The keyword hash finds exactly the keywords: random words (of the letters of keywords,
    /// so that many share a hash slot with one) are keywords when their upper case is one.
    @Test func keywordHashFindsExactlyTheKeywords() {
        var rng = SplitMix64(seed: 5)
        let letters: [Character] = Array(Set(Keyword.allCases.flatMap { Array($0.rawValue.lowercased()) })).sorted() + ["_", "q", "x"]
        for _ in 0..<4_000 {
            var word = ""
            for _ in 0..<rng.int(in: 1...8) { word.append(rng.pick(letters)) }
            #expect(DubQLSyntax.Scanner.keyword(of: Array(word.utf8)) == Keyword(rawValue: word.uppercased()), "\(word)")
            #expect(kinds(word) == [Keyword(rawValue: word.uppercased()).map(TokenKind.keyword) ?? .identifier], "\(word)")
        }
    }

    // MARK: - Strings and bytes

    /// Token texts made as small strings are the strings `String(decoding:)` makes, for every
    /// slice of ASCII and non-ASCII text, short and long.
    @Test func smallStringsAreDecodedStrings() {
        let bytes = Array("SELECT Zürich_1 'a''b' 北京 \u{1F600} 1234567890123456789".utf8)
        bytes.withUnsafeBufferPointer { b in
            for start in 0..<b.count {
                for end in start...b.count {
                    let made = Lexer.string(b, start, end)
                    #expect(made == String(decoding: b[start..<end], as: UTF8.self))
                    #expect(made.utf8.count == String(decoding: b[start..<end], as: UTF8.self).utf8.count)
                }
            }
        }
    }

    /// A source reads its text's own bytes: the same as a copy, whatever the text.
    @Test(arguments: ["", "a", "SELECT clicks", "Zürich", "line\none\r\n", String(repeating: "dé", count: 300)])
    func sourceBytesAreTheTextsBytes(_ text: String) {
        let source = SourceFile(name: "t", text: text)
        #expect(source.bytes == Array(text.utf8))
        #expect(source.byteCount == text.utf8.count)
        #expect(source.withBytes { Array($0) } == Array(text.utf8))
        #expect(source.slice(Span(start: 0, end: source.byteCount)) == text)
    }

    // MARK: - Field paths

    @Test func fieldPathComponentsBehaveLikeAnArray() throws {
        let a = Name("metadata", span: Span(start: 0, end: 8)), b = Name("plan tier", span: Span(start: 9, end: 20))
        var components: FieldPath.Components = [a]
        #expect(components.count == 1 && components[0] == a && components.first == a)
        components.append(b)
        #expect(Array(components) == [a, b])
        #expect(components.map(\.text) == ["metadata", "plan tier"])
        components[1].text = "plan"
        #expect(components[1].text == "plan")
        #expect(FieldPath.Components().isEmpty)
        #expect(FieldPath.Components([a, b]) == [a, b])
        #expect(FieldPath.Components([a]) != [a, b])
        // Coded as the array of names it was.
        let path = FieldPath(components: [a, b], span: Span(start: 0, end: 20))
        let coded = try JSONEncoder().encode(path)
        struct Plain: Codable { var components: [Name]; var span: Span }
        let plain = try JSONDecoder().decode(Plain.self, from: coded)
        #expect(plain.components == [a, b])
        #expect(try JSONDecoder().decode(FieldPath.self, from: JSONEncoder().encode(Plain(components: [a], span: a.span))) == FieldPath(a))
        #expect(try JSONDecoder().decode(FieldPath.self, from: coded) == path)
    }

    // MARK: - Statements

    /// The rarer clauses live in a shared box: a copy is still a value of its own, and equality,
    /// hashing and coding see every clause.
    @Test func rareClausesAreValues() throws {
        let text = "SELECT country, count() FROM clicks WHERE os = iOS GROUP BY country HAVING count() > 2 "
            + "SINCE 7d TIMEZONE 'UTC' ORDER BY count() DESC LIMIT 5 OFFSET 10"
        let parsed = try #require(Parser.parse(text).script.statements.first?.select)
        #expect(parsed.projection != nil && parsed.groupBy != nil && parsed.having != nil && parsed.timezone != nil
            && parsed.orderBy != nil && parsed.offset != nil && parsed.page == nil && parsed.isAggregate)
        var copy = parsed
        copy.timezone = nil
        #expect(parsed.timezone?.name == "UTC" && copy.timezone == nil)
        #expect(copy != parsed)
        copy.timezone = parsed.timezone
        #expect(copy == parsed && copy.hashValue == parsed.hashValue)
        copy.page = IntegerClause(value: 2, text: "2", valueSpan: Span(at: 0), span: Span(at: 0))
        #expect(parsed.page == nil && copy.page?.value == 2 && copy != parsed)

        let decoded = try JSONDecoder().decode(SelectStatement.self, from: JSONEncoder().encode(parsed))
        #expect(decoded == parsed)
        let plain = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(parsed)) as? [String: Any])
        #expect(Set(plain.keys) == ["event", "projection", "whereClause", "time", "timezone", "groupBy", "having",
                                    "orderBy", "limit", "offset", "span"])

        // A statement without rarer clauses has none to box, and clearing one keeps it equal.
        var bare = SelectStatement(event: Name("clicks", span: Span(at: 0)), span: Span(at: 0))
        let before = bare
        bare.orderBy = nil
        #expect(bare == before && !bare.isAggregate)
        #expect(SelectStatement(event: Name("clicks", span: Span(at: 0)), projection: parsed.projection, span: Span(at: 0)).isAggregate)
    }

    // MARK: - IN lists

    /// Random edits applied to a `INValues` and to an array of values alike leave the
    /// same values, and the list compares, hashes, prints and codes as the array does.
    @Test func inValuesBehaveLikeAnArray() throws {
        func value(_ n: Int) -> Value { Value(.number(String(n)), span: Span(start: n, end: n + 1)) }
        var rng = SplitMix64(seed: 17)
        var list = INValues()
        var array: [Value] = []
        for step in 0..<3_000 {
            switch rng.int(in: 0...6) {
            case 0, 1:
                let v = value(rng.int(in: 0...99))
                list.append(v)
                array.append(v)
            case 2 where !array.isEmpty:
                #expect(list.removeLast() == array.removeLast())
            case 3 where !array.isEmpty:
                let i = rng.int(in: 0...(array.count - 1)), v = value(rng.int(in: 0...99))
                list[i] = v
                array[i] = v
            case 4:
                let i = rng.int(in: 0...array.count), v = value(rng.int(in: 0...99))
                list.insert(v, at: i)
                array.insert(v, at: i)
            case 5:
                let n = rng.int(in: 0...4)
                list.reserveCapacity(n)
                array.reserveCapacity(n)
            default:
                if rng.int(in: 0...20) == 0 {
                    list.removeAll()
                    array.removeAll()
                }
            }
            #expect(Array(list) == array, "step \(step)")
            #expect(list.count == array.count && list.isEmpty == array.isEmpty && list.first == array.first && list.last == array.last)
            #expect(list == INValues(array) && list.hashValue == INValues(array).hashValue)
            #expect(list.description == array.description)
        }
        let samples: [[Value]] = [[], [value(1)], [value(1), value(2)], [value(2), value(1)], [value(1), value(2), value(3)]]
        for array in samples {
            for other in samples {
                #expect((INValues(array) == INValues(other)) == (array == other))
            }
            // A list that became one value by removals equals the list made of one value.
            var shrunk = INValues(array + [value(9), value(8)])
            shrunk.removeLast()
            shrunk.removeLast()
            #expect(shrunk == INValues(array) && shrunk.hashValue == INValues(array).hashValue)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let coded = try encoder.encode(INValues(array))
            #expect(coded == (try encoder.encode(array)))
            #expect(try JSONDecoder().decode(INValues.self, from: coded) == INValues(array))
        }
        #expect(([] as INValues).isEmpty && ([value(4), value(5)] as INValues).map(\.span.start) == [4, 5])
        #expect(MemoryLayout<INValues>.size == MemoryLayout<Value>.size)
    }

    /// The values of an IN list, now a list with an inline first element, hold what the array
    /// held, and code as the array did.
    @Test func inValuesCodeAsAnArray() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        enum PlainKind: Codable { case inList(negated: Bool, [Value]) }
        for text in ["country IN (US)", "country NOT IN (US, DE, 'FR')", "country IN (US, DE)"] {
            let parsed = Parser.parse("SELECT clicks WHERE \(text)")
            guard case .predicate(let p)? = parsed.script.statements.first?.select.whereClause?.condition,
                  case .inList(let negated, let values) = p.kind else {
                Issue.record("expected an IN predicate: \(text)")
                continue
            }
            let coded = try encoder.encode(p.kind)
            #expect(coded == (try encoder.encode(PlainKind.inList(negated: negated, Array(values)))), "\(text)")
            #expect(try JSONDecoder().decode(DubQLSyntax.Predicate.Kind.self, from: coded) == p.kind)
            #expect(DubQLSyntax.Predicate.Kind.inList(negated: negated, Array(values)) == p.kind)
        }
    }
}
