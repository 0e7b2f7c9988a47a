// The session defaults `.since` and `.limit` (what statements without the clause get, and the
// prompt that shows them) and `.pager`'s rule of never paging off a terminal, on a memory console.

import Testing
import DubQL
@testable import DubQLShell
import DubQLSyntax

@Suite struct ShellSettingsTests {
    /// The statement as bound, after the shell's defaults.
    func bound(_ t: TestShell, _ text: String) throws -> BoundQuery {
        let file = SourceFile(name: "<t>", text: text)
        let compiled = t.shell.compileWithDefaults(file, context: try t.session.makeContext())
        return try #require(compiled.statements.first?.query)
    }

    @Test func defaultsFillOnlyMissingClauses() throws {
        let t = TestShell()
        #expect(t.script(".since 7d\n.limit 5\n") == .ok)
        let filled = try bound(t, "SELECT clicks")
        #expect(filled.limit == 5)
        #expect(filled.time.preset == "7d")
        #expect(filled.text.contains("SINCE 7d") && filled.text.contains("LIMIT 5"), "\(filled.text)")
        let own = try bound(t, "SELECT clicks SINCE 30d LIMIT 2")
        #expect(own.limit == 2)
        #expect(own.time.preset == "30d")
        // Aggregates take the limit as a limit of groups.
        #expect(try bound(t, "SELECT country, count() FROM clicks GROUP BY country").aggregation?.limit == 5)
    }

    @Test func limitAllMeansEveryRow() throws {
        let t = TestShell()
        #expect(t.script(".limit all\n") == .ok)
        #expect(try bound(t, "SELECT clicks").limit == Binder.maximumLimit)
        #expect(try bound(t, "SELECT country, count() FROM clicks GROUP BY country").aggregation?.limit == nil)
        #expect(t.script(".limit off\n") == .ok)
        #expect(try bound(t, "SELECT clicks").limit == Binder.defaultLimit)
    }

    @Test func thePromptShowsWhatIsSet() {
        let t = TestShell(interactive: true)
        #expect(t.shell.prompt == REPL.prompt)
        #expect(t.shell.continuationPrompt == REPL.continuationPrompt)
        #expect(t.script(".since mtd\n.limit 20\n") == .ok)
        #expect(t.shell.prompt == "dubql (since mtd, limit 20)> ")
        #expect(t.shell.continuationPrompt.count == t.shell.prompt.count)
        #expect(t.shell.continuationPrompt.hasSuffix("...> "))
        #expect(t.script(".since off\n.limit off\n") == .ok)
        #expect(t.shell.prompt == REPL.prompt)
    }

    @Test func aBadSinceKeepsTheOldOne() {
        let t = TestShell()
        #expect(t.script(".since 7d\n") == .ok)
        #expect(t.script(".since 7 days\n") == .failed(.dataError))
        #expect(t.stderr.contains("invalid .since '7 days'"), "\(t.stderr)")
        #expect(t.shell.defaultTime?.text == "7d")
    }

    @Test func nothingPagesOffATerminal() {
        let t = TestShell(environment: ["PAGER": "false"], interactive: true)
        #expect(t.shell.pager)
        #expect(t.shell.pagerCommand == nil)
        #expect(t.script("SELECT clicks SINCE all LIMIT 80;\n") == .ok)
        #expect(t.stdout.contains(" rows)\n"), "the result went to the output")
    }
}
