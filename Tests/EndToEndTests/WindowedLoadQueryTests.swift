// A file loaded in several windows at once (DUBQL_LOAD_WORKERS) answers every query exactly as the
// same file loaded in one window: listings, orders, offsets, aggregates, sale types, skipped events.

import Foundation
import Testing

@Suite("Windowed load queries")
struct WindowedLoadQueryTests {
    static let now = "2026-12-01T12:00:00Z"

    /// Generated clicks and sales (newest first each), one file, plus an invalid line.
    static let file: URL? = {
        func lines(_ event: String, _ count: Int) -> [String] {
            let r = try? runDubQL(["generate", "--event", event, "--count", "\(count)", "--days", "20", "--seed", "4", "--end", now])
            return (r?.stdout ?? "").split(separator: "\n").map(String.init)
        }
        var all = lines("clicks", 1500) + lines("sales", 700)
        guard all.count == 2200 else { return nil }
        all.insert(#"{"event":"click","timestamp":"2026-11-30T00:00:00Z"}"#, at: 1700)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dubql-windows-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("mixed.ndjson")
        guard (try? Data((all.joined(separator: "\n") + "\n").utf8).write(to: url)) != nil else { return nil }
        return url
    }()

    /// Several statements: the file is loaded (not streamed) before they run.
    static let script = """
        SELECT clicks WHERE country IN (US, DE) AND NOT browser = Chrome SINCE 5d LIMIT 20;
        SELECT clicks WHERE city = 'San Jose' SINCE all;
        SELECT clicks SINCE all ORDER BY timestamp ASC LIMIT 7 OFFSET 300;
        SELECT sales WHERE saleType = new SINCE all LIMIT 25;
        SELECT country, count() FROM clicks GROUP BY country SINCE all;
        SELECT saleType, count() FROM sales GROUP BY saleType SINCE all;
        SELECT day, count() FROM clicks WHERE device = Mobile GROUP BY day SINCE 3d;
        """

    @Test func severalWindowsAnswerAsOne() throws {
        let url = try #require(Self.file)
        func run(_ workers: String) throws -> ProcessResult {
            try runDubQL(["run", "-", "--now", Self.now, "--data", url.path, "--skip-invalid", "--format", "ndjson"],
                         stdin: Self.script, environment: ["DUBQL_LOAD_WORKERS": workers])
        }
        let one = try run("1")
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stdout.contains("San Jose"))
        #expect(one.stderr.contains("skipped 1 invalid event (first: \(url.path):1701:1: error[DQL0504]"))
        for workers in ["2", "5", "16"] {
            let many = try run(workers)
            #expect(many.status == 0)
            #expect(many.stdout == one.stdout)
            #expect(many.stderr == one.stderr)
        }
    }
}
