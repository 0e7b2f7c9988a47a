// End-to-end tests of how the shell shows results and what statements default to: tables that fit
// by priority, records when a row cannot fit (`.expanded`), the pager (`.pager`, `$PAGER`), the
// session defaults `.since` and `.limit`, the progress line of API scans, and Tab after a lone quote.

import Foundation
import Testing
import DubQLTestSupport

/// True when `text` starts with a whole ISO 8601 timestamp with milliseconds (`2026-08-18T14:03:12.345Z`).
private func startsWithWholeTimestamp(_ text: Substring) -> Bool {
    text.prefixMatch(of: #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/#) != nil
}

@Suite("shell display and session defaults (pipes)")
struct ShellDisplayTests {
    func query(_ q: String, columns: Int?, format: String = "table") throws -> ProcessResult {
        try EngineFixture.query(q, ["--data", EngineFixture.clicks, "--format", format],
                                env: columns.map { ["COLUMNS": String($0)] } ?? [:])
    }

    /// `dubql run -` on the click fixture, with `script` on standard input.
    func script(_ script: String, environment: [String: String] = [:]) throws -> ProcessResult {
        try runDubQL(["run", "-", "--data", EngineFixture.clicks, "--now", EngineFixture.end], stdin: script,
                     environment: environment)
    }

    @Test(arguments: [140, 120])
    func timestampsAreNeverCut(columns: Int) throws {
        let r = try query("SELECT clicks SINCE 30d LIMIT 20", columns: columns)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= columns }, "\(r.stdout)")
        #expect(lines.first?.contains("timestamp") == true && lines.first?.contains("│ shortLink") == true, "\(r.stdout)")
        // Every row starts with its whole timestamp.
        let rows = lines.dropFirst(2).dropLast()
        #expect(rows.count == 20)
        #expect(rows.allSatisfy { startsWithWholeTimestamp($0.dropFirst()) }, "\(r.stdout)")
    }

    @Test func urlsAreShortenedInTheMiddle() throws {
        let wide = try query("SELECT timestamp, url, country FROM clicks SINCE 30d LIMIT 400", columns: nil, format: "csv")
        let urls = wide.stdout.split(separator: "\r\n").dropFirst().map { String($0.split(separator: ",")[1]) }
        let longest = try #require(urls.max { $0.count < $1.count })
        // Narrow enough that the longest URL must give way, wide enough for a table.
        // A line is ` timestamp │ url │ country`: 38 characters besides the URL's column.
        let columns = 38 + max(10, longest.count / 2)
        let r = try query("SELECT timestamp, url, country FROM clicks SINCE 30d LIMIT 400", columns: columns)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= columns })
        #expect(!r.stdout.contains("─[ row"), "a table, not records: \(r.stdout.prefix(500))")
        let cut = lines.compactMap { line -> (String, String)? in
            let cells = line.split(separator: "│").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 3, cells[1].contains("…") else { return nil }
            let parts = cells[1].split(separator: "…", omittingEmptySubsequences: false)
            return (String(parts[0]), String(parts[1]))
        }
        #expect(!cut.isEmpty, "\(r.stdout.prefix(800))")
        // The start and the end of a real URL, around the `…`.
        for (head, tail) in cut {
            #expect(!tail.isEmpty)
            #expect(urls.contains { $0.hasPrefix(head) && $0.hasSuffix(tail) && $0.count > head.count + tail.count }, "\(head)…\(tail)")
        }
        #expect(lines.dropFirst(2).dropLast().allSatisfy { startsWithWholeTimestamp($0.dropFirst()) })
    }

    @Test func rowsThatCannotFitBecomeRecords() throws {
        let r = try query("SELECT clicks SINCE 30d LIMIT 2", columns: 80)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 80 }, "\(r.stdout)")
        #expect(lines.first?.hasPrefix("─[ row 1 ]") == true, "\(r.stdout)")
        #expect(r.stdout.contains("─[ row 2 ]"))
        let timestamps = lines.filter { $0.hasPrefix("timestamp │ ") }
        #expect(timestamps.count == 2)
        #expect(timestamps.allSatisfy { startsWithWholeTimestamp($0.dropFirst("timestamp │ ".count)) && $0.count == "timestamp │ ".count + 24 })
        #expect(lines.contains { $0.hasPrefix("referer   │") })
        #expect(lines.last == "(2 rows)")
    }

    @Test func expandedForcesEitherLayout() throws {
        let off = try script(".expanded off\nSELECT clicks SINCE 30d LIMIT 2;\n", environment: ["COLUMNS": "80"])
        #expect(off.status == 0, "\(off.stderr)")
        #expect(!off.stdout.contains("─[ row"))
        #expect(off.stdout.split(separator: "\n").first?.contains("│ sho…") == true, "\(off.stdout)")
        let on = try script(".expanded on\nSELECT country, city FROM clicks SINCE 30d LIMIT 2;\n.expanded\n")
        #expect(on.status == 0, "\(on.stderr)")
        #expect(on.stdout.hasPrefix("─[ row 1 ]"), "\(on.stdout)")
        #expect(on.stdout.contains("\ncountry │ ") && on.stdout.contains("\ncity    │ "), "\(on.stdout)")
        #expect(on.stdout.contains("expanded: on"))
        let bad = try script(".expanded sometimes\n")
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("expected auto, on or off"), "\(bad.stderr)")
    }

    @Test func pagerNeverRunsWhenStdoutIsNotATerminal() throws {
        let directory = try makeTemporaryDirectory()
        let marker = directory.appendingPathComponent("paged").path
        let r = try script(".pager on\nSELECT timestamp FROM clicks SINCE 30d LIMIT 200;\n.fields\n",
                           environment: ["PAGER": "touch '\(marker)'; cat >/dev/null"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("(200 rows)"))
        #expect(r.stdout.contains("metadata.<key>"))
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test func sinceAndLimitApplyToStatementsWithoutTheClause() throws {
        func count(_ statements: String) throws -> [String] {
            let r = try script(".mode csv\n" + statements)
            #expect(r.status == 0, "\(r.stderr)")
            return r.stdout.split(separator: "\r\n").filter { !$0.hasPrefix("count") }.map(String.init)
        }
        let explicit = try count("SELECT count() FROM clicks SINCE 7d;\nSELECT count() FROM clicks SINCE 24h;\n")
        #expect(explicit.count == 2 && explicit[0] != explicit[1], "the fixture must tell 7d from 24h: \(explicit)")
        // `.since` replaces the 24h default, not a statement's own range; `off` restores it.
        #expect(try count(".since 7d\nSELECT count() FROM clicks;\nSELECT count() FROM clicks SINCE 24h;\n.since off\nSELECT count() FROM clicks;\n")
                == [explicit[0], explicit[1], explicit[1]])

        let all = try script(".mode csv\n.limit all\nSELECT click.id FROM clicks SINCE 30d;\n.limit 3\nSELECT clicks SINCE 30d;\nSELECT clicks SINCE 30d LIMIT 5;\n.limit\n")
        #expect(all.status == 0, "\(all.stderr)")
        let sections = all.stdout.components(separatedBy: "click.id\r\n")
        #expect(sections.count == 2)
        let rest = sections[1].components(separatedBy: "timestamp,")
        // 400 events in the fixture, all within 30 days: every one, not the default 100.
        #expect(rest[0].split(separator: "\r\n").count == 400, "\(rest[0].prefix(200))")
        #expect(rest.count == 3)
        #expect(rest[1].split(separator: "\r\n").count == 1 + 3)
        #expect(rest[2].split(separator: "\r\n").filter { !$0.hasPrefix("limit:") }.count == 1 + 5)
        #expect(all.stdout.contains("limit: 3"))
    }

    @Test func sessionDefaultsShowInExplain() throws {
        let r = try script(".since 30d\n.limit 7\n.mode url\nSELECT clicks;\n", environment: [:])
        // `.mode url` is a dry run of the API plan; the local fixture still plans it.
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("interval=30d"), "\(r.stdout)")
        #expect(r.stdout.contains("limit=7"), "\(r.stdout)")
    }

    @Test(arguments: [".since yesterday-ish", ".limit 0", ".limit lots", ".since 7d LIMIT 3"])
    func badDefaultsAreErrors(line: String) throws {
        let r = try script(line + "\n")
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.contains("error"), "\(r.stderr)")
    }

    @Test func checkAcceptsTheNewDotCommands() throws {
        // `dubql check` reads the same dot-commands a script may hold.
        let r = try runDubQL(["check", "-"], stdin: ".expanded auto\n.pager off\n.since mtd\n.limit all\nSELECT clicks;\n")
        #expect(r.status == 0, "\(r.stderr)")
    }
}

