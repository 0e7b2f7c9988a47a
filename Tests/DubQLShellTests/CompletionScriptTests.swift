// Splitting scripts and REPL input into statements and dot-commands, in order, with positions.

import Foundation
import Testing
import DubQLSyntax
import DubQL
@testable import DubQLShell

/// A compact picture of a split: `S:text` for a terminated statement, `U:text` for the
/// unterminated tail, `D:line` for a dot-command.
private func picture(_ text: String) -> [String] {
    ScriptSplitter.split(text).items.map { item in
        switch item.kind {
        case .dotCommand: "D:" + item.text
        case .statement: (item.terminated ? "S:" : "U:") + item.text
        }
    }
}

@Suite struct CompletionScriptTests {
    static let cases: [(String, [String])] = [
        ("", []),
        ("SELECT clicks", ["U:SELECT clicks"]),
        ("SELECT clicks;", ["S:SELECT clicks"]),
        ("SELECT clicks; SELECT leads;", ["S:SELECT clicks", "S:SELECT leads"]),
        ("SELECT clicks;\nSELECT leads", ["S:SELECT clicks", "U:SELECT leads"]),
        ("SELECT clicks\nWHERE country = US;", ["S:SELECT clicks\nWHERE country = US"]),
        (";;  ;", []),
        ("-- only a comment\n", []),
        ("/* block */ SELECT clicks;", ["S:SELECT clicks"]),
        ("SELECT clicks WHERE city = 'a;b';", ["S:SELECT clicks WHERE city = 'a;b'"]),
        ("SELECT clicks WHERE city = 'it''s;';", ["S:SELECT clicks WHERE city = 'it''s;'"]),
        ("SELECT clicks WHERE os = \"x;y\";", ["S:SELECT clicks WHERE os = \"x;y\""]),
        ("SELECT clicks WHERE metadata.`a;b` = 1;", ["S:SELECT clicks WHERE metadata.`a;b` = 1"]),
        ("SELECT clicks -- no; split\n;", ["S:SELECT clicks -- no; split\n"]),
        (".mode json\nSELECT clicks;", ["D:.mode json", "S:SELECT clicks"]),
        ("  .timer on  \n", ["D:.timer on"]),
        ("SELECT clicks;\n.mode csv\nSELECT leads;\n", ["S:SELECT clicks", "D:.mode csv", "S:SELECT leads"]),
        // A line starting with '.' inside a pending statement belongs to the statement.
        ("SELECT clicks\n.mode csv", ["U:SELECT clicks\n.mode csv"]),
        ("-- header\n.open demo\n", ["D:.open demo"]),
        ("/* a\n.mode json */ SELECT clicks", ["U:SELECT clicks"]),
        ("/* open", ["U:/* open"]),
        ("SELECT clicks; .mode json", ["S:SELECT clicks", "U:.mode json"]),
        ("SELECT clicks WHERE city = 'Zürich';", ["S:SELECT clicks WHERE city = 'Zürich'"]),
    ]

    @Test(arguments: cases)
    func splits(_ text: String, _ expected: [String]) {
        #expect(picture(text) == expected)
    }

    @Test(arguments: [("SELECT clicks WHERE city = 'abc", true), ("SELECT clicks /* x", true),
                      ("SELECT clicks WHERE city = 'abc'", false), ("SELECT `a", true), ("SELECT clicks", false)])
    func knowsWhenInputEndsInsideALiteral(_ text: String, _ inside: Bool) {
        #expect(ScriptSplitter.split(text).endsInsideLiteral == inside)
    }

    @Test func offsetsPointAtTheStatement() throws {
        let text = "-- report\n.mode json\n  SELECT clicks; SELECT leads WHERE city = 'Zü';\n"
        let items = ScriptSplitter.split(text).items
        #expect(items.count == 3)
        let whole = SourceFile(name: "r.dql", text: text)
        let second = whole.location(of: items[1].offset)
        #expect((second.line, second.column) == (3, 3))
        let third = whole.location(of: items[2].offset)
        #expect((third.line, third.column) == (3, 18))
    }

    /// The per-statement source keeps the statement's lines and columns, so diagnostics point into the file.
    @Test func statementSourceKeepsLinesAndColumns() throws {
        let text = "SELECT clicks;\n-- x\n  SELECT sales; SELECT leads WHERE"
        let whole = SourceFile(name: "r.dql", text: text)
        let items = ScriptSplitter.split(text).items
        let last = try #require(items.last)
        let source = ScriptSplitter.sourceFile(named: "r.dql", for: last, in: whole)
        #expect(source.name == "r.dql")
        let end = source.location(of: source.bytes.count)
        #expect(end.line == 3)
        #expect(end.column == whole.location(of: whole.bytes.count).column)
        #expect(source.lineText(3).trimmingCharacters(in: .whitespaces) == "SELECT leads WHERE")
    }
}
