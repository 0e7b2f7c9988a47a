// Diagnostic rendering: location line, source line and caret, columns in characters.

import Testing
@testable import DubQLSyntax

@Suite("Diagnostic renderer")
struct RendererTests {
    func rendered(_ text: String, name: String = "query.dql", color: Bool = false) -> String {
        let source = SourceFile(name: name, text: text)
        return DiagnosticRenderer.render(Parser.parse(source).diagnostics, in: source, color: color)
    }

    @Test func caretAtEndOfInput() {
        #expect(rendered("SELECT clicks WHERE country =") == """
            query.dql:1:30: error[DQL0201]: expected a value, found end of input
            1 | SELECT clicks WHERE country =
              |                              ^

            """)
    }

    @Test func underlineCountsCharactersNotBytes() {
        #expect(rendered("SELECT clicks WHERE city = 'Zürich' AND x = Zürich") == """
            query.dql:1:46: error[DQL0101]: unexpected character 'ü' in 'Zürich'
            1 | SELECT clicks WHERE city = 'Zürich' AND x = Zürich
              |                                              ^
              = help: unquoted names and values are ASCII; quote the text: 'Zürich'

            """)
    }

    @Test func secondLineAndHintAndNote() {
        #expect(rendered("-- report\nSELECT clicks LIMIT 1\n  LIMIT 2") == """
            query.dql:3:3: error[DQL0202]: duplicate LIMIT clause: a statement has at most one LIMIT clause
            3 |   LIMIT 2
              |   ^^^^^
            query.dql:2:15: note: the first LIMIT clause is here
            2 | SELECT clicks LIMIT 1
              |               ^^^^^^^

            """)
    }

    @Test func didYouMean() {
        #expect(rendered("SELEC clicks", name: "<query>") == """
            <query>:1:1: error[DQL0201]: expected 'SELECT', found 'SELEC'
            1 | SELEC clicks
              | ^^^^^
              = help: did you mean 'SELECT'?

            """)
    }

    @Test func multiLineSpanUnderlinesToTheEndOfItsFirstLine() {
        let out = rendered("SELECT clicks WHERE a = 'open\nstill open")
        #expect(out.contains("1 | SELECT clicks WHERE a = 'open\n  |                         ^^^^^\n"))
    }

    @Test func colorAddsEscapesOnlyWhenAsked() {
        #expect(rendered("SELEC clicks", color: true).contains("\u{1B}[1;31merror[DQL0201]\u{1B}[0m"))
        #expect(!rendered("SELEC clicks", color: false).contains("\u{1B}"))
    }

    @Test func wideLineNumbersAlignTheGutter() {
        let text = String(repeating: "\n", count: 11) + "SELECT clicks LIMIT x"
        #expect(rendered(text).contains("12 | SELECT clicks LIMIT x\n   |                     ^\n"))
    }
}
