// Issue 14 items 4, 5, 6, 8, 9 end to end: Ctrl-C in any statement, one deadline per request,
// no CPU while waiting, no piece of the key in any message, curl commands quoted for the shell.

import Foundation
import Testing
import DubQLTestSupport

@Suite struct ClientRobustnessTests {
    static let key = APITestData.key

    /// A server that answers `[]` at once, except requests with `stall` in them, which it never answers.
    static func stallingServer() throws -> LoopbackServer {
        try LoopbackServer { connection in
            if connection.target.contains("stall") { connection.stall(60) } else { connection.respond(body: "[]") }
        }
    }

    /// Starts `dubql ARGS` with the test key; SIGINT after `delay`; status and stderr.
    static func interrupt(_ arguments: [String], after delay: Double, stdin: String? = nil) throws -> (Int32, String, Double) {
        let process = Process()
        process.executableURL = DubQLBinary.url
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["DUB_API_KEY"] = key
        env["DUBQL_API_RETRIES"] = "1"
        env["DUBQL_API_TIMEOUT"] = "30"
        process.environment = env
        let errors = Pipe(), input = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        usleep(UInt32(delay * 1_000_000))
        let sent = Date()
        process.interrupt()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        let took = Date().timeIntervalSince(sent)
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self), took)
    }

    // Item 4: the second (and any later) API statement of a process is interruptible.
    @Test(arguments: ["query", "run", "run --continue", "repl"])
    func ctrlCCancelsTheSecondStatement(mode: String) throws {
        let server = try Self.stallingServer()
        defer { server.stop() }
        let script = "SELECT clicks WHERE country = US; SELECT clicks WHERE utm_source = stall; SELECT clicks;"
        let base = ["--api", "--api-url", server.url]
        let (status, stderr, took): (Int32, String, Double)
        switch mode {
        case "query": (status, stderr, took) = try Self.interrupt(["query", script] + base, after: 2)
        case "repl": (status, stderr, took) = try Self.interrupt(["repl"] + base, after: 2, stdin: script + "\n")
        default:
            let file = try makeTemporaryDirectory().appendingPathComponent("s.dql")
            try script.write(to: file, atomically: true, encoding: .utf8)
            (status, stderr, took) = try Self.interrupt(mode.split(separator: " ").map(String.init) + [file.path] + base, after: 2)
        }
        #expect(status == 130, "\(mode): \(stderr)")
        #expect(stderr.contains("cancelled"), "\(stderr)")
        #expect(took < 5)
        #expect(server.requestCount == 2, "the third statement must not run")
    }

    // Item 5: a server that drips its body is cut off by the timeout.
    @Test func aDrippingServerIsCutOffByTheTimeout() throws {
        let server = try LoopbackServer { connection in
            connection.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[")
            while connection.stall(0.5) { if !connection.write(" ") { return } }
        }
        defer { server.stop() }
        let started = Date()
        let r = try ClientTests.query("SELECT clicks LIMIT 1", url: server.url,
                                      environment: ["DUBQL_API_TIMEOUT": "2", "DUBQL_API_RETRIES": "1"])
        #expect(Date().timeIntervalSince(started) < 8)
        #expect(r.status == 69)
        #expect(r.stderr.contains("the API did not answer within 2 s"), "\(r.stderr)")
    }

    @Test(arguments: [("DUBQL_API_TIMEOUT", "abc"), ("DUBQL_API_TIMEOUT", "0"), ("DUBQL_API_TIMEOUT", "nan"),
                      ("DUBQL_API_RETRIES", "0"), ("DUBQL_API_RETRIES", "2.5"), ("DUBQL_API_RETRIES", "many")])
    func invalidSettingsAreUsageErrors(name: String, value: String) throws {
        let r = try ClientTests.query("SELECT clicks LIMIT 1", url: "http://127.0.0.1:9", environment: [name: value])
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("invalid \(name) '\(value)'"), "\(r.stderr)")
    }

    // Item 6: waiting on a stalled server takes (almost) no CPU.
    @Test func waitingTakesNoCPU() throws {
        let server = try Self.stallingServer()
        defer { server.stop() }
        let process = Process()
        process.executableURL = DubQLBinary.url
        process.arguments = ["query", "SELECT clicks WHERE utm_source = stall", "--api", "--api-url", server.url]
        var env = ProcessInfo.processInfo.environment
        env["DUB_API_KEY"] = Self.key
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        while server.requestCount == 0 && process.isRunning { usleep(20_000) }
        usleep(300_000)
        let before = try #require(cpuSeconds(of: process.processIdentifier))
        let wall = Date()
        usleep(2_000_000)
        let used = try #require(cpuSeconds(of: process.processIdentifier)) - before
        let ratio = used / Date().timeIntervalSince(wall)
        #expect(ratio < 0.05, "CPU \(used) s in 2 s of waiting")
    }

    // Item 8: an error body echoing the key, in any encoding, past the cut.
    @Test(arguments: [0, 150, 157])
    func echoedKeysNeverShow(padding: Int) throws {
        let key = Self.key
        let percent = key.utf8.map { String(format: "%%%02X", $0) }.joined()
        let body = String(repeating: "x", count: padding) + key + " " + percent + " " + String(key.dropFirst(4))
        let server = try LoopbackServer { $0.respond(status: 400, reason: "Bad Request", contentType: "text/plain", body: body) }
        defer { server.stop() }
        let r = try ClientTests.query("SELECT clicks LIMIT 1", url: server.url)
        #expect(r.status == 65, "\(r.stderr)")
        ClientTests.expectNoKey(r)
        #expect(!r.stderr.contains(String(key.prefix(8))), "\(r.stderr)")
        #expect(!r.stderr.contains(String(percent.prefix(24))), "\(r.stderr)")
    }

    @Test func aKeyInTheURLUserInfoIsNeverShown() throws {
        let bad = try runDubQL(["query", "SELECT clicks", "--api", "--api-url", "ftp://u:\(Self.key)@example"],
                               environment: ["DUB_API_KEY": Self.key])
        #expect(bad.status == 64)
        ClientTests.expectNoKey(bad)
        let server = try Self.stallingServer()
        defer { server.stop() }
        let url = server.url.replacingOccurrences(of: "http://", with: "http://u:\(Self.key)@")
        let r = try ClientTests.query("SELECT clicks LIMIT 1", url: url, extra: ["--verbose"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("> GET http://…****@127.0.0.1"), "\(r.stderr)")
        ClientTests.expectNoKey(r)
    }

    // Item 9: hostile base URLs arrive at curl intact, and nothing in them runs.
    @Test(arguments: ["http://h/x'$(id)'", "http://h/a'b\"c`id`$HOME\\", "http://h/x';touch /tmp/pwned;'"])
    func curlCommandsAreQuotedForTheShell(base: String) throws {
        let dir = try makeTemporaryDirectory()
        let record = dir.appendingPathComponent("args")
        let fake = dir.appendingPathComponent("curl")
        try "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '\(record.path)'\n".write(to: fake, atomically: true, encoding: .utf8)
        chmod(fake.path, 0o755)
        let r = try runDubQL(["explain", "--format", "curl", "--api-url", base, "SELECT clicks"])
        #expect(r.status == 0, "\(r.stderr)")
        let command = try #require(r.stdout.split(separator: "\n").first.map(String.init))
        let sh = Process()
        sh.executableURL = URL(fileURLWithPath: "/bin/sh")
        sh.arguments = ["-c", command]
        sh.environment = ["PATH": dir.path + ":/usr/bin:/bin", "DUB_API_KEY": "k"]
        try sh.run()
        sh.waitUntilExit()
        let args = try String(contentsOf: record, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(args.last(where: { !$0.isEmpty }).map { $0.hasPrefix(base + "/events?") } == true, "\(args)")
        #expect(args.contains("Authorization: Bearer k"))
    }
}
