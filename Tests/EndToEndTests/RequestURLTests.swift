// The URL `dubql explain --format url` shows is the URL the client sends for the first page:
// checked against `dubql serve` with `--verbose`.

import Foundation
import Testing

@Suite struct RequestURLTests {
    /// Queries whose requests have paging parameters (`page`, `limit`), `sortOrder`, characters
    /// URLSearchParams would misread unencoded (`+`, `'`, space), commas, a union and a residual.
    static let queries = [
        "SELECT sales WHERE country IN (US) AND NOT browser = Chrome SINCE 30d",
        "SELECT clicks WHERE country IN (US, DE) SINCE 30d LIMIT 10 PAGE 3",
        "SELECT clicks SINCE 7d ORDER BY timestamp ASC LIMIT 5",
        "SELECT clicks WHERE utm_source = 'x+y' AND os = 'Mac OS' SINCE 30d LIMIT 7 OFFSET 14",
        "SELECT leads WHERE metadata.plan = 'pro' SINCE all LIMIT 3",
        "SELECT clicks WHERE city = 'Paris, TX' SINCE 30d LIMIT 20",
        "SELECT clicks WHERE country = US OR browser = Chrome SINCE 30d LIMIT 4",
    ]

    /// The `> GET URL` lines of a verbose run, in order.
    static func sentURLs(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").compactMap { line in
            line.hasPrefix("> GET ") ? String(line.dropFirst("> GET ".count)) : nil
        }
    }

    @Test(arguments: queries)
    func theExplainedURLIsTheURLSentForTheFirstPage(_ query: String) throws {
        let server = try APITestData.shared.get()
        let explained = try runDubQL(["explain", "--format", "url", "--api-url", server.url, "--now", APITestData.now, query])
        #expect(explained.status == 0, "\(explained.stderr)")
        let urls = explained.stdout.split(separator: "\n").map(String.init)
        let run = try runDubQL(["query", query, "--api", "--api-url", server.url, "--now", APITestData.now,
                                "--format", "ndjson", "--verbose"],
                               environment: ["DUB_API_KEY": APITestData.key, "DUBQL_API_RETRIES": "2"])
        #expect(run.status == 0, "\(run.stderr)")
        let sent = Self.sentURLs(run.stderr)
        // Each request of a union starts with its first page, so the first requests sent are the
        // explained ones, one each (in any order).
        #expect(!urls.isEmpty)
        #expect(Set(sent.prefix(urls.count)) == Set(urls), "explained:\n\(urls.joined(separator: "\n"))\nsent:\n\(sent.joined(separator: "\n"))")
    }

    @Test func laterPagesChangeOnlyThePage() throws {
        let server = try APITestData.shared.get()
        // A residual reads pages of 1000 until 1500 rows pass it: page 1, then page=2 in the same place.
        let query = "SELECT clicks WHERE city != 'Paris, TX' SINCE all LIMIT 1500"
        let explained = try runDubQL(["explain", "--format", "url", "--api-url", server.url, "--now", APITestData.now, query])
        let run = try runDubQL(["query", query, "--api", "--api-url", server.url, "--now", APITestData.now,
                                "--format", "ndjson", "--verbose"],
                               environment: ["DUB_API_KEY": APITestData.key, "DUBQL_API_RETRIES": "2"])
        #expect(run.status == 0, "\(run.stderr)")
        let sent = Self.sentURLs(run.stderr)
        #expect(sent.count >= 2)
        #expect(sent.first.map { $0 + "\n" } == explained.stdout)
        let first = try #require(sent.first)
        #expect(sent.dropFirst().first == first.replacingOccurrences(of: "&limit=1000", with: "&page=2&limit=1000"))
    }
}
