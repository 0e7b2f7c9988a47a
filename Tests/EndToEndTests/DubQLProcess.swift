// Runs the built `dubql` binary for end-to-end tests: arguments, stdin and environment in,
// stdout, stderr and exit status out.

import Foundation

struct ProcessResult: Sendable {
    var stdout: String
    var stderr: String
    var status: Int32
}

enum DubQLBinary {
    /// The `dubql` executable next to the test bundle (`.build/<triple>/debug/dubql`), or `$DUBQL_BIN`.
    static let url: URL = {
        if let override = ProcessInfo.processInfo.environment["DUBQL_BIN"] {
            return URL(fileURLWithPath: override)
        }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // On Linux the tests run as `.../debug/DubQLPackageTests.xctest`; on macOS inside a bundle.
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("dubql").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("dubql")
    }()
}

/// Runs `dubql` with `arguments`, feeding `stdin`, and waits for it (killing it after `timeout`).
///
/// The environment is the test's own minus `DUB_API_KEY`/`DUB_API_URL`/`NO_COLOR`, plus `environment`.
@discardableResult
func runDubQL(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
              currentDirectory: URL? = nil, timeout: TimeInterval = 60) throws -> ProcessResult {
    let process = Process()
    process.executableURL = DubQLBinary.url
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for key in ["DUB_API_KEY", "DUB_API_URL", "NO_COLOR", "DUBQL_HISTORY"] { env[key] = nil }
    for (k, v) in environment { env[k] = v }
    process.environment = env
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }

    let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    process.standardInput = inPipe

    // Read both pipes concurrently so a large output cannot deadlock the child.
    let outData = LockedData(), errData = LockedData()
    let group = DispatchGroup()
    for (pipe, sink) in [(outPipe, outData), (errPipe, errData)] {
        group.enter()
        DispatchQueue.global().async {
            sink.set(pipe.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
    }
    try process.run()
    // A streamed query may stop reading stdin once it has its answer (or an error): the rest of
    // the write then fails with EPIPE, which must not kill the tests with SIGPIPE.
    ignoreSIGPIPE
    if let stdin { try? inPipe.fileHandleForWriting.write(contentsOf: Data(stdin.utf8)) }
    try? inPipe.fileHandleForWriting.close()

    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(2_000) }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
        group.wait()
        throw TimeoutError(arguments: arguments)
    }
    process.waitUntilExit()
    group.wait()
    return ProcessResult(stdout: String(decoding: outData.get(), as: UTF8.self),
                         stderr: String(decoding: errData.get(), as: UTF8.self),
                         status: process.terminationStatus)
}

/// Ignores SIGPIPE in the test process, once.
let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN); return () }()

struct TimeoutError: Error, CustomStringConvertible {
    var arguments: [String]
    var description: String { "dubql \(arguments.joined(separator: " ")) did not finish in time" }
}

final class LockedData: @unchecked Sendable {
    private var data = Data()
    private let lock = NSLock()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}
