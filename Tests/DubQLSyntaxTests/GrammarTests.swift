// Keeps the parser and Grammar/DubQL.ebnf in step: the same keywords, and random sentences of the
// grammar parse, print and re-parse to the same tree.

import DubQLTestSupport
import Foundation
import Testing
@testable import DubQLSyntax

@Suite("Grammar file")
struct GrammarTests {
    static func loadGrammar() throws -> EBNFGrammar { try EBNFGrammar.package() }

    @Test func everyReferencedRuleIsDefined() throws {
        let grammar = try Self.loadGrammar()
        let referenced = Set(grammar.rules.values.flatMap(\.references))
        #expect(referenced.subtracting(grammar.rules.keys).isEmpty)
        #expect(grammar.rules["script"] != nil)
        #expect(grammar.lexical.contains("identifier") && !grammar.lexical.contains("select"))
    }

    @Test func keywordTerminalsAreTheParsersKeywords() throws {
        let grammar = try Self.loadGrammar()
        let words = Set(grammar.rules.values.flatMap(\.terminals).filter {
            $0.count >= 2 && $0.allSatisfy { $0.isASCII && $0.isUppercase }
        })
        let keywords = Set(Keyword.allCases.map(\.rawValue))
        #expect(words == keywords, "only in grammar: \(words.subtracting(keywords)); only in parser: \(keywords.subtracting(words))")
        let keywordRule = try #require(grammar.rules["keyword"])
        #expect(Set(keywordRule.terminals) == keywords)
    }

    @Test func presetsAndUnitsAreTheParsers() throws {
        let grammar = try Self.loadGrammar()
        #expect(Set(try #require(grammar.rules["preset"]).terminals) == Set(PresetName.allCases.map(\.rawValue)))
        #expect(Set(try #require(grammar.rules["unit"]).terminals) == Set(DurationUnit.allCases.map(\.rawValue)))
    }

    @Test func symbolTerminalsAreSingleTokens() throws {
        let grammar = try Self.loadGrammar()
        let syntactic = grammar.order.filter { !grammar.lexical.contains($0) }
        let symbols = Set(syntactic.flatMap { grammar.rules[$0]?.terminals ?? [] }.filter { $0.first?.isLetter == false })
        #expect(symbols.count >= 12)
        for symbol in symbols {
            let (tokens, diagnostics) = Lexer.tokenize(SourceFile(name: "t", text: symbol))
            #expect(tokens.count == 2 && diagnostics.isEmpty && tokens[0].kind != .error, "\(symbol)")
        }
    }

    static let seeds: [UInt64] = Array(0..<8)

    /// 250 sentences per seed; a failure names the seed and the sentence.
    @Test(arguments: seeds)
    func generatedSentencesRoundTrip(_ seed: UInt64) throws {
        var generator = try SentenceGenerator.dubQL(seed: seed)
        var statements = 0
        for _ in 0..<250 {
            let text = generator.sentence("script")
            let first = Parser.parse(text)
            #expect(first.diagnostics.isEmpty, "seed \(seed): \(text)\n\(first.diagnostics)")
            guard first.diagnostics.isEmpty else { return }
            statements += first.script.statements.count
            let printed = Printer.print(first.script)
            let second = Parser.parse(printed)
            #expect(second.diagnostics.isEmpty, "seed \(seed): \(printed)\n\(second.diagnostics)")
            #expect(second.script.erasingSpans() == first.script.erasingSpans(), "seed \(seed): \(text)\nprinted: \(printed)")
            #expect(Printer.print(second.script) == printed)
        }
        #expect(statements > 100)
    }
}
