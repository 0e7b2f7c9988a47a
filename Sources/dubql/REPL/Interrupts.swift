// Ctrl-C in the REPL: a SIGINT handler that only records the interruption, so a blocking read
// returns (no SA_RESTART) and a running query can notice it and stop.

import Foundation

// MARK: - State written by the signal handler

/// Set by the SIGINT handler; read and cleared by the REPL. A plain word store is all a signal
/// handler may safely do.
nonisolated(unsafe) var interruptReceived: Int32 = 0
/// True while a query runs: a second Ctrl-C then ends the process (exit 130), in case the query
/// does not notice the first one.
nonisolated(unsafe) var interruptForceExit: Int32 = 0

private let interruptHandler: @convention(c) (Int32) -> Void = { _ in
    if interruptForceExit != 0 && interruptReceived != 0 {
        let message = "\ninterrupted\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        _exit(130)
    }
    interruptReceived = 1
}

// MARK: - API

/// Installing the SIGINT handler and asking whether Ctrl-C was pressed.
enum Interrupts {
    /// Installs the handler with `sigaction`, without `SA_RESTART`, so that `read` returns `EINTR`.
    static func install() {
        var action = sigaction()
        #if os(Linux)
        action.__sigaction_handler.sa_handler = interruptHandler
        #else
        action.__sigaction_u.__sa_handler = interruptHandler
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    /// True when Ctrl-C was pressed since the last ``reset()``.
    static var pending: Bool { interruptReceived != 0 }

    static func reset() { interruptReceived = 0 }

    /// Runs `body` (a query) with Ctrl-C armed to cancel it: the first press is recorded for the
    /// query to notice, a second one ends the process.
    static func whileRunning<T>(_ body: () async throws -> T) async rethrows -> T {
        reset()
        interruptForceExit = 1
        defer { interruptForceExit = 0 }
        return try await body()
    }
}
