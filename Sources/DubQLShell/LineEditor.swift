// Reading REPL input: libedit (readline-compatible API) on a terminal, plain lines otherwise,
// with Ctrl-C reported as an interruption rather than as end of input.

@preconcurrency import CLibEdit
import DubQL
import Foundation

// MARK: - Line sources

/// What one read of a line gave.
public enum LineRead: Equatable, Sendable {
    /// A line, without its newline.
    case line(String)
    /// Ctrl-C: drop what is pending and prompt again.
    case interrupted
    /// Ctrl-D on an empty line, or the end of piped input.
    case endOfInput
}

/// Reads lines of REPL input: from a terminal with editing (libedit), from a pipe, or from a
/// script in tests. The REPL needs nothing else of its input.
public protocol LineSource: AnyObject {
    /// Reads one line, showing `prompt` when interactive.
    func readLine(prompt: String) -> LineRead
    /// Records one history entry, for recall with Up (interactive sources only).
    func addHistory(_ entry: String)
    /// True when input comes from a person at a terminal: the REPL then prints its banner, runs
    /// a complete statement at Enter and writes history; otherwise input is a script.
    var isInteractive: Bool { get }
    /// The earlier lines of the statement being typed, set before each read so that Tab
    /// completion sees the whole statement.
    func setPendingText(_ text: String)
}

extension LineSource {
    /// Sources without completion need no pending text.
    public func setPendingText(_ text: String) {}
}

/// Reads lines from standard input without prompts or history, for pipes and files.
final class PlainLineSource: LineSource {
    var isInteractive: Bool { false }

    func readLine(prompt: String) -> LineRead {
        Interrupts.reset()
        guard let line = Swift.readLine(strippingNewline: true) else {
            return Interrupts.pending ? .interrupted : .endOfInput
        }
        return .line(line)
    }

    func addHistory(_ entry: String) {}
}

// MARK: - State shared with libedit's C callbacks

/// Computes Tab completions from the text before the cursor (pending lines included): returns the
/// replacement candidates for the word under the cursor.
nonisolated(unsafe) var lineEditorCompleter: ((String) -> [String])?
/// Lines of the statement typed so far, prepended to the current line for completion context.
nonisolated(unsafe) var lineEditorPendingText = ""
/// Characters that end a word for completion: must match the completer's own notion of a word.
nonisolated(unsafe) let lineEditorWordBreaks: UnsafeMutablePointer<CChar> = strdup(Completion.wordBreakString) ?? UnsafeMutablePointer<CChar>.allocate(capacity: 1)

/// libedit's `rl_getc_function`: reads one key from the terminal. Two reasons to replace the
/// default: it retries reads interrupted by Ctrl-C (so the prompt would never notice), and it
/// hands libedit single bytes, which mangles UTF-8 (`Zürich`). This one returns -1 (end of input)
/// when Ctrl-C interrupted the read, and decodes a UTF-8 sequence into one code point.
private let readKey: @convention(c) (UnsafeMutablePointer<FILE>?) -> Int32 = { stream in
    let fd = stream.map { fileno($0) } ?? 0
    // Back from Ctrl-Z (`fg`): libedit restored raw mode but, when ^Z came as a key, redraws nothing.
    if continueReceived != 0 {
        continueReceived = 0
        rl_forced_update_display()
    }
    func byte() -> Int32 {
        var b: UInt8 = 0
        while true {
            let n = read(fd, &b, 1)
            if n == 1 { return Int32(b) }
            if n < 0 && errno == EINTR {
                if interruptReceived != 0 { return -1 }
                continueReceived = 0
                // Resumed after Ctrl-Z (SIGCONT) or resized: libedit has restored raw mode, but
                // only its own reader redraws, so redraw the prompt and the line here.
                rl_forced_update_display()
                continue
            }
            return -1
        }
    }
    let first = byte()
    guard first >= 0xC0 else { return first }
    let extra = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : 1
    var scalar = first & (first >= 0xF0 ? 0x07 : first >= 0xE0 ? 0x0F : 0x1F)
    for _ in 0..<extra {
        let next = byte()
        guard next >= 0 else { return -1 }
        guard next & 0xC0 == 0x80 else { return 0xFFFD }
        scalar = (scalar << 6) | (next & 0x3F)
    }
    return scalar
}

/// The application name libedit matches in `~/.editrc`.
nonisolated(unsafe) let lineEditorName: UnsafeMutablePointer<CChar> = strdup("dubql") ?? UnsafeMutablePointer<CChar>.allocate(capacity: 1)

