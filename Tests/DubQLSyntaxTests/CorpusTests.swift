// The corpus: every `.dql` file beside a golden `.golden` file holding its canonical form, or its
// rendered diagnostics when it has errors. `DUBQL_RECORD_GOLDEN=1 swift test` re-records them.

import Foundation
import Testing
@testable import DubQLSyntax

@Suite("Corpus")
struct CorpusTests {
    static let corpus: URL? = Bundle.module.url(forResource: "Corpus", withExtension: nil)

    static let files: [String] = {
        guard let corpus else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []
        return names.filter { $0.hasSuffix(".dql") }.sorted()
    }()

    /// What the golden file holds for a source: canonical text, or rendered diagnostics.
    static func render(_ name: String, _ text: String) -> String {
        let source = SourceFile(name: name, text: text)
        let result = Parser.parse(source)
        if result.hasErrors {
            return DiagnosticRenderer.render(result.diagnostics, in: source, color: false)
        }
        return Printer.print(result.script) + "\n"
    }

    @Test func corpusIsNotEmpty() {
        #expect(Self.files.count >= 7)
    }

    @Test(arguments: files)
    func golden(_ name: String) throws {
        let corpus = try #require(Self.corpus)
        let text = try String(contentsOf: corpus.appendingPathComponent(name), encoding: .utf8)
        let actual = Self.render(name, text)
        let goldenName = String(name.dropLast(4)) + ".golden"
        if ProcessInfo.processInfo.environment["DUBQL_RECORD_GOLDEN"] == "1" {
            let sourceDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")
            try Data(actual.utf8).write(to: sourceDir.appendingPathComponent(goldenName))
            return
        }
        let expected = try String(contentsOf: corpus.appendingPathComponent(goldenName), encoding: .utf8)
        #expect(actual == expected)
        // A canonical golden is itself canonical and parses to the same tree.
        if !Parser.parse(text).hasErrors {
            roundTrip(text, String(expected.dropLast()))
        }
    }
}
