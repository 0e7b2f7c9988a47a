// The REPL in a real terminal (tmux): queries and tables, Tab completion, history across runs,
// multi-line statements, Ctrl-C, Ctrl-D, output modes, .read, UTF-8 and job control.

import Foundation
import Testing
import DubQLTestSupport

/// Serialized: each test starts a REPL (which builds the demo data), and the machine has two cores.
/// tmux is installed by `make setup` and `.ci/run`.
@Suite(.serialized)
struct REPLTests {
    @Test func bannerNamesVersionDataAndHelp() throws {
        let t = try TerminalSession()
        try t.waitForPrompt()
        let screen = try t.screen()
        #expect(screen.contains("DubQL 0."))
        #expect(screen.contains("data: built-in demo data"))
        #expect(screen.contains(".help"))
    }

    @Test func typingAQueryShowsATable() throws {
        let t = try TerminalSession()
        try t.waitForPrompt()
        try t.type("SELECT country, city FROM clicks WHERE country = US LIMIT 3;")
        try t.press("Enter")
        let screen = try t.waitFor("(3 rows)")
        #expect(screen.contains("country"))
        #expect(screen.contains("│ city") || screen.contains("city"))
        #expect(screen.components(separatedBy: " US ").count - 1 >= 3)
        // Back at the prompt afterwards.
        try t.waitFor("last line is a prompt") { _ in (try? t.lastLine()) == "dubql>" }
    }

    @Test func enterBeforeTheSemicolonContinuesTheStatement() throws {
        let t = try TerminalSession()
        try t.waitForEditor()
        try t.type("SELECT leads LIMIT 2")
        try t.press("Enter")
        try t.waitFor("   ...>")
        #expect(!(try t.screen()).contains("rows)"))
        try t.type(";")
        try t.press("Enter")
        try t.waitFor("(2 rows)")
    }

    /// The paste: every line but the last is complete on its own; one statement runs, once.
    @Test func aPastedMultiLineStatementRunsOnceAtItsSemicolon() throws {
        let t = try TerminalSession()
        try t.waitForEditor()
        try t.paste("SELECT timestamp, country\nFROM clicks\nWHERE country = DE\nLIMIT 2;\n")
        let screen = try t.waitFor("(2 rows)")
        #expect(!screen.contains("(100 rows)"))
        #expect(!screen.contains("error"), "\(screen)")
        // Two rows whose country (the last column) is DE.
        #expect(screen.split(separator: "\n").filter { $0.hasSuffix(" DE") || $0.contains(" DE ") }.count >= 2, "\(screen)")
        try t.waitFor("last line is a prompt") { _ in (try? t.lastLine()) == "dubql>" }
    }

    @Test func tabCompletesKeywordsAndFields() throws {
        let t = try TerminalSession()
        try t.waitForPrompt()
        try t.type("SEL")
        try t.press("Tab")
        try t.waitFor("dubql> SELECT")
        try t.type("clicks WHERE cou")
        try t.press("Tab")
        try t.waitFor("dubql> SELECT clicks WHERE country")
        try t.type("= D")
        try t.press("Tab")
        try t.press("Tab")
        // Ambiguous: the second Tab lists the country codes starting with D.
        let screen = try t.waitFor("DE")
        #expect(screen.contains("DK"))
        try t.type("E LIMIT 1;")
        try t.press("Enter")
        try t.waitFor("(1 row)")
    }

    @Test func upRecallsTheLastStatementAfterARestart() throws {
        let directory = try makeTemporaryDirectory()
        let history = directory.appendingPathComponent("state/dubql/history").path
        do {
            let first = try TerminalSession(historyPath: history, directory: directory)
            try first.waitForPrompt()
            try first.type("SELECT sales LIMIT 1;")
            try first.press("Enter")
            try first.waitFor("(1 row)")
            try first.waitForEditor()
            try first.press("C-d")
            #expect(try first.waitForExit() == 0)
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: history)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let second = try TerminalSession(historyPath: history, directory: directory)
        try second.waitForPrompt()
        try second.press("Up")
        try second.waitFor("dubql> SELECT sales LIMIT 1;")
    }

    /// A history file others can read (an older dubql, `touch` with umask 022) is tightened to
    /// 0600 when the REPL opens it, and keeps its entries.
    @Test func anExistingWorldReadableHistoryBecomesPrivate() throws {
        let directory = try makeTemporaryDirectory()
        let history = directory.appendingPathComponent("history").path
        try "SELECT leads LIMIT 1;\n".write(toFile: history, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: history)
        let t = try TerminalSession(historyPath: history, directory: directory)
        try t.waitForPrompt()
        let attributes = try FileManager.default.attributesOfItem(atPath: history)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        try t.press("Up")
        try t.waitFor("dubql> SELECT leads LIMIT 1;")
    }

