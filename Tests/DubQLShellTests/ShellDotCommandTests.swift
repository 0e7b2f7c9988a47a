// What each dot-command does in a running shell (not only how it parses): the settings it
// changes, what it prints and where, and the outcome when it fails.

import Foundation
import Testing
import DubQL
import DubQLTestSupport
@testable import DubQLShell

@Suite struct ShellDotCommandTests {
    // MARK: .help, .quit

    @Test func helpListsEveryCommandAndHelpOfOneShowsItsUsage() {
        let t = TestShell()
        #expect(t.script(".help") == .ok)
        for spec in DotCommandSpec.all { #expect(t.stdout.contains(spec.usage), "\(spec.usage) missing") }
        #expect(t.script(".help exit") == .ok)
        #expect(t.stdout.contains(".quit\n  Leave the REPL (also .exit and Ctrl-D).\n  Also: .exit\n"))
    }

    @Test func quitEndsAScriptAndTheStatementsAfterItDoNotRun() {
        let t = TestShell()
        #expect(t.script("SELECT leads SINCE 30d LIMIT 1;\n.quit\nSELECT sales SINCE 30d LIMIT 2;\n") == .quit)
        #expect(t.stdout.contains("(1 row)"))
        #expect(!t.stdout.contains("(2 rows)"))
    }

    @Test(arguments: [".quit", ".exit"])
    func quitEndsTheREPLWithStatusZero(_ line: String) {
        let t = TestShell(interactive: true)
        let (status, input) = t.repl([line, "SELECT leads SINCE 30d LIMIT 1;"], interactive: true)
        #expect(status == .ok)
        #expect(input.prompts.count == 1)
        #expect(!t.stdout.contains("(1 row)"))
    }

    // MARK: .open

    @Test func openWithoutArgumentShowsTheSource() {
        let t = TestShell()
        #expect(t.script(".open") == .ok)
        #expect(t.stdout == "data: fixture events\n")
    }

    @Test func openFilesSwitchesTheSource() throws {
        let path = try fixtureFile()
        let t = TestShell(interactive: true)
        #expect(t.script(".open '\(path)'\nSELECT clicks SINCE 30d LIMIT 3;") == .ok)
        #expect(t.stdout.contains("data: \(path) (60 clicks, 12 leads, 8 sales)\n"))
        #expect(t.stdout.contains("(3 rows)"))
    }

    @Test func openAMissingFileFailsWith66AndKeepsTheSource() {
        let t = TestShell()
        #expect(t.script(".open /nonexistent/events.ndjson") == .failed(.noInput))
        #expect(t.stderr.contains("dubql: error: cannot read"))
        #expect(t.script(".open") == .ok)
        #expect(t.stdout.contains("data: fixture events"))
    }

    @Test func openDemoBuildsTheDemoData() {
        let t = TestShell()
        #expect(t.script(".open demo\n.open") == .ok)
        #expect(t.stdout.contains("data: built-in demo data (20000 clicks, 3000 leads, 1500 sales over the last 30 days)"))
    }

    @Test func openAPINeedsAKeyInTheConsolesEnvironment() {
        let t = TestShell()
        #expect(t.script(".open api") == .failed(.usage))
        #expect(t.stderr.contains(".open api needs an API key"))

        let keyed = TestShell(environment: ["DUB_API_KEY": "dub_secret_1234", "DUB_API_URL": "http://127.0.0.1:9"])
        #expect(keyed.script(".open api\n.open") == .ok)
        #expect(keyed.stdout.contains("data: Dub's API at http://127.0.0.1:9 (key dub_"))
        #expect(!keyed.stdout.contains("secret"))
    }

    @Test func openAPIUsesTheAPIURLOption() {
        let t = TestShell(options: SessionOptions(apiURL: "http://localhost:8787", now: testNow),
                          environment: ["DUB_API_KEY": "dub_x", "DUB_API_URL": "http://127.0.0.1:9"])
        #expect(t.script(".open api\n.open") == .ok)
        #expect(t.stdout.contains("Dub's API at http://localhost:8787"))
    }

    // MARK: .read

    @Test func readRunsAScriptAndStopsAtItsFirstError() throws {
        let directory = try makeTemporaryDirectory(prefix: "dubql-shell")
        let inner = directory.appendingPathComponent("inner.dql").path
        try "SELECT leads SINCE 30d LIMIT 1;\nSELECT clicks WHERE country = USA;\nSELECT sales SINCE 30d LIMIT 2;\n"
            .write(toFile: inner, atomically: true, encoding: .utf8)
        let t = TestShell()
        #expect(t.script(".read \(inner)") == .failed(.dataError))
        #expect(t.stdout.contains("(1 row)"))
        #expect(!t.stdout.contains("(2 rows)"))
        #expect(t.stderr.contains("\(inner):2:31: error[DQL0304]"))
    }

    @Test func readOfAMissingFileIs66AndAScriptThatReadsItselfIsRefused() throws {
        let t = TestShell()
        #expect(t.script(".read /nonexistent/x.dql") == .failed(.noInput))
        #expect(t.stderr.contains("cannot read script '/nonexistent/x.dql': no such file"))

        let loop = try makeTemporaryDirectory(prefix: "dubql-shell").appendingPathComponent("loop.dql").path
        try ".read \(loop)\n".write(toFile: loop, atomically: true, encoding: .utf8)
        #expect(t.script(".read \(loop)") == .failed(.dataError))
        #expect(t.stderr.contains("reads itself (through .read); stopped"))
    }

    // MARK: .mode

    @Test func modeShowsAndSetsTheFormat() {
        let t = TestShell()
        #expect(t.script(".mode") == .ok)
        #expect(t.stdout == "mode: table\n")
        #expect(t.script(".mode ndjson\n.mode\nSELECT country FROM clicks SINCE 30d LIMIT 2;") == .ok)
        let lines = t.stdout.split(separator: "\n").dropFirst(2)
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.hasPrefix("{\"country\":") })
        #expect(t.stdout.contains("mode: ndjson\n"))
    }

    @Test func dryRunModesPrintWhatWouldBeSentToTheConsolesAPIURL() {
        let t = TestShell(environment: ["DUB_API_URL": "http://127.0.0.1:9"])
        #expect(t.script(".mode url\nSELECT clicks WHERE country = US SINCE 7d;") == .ok)
        #expect(t.stdout == "http://127.0.0.1:9/events?event=clicks&country=US&interval=7d\n")
        #expect(t.script(".mode curl\nSELECT leads SINCE 7d;\n.mode plan\nSELECT sales WHERE country = US OR browser = Chrome SINCE 30d;") == .ok)
        #expect(t.stdout.contains("curl "))
        #expect(t.stdout.contains("$DUB_API_KEY"))
        #expect(t.stdout.contains("QUERY PLAN (api)\n`--MERGE"))
    }

    @Test func anUnknownModeIsAPositionedErrorWithASuggestion() {
        let t = TestShell()
        #expect(t.script("\n  .mode jsn\n", name: "r.dql") == .failed(.dataError))
        #expect(t.stderr.contains("r.dql:2:3: error[DQL0701]: unknown mode 'jsn'"))
        #expect(t.stderr.contains("= help: did you mean 'json'?"))
    }

    // MARK: .explain, .timer

    @Test func explainOnPrintsThePlanBeforeTheResult() {
        let t = TestShell()
        #expect(t.script(".explain\n.explain on\n.explain\nSELECT leads SINCE 30d LIMIT 1;\n.explain off\nSELECT sales SINCE 30d LIMIT 1;") == .ok)
        #expect(t.stdout.hasPrefix("explain: off\nexplain: on\nQUERY PLAN"))
        #expect(t.stdout.occurrences(of: "QUERY PLAN") == 1)
        #expect(t.stdout.occurrences(of: "(1 row)") == 2)
    }

    @Test func explainOnPrintsBindingWarningsOnce() {
        let t = TestShell()
        #expect(t.script(".explain on\nSELECT clicks WHERE qr SINCE 30d LIMIT 1;") == .ok)
        #expect(t.stderr.occurrences(of: "warning[DQL0317]") == 1)
    }

    @Test func timerOnWritesTheTimeOnStderr() {
        let t = TestShell()
        #expect(t.script(".timer on\n.timer\nSELECT leads SINCE 30d LIMIT 1;\n.timer off\nSELECT leads SINCE 30d LIMIT 1;") == .ok)
        #expect(t.stdout.hasPrefix("timer: on\n"))
        #expect(t.stderr.occurrences(of: "time: ") == 1)
        #expect(t.stderr.contains(" ms\n") || t.stderr.contains(" s\n"))
    }

    // MARK: .output

    @Test func outputSendsResultsToAFileAndBack() throws {
        let path = try makeTemporaryDirectory(prefix: "dubql-shell").appendingPathComponent("out.csv").path
        let t = TestShell()
        let outcome = t.script(".mode csv\n.output \(path)\n.output\nSELECT country FROM clicks SINCE 30d LIMIT 2;\n.output stdout\n.output\nSELECT country FROM clicks SINCE 30d LIMIT 1;")
        #expect(outcome == .ok)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written.hasPrefix("country\r\n"))
        #expect(written.components(separatedBy: "\r\n").count == 4)
        // While results go to the file, settings are shown on stderr, so the file holds results only.
        #expect(t.stderr == "output: \(path)\n")
        #expect(t.stdout.hasPrefix("output: stdout\ncountry\r\n"))
    }

    @Test func outputTruncatesAndAppendAppendsAndCreatesFilesWithMode0644() throws {
        let path = try makeTemporaryDirectory(prefix: "dubql-shell").appendingPathComponent("out.ndjson").path
        let t = TestShell()
        let one = "SELECT country FROM clicks SINCE 30d LIMIT 1;"
        #expect(t.script(".mode ndjson\n.output \(path)\n\(one)\n.output stdout\n.output \(path)\n\(one)\n.output stdout") == .ok)
        // Like sqlite3: `.output FILE` empties the file when it opens it.
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == 1)
        #expect(t.script(".output --append \(path)\n\(one)\n.output stdout") == .ok)
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == 2)
        let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)
        #expect(mode.intValue & ~0o644 == 0)
    }

    @Test func outputExpandsTildeToHome() throws {
        let home = try makeTemporaryDirectory(prefix: "dubql-shell")
        let t = TestShell(environment: ["HOME": home.path])
        #expect(t.script(".mode csv\n.output ~/out.csv\nSELECT country FROM clicks SINCE 30d LIMIT 1;\n.output") == .ok)
        #expect(try String(contentsOfFile: home.appendingPathComponent("out.csv").path, encoding: .utf8).hasPrefix("country\r\n"))
        #expect(t.stderr == "output: \(home.path)/out.csv\n")
    }

    @Test func outputToACommandPipesTheResults() throws {
        let path = try makeTemporaryDirectory(prefix: "dubql-shell").appendingPathComponent("count.txt").path
        let t = TestShell()
        #expect(t.script(".mode ndjson\n.output | wc -l > '\(path)'\nSELECT country FROM clicks SINCE 30d LIMIT 3;\n.output stdout") == .ok)
        #expect(try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        #expect(t.stdout.isEmpty, "\(t.stdout)")
    }

    @Test func onceSendsOnlyTheNextResult() throws {
        let path = try makeTemporaryDirectory(prefix: "dubql-shell").appendingPathComponent("once.csv").path
        let t = TestShell()
        #expect(t.script(".mode csv\n.once \(path)\nSELECT country FROM clicks SINCE 30d LIMIT 2;\nSELECT country FROM clicks SINCE 30d LIMIT 1;\n.output") == .ok)
        #expect(try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\r\n").count == 4)
        #expect(t.stdout.hasPrefix("country\r\n"))
        #expect(t.stdout.hasSuffix("output: stdout\n"))
        #expect(t.script(".once") == .failed(.dataError))
    }

    /// `.explain on` never writes plan text into a data file: JSON output stays valid JSON.
    @Test func explainOnKeepsPlansOutOfRedirectedResults() throws {
        let path = try makeTemporaryDirectory(prefix: "dubql-shell").appendingPathComponent("out.json").path
        let t = TestShell()
        #expect(t.script(".mode json\n.explain on\n.output \(path)\nSELECT country FROM clicks SINCE 30d LIMIT 2;\n.output stdout") == .ok)
        let data = try #require(FileManager.default.contents(atPath: path))
        #expect(try JSONSerialization.jsonObject(with: data) is [Any])
        #expect(!t.stderr.isEmpty)
        let piped = TestShell()
        #expect(piped.script(".mode json\n.explain on\nSELECT country FROM clicks SINCE 30d LIMIT 2;") == .ok)
        #expect(try JSONSerialization.jsonObject(with: Data(piped.stdout.utf8)) is [Any])
        #expect(!piped.stderr.isEmpty)
    }

    @Test func outputToADirectoryThatDoesNotExistFails() {
        let t = TestShell()
        #expect(t.script(".output /nonexistent/dir/out.csv") == .failed(.noInput))
        #expect(t.stderr.contains("cannot write '/nonexistent/dir/out.csv'"))
    }

    // MARK: .fields

    @Test func fieldsListsTheCatalogOfOneEvent() {
        let t = TestShell()
        #expect(t.script(".fields sales") == .ok)
        for spec in Catalog.fields(for: .sales) { #expect(t.stdout.contains(" \(spec.name) "), "\(spec.name) missing") }
        #expect(t.stdout.contains("metadata.<key>"))
        let clicks = TestShell()
        #expect(clicks.script(".fields clicks") == .ok)
        #expect(!clicks.stdout.contains("saleType"))
        #expect(!clicks.stdout.contains("metadata.<key>"))
    }

    // MARK: .timezone

    @Test func timezoneShowsSetsAndChecksTheZone() {
        let t = TestShell()
        #expect(t.script(".timezone\n.timezone europe/zurich\n.timezone\n.timezone utc\n.timezone") == .ok)
        #expect(t.stdout == "timezone: UTC\ntimezone: Europe/Zurich\ntimezone: UTC\n")
    }

    @Test func timezoneMovesDayBoundariesOfLaterStatements() {
        let t = TestShell()
        #expect(t.script(".mode url\n.timezone Asia/Tokyo\nSELECT clicks SINCE 2024-05-01;") == .ok)
        #expect(t.stdout.contains("start=2024-04-30T15:00:00Z"))
        #expect(t.stdout.contains("timezone=Asia%2FTokyo"))
    }

    @Test func anUnknownTimeZoneIsRefusedWithASuggestion() {
        let t = TestShell()
        #expect(t.script(".timezone Europe/Zurch") == .failed(.dataError))
        #expect(t.stderr.contains("unknown time zone 'Europe/Zurch' (did you mean 'Europe/Zurich'?)"))
    }

    // MARK: .history

    @Test func historyListsTheStatementsTypedSoFar() {
        let t = TestShell(interactive: true)
        let (status, _) = t.repl(["SELECT leads SINCE", "30d LIMIT 1;", ".mode csv", ".history"], interactive: true)
        #expect(status == .ok)
        // `.history` itself becomes an entry once it has run.
        #expect(t.stdout.contains("  1  SELECT leads SINCE\n     30d LIMIT 1;\n  2  .mode csv\n"))
        #expect(!t.stdout.contains("  3  "))
    }

    @Test func historyOutsideTheREPLHasNoEntries() {
        let t = TestShell()
        #expect(t.script(".history") == .ok)
        #expect(t.stdout == "(no history)\n")
    }

    // MARK: Did you mean

    @Test(arguments: [(".mdoe csv", "unknown command '.mdoe'", "did you mean '.mode'?"),
                      (".hsitory", "unknown command '.hsitory'", "did you mean '.history'?"),
                      (".fields clikcs", "unknown event 'clikcs'; events: clicks leads sales", "did you mean 'clicks'?"),
                      (".explain maybe", "expected 'on' or 'off', found 'maybe'", "usage: .explain [on|off]"),
                      (".zzzz", "unknown command '.zzzz'", "try .help")])
    func aMistypedCommandGetsAPositionedErrorAndAHint(_ line: String, _ message: String, _ hint: String) {
        let t = TestShell()
        #expect(t.script("SELECT leads SINCE 30d LIMIT 1;\n\(line)\nSELECT sales SINCE 30d LIMIT 1;", name: "r.dql") == .failed(.dataError))
        #expect(t.stderr.contains("r.dql:2:1: error[DQL0701]: \(message)\n2 | \(line)\n  | \(String(repeating: "^", count: line.count))\n"),
                "\(t.stderr)")
        #expect(t.stderr.contains("= help: \(hint)"))
        #expect(t.stdout.occurrences(of: "(1 row)") == 1)
    }

    @Test func aMistypedCommandInTheREPLPointsIntoTheLine() {
        let t = TestShell(interactive: true)
        let (status, _) = t.repl([".mdoe csv"], interactive: true)
        #expect(status == .ok)
        #expect(t.stderr.contains("<input>:1:1: error[DQL0701]: unknown command '.mdoe'"))
        #expect(t.stderr.contains("= help: did you mean '.mode'?"))
    }
}

