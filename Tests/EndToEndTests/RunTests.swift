// `dubql run` and piped REPL input: statements and dot-commands in order, errors as
// FILE:LINE:COL with a caret, stopping at the first error unless --continue, and exit codes.

import DubQL
import Foundation
import Testing
import DubQLTestSupport

private let now = ["--now", "2024-06-01T12:00:00Z"]

/// Writes `text` to `name` in a fresh directory and returns its path.
private func script(_ text: String, name: String = "report.dql") throws -> String {
    let url = try makeTemporaryDirectory().appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

@Suite struct RunTests {
    @Test func runsStatementsAndDotCommandsInOrder() throws {
        let path = try script("""
            -- a report
            SELECT leads LIMIT 1;
            .mode csv
            SELECT country, city FROM clicks
              WHERE country = DE
              LIMIT 2;
            """)
        let r = try runDubQL(["run", path] + now)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("(1 row)"))
        let csv = r.stdout.components(separatedBy: "(1 row)\n").last ?? ""
        #expect(csv.hasPrefix("country,city\r\n"))
        #expect(csv.components(separatedBy: "\r\n").filter { $0.hasPrefix("DE,") }.count == 2)
    }

    @Test func stopsAtTheFirstErrorWithItsPosition() throws {
        let path = try script("SELECT leads LIMIT 1;\n\n  SELECT clicks WHERE contry = US;\nSELECT sales LIMIT 1;\n")
        let r = try runDubQL(["run", path] + now)
        #expect(r.status == 65)
        #expect(r.stderr.contains("\(path):3:23: error[DQL0302]"), "\(r.stderr)")
        #expect(r.stderr.contains("3 |   SELECT clicks WHERE contry = US\n  |                       ^^^^^^\n"))
        #expect(r.stdout.components(separatedBy: "(1 row)").count - 1 == 1)
    }

    @Test func syntaxErrorsCountLinesOfTheWholeFile() throws {
        let path = try script("SELECT leads LIMIT 1; SELECT clicks WHERE;\n")
        let r = try runDubQL(["run", path] + now)
        #expect(r.status == 65)
        #expect(r.stderr.contains("\(path):1:42: error[DQL02"), "\(r.stderr)")
    }

    @Test func continueGoesOnAndFailsAtTheEnd() throws {
        let path = try script("SELECT leads LIMIT 1;\nSELECT clicks WHERE country = USA;\nSELECT sales LIMIT 2;\n")
        let r = try runDubQL(["run", "--continue", path] + now)
        #expect(r.status == 65)
        #expect(r.stdout.contains("(1 row)"))
        #expect(r.stdout.contains("(2 rows)"))
        #expect(r.stderr.contains("\(path):2:"))
    }

    @Test func readsTheScriptFromStandardInput() throws {
        let r = try runDubQL(["run", "-"] + now, stdin: ".mode ndjson\nSELECT country FROM clicks WHERE country = JP LIMIT 3\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == String(repeating: "{\"country\":\"JP\"}\n", count: 3))
    }

    @Test func errorsOnStandardInputNameIt() throws {
        let r = try runDubQL(["run", "-"] + now, stdin: "SELECT clickz;\n")
        #expect(r.status == 65)
        #expect(r.stderr.contains("<stdin>:1:8: error[DQL0301]"), "\(r.stderr)")
    }

    @Test func runsSeveralFilesInOrder() throws {
        let first = try script("SELECT leads LIMIT 1;\n", name: "a.dql")
        let second = try script(".mode json\nSELECT country FROM clicks LIMIT 1;\n", name: "b.dql")
        let r = try runDubQL(["run", first, second] + now)
        #expect(r.status == 0)
        #expect(r.stdout.contains("(1 row)\n[\n{\"country\":"))
    }

    @Test func missingScriptIsExit66() throws {
        let r = try runDubQL(["run", "/nonexistent/report.dql"] + now)
        #expect(r.status == 66)
        #expect(r.stderr.contains("cannot read script '/nonexistent/report.dql': no such file"))
    }

    @Test func unknownDotCommandIsAPositionedError() throws {
        let path = try script("SELECT leads LIMIT 1;\n  .mdoe csv\nSELECT sales LIMIT 1;\n")
        let r = try runDubQL(["run", path] + now)
        #expect(r.status == 65)
        #expect(r.stderr.contains("\(path):2:3: error[DQL0701]: unknown command '.mdoe'"), "\(r.stderr)")
        #expect(r.stderr.contains("did you mean '.mode'?"))
    }

    @Test func dryRunModesShowWhatWouldBeSent() throws {
        let r = try runDubQL(["run", "-"] + now, stdin: """
            .mode url
            SELECT clicks WHERE country = US SINCE 7d;
            .mode plan
            SELECT sales WHERE country = US OR browser = Chrome;
            .mode curl
            SELECT leads LIMIT 5;
            """)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("https://api.dub.co/events?"))
        #expect(r.stdout.contains("country=US"))
        #expect(r.stdout.contains("QUERY PLAN (api)"))
        #expect(r.stdout.contains("curl "))
    }

    @Test func fieldsListsTheCatalog() throws {
        let r = try runDubQL(["run", "-"] + now, stdin: ".fields sales\n")
        #expect(r.status == 0)
        for spec in Catalog.fields(for: .sales) {
            #expect(r.stdout.contains(" \(spec.name) "), "\(spec.name) missing")
        }
        let clicks = try runDubQL(["run", "-"] + now, stdin: ".fields clicks\n")
        #expect(!clicks.stdout.contains("saleType"))
    }

    @Test func outputWritesResultsToAFile() throws {
        let directory = try makeTemporaryDirectory()
        let out = directory.appendingPathComponent("out.csv").path
        let r = try runDubQL(["run", "-"] + now, stdin: ".mode csv\n.output \(out)\nSELECT country FROM clicks LIMIT 2;\n.output stdout\nSELECT leads LIMIT 1;\n")
        #expect(r.status == 0, "\(r.stderr)")
        let written = try String(contentsOfFile: out, encoding: .utf8)
        #expect(written.hasPrefix("country\r\n"))
        #expect(written.components(separatedBy: "\r\n").count == 4)
        #expect(!r.stdout.contains("country\r\n"))
        #expect(r.stdout.contains("timestamp,event"))
    }

    @Test func timerAndExplainSettings() throws {
        let r = try runDubQL(["run", "-"] + now, stdin: ".timer on\n.explain on\nSELECT leads LIMIT 1;\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("time: "))
        #expect(r.stdout.contains("QUERY PLAN"))
        #expect(r.stdout.contains("(1 row)"))
    }

    @Test func quitStopsTheScript() throws {
        let r = try runDubQL(["run", "-"] + now, stdin: "SELECT leads LIMIT 1;\n.quit\nSELECT sales LIMIT 2;\n")
        #expect(r.status == 0)
        #expect(!r.stdout.contains("(2 rows)"))
    }

    @Test func readRunsAnotherScriptAndRefusesCycles() throws {
        let directory = try makeTemporaryDirectory()
        let inner = directory.appendingPathComponent("inner.dql")
        try "SELECT sales LIMIT 2;\n".write(to: inner, atomically: true, encoding: .utf8)
        let r = try runDubQL(["run", "-"] + now, stdin: ".read \(inner.path)\n")
        #expect(r.status == 0)
        #expect(r.stdout.contains("(2 rows)"))
        let loop = directory.appendingPathComponent("loop.dql")
        try ".read \(loop.path)\n".write(to: loop, atomically: true, encoding: .utf8)
        let cycle = try runDubQL(["run", loop.path] + now)
        #expect(cycle.status == 65)
        #expect(cycle.stderr.contains("reads itself"))
    }
}

