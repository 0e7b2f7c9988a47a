// The REPL loop on scripted lines: when a statement runs (at ';', at the end of piped input), what the prompts are, how pasted lines split, Ctrl-C and Ctrl-D, and the
// exit status.

import Foundation
import Testing
import DubQL
@testable import DubQLShell

@Suite struct REPLLoopTests {
    // MARK: Interactive: at ';'

    @Test func aCompleteStatementWaitsForItsSemicolon() {
        let t = TestShell(interactive: true)
        let (status, input) = t.repl(["SELECT leads SINCE 30d LIMIT 2", ";"], interactive: true)
        #expect(status == .ok)
        #expect(t.stdout.occurrences(of: "(2 rows)") == 1)
        #expect(input.prompts == [REPL.prompt, REPL.continuationPrompt, REPL.prompt])
    }

    /// The README's paste: each line but the last is complete on its own, yet one statement runs, at ';'.
    @Test func aPastedMultiLineStatementRunsOnceAtItsSemicolon() {
        let t = TestShell(interactive: true)
        let history = History(path: "/nonexistent/dubql-test/history", persist: false)
        let lines = ["SELECT timestamp, country", "FROM clicks", "SINCE 30d", "LIMIT 2;"]
        let (status, input) = t.repl(lines, interactive: true, history: history)
        #expect(status == .ok)
        #expect(t.stderr.isEmpty, "\(t.stderr)")
        #expect(t.stdout.occurrences(of: "(2 rows)") == 1, "\(t.stdout)")
        #expect(!t.stdout.contains("(100 rows)"))
        #expect(input.prompts == [REPL.prompt] + Array(repeating: REPL.continuationPrompt, count: 3) + [REPL.prompt])
        #expect(history.entries == [lines.joined(separator: "\n")])
    }

    @Test func aCommentOnlyLineLeavesNothingPending() {
        let t = TestShell(interactive: true)
        let (_, input) = t.repl(["-- a note", "SELECT leads SINCE 30d LIMIT 1;"], interactive: true)
        #expect(input.prompts == [REPL.prompt, REPL.prompt, REPL.prompt])
        #expect(t.stdout.contains("(1 row)"))
    }

    /// Each line is incomplete for its own reason; the statement runs once, at the ';' on its last line.
    @Test(arguments: [
        ["SELECT clicks WHERE", "country NOT IN (AQ,", "BV) SINCE 30d LIMIT 2;"],
        ["SELECT clicks WHERE city != 'San", "Jose' SINCE 30d LIMIT 2;"],
        ["SELECT clicks /* a", "comment */ SINCE 30d LIMIT 2;"],
        ["SELECT clicks SINCE", "30d LIMIT", "2;"],
        ["SELECT clicks WHERE country !=", "AQ SINCE 30d LIMIT 2;"],
        ["SELECT country, city,", "device FROM clicks SINCE 30d LIMIT 2;"],
        ["SELECT clicks WHERE (country != AQ", "OR device = Mobile) SINCE 30d LIMIT 2;"],
        ["SELECT clicks WHERE NOT", "root AND", "NOT root SINCE 30d LIMIT 2;"],
    ])
    func anIncompleteLineWaitsForMore(_ lines: [String]) {
        let t = TestShell(interactive: true)
        let (status, input) = t.repl(lines, interactive: true)
        #expect(status == .ok)
        #expect(t.stdout.occurrences(of: "(2 rows)") == 1, "\(t.stdout)\n\(t.stderr)")
        #expect(t.stderr.isEmpty, "\(t.stderr)")
        let continuations = Array(repeating: REPL.continuationPrompt, count: lines.count - 1)
        #expect(input.prompts == [REPL.prompt] + continuations + [REPL.prompt])
    }

    @Test func completionSeesThePendingLines() {
        let t = TestShell(interactive: true)
        let (_, input) = t.repl(["SELECT clicks WHERE", "country =", "US SINCE 30d LIMIT 1;"], interactive: true)
        #expect(input.pendingTexts == ["", "SELECT clicks WHERE", "SELECT clicks WHERE\ncountry =", ""])
    }

    @Test func severalStatementsOnALineRunInOrder() {
        let t = TestShell(interactive: true)
        let (status, _) = t.repl(["SELECT leads SINCE 30d LIMIT 1; .mode csv", "SELECT country FROM clicks SINCE 30d LIMIT 1; SELECT sales SINCE 30d LIMIT 2;"],
                                 interactive: true)
        #expect(status == .ok)
        let out = t.stdout
        // `.mode csv` after a ';' on the same line is no dot-command line: it is the start of a statement.
        #expect(t.stderr.contains("error[DQL02"))
        #expect(out.contains("(1 row)"))
        #expect(out.contains("(2 rows)"))
    }

