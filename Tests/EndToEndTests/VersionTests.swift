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