    @Test func multiLineStatementIsOneHistoryEntry() throws {
        let t = try TerminalSession()
        try t.waitForPrompt()
        try t.type("SELECT clicks WHERE")
        try t.press("Enter")
        try t.waitFor("   ...>")
        try t.type("country IN (DE,")
        try t.press("Enter")
        try t.type("FR) LIMIT 2;")
        try t.press("Enter")
        try t.waitFor("(2 rows)")
        try t.type(".history")
        try t.press("Enter")
        try t.waitFor("  1  SELECT clicks WHERE")
        let saved = try String(contentsOfFile: t.historyPath, encoding: .utf8)
        #expect(saved == "SELECT clicks WHERE\\ncountry IN (DE,\\nFR) LIMIT 2;\n.history\n")
    }

    @Test func ctrlCDropsThePendingInput() throws {
        let t = try TerminalSession()
        try t.waitForPrompt()
        try t.type("SELECT clicks WHERE")
        try t.press("Enter")
        try t.waitFor("   ...>")
        try t.type("country = ")
        try t.press("C-c")
        try t.waitFor("prompt after ^C") { ($0.components(separatedBy: "dubql>").count - 1) >= 2 }
        // The dropped statement does not come back: a new one runs on its own.
        try t.type("SELECT leads LIMIT 1;")
        try t.press("Enter")
        try t.waitFor("(1 row)")
        let saved = try String(contentsOfFile: t.historyPath, encoding: .utf8)
        #expect(saved == "SELECT leads LIMIT 1;\n")
    }

    @Test func ctrlDOnAnEmptyLineExitsZero() throws {
        let t = try TerminalSession()
        try t.waitForEditor()
        try t.press("C-d")
        #expect(try t.waitForExit() == 0)
    }

    @Test func modeJSONPrintsJSON() throws {
        let t = try TerminalSession()
        try t.waitForPrompt()
        try t.type(".mode json")
        try t.press("Enter")
        try t.type("SELECT country FROM clicks WHERE country = FR LIMIT 2;")
        try t.press("Enter")
        let screen = try t.waitFor("{\"country\":\"FR\"}")
        #expect(screen.contains("["))
        #expect(!screen.contains("(2 rows)"))
    }

    @Test func readOfAScriptWithAnErrorPointsAtIt() throws {
        let t = try TerminalSession()
        let script = t.directory.appendingPathComponent("report.dql")
        try "SELECT leads LIMIT 1;\n-- the next one is wrong\nSELECT clicks WHERE country = USA;\nSELECT sales LIMIT 1;\n"
            .write(to: script, atomically: true, encoding: .utf8)
        try t.waitForPrompt()
        try t.type(".read report.dql")
        try t.press("Enter")
        let screen = try t.waitFor("report.dql:3:")
        #expect(screen.contains("(1 row)"))
        #expect(screen.contains("3 | SELECT clicks WHERE country = USA"))
        #expect(screen.contains("^^^"))
        // The script stopped at the error, and the REPL goes on.
        #expect(screen.components(separatedBy: "(1 row)").count - 1 == 1)
        try t.type("SELECT sales LIMIT 2;")
        try t.press("Enter")
        try t.waitFor("(2 rows)")
    }

    @Test func utf8InputReachesTheQuery() throws {
        let t = try TerminalSession()
        try t.waitForPrompt()
        try t.type("SELECT clicks WHERE city = 'Zürich' LIMIT 1;")
        try t.press("Enter")
        try t.waitFor("(0 rows)")
        let saved = try String(contentsOfFile: t.historyPath, encoding: .utf8)
        #expect(saved == "SELECT clicks WHERE city = 'Zürich' LIMIT 1;\n")
    }

    @Test func unknownDotCommandSuggestsOne() throws {
        let t = try TerminalSession()
        try t.waitForPrompt()
        try t.type(".mdoe csv")
        try t.press("Enter")
        try t.waitFor("did you mean '.mode'?")
    }

    @Test func suspendAndResumeLeaveTheTerminalSane() throws {
        let directory = try makeTemporaryDirectory()
        let t = try TerminalSession(directory: directory, shell: true)
        try t.waitFor("$")
        try t.type("\(DubQLBinary.url.path) --now 2024-06-01T12:00:00Z")
        try t.press("Enter")
        try t.waitForPrompt()
        try t.type("SEL")
        try t.press("C-z")
        try t.waitFor("Stopped")
        try t.type("fg")
        try t.press("Enter")
        // Resumed, dubql redraws its prompt and the line.
        try t.waitFor("redrawn line") { $0.components(separatedBy: "dubql> SEL").count - 1 >= 2 }
        try t.press("Tab")
        try t.waitFor("dubql> SELECT")
        try t.type("leads LIMIT 1;")
        try t.press("Enter")
        try t.waitFor("(1 row)")
    }
}
