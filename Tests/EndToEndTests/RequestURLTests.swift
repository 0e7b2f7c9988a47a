// The URL `dubql explain --format url` shows is the URL the client sends for the first page, and
// every command finds Dub's API by the same rule: checked against `dubql serve` with `--verbose`.

import DubQL
import DubQLClient
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

    /// `--api-url` when given and not empty, else `DUB_API_URL` when not empty, else Dub's API: for
    /// explain and for the client alike.
    @Test(arguments: [
        (String?.none, [String: String]()), ("", [:]), (nil, ["DUB_API_URL": ""]), ("", ["DUB_API_URL": "http://env.test"]),
        ("http://option.test/", ["DUB_API_URL": "http://env.test"]), (nil, ["DUB_API_URL": "http://env.test/base/"]),
    ])
    func oneBaseURLRule(_ option: String?, _ environment: [String: String]) throws {
        let rule = DubAPI.baseURL(option: option, environment: environment)
        let configuration = try DubClientConfiguration.fromEnvironment(environment.merging(["DUB_API_KEY": "dub_x"]) { a, _ in a },
                                                                       apiURL: option)
        #expect(configuration.baseURL.absoluteString == rule)
        let request = APIRequest(params: [APIParameter("event", "clicks")])
        #expect(configuration.url(for: request, page: 1, limit: 100)?.absoluteString == request.url(baseURL: rule, page: 1, limit: 100))
    }

    @Test func anEmptyAPIURLOptionFallsBackToTheEnvironmentEverywhere() throws {
        let server = try APITestData.shared.get()
        let query = "SELECT clicks WHERE country = US SINCE 7d LIMIT 2"
        let env = ["DUB_API_URL": server.url]
        let explained = try runDubQL(["explain", "--format", "url", "--api-url", "", "--now", APITestData.now, query], environment: env)
        #expect(explained.stdout.hasPrefix(server.url + "/events?"), "\(explained.stdout)")
        let run = try runDubQL(["query", query, "--api", "--api-url", "", "--now", APITestData.now, "--format", "ndjson", "--verbose"],
                               environment: env.merging(["DUB_API_KEY": APITestData.key, "DUBQL_API_RETRIES": "1"]) { a, _ in a })
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Self.sentURLs(run.stderr).first.map { $0 + "\n" } == explained.stdout)
    }
}
