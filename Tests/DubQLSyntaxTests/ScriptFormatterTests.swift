// The formatter behind `dubql fmt`: canonical statements, comments kept.

import Testing
@testable import DubQLSyntax

@Suite("Script formatter")
struct ScriptFormatterTests {
    static let cases: [(String, String, Bool)] = [
        ("select clicks", "SELECT clicks;\n", false),
        ("", "", false),
        ("-- only a comment", "-- only a comment\n", false),
        ("-- report\nselect clicks;\n\n/* second */ select leads -- trailing\n",
         "-- report\nSELECT clicks;\n/* second */\nSELECT leads;\n-- trailing\n", false),
        ("select clicks where a = 1 -- why\n and b = 2", "-- why\nSELECT clicks WHERE a = 1 AND b = 2;\n", true),
        ("select clicks where c = '-- not a comment' /* a\nblock */", "SELECT clicks WHERE c = '-- not a comment';\n/* a\nblock */\n", false),
        ("select clicks -- windows line end\r\nlimit 1", "-- windows line end\nSELECT clicks LIMIT 1;\n", true),
    ]

    @Test(arguments: cases)
    func formats(_ input: String, _ expected: String, _ moved: Bool) throws {
        let result = ScriptFormatter.format(SourceFile(name: "t", text: input))
        let text = try #require(result.text)
        #expect(text == expected)
        #expect(result.movedComments == moved)
        let again = ScriptFormatter.format(SourceFile(name: "t", text: text))
        #expect(again.text == text, "formatting is not idempotent")
        #expect(!again.movedComments)
    }

    @Test func errorsGiveNoText() {
        let result = ScriptFormatter.format(SourceFile(name: "t", text: "SELECT clicks WHERE"))
        #expect(result.text == nil)
        #expect(result.diagnostics.hasErrors)
    }
}
