// What a shell knows of the process it runs in: the environment, standard output and error, and
// whether they are terminals. The command line passes the real one; tests pass memory streams, so
// the whole shell runs without a terminal.

import DubQLOutput
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Message stream

/// Where diagnostics, errors and notes go: a file descriptor (standard error), written through at
/// once so messages interleave with results in order, or memory for tests.
public final class MessageStream: @unchecked Sendable {
    private let fd: Int32?
    private var captured: [UInt8] = []

    private init(fd: Int32?) { self.fd = fd }

    /// Standard error.
    public static func standardError() -> MessageStream { MessageStream(fd: 2) }

    /// Memory: what is written can be read back with ``text``.
    public static func memory() -> MessageStream { MessageStream(fd: nil) }

    /// Everything written to a memory stream (empty for a file descriptor).
    public var text: String { String(decoding: captured, as: UTF8.self) }

    /// Writes `text` whole (retrying short writes and interruptions).
    public func write(_ text: String) {
        guard let fd else {
            captured.append(contentsOf: text.utf8)
            return
        }
        FileDescriptor.write(text, to: fd)
    }
}

/// Portable `write(2)`: the whole text, retrying interrupted and short writes.
enum FileDescriptor {
    static func write(_ text: String, to fd: Int32) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count, let base = buffer.baseAddress {
                #if canImport(Glibc)
                let n = Glibc.write(fd, base + offset, buffer.count - offset)
                #elseif canImport(Darwin)
                let n = Darwin.write(fd, base + offset, buffer.count - offset)
                #endif
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }

    /// True when `fd` is a terminal.
    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) != 0 }

    /// The width of the terminal on `fd`, or `nil` when it is none or does not say.
    static func terminalWidth(_ fd: Int32) -> Int? {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// The height (rows) of the terminal on `fd`, or `nil` when it is none or does not say.
    static func terminalHeight(_ fd: Int32) -> Int? {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 else { return nil }
        return Int(size.ws_row)
    }
}

// MARK: - Console

/// The environment and standard streams of a shell, as values: nothing in the shell reads the
/// process's environment or writes to a descriptor it was not given.
public struct Console {
    /// The environment variables (`DUB_API_KEY`, `DUB_API_URL`, `NO_COLOR`, `TERM`, `COLUMNS`,
    /// `DUBQL_HISTORY`, ...).
    public var environment: [String: String]
    /// Standard output: results, plans and the REPL's banner go here unless `.output` says otherwise.
    public var output: OutputSink
    /// True when ``output`` is a terminal: tables fit its width and may be coloured.
    public var outputIsTerminal: Bool
    /// Standard error: diagnostics, errors, notes, timings.
    public var errors: MessageStream
    /// True when ``errors`` is a terminal (diagnostics may be coloured).
    public var errorsAreTerminal: Bool
    /// The current width of the output terminal, when it is one and says.
    public var terminalWidth: () -> Int?
    /// The current height of the output terminal (rows), when it is one and says: results taller
    /// than it go through the pager.
    public var terminalHeight: () -> Int?

    /// A console of these streams; `terminalWidth` is asked each time a table is laid out,
    /// `terminalHeight` each time a result may be paged.
    public init(environment: [String: String], output: OutputSink, outputIsTerminal: Bool,
                errors: MessageStream, errorsAreTerminal: Bool, terminalWidth: @escaping () -> Int? = { nil },
                terminalHeight: @escaping () -> Int? = { nil }) {
        self.environment = environment
        self.output = output
        self.outputIsTerminal = outputIsTerminal
        self.errors = errors
        self.errorsAreTerminal = errorsAreTerminal
        self.terminalWidth = terminalWidth
        self.terminalHeight = terminalHeight
    }

    /// The process's own: its environment, descriptors 1 and 2, and what `isatty` says of them.
    public static func process(environment: [String: String]) -> Console {
        Console(environment: environment, output: .standardOutput(), outputIsTerminal: FileDescriptor.isTerminal(1),
                errors: .standardError(), errorsAreTerminal: FileDescriptor.isTerminal(2),
                terminalWidth: { FileDescriptor.terminalWidth(1) }, terminalHeight: { FileDescriptor.terminalHeight(1) })
    }

    /// Memory streams that are no terminals, for tests: read them back with `output.text` and
    /// `errors.text`.
    public static func memory(environment: [String: String] = [:]) -> Console {
        Console(environment: environment, output: .memory(), outputIsTerminal: false,
                errors: .memory(), errorsAreTerminal: false)
    }

    /// Whether text for one of the streams gets ANSI colour under `mode` (``ColorMode/allowsColor(onTerminal:environment:)``).
    public func useColor(_ mode: ColorMode, onTerminal isTerminal: Bool) -> Bool {
        mode.allowsColor(onTerminal: isTerminal, environment: environment)
    }
}

// MARK: - Colour

/// `--color auto|always|never`.
public enum ColorMode: String, CaseIterable, Sendable {
    case auto, always, never

    /// The one colour rule of every command: never with `never` or with `NO_COLOR` set to
    /// anything (https://no-color.org); with `always`, colour; with `auto`, colour only on a
    /// terminal that is not `TERM=dumb`.
    public func allowsColor(onTerminal isTerminal: Bool, environment: [String: String]) -> Bool {
        if self == .never || !(environment["NO_COLOR"] ?? "").isEmpty { return false }
        return self == .always || (isTerminal && environment["TERM"] != "dumb")
    }
}
