// The dot-command parser: every command with and without arguments, quoting, and the errors
// (with "did you mean") for what does not parse.

import Testing
import DubQL
import DubQLOutput
@testable import DubQLShell
import DubQLSyntax

@Suite struct CompletionDotCommandTests {
    static let valid: [(String, DotCommand)] = [
        (".help", .help(topic: nil)),
        (".help mode", .help(topic: "mode")),
        (".help .MODE", .help(topic: "mode")),
        (".help exit", .help(topic: "quit")),
        (".quit", .quit),
        (".exit", .quit),
        ("  .QUIT  ", .quit),
        (".open", .open(nil)),
        (".open demo", .open(.demo)),
        (".open API", .open(.api)),
        (".open events.ndjson", .open(.files(["events.ndjson"]))),
        (".open a.json b.ndjson.gz", .open(.files(["a.json", "b.ndjson.gz"]))),
        (".open 'my events.ndjson'", .open(.files(["my events.ndjson"]))),
        (".open \"Zürich clicks.json\"", .open(.files(["Zürich clicks.json"]))),
        (".read report.dql", .read(path: "report.dql")),
        (".mode", .mode(nil)),
        (".mode json", .mode("json")),
        (".mode CSV", .mode("csv")),
        (".mode curl", .mode("curl")),
        (".explain", .explain(nil)),
        (".explain on", .explain(true)),
        (".explain OFF", .explain(false)),
        (".timer on", .timer(true)),
        (".timer off", .timer(false)),
        (".output", .output(nil)),
        (".output stdout", .output(.stdout)),
        (".output out.csv", .output(.file("out.csv"))),
        (".output --append out.csv", .output(.append("out.csv"))),
        (".output |sort -k2 'a b'", .output(.pipe("sort -k2 'a b'"))),
        (".output| wc -l", .output(.pipe("wc -l"))),
        (".once out.csv", .once(.file("out.csv"))),
        (".once |cat", .once(.pipe("cat"))),
        (".fields", .fields(nil)),
        (".fields sales", .fields(.sales)),
        (".fields click", .fields(.clicks)),
        (".timezone", .timezone(nil)),
        (".timezone Europe/Zurich", .timezone("Europe/Zurich")),
        (".history", .history),
        (".expanded", .expanded(nil)),
        (".expanded AUTO", .expanded(.auto)),
        (".expanded on", .expanded(.on)),
        (".pager off", .pager(false)),
        (".pager", .pager(nil)),
        (".since 7d", .since("7d")),
        (".since 2026-01-01 UNTIL 2026-02-01", .since("2026-01-01 UNTIL 2026-02-01")),
        (".since", .since(nil)),
        (".limit 500", .limit(.rows(500))),
        (".limit ALL", .limit(.all)),
        (".limit off", .limit(.off)),
        (".limit", .limit(nil)),
    ]

    @Test(arguments: valid)
    func parses(_ line: String, _ expected: DotCommand) throws {
        #expect(try DotCommand.parse(line).get() == expected)
    }

    static let invalid: [(String, String, String?)] = [
        (".mdoe json", "unknown command '.mdoe'", "did you mean '.mode'?"),
        (".hist", "unknown command '.hist'", "did you mean '.history'?"),
        (".qiut", "unknown command '.qiut'", "did you mean '.quit'?"),
        (".tiemzone", "unknown command '.tiemzone'", "did you mean '.timezone'?"),
        (".mo", "unknown command '.mo'", "try .help"),  // two letters are too few to guess from
        (".zzzzzz", "unknown command '.zzzzzz'", "try .help"),
        (".", "expected a command name after '.'", "try .help"),
        (".mode jsn", "unknown mode 'jsn'; modes: table line json ndjson csv markdown chart plan url curl", "did you mean 'json'?"),
        (".explain maybe", "expected 'on' or 'off', found 'maybe'", "usage: .explain [on|off]"),
        (".timer on off", "too many arguments to .timer", "usage: .timer [on|off]"),
        (".fields clikcs", "unknown event 'clikcs'; events: clicks leads sales", "did you mean 'clicks'?"),
        (".read", "expected a file name after .read", "usage: .read FILE"),
        (".quit now", ".quit takes no arguments", "usage: .quit"),
        (".help mdoe", "unknown command '.mdoe'", "did you mean '.mode'?"),
        (".open 'unterminated", "unterminated quote in dot-command", nil),
        (".expanded wide", "expected auto, on or off, found 'wide'", "usage: .expanded [auto|on|off]"),
        (".pager maybe", "expected 'on' or 'off', found 'maybe'", "usage: .pager [on|off]"),
        (".limit 0", "expected a number from 1 to 1000000, 'all' or 'off', found '0'", "usage: .limit [N|all|off]"),
        (".limit 5 6", "too many arguments to .limit", "usage: .limit [N|all|off]"),
    ]

    @Test(arguments: invalid)
    func rejects(_ line: String, _ message: String, _ hint: String?) {
        switch DotCommand.parse(line) {
        case .success(let command): Issue.record("parsed as \(command)")
        case .failure(let error):
            #expect(error.message == message)
            #expect(error.hint == hint)
        }
    }

    @Test func everyCommandHasHelp() {
        for spec in DotCommandSpec.all {
            #expect(spec.usage.hasPrefix("." + spec.name))
            #expect(!spec.summary.isEmpty)
            #expect(DotCommandSpec.named(spec.name) == spec)
        }
    }

    /// A swap of neighbours is one edit, as in every other "did you mean" of DubQL.
    @Test(arguments: [("mode", "mdoe", 1), ("mode", "edom", 3), ("", "abc", 3), ("kitten", "sitting", 3), ("Zürich", "Zurich", 1)])
    func editDistance(_ a: String, _ b: String, _ d: Int) {
        #expect(EditDistance.between(Array(a), Array(b)) == d)
    }
}
