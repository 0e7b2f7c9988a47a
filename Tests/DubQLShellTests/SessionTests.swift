// Starting a session from the command line's options (source choice, start-up failures, the demo
// note), the colour rule, and the exit statuses of `dubql query` and `dubql run` runs.

import Foundation
import Testing
import DubQL
import DubQLEngine
import DubQLOutput
import DubQLTestSupport
@testable import DubQLShell

@Suite struct SessionStartTests {
    // MARK: Source choice

    static let choices: [(SessionOptions, [String: String], SourceChoice)] = [
        (SessionOptions(data: ["a.ndjson"]), ["DUB_API_KEY": "dub_x"], .files(["a.ndjson"])),
        (SessionOptions(data: ["-"], api: true), ["DUB_API_KEY": "dub_x"], .files(["-"])),
        (SessionOptions(), ["DUB_API_KEY": "dub_x"], .api(key: "dub_x")),
        (SessionOptions(api: true), ["DUB_API_KEY": "dub_x"], .api(key: "dub_x")),
        (SessionOptions(), [:], .demo),
        (SessionOptions(), ["DUB_API_KEY": ""], .demo),
    ]

    @Test(arguments: choices)
    func theSourceFollowsDataThenKeyThenDemo(_ options: SessionOptions, _ environment: [String: String], _ expected: SourceChoice) throws {
        #expect(try SourceChoice.resolve(options, environment: environment) == expected)
    }

    @Test func apiWithoutAKeyIsAUsageErrorThatSaysWhereToGetOne() {
        #expect(throws: SessionFailure.self) { try SourceChoice.resolve(SessionOptions(api: true), environment: ["DUB_API_KEY": ""]) }
        let console = Console.memory()
        #expect(throws: ExitStatus.usage) { try Session.start(SessionOptions(api: true), console: console, announceDemo: true) }
        #expect(console.errors.text.hasPrefix("dubql: error: --api needs an API key in DUB_API_KEY: create one in Dub's dashboard"))
    }

    // MARK: Start-up

    @Test func theDemoDataIsAnnouncedUnlessTheBannerNamesIt() throws {
        let noted = Console.memory()
        let session = try Session.start(SessionOptions(now: testNow), console: noted, announceDemo: true)
        #expect(noted.errors.text == "dubql: note: no --data and no DUB_API_KEY: querying built-in demo data (20000 clicks, 3000 leads, 1500 sales over the last 30 days)\n")
        #expect(session.source.summary.hasPrefix("built-in demo data"))

        let quiet = Console.memory()
        _ = try Shell.start(SessionOptions(now: testNow), console: quiet, interactive: true)
        #expect(quiet.errors.text.isEmpty)
    }

    @Test func filesAreLoadedAndNamed() throws {
        let path = try fixtureFile()
        let console = Console.memory()
        let session = try Session.start(SessionOptions(data: [path]), console: console, announceDemo: true)
        #expect(session.source.summary == "\(path) (60 clicks, 12 leads, 8 sales)")
        #expect(console.errors.text.isEmpty)
    }

    @Test func aMissingFileIs66AndMalformedEventsAre65UnlessSkipped() throws {
        let missing = Console.memory()
        #expect(throws: ExitStatus.noInput) { try Session.start(SessionOptions(data: ["/nonexistent/e.ndjson"]), console: missing, announceDemo: true) }
        #expect(missing.errors.text.hasPrefix("dubql: error: cannot read"))

        let bad = try makeTemporaryDirectory(prefix: "dubql-shell").appendingPathComponent("bad.ndjson").path
        try (String(decoding: fixtureBytes.prefix(while: { $0 != 0x0A }), as: UTF8.self) + "\n{\"event\": 1}\n")
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let strict = Console.memory()
        #expect(throws: ExitStatus.dataError) { try Session.start(SessionOptions(data: [bad]), console: strict, announceDemo: true) }
        #expect(strict.errors.text.contains("\(bad):2:"))

        let lenient = Console.memory()
        let session = try Session.start(SessionOptions(data: [bad], skipInvalid: true), console: lenient, announceDemo: true)
        #expect(session.source.summary == "\(bad) (1 clicks)")
        #expect(lenient.errors.text.hasPrefix("dubql: note: skipped 1 invalid event (first: "))
    }

    @Test(arguments: [SessionOptions(timeZone: "Mars/Olympus"), SessionOptions(now: "soon")])
    func aBadClockIsAUsageErrorAtStartUp(_ options: SessionOptions) {
        let console = Console.memory()
        #expect(throws: ExitStatus.usage) { try Session.start(options, console: console, announceDemo: false) }
        #expect(console.errors.text.hasPrefix("dubql: error: "))
    }

