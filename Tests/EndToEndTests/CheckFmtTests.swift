// `dubql check` and `dubql fmt` through the built binary: output, carets, exit codes, stdin.

import Foundation
import Testing
import DubQLTestSupport

@Suite("check and fmt")
struct CheckFmtTests {
    func write(_ text: String, name: String = "q.dql") throws -> URL {
        let url = try makeTemporaryDirectory().appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    // MARK: - check

    @Test func checkValidFileIsSilentAndExitsZero() throws {
        let file = try write("SELECT sales WHERE country IN (US) AND NOT browser = Chrome SINCE 30d;\nSELECT clicks LIMIT 5\n")
        let r = try runDubQL(["check", file.path])
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty && r.stderr.isEmpty, "\(r.stderr)")
    }

    @Test func checkSyntaxErrorShowsCaretAndExits65() throws {
        let file = try write("SELECT clicks WHERE country =\n")
        let r = try runDubQL(["check", file.path])
        #expect(r.status == 65)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == """
            \(file.path):1:30: error[DQL0201]: expected a value, found end of input
            1 | SELECT clicks WHERE country =
              |                              ^

            """)
    }

    @Test func checkCaretUnderUTF8Line() throws {
        let file = try write("SELECT clicks WHERE city = 'Zürich' AND region = Zürich\n")
        let r = try runDubQL(["check", file.path])
        #expect(r.status == 65)
        #expect(r.stderr.hasPrefix("""
            \(file.path):1:51: error[DQL0101]: unexpected character 'ü' in 'Zürich'
            1 | SELECT clicks WHERE city = 'Zürich' AND region = Zürich
              |                                                   ^
              = help: unquoted names and values are ASCII; quote the text: 'Zürich'

            """), "\(r.stderr)")
    }

    @Test func checkReportsSeveralErrorsAndDidYouMean() throws {
        let r = try runDubQL(["check", "-"], stdin: "SELEC clicks;\nSELECT clicks WHER country = US;\nSELECT leads LIMIT 1 LIMIT 2\n")
        #expect(r.status == 65)
        #expect(r.stderr.contains("<stdin>:1:1: error[DQL0201]: expected 'SELECT', found 'SELEC'"))
        #expect(r.stderr.contains("= help: did you mean 'SELECT'?"))
        #expect(r.stderr.contains("<stdin>:2:15: error[DQL0201]: expected a clause"))
        #expect(r.stderr.contains("= help: did you mean 'WHERE'?"))
        #expect(r.stderr.contains("<stdin>:3:22: error[DQL0202]: duplicate LIMIT clause"))
        #expect(r.stderr.contains("<stdin>:3:14: note: the first LIMIT clause is here"))
    }

    @Test func checkReportsMeaningErrors() throws {
        let r = try runDubQL(["check", "-"], stdin: "SELECT clicks WHERE contry = US SINCE 30d\n")
        #expect(r.status == 65)
        #expect(r.stderr.contains("<stdin>:1:21: error[DQL0302]"), "\(r.stderr)")
        #expect(r.stderr.contains("country"))
    }

    /// The README's weekly.dql: the dot-command lines `dubql run` accepts are no errors.
    static let weekly = """
        -- weekly.dql: German clicks as CSV, then the plan of a sales query
        .mode csv
        .output clicks-de.csv
        SELECT timestamp, city, browser FROM clicks
          WHERE country = DE SINCE 7d
          LIMIT 1000;
        .output stdout
        .mode plan
        SELECT sales WHERE country = US OR browser = Chrome SINCE 30d;

        """

    @Test func checkAcceptsTheDotCommandsThatRunAccepts() throws {
        let r = try runDubQL(["check", try write(Self.weekly, name: "weekly.dql").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        let bad = try runDubQL(["check", "-"], stdin: "SELECT leads;\n.mdoe csv\n.mode xml\n")
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("<stdin>:2:1: error[DQL0701]: unknown command '.mdoe'"), "\(bad.stderr)")
        #expect(bad.stderr.contains("did you mean '.mode'?"))
        #expect(bad.stderr.contains("<stdin>:3:1: error[DQL0701]"), "\(bad.stderr)")
    }

    @Test func checkReportsMeaningErrorsBesideASyntaxError() throws {
        let r = try runDubQL(["check", "-"], stdin: "SELECT clicks WHER country = US;\nSELECT clicks WHERE contry = US SINCE 30d;\n")
        #expect(r.status == 65)
        #expect(r.stderr.contains("<stdin>:1:15: error[DQL0201]"), "\(r.stderr)")
        #expect(r.stderr.contains("<stdin>:2:21: error[DQL0302]"), "\(r.stderr)")
    }

    @Test func checkHintsForHabitsFromOtherTools() throws {
        let r = try runDubQL(["check", "-"], stdin: "SELECT clicks WHERE os = Mac OS;\nSELECT clicks WHERE timestamp BETWEEN 2024-05-01 AND 2024-05-02;\n\\x\n")
        #expect(r.status == 65)
        #expect(r.stderr.contains("quote a value of several words: os = 'Mac OS'"), "\(r.stderr)")
        #expect(!r.stderr.contains("did you mean 'OR'"))
        #expect(r.stderr.contains("write BETWEEN start AND end"), "\(r.stderr)")
        #expect(r.stderr.contains("<stdin>:3:1: error[DQL0701]"), "\(r.stderr)")
        #expect(r.stderr.contains(".mode line"), "\(r.stderr)")
    }

    @Test func checkJSONListsDiagnosticsOnStdout() throws {
        let r = try runDubQL(["check", "--json", "-"], stdin: "SELECT clicks\nWHERE city = Zürich LIMIT 1 LIMIT 2")
        #expect(r.status == 65)
        #expect(r.stderr.isEmpty)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(array.count == 2)
        #expect(array.first?["file"] as? String == "<stdin>")
        #expect(array.first?["line"] as? Int == 2)
        #expect(array.first?["column"] as? Int == 15)
        #expect(array.first?["code"] as? String == "DQL0101")
        #expect(array.first?["severity"] as? String == "error")
        #expect(array.last?["code"] as? String == "DQL0202")
        let notes = try #require(array.last?["notes"] as? [[String: Any]])
        #expect(notes.first?["column"] as? Int == 21)
        let clean = try runDubQL(["check", "--json", "-"], stdin: "SELECT clicks")
        #expect(clean.status == 0)
        #expect(clean.stdout == "[]\n")
    }

    @Test func checkRejectsBadClockOptions() throws {
        let zone = try runDubQL(["check", "--timezone", "Nowhere/Zone", "-"], stdin: "SELECT clicks")
        #expect(zone.status == 64)
        #expect(zone.stderr.contains("unknown time zone 'Nowhere/Zone'"))
        let now = try runDubQL(["check", "--now", "garbage", "-"], stdin: "SELECT clicks")
        #expect(now.status == 64)
        #expect(now.stderr.contains("invalid instant 'garbage'"))
    }

    @Test func checkMissingFileExits66() throws {
        let r = try runDubQL(["check", "/nonexistent/dir/q.dql"])
        #expect(r.status == 66)
        #expect(r.stderr.contains("cannot read '/nonexistent/dir/q.dql'"))
    }

    @Test func checkColorOnlyWhenAsked() throws {
        let plain = try runDubQL(["check", "-"], stdin: "SELEC clicks")
        #expect(!plain.stderr.contains("\u{1B}["))
        let colored = try runDubQL(["check", "--color", "always", "-"], stdin: "SELEC clicks")
        #expect(colored.stderr.contains("\u{1B}[1;31merror[DQL0201]"))
        let never = try runDubQL(["check", "--color", "never", "-"], stdin: "SELEC clicks")
        #expect(!never.stderr.contains("\u{1B}["))
    }

    @Test func checkSeveralFilesOneBad() throws {
        let good = try write("SELECT clicks\n", name: "good.dql")
        let bad = try write("SELECT clicks LIMIT\n", name: "bad.dql")
        let r = try runDubQL(["check", good.path, bad.path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("bad.dql:1:20: error[DQL0201]: expected an integer after 'LIMIT', found end of input"))
        #expect(!r.stderr.contains("good.dql"))
    }

    // MARK: - fmt

    @Test func fmtPrintsCanonicalForm() throws {
        let file = try write("select sales where country in ('US') and not browser=\"Chrome\"\n  since 30d limit 10 timezone utc;select * from clicks")
        let r = try runDubQL(["fmt", file.path])
        #expect(r.status == 0)
        #expect(r.stdout == """
            SELECT sales WHERE country IN (US) AND NOT browser = Chrome SINCE 30d TIMEZONE 'utc' LIMIT 10;
            SELECT * FROM clicks;

            """)
    }

    @Test func fmtIsIdempotent() throws {
        let first = try runDubQL(["fmt", "-"], stdin: "SELECT clicks WHERE (a = 1 AND b = 2) OR NOT (c IN (x, 'y z')) ORDER BY timestamp asc")
        #expect(first.status == 0)
        let second = try runDubQL(["fmt", "-"], stdin: first.stdout)
        #expect(second.status == 0)
        #expect(second.stdout == first.stdout)
        #expect(first.stdout == "SELECT clicks WHERE a = 1 AND b = 2 OR NOT c IN (x, 'y z') ORDER BY timestamp ASC;\n")
        let check = try runDubQL(["fmt", "--check", "-"], stdin: first.stdout)
        #expect(check.status == 0)
    }

    @Test func fmtCheckFlagsNonCanonicalInput() throws {
        let r = try runDubQL(["fmt", "--check", "-"], stdin: "select clicks")
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("<stdin>: not in canonical form"))
    }

    @Test func fmtWithSyntaxErrorsPrintsDiagnosticsAndExits65() throws {
        let r = try runDubQL(["fmt", "-"], stdin: "SELECT clicks WHERE (country = US")
        #expect(r.status == 65)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("<stdin>:1:34: error[DQL0201]: expected ')', found end of input"))
    }

    @Test func fmtKeepsComments() throws {
        let r = try runDubQL(["fmt", "-"], stdin: "-- daily report\nselect clicks /* all */ since 7d; -- done\n")
        #expect(r.status == 0)
        #expect(r.stdout == "-- daily report\n/* all */\nSELECT clicks SINCE 7d;\n-- done\n")
        #expect(r.stderr.contains("comments inside a statement were moved before it"))
        let again = try runDubQL(["fmt", "--check", "-"], stdin: r.stdout)
        #expect(again.status == 0 && again.stderr.isEmpty)
    }

    @Test func fmtKeepsDotCommandLinesAndFormatsTheStatements() throws {
        let r = try runDubQL(["fmt", "-"], stdin: Self.weekly)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == """
            -- weekly.dql: German clicks as CSV, then the plan of a sales query
            .mode csv
            .output clicks-de.csv
            SELECT timestamp, city, browser FROM clicks WHERE country = DE SINCE 7d LIMIT 1000;
            .output stdout
            .mode plan
            SELECT sales WHERE country = US OR browser = Chrome SINCE 30d;

            """)
        let again = try runDubQL(["fmt", "--check", "-"], stdin: r.stdout)
        #expect(again.status == 0, "\(again.stderr)")
        let bad = try runDubQL(["fmt", "-"], stdin: ".mode csv\nSELECT clicks WHERE\n")
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("<stdin>:2:"), "\(bad.stderr)")
    }

    @Test func fmtWriteRewritesFilesInPlace() throws {
        let file = try write("select clicks -- note\nwhere country = 'US'\n")
        let canonical = try write("SELECT leads;\n", name: "canonical.dql")
        let r = try runDubQL(["fmt", "--write", file.path, canonical.path])
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
        #expect(try String(contentsOf: file, encoding: .utf8) == "-- note\nSELECT clicks WHERE country = US;\n")
        #expect(try String(contentsOf: canonical, encoding: .utf8) == "SELECT leads;\n")
        let stdin = try runDubQL(["fmt", "--write", "-"], stdin: "select clicks")
        #expect(stdin.status == 64)
    }

    @Test func fmtMissingFileExits66() throws {
        let r = try runDubQL(["fmt", "/nonexistent/q.dql"])
        #expect(r.status == 66)
    }

    @Test func helpListsCheckAndFmt() throws {
        let r = try runDubQL(["--help"])
        #expect(r.stdout.contains("check"))
        #expect(r.stdout.contains("fmt"))
    }
}