// MARK: - API progress

/// A `dubql serve` of 2,500 generated clicks, so that a listing of them takes three pages.
private func servePagedClicks() throws -> (ServeProcess, now: String) {
    let directory = try makeTemporaryDirectory()
    let path = directory.appendingPathComponent("clicks.ndjson").path
    let now = "2026-08-18T12:00:00Z"
    let g = try runDubQL(["generate", "--event", "clicks", "--count", "2500", "--seed", "5", "--days", "5",
                          "--end", now, "--output", path])
    #expect(g.status == 0, "\(g.stderr)")
    return (try ServeProcess(["--data", path, "--now", now, "--quiet"]), now)
}

@Suite("API scan progress", .serialized)
struct ProgressTests {
    @Test func nothingWhenStderrIsAPipe() throws {
        let (server, now) = try servePagedClicks()
        defer { server.stop() }
        let r = try runDubQL(["query", "SELECT click.id FROM clicks SINCE 7d LIMIT 2500", "--format", "csv", "--now", now,
                              "--api-url", server.url], environment: ["DUB_API_KEY": "dub_progressTest123"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\r\n").count == 2501)
        #expect(!r.stderr.contains("fetching"), "\(r.stderr)")
        #expect(!r.stderr.contains("\u{1B}"))
    }

    @Test func aTerminalSeesPagesEventsAndTimeThenAClearedLine() throws {
        let (server, now) = try servePagedClicks()
        defer { server.stop() }
        let directory = try makeTemporaryDirectory()
        let rows = directory.appendingPathComponent("rows.csv").path
        let raw = directory.appendingPathComponent("pane.raw").path
        // stderr is the terminal, stdout a file; a second's pause lets pipe-pane start recording.
        let command = #"sleep 2; "$0" query 'SELECT click.id FROM clicks SINCE 7d LIMIT 2500' --format csv --now "$1" --api-url "$2" > "$3""#
        let t = try TerminalSession(["-c", command, DubQLBinary.url.path, now, server.url, rows],
                                    environment: ["DUB_API_KEY": "dub_progressTest123"], executable: "/bin/sh")
        try t.tmux(["pipe-pane", "-t", "main", "-o", "cat >> '\(raw)'"])
        // What reached the terminal, byte for byte (the screen alone would not show a line that was erased).
        let deadline = Date().addingTimeInterval(60)
        var recorded = ""
        while Date() < deadline && !recorded.contains("[dubql exited with ") {
            usleep(100_000)
            recorded = (try? String(contentsOfFile: raw, encoding: .utf8)) ?? ""
        }
        #expect(recorded.contains("[dubql exited with 0]"), "\(recorded)")
        #expect(recorded.contains("fetching: 2 pages, 2,000 events, "), "\(recorded)")
        #expect(recorded.contains("fetching: 3 pages, 2,500 events, "), "\(recorded)")
        // Erased at the end: the last thing before the exit line is the erase sequence.
        #expect(recorded.components(separatedBy: "[dubql exited")[0].hasSuffix("\r\u{1B}[K"), "\(recorded)")
        let written = try String(contentsOfFile: rows, encoding: .utf8)
        #expect(written.split(separator: "\r\n").count == 2501)
    }
}

// MARK: - In a terminal

@Suite("shell display in a terminal", .serialized)
struct ShellTerminalDisplayTests {
    /// A REPL whose `$PAGER` appends what it is given to a file (and shows nothing).
    func pagedSession() throws -> (TerminalSession, paged: String) {
        let directory = try makeTemporaryDirectory()
        let paged = directory.appendingPathComponent("paged.txt").path
        let t = try TerminalSession(directory: directory, environment: ["PAGER": "cat >> '\(paged)'"])
        return (t, paged)
    }

    func contents(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test func longResultsGoThroughThePagerShortOnesDoNot() throws {
        let (t, paged) = try pagedSession()
        try t.waitForEditor()
        try t.type("SELECT timestamp, country FROM clicks LIMIT 3;")
        try t.press("Enter")
        try t.waitFor("(3 rows)")
        #expect(contents(paged).isEmpty)
        // 60 rows do not fit 40 lines: all of them go to the pager, none to the screen.
        try t.type("SELECT timestamp, country FROM clicks LIMIT 60;")
        try t.press("Enter")
        try t.waitFor("pager ran") { _ in self.contents(paged).contains("(60 rows)") }
        let text = contents(paged)
        #expect(text.hasPrefix(" timestamp"), "\(text.prefix(200))")
        #expect(text.split(separator: "\n").count == 63)
        try t.waitFor("last line is a prompt") { _ in (try? t.lastLine()) == "dubql>" }
        #expect(!(try t.screen()).contains("(60 rows)"))
        // .fields pages too (the catalog is longer than the screen).
        try t.type(".fields")
        try t.press("Enter")
        try t.waitFor(".fields paged") { _ in self.contents(paged).contains("metadata.<key>") }
        // .pager off: the screen again.
        try t.type(".pager off")
        try t.press("Enter")
        try t.type("SELECT timestamp, country FROM clicks LIMIT 45;")
        try t.press("Enter")
        try t.waitFor("(45 rows)")
        #expect(!contents(paged).contains("(45 rows)"))
    }

    @Test func theDefaultPagerIsLess() throws {
        // Without $PAGER: less -SFRX, which shows the first screenful and waits at its `:` prompt.
        let t = try TerminalSession(environment: ["LESS": ""])
        try t.waitForEditor()
        try t.type("SELECT timestamp, country FROM clicks LIMIT 50;")
        try t.press("Enter")
        try t.waitFor("less waits") { _ in (try? t.lastLine()) == ":" }
        #expect(try t.screen().contains(" timestamp"))
        // `q` leaves it (and is not typed at the prompt).
        try t.press("q")
        try t.waitFor("last line is a prompt") { _ in (try? t.lastLine()) == "dubql>" }
    }

    @Test func sessionDefaultsShowInThePrompt() throws {
        let t = try TerminalSession()
        try t.waitForEditor()
        try t.type(".since 7d")
        try t.press("Enter")
        try t.waitFor("dubql (since 7d)>")
        try t.type(".limit all")
        try t.press("Enter")
        try t.waitFor("dubql (since 7d, limit all)>")
        try t.type("SELECT count() FROM clicks")
        try t.press("Enter")
        // The continuation prompt is as wide as the prompt.
        try t.waitFor("                        ...>")
        try t.type(";")
        try t.press("Enter")
        try t.waitFor("(1 row)")
        try t.type(".since off")
        try t.press("Enter")
        try t.type(".limit off")
        try t.press("Enter")
        try t.waitFor("last line is the plain prompt") { _ in (try? t.lastLine()) == "dubql>" }
    }

    /// libedit leaves a lone quote out of the word it completes: the quote must not be doubled,
    /// whether the list of time zones is shown or declined.
    @Test func tabAfterALoneQuoteDoesNotDoubleIt() throws {
        let t = try TerminalSession()
        try t.waitForEditor()
        try t.type("SELECT clicks TIMEZONE '")
        try t.press("Tab")
        try t.press("Tab")
        try t.waitFor("Display all")
        try t.press("n")
        try t.waitFor("line redrawn") { _ in (try? t.lastLine()) == "dubql> SELECT clicks TIMEZONE '" }
        try t.type("Europe/Zur")
        try t.press("Tab")
        try t.waitFor("dubql> SELECT clicks TIMEZONE 'Europe/Zurich'")
        try t.type("LIMIT 1;")
        try t.press("Enter")
        try t.waitFor("(1 row)")
        #expect(!(try t.screen()).contains("''"))
    }
}
