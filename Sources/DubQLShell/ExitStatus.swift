// Exit statuses of the command line (sysexits), a contract that scripts and tests rely on. The
// shell reports them; the command line turns them into the process's exit code.

/// How a statement, a script or a session ended, as a process exit status. It is an `Error` so
/// that a start-up that failed (and said why) can throw its status.
public struct ExitStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible, Error {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }

    /// 0: success.
    public static let ok = ExitStatus(0)
    /// 64: the command line itself was wrong.
    public static let usage = ExitStatus(64)
    /// 65: the query or input data has errors (syntax or meaning).
    public static let dataError = ExitStatus(65)
    /// 66: an input file is missing or unreadable.
    public static let noInput = ExitStatus(66)
    /// 69: the API or network is unavailable (or retries were exhausted).
    public static let unavailable = ExitStatus(69)
    /// 70: an internal error.
    public static let software = ExitStatus(70)
    /// 77: not authorized (HTTP 401/403).
    public static let noPermission = ExitStatus(77)
    /// 130: interrupted (Ctrl-C).
    public static let interrupted = ExitStatus(130)
}