@Suite struct ScriptPipeTests {
    @Test func executeRunsOneStatement() throws {
        let r = try runDubQL(["-e", "SELECT sales LIMIT 2"] + now)
        #expect(r.status == 0)
        #expect(r.stdout.contains("(2 rows)"))
        let bad = try runDubQL(["-e", "SELECT sales WHERE"] + now)
        #expect(bad.status == 65)
    }

    /// psql's and DuckDB's flags: -c QUERY, -f FILE; and `dubql query -` reads the query from stdin.
    @Test func dashCRunsStatementsAndDashFRunsAScript() throws {
        let c = try runDubQL(["-c", "SELECT sales LIMIT 2; SELECT leads LIMIT 1"] + now)
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stdout.contains("(2 rows)") && c.stdout.contains("(1 row)"))
        let script = try makeTemporaryDirectory().appendingPathComponent("weekly.dql")
        try ".mode csv\nSELECT country FROM clicks\n  LIMIT 2;\n".write(to: script, atomically: true, encoding: .utf8)
        let f = try runDubQL(["-f", script.path] + now)
        #expect(f.status == 0, "\(f.stderr)")
        #expect(f.stdout.hasPrefix("country\r\n"))
        #expect(f.stdout.components(separatedBy: "\r\n").count == 4)
        let stdin = try runDubQL(["-f", "-"] + now, stdin: "SELECT leads LIMIT 1;\n")
        #expect(stdin.status == 0)
        #expect(stdin.stdout.contains("(1 row)"))
        let missing = try runDubQL(["-f", "/nonexistent/weekly.dql"] + now)
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("cannot read script '/nonexistent/weekly.dql': no such file"), "\(missing.stderr)")
        let both = try runDubQL(["-c", "SELECT leads", "-f", script.path] + now)
        #expect(both.status == 64)
        let help = try runDubQL(["--help"])
        #expect(help.stdout.contains("-c QUERY") && help.stdout.contains("-f FILE"), "\(help.stdout)")
        let replHelp = try runDubQL(["repl", "--help"])
        #expect(replHelp.stdout.contains("-f <FILE>") && replHelp.stdout.contains("-c"), "\(replHelp.stdout)")
    }

    /// sqlite3's .output: truncates (--append adds), |command, .once; .explain on keeps JSON valid.
    @Test func outputTruncatesAppendsPipesAndKeepsPlansOutOfJSON() throws {
        let directory = try makeTemporaryDirectory()
        let json = directory.appendingPathComponent("out.json").path
        try "old text\n".write(toFile: json, atomically: true, encoding: .utf8)
        let script = ".mode json\n.explain on\n.output \(json)\nSELECT country FROM clicks LIMIT 2;\n.output stdout\n"
        let r = try runDubQL(["run", "-"] + now, stdin: script)
        #expect(r.status == 0, "\(r.stderr)")
        let data = try #require(FileManager.default.contents(atPath: json))
        #expect(try JSONSerialization.jsonObject(with: data) is [Any], "\(String(decoding: data, as: UTF8.self))")
        #expect(!r.stderr.isEmpty)
        let lines = directory.appendingPathComponent("lines.txt").path
        let more = ".mode ndjson\n.once \(lines)\nSELECT country FROM clicks LIMIT 2;\n.output --append \(lines)\nSELECT country FROM clicks LIMIT 1;\n.output | wc -l\nSELECT country FROM clicks LIMIT 3;\n"
        let p = try runDubQL(["run", "-"] + now, stdin: more)
        #expect(p.status == 0, "\(p.stderr)")
        #expect(try String(contentsOfFile: lines, encoding: .utf8).split(separator: "\n").count == 3)
        #expect(p.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "3", "\(p.stdout)")
    }

    @Test func queryDashReadsTheQueryFromStandardInput() throws {
        let r = try runDubQL(["query", "-"] + now, stdin: "SELECT sales\nLIMIT 2\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("(2 rows)"))
        let bad = try runDubQL(["query", "-"] + now, stdin: "SELECT sales WHERE\n")
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("<stdin>:"), "\(bad.stderr)")
    }

    @Test func pipedInputRunsWithoutPromptOrHistory() throws {
        let directory = try makeTemporaryDirectory()
        let history = directory.appendingPathComponent("history").path
        let r = try runDubQL(now, stdin: "SELECT leads\nLIMIT 1;\n.mode csv\nSELECT country FROM clicks LIMIT 1\n",
                             environment: ["DUBQL_HISTORY": history])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains("dubql>"))
        #expect(r.stdout.contains("(1 row)"))
        #expect(r.stdout.contains("country\r\n"))
        #expect(!FileManager.default.fileExists(atPath: history))
    }

    @Test func pipedInputExitsWithTheFirstFailure() throws {
        let r = try runDubQL(["repl"] + now, stdin: "SELECT clickz;\nSELECT leads LIMIT 1;\n")
        #expect(r.status == 65)
        #expect(r.stdout.contains("(1 row)"))
    }
}
