// `dubql check` and `dubql fmt` on scripts as `dubql run` reads them: dot-command lines, and
// every statement checked on its own.

import Testing
import DubQL
import DubQLSyntax
@testable import DubQLShell

@Suite struct ScriptCheckTests {
    let context = QueryContext(now: testNowMillis)

    @Test func dotCommandLinesAreNoErrors() {
        let source = SourceFile(name: "weekly.dql", text: "-- weekly\n.mode csv\n.output clicks-de.csv\nSELECT clicks\n  WHERE country = DE SINCE 7d;\n.output stdout\n")
        #expect(ScriptCheck.diagnostics(source, context: context).isEmpty)
    }

    @Test func aBadDotCommandIsReportedAtItsLine() {
        let source = SourceFile(name: "s.dql", text: "SELECT leads;\n  .mdoe csv\n")
        let diagnostics = ScriptCheck.diagnostics(source, context: context)
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.code == .invalidDotCommand)
        #expect(diagnostics.first.map { source.location(of: $0.span.start).line } == 2)
        #expect(diagnostics.first?.hints == ["did you mean '.mode'?"])
    }

    @Test func meaningErrorsAreReportedBesideASyntaxError() {
        let source = SourceFile(name: "s.dql", text: "SELECT clicks WHER country = US;\nSELECT clicks WHERE contry = US;\nSELECT clickz\n")
        let lines = ScriptCheck.diagnostics(source, context: context).filter { $0.severity == .error }
            .map { source.location(of: $0.span.start).line }
        #expect(lines == [1, 2, 3])
    }

    @Test func formatKeepsDotCommandLines() {
        let source = SourceFile(name: "s.dql", text: "  .mode csv  \nselect clicks\n where country='US';\n.output stdout\nselect leads -- end\n")
        let result = ScriptCheck.format(source)
        #expect(result.text == ".mode csv\nSELECT clicks WHERE country = US;\n.output stdout\nSELECT leads;\n-- end\n")
    }

    @Test func formatWithoutDotCommandsIsTheFormatter() {
        let source = SourceFile(name: "s.dql", text: "select clicks; select leads\n")
        #expect(ScriptCheck.format(source).text == ScriptFormatter.format(source).text)
        #expect(ScriptCheck.format(SourceFile(name: "s.dql", text: ".mode csv\nselect clicks where\n")).text == nil)
    }
}
