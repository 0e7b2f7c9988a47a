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

/// Set by the SIGCONT handler (libedit re-raises the signal to it after its own handler): the
/// line editor redraws the prompt and line before it reads the next key.
nonisolated(unsafe) var continueReceived: Int32 = 0

private let continueHandler: @convention(c) (Int32) -> Void = { signal in
    continueReceived = 1
    // Interrupt the reader's read (see interruptTargetThread), so the line is redrawn at once.
    if let target = interruptTargetThread, pthread_equal(target, pthread_self()) == 0 {
        pthread_kill(target, signal)
    }
}

/// The thread that reads the terminal. The command runs on a thread of Swift's pool, while the
/// kernel may deliver SIGINT to any thread: the handler forwards it here so the read is interrupted.
nonisolated(unsafe) var interruptTargetThread: pthread_t?

private let interruptHandler: @convention(c) (Int32) -> Void = { signal in
    if let target = interruptTargetThread, pthread_equal(target, pthread_self()) == 0 {
        pthread_kill(target, signal)
        return
    }
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
    /// Installs `handler` for `signal` with no flags (in particular no `SA_RESTART`).
    private static func setHandler(_ handler: @convention(c) (Int32) -> Void, for signal: Int32) {
        var action = sigaction()
        #if os(Linux)
        action.__sigaction_handler.sa_handler = handler
        #else
        action.__sigaction_u.__sa_handler = handler
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(signal, &action, nil)
    }

    /// Installs the handler with `sigaction`, without `SA_RESTART`, so that `read` returns `EINTR`
    /// on the calling thread (the one that reads the terminal).
    static func install() {
        interruptTargetThread = pthread_self()
        setHandler(interruptHandler, for: SIGINT)
        setHandler(continueHandler, for: SIGCONT)
        // Threads of Swift's pool start with asynchronous signals blocked: let this one take
        // Ctrl-C (and libedit's suspend, resume and resize signals), or its reads never return.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signal in [SIGINT, SIGTSTP, SIGCONT, SIGWINCH, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&unblock, signal) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// True when Ctrl-C was pressed since the last ``reset()``.
    static var pending: Bool { interruptReceived != 0 }

    static func reset() { interruptReceived = 0 }
}