    @Test func theAPISourceTakesItsURLAndSettingsFromTheOptionsAndTheConsole() throws {
        let console = Console.memory(environment: ["DUB_API_KEY": "dub_test", "DUB_API_URL": "http://127.0.0.1:9"])
        let session = try Session.start(SessionOptions(verbose: true), console: console, announceDemo: true)
        let api = try #require(session.source as? APISource)
        #expect(api.summary == "Dub's API at http://127.0.0.1:9")
        #expect(api.client.configuration.verbose)
        let explicit = try Session.start(SessionOptions(apiURL: "https://example.com"), console: console, announceDemo: true)
        #expect(explicit.source.summary == "Dub's API at https://example.com")
        #expect(!(try #require(explicit.source as? APISource)).client.configuration.verbose)
        #expect(throws: ExitStatus.usage) {
            try Session.start(SessionOptions(apiURL: "ftp://example.com"), console: console, announceDemo: true)
        }
    }

    @Test func theOtherOptionsReachTheSession() throws {
        let options = SessionOptions(format: .csv, timeZone: "Europe/Berlin", now: testNow, color: .never)
        let session = Session(source: LocalSource(store: EventStore(), summary: "no events"), options: options, console: .memory())
        #expect(session.format == .csv)
        #expect(session.timeZone == "Europe/Berlin")
        #expect(session.colorMode == .never)
        #expect(try session.makeContext().now == testNowMillis)
    }

    // MARK: Colour

    static let colourCases: [(ColorMode, Bool, [String: String], Bool)] = [
        (.auto, true, [:], true),
        (.auto, false, [:], false),
        (.auto, true, ["NO_COLOR": "1"], false),
        (.auto, true, ["NO_COLOR": ""], true),
        (.auto, true, ["TERM": "dumb"], false),
        (.always, false, [:], true),
        (.always, false, ["TERM": "dumb"], true),
        (.always, true, ["NO_COLOR": "1"], false),
        (.never, true, [:], false),
    ]

    @Test(arguments: colourCases)
    func oneColourRule(_ mode: ColorMode, _ terminal: Bool, _ environment: [String: String], _ expected: Bool) {
        #expect(mode.allowsColor(onTerminal: terminal, environment: environment) == expected)
    }

    @Test func tablesFitCOLUMNSWhenNotOnATerminal() {
        let session = Session(source: LocalSource(store: EventStore(), summary: "no events"), console: .memory(environment: ["COLUMNS": "60"]))
        #expect(session.tableWidth == 60)
        #expect(Session(source: LocalSource(store: EventStore(), summary: "no events"), console: .memory()).tableWidth == nil)
    }
}

@Suite struct ShellOutcomeTests {
    @Test func runOnceRunsEveryStatementAndStopsAtTheFirstFailure() {
        let t = TestShell()
        #expect(t.shell.runOnce("SELECT leads SINCE 30d LIMIT 1; SELECT sales SINCE 30d LIMIT 2") == .ok)
        #expect(t.stdout.contains("(1 row)"))
        #expect(t.stdout.contains("(2 rows)"))

        let failing = TestShell()
        #expect(failing.shell.runOnce("SELECT leads SINCE 30d LIMIT 1; SELECT clicks WHERE contry = US; SELECT sales SINCE 30d LIMIT 2") == .dataError)
        #expect(failing.stdout.contains("(1 row)"))
        #expect(!failing.stdout.contains("(2 rows)"))
        #expect(failing.stderr.contains("<query>:1:53: error[DQL0302]"), "\(failing.stderr)")
    }

    @Test func aSyntaxErrorRunsNothing() {
        let t = TestShell()
        #expect(t.shell.runOnce("SELECT leads SINCE 30d LIMIT 1; SELECT clicks WHERE") == .dataError)
        #expect(t.stdout.isEmpty)
        #expect(t.stderr.contains("<query>:1:52: error[DQL02"))
    }

    @Test func plannerErrorsAreDataErrors() {
        let t = TestShell()
        #expect(t.shell.runOnce("SELECT clicks WHERE tagId = t1 SINCE 30d") == .dataError)
        #expect(t.stderr.contains("error[DQL0"))
    }

    @Test func explainStatementsPrintThePlan() {
        let t = TestShell()
        #expect(t.shell.runOnce("EXPLAIN SELECT clicks WHERE country = US SINCE 7d") == .ok)
        #expect(t.stdout.hasPrefix("QUERY PLAN (local)"))
    }