/// The hints for habits from other tools: several words, BETWEEN after a field, psql's backslashes.
@Suite struct HabitHintTests {
    @Test func twoBareWordsAreToBeQuotedNotAnOR() {
        let t = TestShell()
        #expect(t.script("SELECT clicks WHERE os = Mac OS SINCE 30d;") == .failed(.dataError))
        #expect(t.stderr.contains("quote a value of several words: os = 'Mac OS'"), "\(t.stderr)")
        #expect(!t.stderr.contains("did you mean 'OR'"), "\(t.stderr)")
    }

    @Test func timestampBetweenSaysTheRangeIsAClause() {
        let t = TestShell()
        #expect(t.script("SELECT clicks WHERE timestamp BETWEEN 2024-05-01 AND 2024-05-02;") == .failed(.dataError))
        #expect(t.stderr.contains("write BETWEEN start AND end"), "\(t.stderr)")
        #expect(!t.stderr.contains("write timestamp = <value>"), "\(t.stderr)")
    }

    @Test(arguments: [("\\d", ".fields"), ("\\x", ".mode line"), ("\\d clicks", ".fields")])
    func backslashCommandsNameTheirDotCommand(line: String, equivalent: String) {
        let t = TestShell(interactive: true)
        let (_, input) = t.repl([line], interactive: true)
        // Answered at Enter, like a dot-command: no continuation prompt.
        #expect(input.prompts == [REPL.prompt, REPL.prompt])
        #expect(t.stderr.contains("error[DQL0701]"), "\(t.stderr)")
        #expect(t.stderr.contains(equivalent), "\(t.stderr)")
    }
}
