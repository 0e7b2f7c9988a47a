// Exit codes of the command line (sysexits), a contract that scripts and tests rely on.

import ArgumentParser
import DubQLShell

enum Exit {
    /// 0: success.
    static let ok = ExitCode(0)
    /// 64: the command line itself was wrong.
    static let usage = ExitCode(64)
    /// 65: the query or input data has errors (syntax or meaning).
    static let dataError = ExitCode(65)
    /// 66: an input file is missing or unreadable.
    static let noInput = ExitCode(66)
    /// 69: the API or network is unavailable (or retries were exhausted).
    static let unavailable = ExitCode(69)
    /// 70: an internal error.
    static let software = ExitCode(70)
    /// 77: not authorized (HTTP 401/403).
    static let noPermission = ExitCode(77)
}

extension ExitCode {
    /// The exit code of a status the shell library reports.
    init(_ status: ExitStatus) { self.init(status.rawValue) }
}
