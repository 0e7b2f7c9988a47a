// Diagnostics through the binary never echo a script's control characters raw: a terminal would
// obey them (ESC ] 0 ; ... BEL retitles the window).

import Foundation
import Testing
import DubQLTestSupport

@Suite("diagnostics escape control characters")
struct DiagnosticEscapeTests {
    static let title = "\u{1B}]0;PWNED\u{07}"

    func write(_ text: String) throws -> URL {
        let url = try makeTemporaryDirectory().appendingPathComponent("hostile.dql")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func checkEscapesAnEscapeSequenceInAStringAndAnIdentifier() throws {
        // A bad country value (a binder error quoting the string) and a syntax error after a
        // back-quoted name holding the sequence.
        let file = try write("SELECT clicks WHERE country = 'U\(Self.title)S';\nSELECT `x\(Self.title)` FROM clicks WHERE =\n")
        let r = try runDubQL(["check", file.path])
        #expect(r.status == 65)
        #expect(!r.stdout.contains("\u{1B}") && !r.stderr.contains("\u{1B}") && !r.stderr.contains("\u{07}"), "\(r.stderr)")
        #expect(r.stderr.contains("'U\\x1b]0;PWNED\\x07S' is not an ISO 3166-1 alpha-2 country code"), "\(r.stderr)")
        #expect(r.stderr.contains("1 | SELECT clicks WHERE country = 'U\\x1b]0;PWNED\\x07S';\n"), "\(r.stderr)")
        #expect(r.stderr.contains("2 | SELECT `x\\x1b]0;PWNED\\x07` FROM clicks WHERE =\n"), "\(r.stderr)")
        // The caret under `=` counts the escapes' columns: it sits under the `=` of the shown line.
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let i = lines.firstIndex(where: { $0.hasPrefix("2 | ") }), i + 1 < lines.count {
            let shown = lines[i], underline = lines[i + 1]
            #expect(shown.lastIndex(of: "=").map { shown.distance(from: shown.startIndex, to: $0) }
                    == underline.firstIndex(of: "^").map { underline.distance(from: underline.startIndex, to: $0) })
        } else {
            Issue.record("no snippet for line 2: \(r.stderr)")
        }
    }

    @Test func runAndQueryEscapeToo() throws {
        let file = try write("SELECT clicks WHERE `c\(Self.title)` = 1\n")
        let run = try runDubQL(["run", file.path])
        #expect(run.status != 0)
        #expect(!run.stdout.contains("\u{1B}") && !run.stderr.contains("\u{1B}"), "\(run.stderr)")
        #expect(run.stderr.contains("unknown field 'c\\x1b]0;PWNED\\x07'"), "\(run.stderr)")
        let query = try runDubQL(["query", "SELECT clicks WHERE city = 'a\(Self.title)' AND"])
        #expect(query.status != 0)
        #expect(!query.stdout.contains("\u{1B}") && !query.stderr.contains("\u{1B}"), "\(query.stderr)")
        #expect(query.stderr.contains("'a\\x1b]0;PWNED\\x07' AND"), "\(query.stderr)")
    }
}
