// `dubql explain` through the built binary: every format, the clock and zone options, the API base
// URL, diagnostics and exit codes.

import Foundation
import Testing

@Suite("explain")
struct ExplainTests {
    let now = "2026-08-20T12:00:00Z"
    let example = "SELECT sales WHERE country IN (US) AND NOT browser = Chrome SINCE 30d"

    @Test func textTreeOfTheDesignExample() throws {
        let r = try runDubQL(["explain", example, "--now", now])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == """
            QUERY PLAN (api)
            `--FETCH GET /events?event=sales&country=US&browser=-Chrome&interval=30d
               `--SALE TYPES GET /events?event=sales&country=US&browser=-Chrome&saleType=new&interval=30d&limit=101
            note: saleType: new when the SALE TYPES request also returns the sale, else recurring (pages of 101, only as far as the rows reach; not sent for json or ndjson of whole events)

            """)
        #expect(r.stderr.isEmpty)
    }

    @Test func textTreeOfAUnion() throws {
        let r = try runDubQL(["explain", "SELECT clicks WHERE country = US OR browser = Chrome SINCE 30d", "--now", now])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("""
            QUERY PLAN (api)
            `--MERGE by timestamp desc, distinct click.id, limit 100
               |--FETCH GET /events?event=clicks&country=US&interval=30d
               `--FETCH GET /events?event=clicks&browser=Chrome&interval=30d

            """))
    }

    @Test func jsonIsTheContract() throws {
        let r = try runDubQL(["explain", "--format", "json", example, "--now", now])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["source", "event", "requests", "residual", "limit", "notes"])
        let requests = try #require(object["requests"] as? [[String: Any]])
        #expect(requests.first?["params"] as? [String: String] == ["event": "sales", "country": "US", "browser": "-Chrome", "interval": "30d"])
        #expect(object["residual"] is NSNull && object["limit"] as? Int == 100)
    }

    @Test func jsonResidualIsCanonicalDubQL() throws {
        let r = try runDubQL(["explain", "--format", "json", "SELECT clicks WHERE city = 'Paris, TX' SINCE 7d", "--now", now])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["residual"] as? String == "city = 'Paris, TX'")
    }

    @Test func urlUsesTheAPIURLOptionThenTheEnvironment() throws {
        let q = "SELECT leads WHERE os = 'Mac OS' SINCE 7d"
        let fromOption = try runDubQL(["explain", "--format", "url", "--api-url", "http://127.0.0.1:9/", q, "--now", now],
                                      environment: ["DUB_API_URL": "http://ignored.test"])
        #expect(fromOption.stdout == "http://127.0.0.1:9/events?event=leads&os=Mac%20OS&interval=7d\n", "\(fromOption.stderr)")
        let fromEnvironment = try runDubQL(["explain", "--format", "url", q, "--now", now], environment: ["DUB_API_URL": "http://env.test"])
        #expect(fromEnvironment.stdout == "http://env.test/events?event=leads&os=Mac%20OS&interval=7d\n")
        let byDefault = try runDubQL(["explain", "--format", "url", q, "--now", now])
        #expect(byDefault.stdout == "https://api.dub.co/events?event=leads&os=Mac%20OS&interval=7d\n")
    }

    @Test func curlNeverContainsTheKey() throws {
        let r = try runDubQL(["explain", "--format", "curl", "SELECT clicks WHERE country = US OR browser = Chrome", "--now", now],
                             environment: ["DUB_API_KEY": "dub_secret_key_123"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first == "curl -sS -H \"Authorization: Bearer $DUB_API_KEY\" 'https://api.dub.co/events?event=clicks&country=US&interval=24h'")
        #expect(!r.stdout.contains("dub_secret_key_123") && !r.stderr.contains("dub_secret_key_123"))
    }

    @Test func timezoneOptionAlignsDays() throws {
        let r = try runDubQL(["explain", "--format", "url", "SELECT clicks BETWEEN 2026-03-01 AND 2026-03-02", "--timezone", "Asia/Tokyo", "--now", now])
        #expect(r.stdout == "https://api.dub.co/events?event=clicks&start=2026-02-28T15:00:00Z&end=2026-03-02T14:59:59.999Z&timezone=Asia%2FTokyo\n")
    }

    @Test func nowFixesRelativeTimes() throws {
        let r = try runDubQL(["explain", "--format", "url", "SELECT clicks SINCE 1h", "--now", now])
        #expect(r.stdout == "https://api.dub.co/events?event=clicks&start=2026-08-20T11:00:00Z&limit=1000\n")
    }

    @Test func explainPrefixIsAccepted() throws {
        let r = try runDubQL(["explain", "EXPLAIN " + example, "--now", now])
        #expect(r.status == 0 && r.stdout.contains("FETCH GET /events?event=sales"))
    }

    @Test func localPlan() throws {
        let r = try runDubQL(["explain", "--local", example + " LIMIT 5", "--now", now])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == """
            QUERY PLAN (local)
            `--LIMIT 5
               `--SORT by timestamp desc
                  `--FILTER country = US AND browser != Chrome, time 2026-07-21T12:00:00Z .. now
                     `--SCAN sales

            """)
    }

    @Test func queryErrorsExit65WithCarets() throws {
        let r = try runDubQL(["explain", "SELECT clicks WHERE country = USA", "--now", now])
        #expect(r.status == 65)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == """
            <query>:1:31: error[DQL0304]: 'USA' is not an ISO 3166-1 alpha-2 country code
            1 | SELECT clicks WHERE country = USA
              |                               ^^^
              = help: did you mean 'US', 'SA' or 'UA'?

            """)
    }

    @Test func syntaxErrorsAndScriptsExit65() throws {
        let syntax = try runDubQL(["explain", "SELECT clicks WHERE country ="])
        #expect(syntax.status == 65 && syntax.stdout.isEmpty)
        #expect(syntax.stderr.hasPrefix("<query>:1:30: error[DQL0201]: expected a value, found end of input"))
        let two = try runDubQL(["explain", "SELECT clicks; SELECT leads"])
        #expect(two.status == 65 && two.stderr.hasPrefix("<query>:1:16: error[DQL0319]: expected exactly one statement, found 2 statements"))
    }

    @Test func helpNamesTheCommand() throws {
        let r = try runDubQL(["explain", "--help"])
        #expect(r.status == 0 && r.stdout.contains("USAGE: dubql explain <QUERY>") && r.stdout.contains("--format"))
    }

    @Test func planningErrorsExit65() throws {
        let r = try runDubQL(["explain", "SELECT clicks WHERE tagId = t1 OR city = 'Paris, TX'", "--now", now])
        #expect(r.status == 65)
        #expect(r.stderr.contains("error[DQL0403]"))
        let local = try runDubQL(["explain", "--local", "SELECT clicks WHERE tagId = t1", "--now", now])
        #expect(local.status == 65 && local.stderr.contains("error[DQL0404]"))
    }

    @Test func warningsDoNotFail() throws {
        let r = try runDubQL(["explain", "--format", "json", "SELECT clicks WHERE country = US AND country = DE", "--now", now])
        #expect(r.status == 0)
        #expect(r.stderr.contains("warning[DQL0401]"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((object["requests"] as? [Any])?.isEmpty == true)
    }

    @Test func badOptionsAreUsageErrors() throws {
        #expect(try runDubQL(["explain", "SELECT clicks", "--now", "soon"]).status == 64)
        #expect(try runDubQL(["explain", "SELECT clicks", "--timezone", "Mars/Base"]).status == 64)
        #expect(try runDubQL(["explain", "--local", "--format", "url", "SELECT clicks"]).status == 64)
    }
}
