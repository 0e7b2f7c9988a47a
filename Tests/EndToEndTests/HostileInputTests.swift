// Hostile and broken input through the `dubql` binary: JSON that is valid but unusual (escaped
// keys), input that would fill memory (devices, decompression bombs, huge lines, huge lists), and
// scripts large enough to show quadratic work.

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import DubQLTestSupport
import Testing

// MARK: - Measured runs

/// A run of `dubql` whose resources are measured: the child's own CPU time (`wait4`) and peak
/// memory (its `VmHWM`, read while it runs: `ru_maxrss` would include the test process, whose
/// memory a spawned child shares until it execs). Neither the machine's load nor other tests'
/// children disturb them.
struct MeasuredRun {
    var status: Int32
    var stderr: String
    /// Peak resident memory in MB.
    var maxRSS: Double
    /// User plus system CPU seconds.
    var cpu: Double
    var seconds: Double

    /// Runs `dubql arguments` with stdin from `stdinPath` (or /dev/null) and stdout discarded.
    static func run(_ arguments: [String], stdinPath: String = "/dev/null", environment: [String: String] = [:],
                    timeout: Double = 120) throws -> MeasuredRun {
        let dir = try makeTemporaryDirectory()
        let errPath = dir.appendingPathComponent("stderr").path
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var env = ProcessInfo.processInfo.environment
        for key in ["DUB_API_KEY", "DUB_API_URL", "NO_COLOR", "DUBQL_HISTORY"] { env[key] = nil }
        for (k, v) in environment { env[k] = v }
        let argv = ([DubQLBinary.url.path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let started = Date()
        guard posix_spawn(&pid, DubQLBinary.url.path, &actions, nil, argv, envp) == 0 else {
            throw ServeFailure(message: "cannot start dubql")
        }
        var status: Int32 = 0
        var usage = rusage()
        var peakKB = 0.0
        while wait4(pid, &status, WNOHANG, &usage) == 0 {
            peakKB = max(peakKB, highWaterMark(pid))
            if Date().timeIntervalSince(started) > timeout {
                kill(pid, SIGKILL)
                _ = wait4(pid, &status, 0, &usage)
                throw TimeoutError(arguments: arguments)
            }
            usleep(2_000)
        }
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return MeasuredRun(status: exit, stderr: stderr, maxRSS: peakKB / 1024, cpu: cpu,
                           seconds: Date().timeIntervalSince(started))
    }

    /// `VmHWM` of a running process in KB (0 once it has exited or before it has exec'ed).
    static func highWaterMark(_ pid: pid_t) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              status.contains("Name:\tdubql") else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }

    /// `cpu(2n) / cpu(n)` of two inputs, each the least of two runs.
    static func doubling(_ small: () throws -> MeasuredRun, _ large: () throws -> MeasuredRun) throws -> (ratio: Double, small: MeasuredRun, large: MeasuredRun) {
        var a = try small(), b = try large()
        let a2 = try small(), b2 = try large()
        if a2.cpu < a.cpu { a = a2 }
        if b2.cpu < b.cpu { b = b2 }
        return (b.cpu / max(a.cpu, 1e-3), a, b)
    }
}

@Suite struct HostileInputTests {
    /// `"c\u006funtry"` is the key `country`: the event is found by its country.
    @Test func escapedKeysNameTheirFields() throws {
        let event = #"{"event":"click","timestamp":"2026-08-18T10:00:00Z","click":{"id":"c1","timestamp":"2026-08-18T10:00:00Z","c\u006funtry":"BR","\u0063ity":"Recife"},"link":{"id":"l1","domain":"dub.sh","k\u0065y":"try"}}"#
        let r = try runDubQL(["query", "--data", "-", "--now", "2026-08-18T12:00:00Z", "--format", "csv",
                              "SELECT click.id, city, key FROM clicks WHERE country = BR SINCE all"], stdin: event + "\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "click.id,city,key\r\nc1,Recife,try\r\n")
    }

    // MARK: Memory

    /// `--data /dev/zero` is not JSON: it fails at its first byte instead of reading forever.
    @Test func aDeviceOfZerosFailsAtOnce() throws {
        let r = try MeasuredRun.run(["query", "--data", "/dev/zero", "SELECT clicks SINCE all"], timeout: 30)
        #expect(r.status == 65)
        #expect(r.stderr.contains("/dev/zero:1:1: error[DQL0501]: expected a JSON array of events or an event object, found byte 0x00"), "\(r.stderr)")
        #expect(r.maxRSS < 200, "\(r.maxRSS) MB")
    }

    /// A pipe of NDJSON-looking input without a line break stops at 16 MiB, naming the line.
    @Test func aLineLongerThanTheEventLimitStopsTheRead() throws {
        let dir = try makeTemporaryDirectory()
        let path = dir.appendingPathComponent("long.ndjson").path
        try Data(("{\"event\":\"click\",\"x\":\"" + String(repeating: "a", count: 20 << 20)).utf8).write(to: URL(fileURLWithPath: path))
        // Through standard input, which is read into memory as a stream.
        let streamed = dir.appendingPathComponent("streamed.ndjson").path
        // (The first line is a valid event: a streamed query parses it before it reads line 2.)
        let valid = #"{"event":"click","timestamp":"2026-01-01T00:00:00Z","click":{"id":"c"}}"#
        try Data((valid + "\n" + String(repeating: "b", count: 17 << 20)).utf8).write(to: URL(fileURLWithPath: streamed))
        let piped = try MeasuredRun.run(["query", "--data", "-", "SELECT clicks SINCE all"], stdinPath: streamed, timeout: 60)
        #expect(piped.status == 65)
        #expect(piped.stderr.contains("<stdin>:2:1: error[DQL0509]: line 2 is longer than 16 MiB without a line break"), "\(piped.stderr.prefix(300))")
        // A regular file names the event's line too; the limit can be raised.
        let file = try runDubQL(["query", "--data", path, "SELECT clicks SINCE all"])
        #expect(file.status == 65)
        #expect(file.stderr.contains("\(path):1:1: error[DQL0509]: event larger than 16 MiB"), "\(file.stderr.prefix(300))")
        let raised = try runDubQL(["query", "--data", path, "SELECT clicks SINCE all"], environment: ["DUBQL_MAX_EVENT_SIZE": "64M"])
        #expect(!raised.stderr.contains("DQL0509"), "\(raised.stderr.prefix(300))")
        let invalid = try runDubQL(["query", "--data", path, "SELECT clicks SINCE all"], environment: ["DUBQL_MAX_EVENT_SIZE": "lots"])
        #expect(invalid.status == 64)
        #expect(invalid.stderr.contains("DUBQL_MAX_EVENT_SIZE must be a size"), "\(invalid.stderr)")
    }

    /// A gzip bomb (150 MB of valid events in 0.3 MB) stops at its allowance (64 MiB, more than
    /// 100 times its size), streamed or loaded. (Valid events: a streamed query parses what it has
    /// decompressed, and would stop at the first invalid one.)
    @Test func aDecompressionBombStopsEarly() throws {
        let dir = try makeTemporaryDirectory()
        let plain = dir.appendingPathComponent("bomb.ndjson")
        let line = Data(#"{"event":"click","timestamp":"2026-01-01T00:00:00Z","click":{"id":"c"}}"#.utf8 + [0x0A])
        var chunk = Data()
        for _ in 0..<(1 << 17) { chunk.append(line) }
        FileManager.default.createFile(atPath: plain.path, contents: nil)
        let handle = try FileHandle(forWritingTo: plain)
        for _ in 0..<16 { handle.write(chunk) }
        try handle.close()
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", "-9", "-f", plain.path]
        try gzip.run()
        gzip.waitUntilExit()
        let bomb = plain.path + ".gz"
        let size = try #require(try FileManager.default.attributesOfItem(atPath: bomb)[.size] as? Int)
        #expect(size < 3 << 20)
        for stream in ["0", "1"] {
            let r = try MeasuredRun.run(["query", "--data", bomb, "SELECT clicks SINCE all"], environment: ["DUBQL_STREAM": stream], timeout: 60)
            #expect(r.status == 65)
            #expect(r.stderr.contains("error[DQL0509]: gzip data decompresses to more than 64 MiB"), "\(r.stderr)")
            #expect(r.maxRSS < 600, "a \(size)-byte gzip bomb took \(r.maxRSS) MB")
        }
    }

    /// A 10 MB IN list (1.1 million values) is checked in bounded memory and time.
    @Test func aTenMegabyteINListTakesBoundedMemory() throws {
        let dir = try makeTemporaryDirectory()
        let path = dir.appendingPathComponent("in.dql").path
        var values: [String] = []
        var size = 0
        while size < 10_000_000 {
            values.append("v\(values.count)")
            size += values[values.count - 1].utf8.count + 2
        }
        try ("SELECT clicks WHERE city IN (" + values.joined(separator: ", ") + ") SINCE 7d;\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let r = try MeasuredRun.run(["check", path], timeout: 300)
        #expect(r.status == 0, "\(r.stderr.prefix(300))")
        #expect(r.maxRSS > 10, "no reading of the child's memory")
        #expect(r.maxRSS < 300, "checking a 10 MB IN list took \(r.maxRSS) MB")
    }

    // MARK: Time

    /// `dubql run` over twice the statements takes about twice the time.
    @Test func runningAScriptIsLinearInItsStatements() throws {
        let dir = try makeTemporaryDirectory()
        let data = dir.appendingPathComponent("events.ndjson").path
        let one = #"{"event":"click","timestamp":"2026-08-18T10:00:00Z","click":{"id":"c1","country":"US"},"link":{"id":"l1","domain":"dub.sh","key":"try"}}"#
        try (one + "\n").write(toFile: data, atomically: true, encoding: .utf8)
        func script(_ n: Int) throws -> String {
            let path = dir.appendingPathComponent("s\(n).dql").path
            let text = (0..<n).map { "SELECT clicks WHERE country = US AND city != c\($0) SINCE all LIMIT 1;\n" }.joined()
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let (small, large) = (try script(8_000), try script(16_000))
        let r = try MeasuredRun.doubling({ try MeasuredRun.run(["run", small, "--data", data, "--now", "2026-08-18T12:00:00Z"]) },
                                         { try MeasuredRun.run(["run", large, "--data", data, "--now", "2026-08-18T12:00:00Z"]) })
        #expect(r.small.status == 0 && r.large.status == 0, "\(r.large.stderr.prefix(300))")
        #expect(r.ratio <= 3, "8,000 statements: \(r.small.cpu) s, 16,000: \(r.large.cpu) s")
    }

    /// `dubql check -` of twice the IN list, OR chain or statements takes about twice the time.
    @Test(arguments: ["IN list", "OR chain", "statements"])
    func checkingIsLinear(shape: String) throws {
        let dir = try makeTemporaryDirectory()
        func input(_ n: Int) throws -> String {
            let text: String
            switch shape {
            case "IN list": text = "SELECT clicks WHERE city IN (" + (0..<n).map { "c\($0)" }.joined(separator: ", ") + ");"
            case "OR chain": text = "SELECT clicks WHERE " + (0..<n).map { $0 % 2 == 0 ? "city = c\($0)" : "os = o\($0)" }.joined(separator: " OR ") + ";"
            default: text = (0..<n).map { "SELECT clicks WHERE city = c\($0);\n" }.joined()
            }
            let path = dir.appendingPathComponent("\(n).dql").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let n = shape == "statements" ? 20_000 : 40_000
        let (small, large) = (try input(n), try input(2 * n))
        let r = try MeasuredRun.doubling({ try MeasuredRun.run(["check", "-"], stdinPath: small) },
                                         { try MeasuredRun.run(["check", "-"], stdinPath: large) })
        #expect(r.small.status == 0 && r.large.status == 0, "\(r.large.stderr.prefix(300))")
        #expect(r.ratio <= 3, "\(shape): n = \(n): \(r.small.cpu) s, 2n: \(r.large.cpu) s")
    }
}
