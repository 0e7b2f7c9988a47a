// A real terminal for REPL tests: the `dubql` binary in a detached tmux session (own socket),
// driven with send-keys and read with capture-pane, waiting for text rather than for time.

import Foundation
import Testing
import DubQLTestSupport

/// One `dubql` REPL in its own tmux server.
final class TerminalSession {
    let socket: String
    let historyPath: String
    let directory: URL

    /// Starts `dubql arguments` in a 120x40 terminal, with history in a temporary file; with
    /// `shell`, an interactive bash (prompt `$ `) instead, for job control; with `executable`,
    /// that program instead of dubql (`/bin/sh` with `-c`, to redirect dubql's output).
    init(_ arguments: [String] = ["--now", "2024-06-01T12:00:00Z"], historyPath: String? = nil,
         directory: URL? = nil, environment: [String: String] = [:], shell: Bool = false,
         executable: String? = nil) throws {
        socket = "dubql-test-\(UUID().uuidString.prefix(12))"
        self.directory = try directory ?? makeTemporaryDirectory()
        self.historyPath = historyPath ?? self.directory.appendingPathComponent("history").path
        var env = ["DUBQL_HISTORY": self.historyPath, "LANG": "C.UTF-8", "DUB_API_KEY": "", "DUB_API_URL": "",
                   "NO_COLOR": "1", "HOME": self.directory.path]
        if shell { env["PS1"] = "$ " }
        for (k, v) in environment { env[k] = v }
        var args = ["new-session", "-d", "-x", "120", "-y", "40", "-s", "main", "-c", self.directory.path]
        for (k, v) in env.sorted(by: { $0.key < $1.key }) { args += ["-e", "\(k)=\(v)"] }
        // A small shell around dubql prints its exit status: tmux may not have reaped the pane's
        // process yet when asked. The shell ignores Ctrl-C so that only dubql sees it.
        args += shell ? ["/bin/bash", "--norc", "--noprofile", "-i"]
            : ["/bin/sh", "-c", #"trap '' INT; "$0" "$@"; echo "[dubql exited with $?]""#, executable ?? DubQLBinary.url.path] + arguments
        try tmux(args)
        // Keep the pane after dubql exits, to read its exit status.
        try tmux(["set-option", "-t", "main", "remain-on-exit", "on"])
    }

    /// Ends dubql, the pane's shell and the tmux server, even when dubql is still reading.
    deinit {
        let pane = Int32((try? tmux(["display-message", "-p", "-t", "main", "#{pane_pid}"]))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        let server = Int32((try? tmux(["display-message", "-p", "-t", "main", "#{pid}"]))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        if pane > 1 {
            kill(-pane, SIGKILL)
            kill(pane, SIGKILL)
        }
        _ = try? tmux(["kill-server"])
        if server > 1 { kill(server, SIGKILL) }
    }

    /// Runs `tmux -L socket ARGS` and returns its standard output.
    @discardableResult
    func tmux(_ arguments: [String]) throws -> String {
        let process = Process()
        // The tmux server forks from the first client and keeps every descriptor it inherits,
        // so the test process would never see its own pipes (or Foundation's child-watching
        // socket) close: bash closes everything above stderr before it becomes tmux.
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", TerminalSession.closeAndExec, "tmux", "-L", socket, "-f", "/dev/null"] + arguments
        // Only commands that print read a pipe (the server exists by then and does not inherit it).
        let prints = ["capture-pane", "display-message"].contains(arguments.first ?? "")
        let out = Pipe()
        process.standardOutput = prints ? out : FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = prints ? out.fileHandleForReading.readDataToEndOfFile() : Data()
        // Poll rather than waitUntilExit, which can stall while the test pool's threads are busy.
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(2_000) }
        return String(decoding: data, as: UTF8.self)
    }

    static let closeAndExec = #"for f in /proc/$$/fd/*; do n=${f##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done 2>/dev/null; exec tmux "$@""#

    /// Types text literally. tmux reads a `;` ending an argument as a command separator: escape it.
    func type(_ text: String) throws {
        let escaped = text.hasSuffix(";") ? String(text.dropLast()) + "\\;" : text
        try tmux(["send-keys", "-t", "main", "-l", escaped])
    }

    /// Pastes `text` as a terminal does (tmux turns each newline into a carriage return).
    func paste(_ text: String) throws {
        try tmux(["set-buffer", "-b", "paste", "--", text])
        try tmux(["paste-buffer", "-b", "paste", "-d", "-t", "main"])
    }

    /// Presses named keys: `Enter`, `Tab`, `C-c`, `C-d`, `Up`.
    func press(_ keys: String...) throws {
        try tmux(["send-keys", "-t", "main"] + keys)
    }

    /// The visible screen; tmux drops trailing blanks of each line.
    func screen() throws -> String {
        try tmux(["capture-pane", "-p", "-t", "main"])
    }

    /// Waits until the screen satisfies `condition` (at most `timeout` seconds) and returns it.
    @discardableResult
    func waitFor(_ what: String, timeout: TimeInterval = 40, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            usleep(50_000)
        }
        throw TerminalTimeout(waitingFor: what, screen: last)
    }

    /// Waits until the screen contains `text`.
    @discardableResult
    func waitFor(_ text: String, timeout: TimeInterval = 40) throws -> String {
        try waitFor(text, timeout: timeout) { $0.contains(text) }
    }

    /// Waits for the first prompt (start-up loads the demo data).
    func waitForPrompt() throws {
        // capture-pane drops trailing blanks, so the prompt shows as `dubql>`.
        try waitFor("dubql>", timeout: 60)
    }

    /// Waits until libedit edits the line (Tab completes `SEL`), then clears it: keys sent before
    /// the terminal is in raw mode would reach the tty driver instead.
    func waitForEditor() throws {
        try waitForPrompt()
        try type("SEL")
        try press("Tab")
        try waitFor("dubql> SELECT")
        try press("C-u")
        try waitFor("line cleared") { $0.split(separator: "\n").last.map(String.init) == "dubql>" }
    }

    /// The last non-empty line of the screen (where the cursor usually is).
    func lastLine() throws -> String {
        try screen().split(separator: "\n").last.map(String.init) ?? ""
    }

    /// Waits until dubql exits and returns its exit status.
    func waitForExit(timeout: TimeInterval = 20) throws -> Int {
        let marker = "[dubql exited with "
        let screen = try waitFor(marker, timeout: timeout)
        guard let range = screen.range(of: marker) else { return -1 }
        return Int(screen[range.upperBound...].prefix(while: \.isNumber)) ?? -1
    }
}

struct TerminalTimeout: Error, CustomStringConvertible {
    var waitingFor: String
    var screen: String
    var description: String { "timed out waiting for \(waitingFor); screen:\n\(screen)" }
}