    @Test func runScriptsStopsAtTheFirstFailureUnlessToldToGoOn() throws {
        let paths = try scriptFiles(["good.dql": "SELECT leads SINCE 30d LIMIT 1;\n",
                                     "bad.dql": "SELECT clicks WHERE country = USA;\nSELECT sales SINCE 30d LIMIT 2;\n"])
        let (good, bad) = (paths[0], paths[1])

        let stopping = TestShell()
        #expect(stopping.shell.runScripts([bad, good], continueOnError: false) == .dataError)
        #expect(!stopping.stdout.contains("row"))

        let going = TestShell()
        #expect(going.shell.runScripts([bad, "/nonexistent/x.dql", good], continueOnError: true) == .dataError)
        #expect(going.stdout.contains("(2 rows)"))
        #expect(going.stdout.contains("(1 row)"))
        #expect(going.stderr.contains("cannot read script '/nonexistent/x.dql'"))

        let missingFirst = TestShell()
        #expect(missingFirst.shell.runScripts(["/nonexistent/x.dql", bad], continueOnError: true) == .noInput)
    }

    @Test func quitEndsEveryScriptWithTheFailureSoFar() throws {
        let paths = try scriptFiles(["quit.dql": "SELECT leads SINCE 30d LIMIT 1;\n.quit\nSELECT leads SINCE 30d LIMIT 2;\n",
                                     "after.dql": "SELECT sales SINCE 30d LIMIT 3;\n"])
        let t = TestShell()
        #expect(t.shell.runScripts(paths, continueOnError: false) == .ok)
        #expect(t.stdout.contains("(1 row)"))
        #expect(!t.stdout.contains("(2 rows)"))
        #expect(!t.stdout.contains("(3 rows)"))
    }

    @Test func continueOnErrorGoesOnInsideAScript() {
        let t = TestShell()
        let outcome = t.script("SELECT clicks WHERE country = USA;\n.mdoe csv\nSELECT sales SINCE 30d LIMIT 2;\n", continueOnError: true)
        #expect(outcome == .failed(.dataError))
        #expect(t.stdout.contains("(2 rows)"))
        #expect(t.stderr.contains("test.dql:1:31: error[DQL0304]"))
        #expect(t.stderr.contains("test.dql:2:1: error[DQL0701]"))
    }

    @Test func diagnosticsAreColouredOnlyWhenTheConsoleAllowsIt() {
        let plain = TestShell(options: SessionOptions(now: testNow, color: .always), environment: ["NO_COLOR": "1"])
        _ = plain.shell.runOnce("SELECT clickz")
        #expect(!plain.stderr.contains("\u{1B}["))
        let coloured = TestShell(options: SessionOptions(now: testNow, color: .always))
        _ = coloured.shell.runOnce("SELECT clickz")
        #expect(coloured.stderr.contains("\u{1B}["))
    }
}

@Suite struct ShellLibraryExampleTests {
    /// The example of README "Using the library", as written there.
    @Test func theReadmeExampleRuns() throws {
        let console = Console.memory()
        let shell = try Shell.start(SessionOptions(now: "2024-06-01T12:00:00Z"), console: console, interactive: false)
        let outcome = shell.runScript(text: ".mode csv\nSELECT country FROM clicks LIMIT 2;", name: "<script>",
                                      continueOnError: false)
        shell.session.output.flush()
        #expect(outcome == .ok)
        #expect(console.output.text.hasPrefix("country\r\n"))
        #expect(console.output.text.components(separatedBy: "\r\n").count == 4)
    }
}

@Suite("Load progress")
struct LoadProgressTests {
    /// A load that takes more than a moment shows the file on one line, cleared when it ends.
    @Test func aSlowLoadShowsAProgressLineAndClearsIt() throws {
        let messages = MessageStream.memory()
        let progress = LoadProgress(messages: messages)
        progress.loading("/nonexistent/clicks.ndjson")
        var waited = 0
        while !messages.text.contains("loading") && waited < 200 {
            usleep(50_000)
            waited += 1
        }
        progress.finish()
        let text = messages.text
        #expect(text.hasPrefix("\r\u{1B}[2Kloading /nonexistent/clicks.ndjson: "), "\(text.debugDescription)")
        #expect(text.hasSuffix("\r\u{1B}[2K"))
        // Nothing after the end.
        usleep(400_000)
        #expect(messages.text == text)
    }

    @Test func aQuickLoadShowsNothing() {
        let messages = MessageStream.memory()
        let progress = LoadProgress(messages: messages)
        progress.loading("-")
        progress.finish()
        usleep(700_000)
        #expect(messages.text.isEmpty)
    }
}
