// The REPL's persistent history: where the file lives, how entries are stored (one per line,
// newlines escaped so a multi-line statement stays one entry), and how it grows.

import Foundation

/// The history of the REPL, kept in memory and appended to a file (mode 0600) as it grows.
///
/// One entry per statement or dot-command, a multi-line statement included; an entry that
/// repeats the previous one is not added.
public final class History {
    /// Entries kept at most (the file is trimmed to this when it grows to twice as many lines).
    public static let capacity = 1000

    /// The file, or `nil` when history is not persisted (input is not a terminal).
    public let path: String?
    /// The entries, oldest first.
    public private(set) var entries: [String] = []

    /// Loads the history of `path` (missing file: empty history). `persist: false` keeps new
    /// entries in memory only and never touches the file. A persisted file that others may read
    /// is made private (0600): it holds every query typed.
    public init(path: String, persist: Bool) {
        self.path = persist ? path : nil
        if persist { History.restrictPermissions(of: path) }
        guard let data = FileManager.default.contents(atPath: path) else { return }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        entries = lines.map { History.unescape(String($0)) }
        if entries.count > History.capacity {
            entries = Array(entries.suffix(History.capacity))
            if persist { rewrite() }
        }
    }

    /// The file the history lives in: `$DUBQL_HISTORY`, else `$XDG_STATE_HOME/dubql/history`,
    /// else `~/.local/state/dubql/history`.
    public static func defaultPath(environment: [String: String]) -> String {
        if let explicit = environment["DUBQL_HISTORY"], !explicit.isEmpty { return explicit }
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty {
            return (state as NSString).appendingPathComponent("dubql/history")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".local/state/dubql/history")
    }

    /// Adds an entry (blanks around it trimmed) unless it is empty or repeats the previous one,
    /// appending it to the file when persisted; returns whether it was added.
    @discardableResult
    public func add(_ entry: String) -> Bool {
        let trimmed = entry.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed != entries.last else { return false }
        entries.append(trimmed)
        if let path {
            append(History.escape(trimmed) + "\n", to: path)
            if entries.count > 2 * History.capacity {
                entries = Array(entries.suffix(History.capacity))
                rewrite()
            }
        }
        return true
    }

    // MARK: - File

    /// The history holds every query typed, so only its owner may read it: an existing file that
    /// others can read or write (an older version, `touch`, a umask of 022) is tightened to 0600.
    static func restrictPermissions(of path: String) {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_mode & 0o077 != 0 else { return }
        _ = chmod(path, 0o600)
    }

    private func append(_ line: String, to path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                     attributes: [.posixPermissions: 0o700])
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    private func rewrite() {
        guard let path else { return }
        let text = entries.map { History.escape($0) + "\n" }.joined()
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        _ = rename(temporary, path)
    }

    // MARK: - Escaping

    /// One line per entry: `\` becomes `\\` and a newline `\n`.
    static func escape(_ entry: String) -> String {
        entry.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func unescape(_ line: String) -> String {
        var out = ""
        var escaping = false
        for ch in line {
            if escaping {
                out.append(ch == "n" ? "\n" : ch)
                escaping = false
            } else if ch == "\\" {
                escaping = true
            } else {
                out.append(ch)
            }
        }
        return out
    }
}
