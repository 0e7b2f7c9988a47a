import Foundation
// The binary starts and answers --version and --help.

import Testing

@Suite struct VersionTests {
    @Test func versionPrintsAndExitsZero() throws {
        let r = try runDubQL(["--version"])
        #expect(r.status == 0)
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    @Test func helpListsUsage() throws {
        let r = try runDubQL(["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE: dubql"))
    }
}

@Suite struct SubcommandTests {
    @Test func aMistypedSubcommandIsAUsageErrorWithASuggestion() throws {
        let r = try runDubQL(["qeury", "SELECT clicks"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("'qeury' is not a dubql subcommand (did you mean 'query'?)"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func aBareQueryPointsAtDashC() throws {
        let r = try runDubQL(["SELECT clicks"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("dubql -c 'SELECT ...'"), "\(r.stderr)")
    }

    /// The REPL is the default subcommand, so subcommands parse their own options (`--format`
    /// here would otherwise be taken by the root and rejected).
    @Test func subcommandsKeepTheirOwnOptions() throws {
        let explain = try runDubQL(["explain", "SELECT clicks WHERE country = US", "--format", "url", "--now", "2026-01-01T00:00:00Z"])
        #expect(explain.status == 0, "\(explain.stderr)")
        #expect(explain.stdout == "https://api.dub.co/events?event=clicks&country=US&interval=24h\n")
        let once = try runDubQL(["-e", "SELECT clicks LIMIT 2", "--format", "ndjson"])
        #expect(once.status == 0, "\(once.stderr)")
        #expect(once.stdout.split(separator: "\n").count == 2)
    }
}
