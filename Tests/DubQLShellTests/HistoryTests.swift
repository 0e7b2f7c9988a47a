// The REPL's history: one entry per statement (multi-line ones included), no repeats of the
// previous entry, a private file (0600) that survives restarts, and no writes at all when the
// input is not a terminal.

import Foundation
import Testing
import DubQLTestSupport
@testable import DubQLShell

private func permissions(_ path: String) throws -> Int {
    let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)
    return mode.intValue & 0o777
}

/// A history file that exists already, holding `text`, with permissions `mode`.
private func existingFile(_ text: String, mode: mode_t) throws -> String {
    let path = try makeTemporaryDirectory(prefix: "dubql-shell").appendingPathComponent("history").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    _ = chmod(path, mode)
    return path
}

@Suite struct HistoryTests {
    @Test func aMultiLineStatementIsOneEntryInMemoryAndOnDisk() throws {
        let path = try makeTemporaryDirectory(prefix: "dubql-shell").appendingPathComponent("history").path
        let t = TestShell(interactive: true)
        let history = History(path: path, persist: true)
        let (status, input) = t.repl(["SELECT clicks WHERE", "country NOT IN (AQ,", "BV) SINCE 30d LIMIT 2;", ".history"],
                                     interactive: true, history: history)
        #expect(status == .ok)
        let entry = "SELECT clicks WHERE\ncountry NOT IN (AQ,\nBV) SINCE 30d LIMIT 2;"
        #expect(history.entries == [entry, ".history"])
        #expect(input.historyEntries == [entry, ".history"])
        #expect(try String(contentsOfFile: path, encoding: .utf8)
            == "SELECT clicks WHERE\\ncountry NOT IN (AQ,\\nBV) SINCE 30d LIMIT 2;\n.history\n")
        // A restart reads the same entries back.
        #expect(History(path: path, persist: true).entries == [entry, ".history"])
    }

    @Test func severalStatementsOnOneLineAreOneEntry() {
        let t = TestShell(interactive: true)
        let history = History(path: "/nonexistent/dubql-test/history", persist: false)
        _ = t.repl(["SELECT leads SINCE 30d LIMIT 1; SELECT sales SINCE 30d LIMIT 1;"], interactive: true, history: history)
        #expect(history.entries == ["SELECT leads SINCE 30d LIMIT 1; SELECT sales SINCE 30d LIMIT 1;"])
    }

    @Test func consecutiveDuplicatesCollapse() throws {
        let path = try makeTemporaryDirectory(prefix: "dubql-shell").appendingPathComponent("history").path
        let t = TestShell(interactive: true)
        let history = History(path: path, persist: true)
        _ = t.repl(["SELECT leads SINCE 30d LIMIT 1;", "SELECT leads SINCE 30d LIMIT 1;", "  SELECT leads SINCE 30d LIMIT 1;  ",
                    ".mode csv", "SELECT leads SINCE 30d LIMIT 1;", "", "   "], interactive: true, history: history)
        #expect(history.entries == ["SELECT leads SINCE 30d LIMIT 1;", ".mode csv", "SELECT leads SINCE 30d LIMIT 1;"])
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == 3)
        #expect(history.add("SELECT leads SINCE 30d LIMIT 1;") == false)
        #expect(history.add("SELECT sales;") == true)
    }

    @Test func pipedInputWritesNoHistory() throws {
        let directory = try makeTemporaryDirectory(prefix: "dubql-shell")
        let path = directory.appendingPathComponent("state/dubql/history").path
        let t = TestShell()
        let history = History(path: path, persist: false)
        let (status, input) = t.repl(["SELECT leads SINCE 30d LIMIT 1;", ".mode csv"], interactive: false, history: history)
        #expect(status == .ok)
        #expect(history.entries.isEmpty)
        #expect(input.historyEntries.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("state").path))
    }

    @Test func anUnpersistedHistoryNeverTouchesItsFile() throws {
        let path = try existingFile("old\n", mode: 0o644)
        let history = History(path: path, persist: false)
        #expect(history.entries == ["old"])
        history.add("new")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\n")
        #expect(try permissions(path) == 0o644)
    }

    @Test func aNewFileIsPrivateInAPrivateDirectory() throws {
        let directory = try makeTemporaryDirectory(prefix: "dubql-shell")
        let path = directory.appendingPathComponent("state/dubql/history").path
        let history = History(path: path, persist: true)
        history.add("SELECT leads;")
        #expect(try permissions(path) == 0o600)
        #expect(try permissions((path as NSString).deletingLastPathComponent) == 0o700)
    }

    @Test func anExistingFileThatOthersCanReadIsMadePrivate() throws {
        let path = try existingFile("SELECT leads;\n", mode: 0o644)
        let history = History(path: path, persist: true)
        #expect(history.entries == ["SELECT leads;"])
        #expect(try permissions(path) == 0o600)
    }

    @Test func theFileIsTrimmedWhenItGrowsToTwiceTheCapacity() throws {
        let path = try makeTemporaryDirectory(prefix: "dubql-shell").appendingPathComponent("history").path
        let history = History(path: path, persist: true)
        for i in 0...(2 * History.capacity) { history.add("SELECT clicks LIMIT \(i + 1);") }
        #expect(history.entries.count == History.capacity)
        #expect(history.entries.last == "SELECT clicks LIMIT \(2 * History.capacity + 1);")
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == History.capacity)
        #expect(try permissions(path) == 0o600)
    }

    @Test(arguments: ["a\\b", "two\nlines", "back\\nslash", "ends with \\"])
    func entriesSurviveEscaping(_ entry: String) {
        #expect(History.unescape(History.escape(entry)) == entry)
        #expect(!History.escape(entry).contains("\n"))
    }

    @Test(arguments: [
        (["DUBQL_HISTORY": "/tmp/h", "XDG_STATE_HOME": "/state", "HOME": "/home/me"], "/tmp/h"),
        (["XDG_STATE_HOME": "/state", "HOME": "/home/me"], "/state/dubql/history"),
        (["DUBQL_HISTORY": "", "XDG_STATE_HOME": "", "HOME": "/home/me"], "/home/me/.local/state/dubql/history"),
    ])
    func theFileIsFoundFromTheEnvironment(_ environment: [String: String], _ expected: String) {
        #expect(History.defaultPath(environment: environment) == expected)
    }
}