    @Test func aDotCommandRunsOnlyOnALineOfItsOwn() {
        let t = TestShell(interactive: true)
        let (status, _) = t.repl(["SELECT clicks WHERE", ".mode csv", ";"], interactive: true)
        #expect(status == .ok)
        // The line belongs to the pending statement, where it is a syntax error; the mode is unchanged.
        #expect(t.stderr.contains("<query>:2:1: error[DQL02"), "\(t.stderr)")
        #expect(t.shell.mode == .format(.table))
    }

    @Test func ctrlCDropsThePendingStatement() {
        let t = TestShell(interactive: true)
        let history = History(path: "/nonexistent/dubql-test/history", persist: false)
        let (status, input) = t.repl([.line("SELECT clicks WHERE"), .line("country ="), .interrupted,
                                      .line("SELECT leads SINCE 30d LIMIT 1;")], interactive: true, history: history)
        #expect(status == .ok)
        #expect(t.stdout.occurrences(of: "(1 row)") == 1)
        #expect(t.stderr.isEmpty, "\(t.stderr)")
        #expect(input.prompts == [REPL.prompt, REPL.continuationPrompt, REPL.continuationPrompt, REPL.prompt, REPL.prompt])
        #expect(history.entries == ["SELECT leads SINCE 30d LIMIT 1;"])
    }

    @Test func endOfInputDropsAnIncompleteStatementAndExitsZero() {
        let t = TestShell(interactive: true)
        let (status, _) = t.repl(["SELECT clicks WHERE country = USA SINCE 30d;", "SELECT clicks WHERE"], interactive: true)
        // Interactive sessions exit 0 even after a failed statement (Ctrl-D on an empty line).
        #expect(status == .ok)
        #expect(t.stderr.contains("error[DQL0304]"))
    }

    @Test func theBannerNamesTheSourceAndHowToGetHelp() {
        let t = TestShell(interactive: true)
        _ = t.repl([String](), interactive: true)
        #expect(t.stdout.hasPrefix("DubQL \(DubQLVersion.string) · data: fixture events\nEnd a query with ';' (Tab completes), .help for help, Ctrl-D to quit.\n"))
        #expect(t.stdout.hasSuffix("\n\n"))
    }

    // MARK: Piped: a script

    @Test func pipedStatementsEndAtSemicolonOrTheEndOfInput() {
        let t = TestShell()
        let (status, input) = t.repl(["SELECT leads SINCE 30d", "LIMIT 1;", ".mode csv", "SELECT country FROM clicks", "SINCE 30d LIMIT 1"],
                                     interactive: false)
        #expect(status == .ok, "\(t.stderr)")
        #expect(t.stdout.contains("(1 row)"))
        // The last statement needs no ';' and ran after `.mode csv`: a header and one row.
        let csv = t.stdout.components(separatedBy: "(1 row)\n").last ?? ""
        #expect(csv.hasPrefix("country\r\n"))
        #expect(csv.components(separatedBy: "\r\n").count == 3)
        #expect(!t.stdout.contains("DubQL "))
        // No banner, and the same prompt argument throughout (a plain source prints none).
        #expect(input.prompts.count == 6)
    }

    @Test func pipedInputExitsWithTheFirstFailureAndGoesOn() {
        let t = TestShell()
        let (status, _) = t.repl(["SELECT clickz;", "SELECT leads SINCE 30d LIMIT 1;", "SELECT clicks WHERE contry = US;"],
                                 interactive: false)
        #expect(status == .dataError)
        #expect(t.stdout.contains("(1 row)"))
        #expect(t.stderr.contains("<query>:1:8: error[DQL0301]"))
        #expect(t.stderr.contains("error[DQL0302]"))
    }

    @Test func pipedQuitStopsWithTheFirstFailure() {
        let t = TestShell()
        let (status, _) = t.repl(["SELECT leads WHERE;", ".quit", "SELECT leads SINCE 30d LIMIT 1;"], interactive: false)
        #expect(status == .dataError)
        #expect(!t.stdout.contains("(1 row)"))
    }

    @Test func aFailedDotCommandCountsAsAFailure() {
        let t = TestShell()
        let (status, _) = t.repl([".output /nonexistent/dir/x.csv", "SELECT leads SINCE 30d LIMIT 1;"], interactive: false)
        #expect(status == .noInput)
        #expect(t.stdout.contains("(1 row)"))
    }
}