/// libedit's `rl_attempted_completion_function`: asks the completer, never falls back to file names.
private let attemptedCompletion: @convention(c) (UnsafePointer<CChar>?, Int32, Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = { text, _, _ in
    rl_attempted_completion_over = 1
    guard let completer = lineEditorCompleter, let buffer = rl_line_buffer else { return nil }
    let bytes = UnsafeRawBufferPointer(start: buffer, count: Int(max(0, min(rl_point, Int32(strlen(buffer))))))
    let beforeCursor = String(decoding: bytes, as: UTF8.self)
    let context = lineEditorPendingText.isEmpty ? beforeCursor : lineEditorPendingText + "\n" + beforeCursor
    let candidates = completer(context)
    guard !candidates.isEmpty else { return nil }
    // A directory or an unfinished quote wants no blank after it.
    if candidates.count == 1, let only = candidates.first, only.hasSuffix("/") {
        rl_completion_append_character = 0
    } else {
        rl_completion_append_character = Int32(UInt8(ascii: " "))
    }
    guard let text else { return nil }
    // libedit leaves a lone opening quote out of the word it replaces (`TIMEZONE '` gives it an
    // empty word), while the candidates start with that quote: insert them without it, or the
    // quote would be doubled (`TIMEZONE ''`).
    let word = String(beforeCursor.reversed().prefix { !Completion.wordBreakCharacters.contains($0) }.reversed())
    let replaced = String(cString: text)
    let kept = word.hasSuffix(replaced) ? String(word.dropLast(replaced.count)) : ""
    return completionMatches(candidates, keeping: kept)
}

/// The array libedit wants from a completion: the text to put in place of its word (what every
/// candidate has in common, less `kept`, the part of the word libedit does not replace), then
/// the candidates to list (none for a single one), then `NULL`; all malloc'd, as libedit frees them.
private func completionMatches(_ candidates: [String], keeping kept: String) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    var common = candidates[0]
    for c in candidates.dropFirst() {
        common = String(zip(common, c).prefix { $0 == $1 }.map(\.0))
    }
    let insert = kept.isEmpty || !common.hasPrefix(kept) ? common : String(common.dropFirst(kept.count))
    let listed = candidates.count == 1 ? [] : candidates
    let count = 1 + listed.count + 2
    guard let raw = malloc(MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * count) else { return nil }
    let matches = raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: count)
    matches[0] = strdup(insert)
    for (i, c) in listed.enumerated() { matches[i + 1] = strdup(c) }
    matches[listed.count + 1] = nil
    matches[listed.count + 2] = nil
    return matches
}

// MARK: - libedit

/// A terminal line editor on libedit's readline emulation: editing, history recall, Tab completion.
final class EditLineSource: LineSource {
    var isInteractive: Bool { true }

    /// Sets libedit up. Call once, after `setlocale`, before the first read.
    init(history: [String], completer: @escaping (String) -> [String]) {
        rl_readline_name = UnsafePointer(lineEditorName)
        lineEditorCompleter = completer
        rl_attempted_completion_function = attemptedCompletion
        rl_getc_function = readKey
        rl_basic_word_break_characters = UnsafePointer(lineEditorWordBreaks)
        rl_completer_word_break_characters = lineEditorWordBreaks
        rl_initialize()
        stifle_history(1000)
        for entry in history { add_history(entry) }
    }

    /// The pending lines of the statement being typed, so completion sees the whole statement.
    func setPendingText(_ text: String) {
        lineEditorPendingText = text
    }

    func readLine(prompt: String) -> LineRead {
        Interrupts.reset()
        guard let raw = CLibEdit.readline(prompt) else {
            if Interrupts.pending {
                // libedit leaves the cursor after the abandoned input.
                FileHandle.standardOutput.write(Data("^C\n".utf8))
                return .interrupted
            }
            return .endOfInput
        }
        defer { free(raw) }
        return .line(String(cString: raw))
    }

    func addHistory(_ entry: String) {
        add_history(entry)
    }
}

// MARK: - Locale

enum TerminalLocale {
    /// Lets libedit read multibyte input: without a UTF-8 `LC_CTYPE` it drops non-ASCII keys
    /// (`Zürich`). Falls back to `C.UTF-8` when the environment names no UTF-8 locale.
    static func setUp() {
        if let current = setlocale(LC_CTYPE, ""), String(cString: current).uppercased().contains("UTF") { return }
        if setlocale(LC_CTYPE, "C.UTF-8") == nil { _ = setlocale(LC_CTYPE, "en_US.UTF-8") }
    }
}
