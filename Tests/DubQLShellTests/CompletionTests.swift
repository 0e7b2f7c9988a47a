// Tab completion from the text before the cursor: keywords, events, fields, operators, values,
// presets, time zones, dot-commands and paths, with the case the user types.

import Testing
import DubQL
@testable import DubQLShell

/// A fixed environment: three time zones and a small fake file system.
let completionTestEnvironment = CompletionEnvironment(
    timeZones: ["America/New_York", "Europe/Zurich", "Europe/Berlin", "UTC"],
    listDirectory: { path in
        switch path {
        case "": return [DirectoryEntry(name: "data", isDirectory: true), DirectoryEntry(name: "events.ndjson", isDirectory: false),
                         DirectoryEntry(name: "report.dql", isDirectory: false), DirectoryEntry(name: ".hidden", isDirectory: false)]
        case "data/": return [DirectoryEntry(name: "clicks.ndjson.gz", isDirectory: false), DirectoryEntry(name: "sales.json", isDirectory: false)]
        case "/home/me/": return [DirectoryEntry(name: "exports", isDirectory: true)]
        default: return nil
        }
    },
    homeDirectory: "/home/me")

private func complete(_ text: String) -> [String] {
    Completion.complete(text, environment: completionTestEnvironment).candidates
}

struct CompletionCase: CustomTestStringConvertible, Sendable {
    var text: String
    /// Candidates that must be offered.
    var includes: [String]
    /// Candidates that must not be offered.
    var excludes: [String] = []
    var testDescription: String { "\"\(text)\"" }
}

@Suite struct CompletionTests {
    static let cases: [CompletionCase] = [
        // Keywords, in the case typed.
        CompletionCase(text: "", includes: ["SELECT", "EXPLAIN"], excludes: ["WHERE"]),
        CompletionCase(text: "SEL", includes: ["SELECT"], excludes: ["EXPLAIN"]),
        CompletionCase(text: "sel", includes: ["select"], excludes: ["SELECT"]),
        CompletionCase(text: "EXPLAIN ", includes: ["SELECT"], excludes: ["EXPLAIN"]),
        // Events after SELECT and FROM; fields may also start a projection.
        CompletionCase(text: "SELECT ", includes: ["clicks", "leads", "sales", "*", "country"]),
        CompletionCase(text: "SELECT cl", includes: ["clicks", "click.country"], excludes: ["leads"]),
        CompletionCase(text: "SELECT CL", includes: ["CLICKS"], excludes: ["clicks"]),
        CompletionCase(text: "SELECT country, city ", includes: ["FROM"], excludes: ["WHERE"]),
        CompletionCase(text: "SELECT country, ci", includes: ["city"], excludes: ["clicks"]),
        CompletionCase(text: "SELECT * FROM ", includes: ["clicks", "leads", "sales"], excludes: ["country"]),
        CompletionCase(text: "SELECT * FROM s", includes: ["sales"], excludes: ["clicks"]),
        // Clauses after the event, each once.
        CompletionCase(text: "SELECT clicks ", includes: ["WHERE", "SINCE", "BETWEEN", "TIMEZONE", "ORDER BY", "LIMIT", "OFFSET", "PAGE"]),
        CompletionCase(text: "SELECT clicks w", includes: ["where"], excludes: ["WHERE"]),
        CompletionCase(text: "SELECT clicks SINCE 7d ", includes: ["UNTIL", "WHERE", "LIMIT"], excludes: ["SINCE", "BETWEEN"]),
        CompletionCase(text: "SELECT clicks WHERE country = US ", includes: ["AND", "OR", "SINCE", "LIMIT"], excludes: ["WHERE"]),
        CompletionCase(text: "SELECT clicks LIMIT 10 ", includes: ["OFFSET", "WHERE"], excludes: ["LIMIT"]),
        // OFFSET and PAGE are two clauses for the grammar (the binder refuses them together).
        CompletionCase(text: "SELECT clicks OFFSET 10 ", includes: ["PAGE", "LIMIT"], excludes: ["OFFSET"]),
        CompletionCase(text: "SELECT clicks PAGE 2 ", includes: ["OFFSET", "LIMIT"], excludes: ["PAGE"]),
        // One name after SELECT is the event, or the first column when FROM follows.
        CompletionCase(text: "SELECT clickz ", includes: ["FROM", "WHERE", "LIMIT"]),
        CompletionCase(text: "SELECT country ", includes: ["FROM", "WHERE"]),
        CompletionCase(text: "SELECT `sales` WHERE sale", includes: ["saleType", "sale.amount"]),
        CompletionCase(text: "SELECT clickz WHERE cou", includes: ["country"]),
        CompletionCase(text: "SELECT click.country ", includes: ["FROM"], excludes: ["WHERE"]),
        CompletionCase(text: "SELECT clicks ORDER ", includes: ["BY"]),
        CompletionCase(text: "SELECT clicks ORDER BY ", includes: ["timestamp"]),
        CompletionCase(text: "SELECT clicks ORDER BY timestamp ", includes: ["ASC", "DESC", "LIMIT"], excludes: ["ORDER BY"]),
        CompletionCase(text: "SELECT clicks BETWEEN 2024-01-01 ", includes: ["AND"], excludes: ["OR", "WHERE"]),
        // Fields where a field may stand, for the event, with aliases.
        CompletionCase(text: "SELECT clicks WHERE cou", includes: ["country"], excludes: ["continent", "city"]),
        CompletionCase(text: "SELECT clicks WHERE ", includes: ["country", "browser", "click.country", "utm_source", "NOT"],
                       excludes: ["saleType", "metadata."]),
        CompletionCase(text: "SELECT sales WHERE sale", includes: ["saleType", "sale.amount"]),
        CompletionCase(text: "SELECT sales WHERE me", includes: ["metadata."]),
        CompletionCase(text: "SELECT clicks WHERE country = US AND (NOT br", includes: ["browser"]),
        CompletionCase(text: "SELECT clicks WHERE COU", includes: ["COUNTRY"]),
        // Operators after a field.
        CompletionCase(text: "SELECT clicks WHERE country ", includes: ["=", "!=", "IN", "NOT IN"], excludes: ["<", "country"]),
        CompletionCase(text: "SELECT sales WHERE sale.amount ", includes: ["=", ">", ">=", "<"]),
        CompletionCase(text: "SELECT clicks WHERE country NOT ", includes: ["IN"], excludes: ["="]),
        CompletionCase(text: "SELECT clicks WHERE root ", includes: ["=", "AND", "OR", "LIMIT"]),
        // Values of enumerated fields after = and IN (.
        CompletionCase(text: "SELECT clicks WHERE country = U", includes: ["US", "UY"], excludes: ["DE"]),
        CompletionCase(text: "SELECT clicks WHERE country=u", includes: ["US"]),
        CompletionCase(text: "SELECT clicks WHERE country IN (US, D", includes: ["DE", "DK"], excludes: ["US"]),
        CompletionCase(text: "SELECT clicks WHERE country IN (", includes: ["US", "DE", "'IN'"]),
        CompletionCase(text: "SELECT clicks WHERE continent = ", includes: ["AF", "EU", "SA"], excludes: ["US"]),
        CompletionCase(text: "SELECT clicks WHERE trigger = ", includes: ["qr", "link", "pageview", "deeplink"]),
        CompletionCase(text: "SELECT clicks WHERE device != M", includes: ["Mobile"]),
        CompletionCase(text: "SELECT clicks WHERE os = 'Ma", includes: ["'Mac OS'"]),
        CompletionCase(text: "SELECT clicks WHERE os = ", includes: ["'Mac OS'", "iOS"]),
        CompletionCase(text: "SELECT sales WHERE saleType = ", includes: ["new", "recurring"]),
        CompletionCase(text: "SELECT clicks WHERE qr = ", includes: ["TRUE", "FALSE"]),
        CompletionCase(text: "SELECT clicks WHERE qr = t", includes: ["true"]),
        CompletionCase(text: "SELECT clicks WHERE city = ", includes: [], excludes: ["US"]),
        // Presets after SINCE and UNTIL; time zones after TIMEZONE.
        CompletionCase(text: "SELECT clicks SINCE ", includes: ["1h", "24h", "7d", "30d", "ytd", "all_unfiltered"]),
        CompletionCase(text: "SELECT clicks SINCE y", includes: ["ytd"], excludes: ["1y"]),
        CompletionCase(text: "SELECT clicks SINCE 90d UNTIL ", includes: ["7d"]),
        CompletionCase(text: "SELECT clicks TIMEZONE ", includes: ["'Europe/Zurich'", "'UTC'"]),
        CompletionCase(text: "SELECT clicks TIMEZONE 'Eur", includes: ["'Europe/Zurich'", "'Europe/Berlin'"], excludes: ["'UTC'"]),
        CompletionCase(text: "SELECT clicks TIMEZONE eu", includes: ["'Europe/Zurich'"]),
        // Aggregates: calls, aliases, GROUP BY, HAVING, ORDER BY over calls, LIMIT ALL.
        CompletionCase(text: "SELECT country, count() FROM clicks GROUP BY country ",
                       includes: ["ORDER BY", "HAVING", "LIMIT", "WHERE", "SINCE"], excludes: ["GROUP BY"]),
        CompletionCase(text: "SELECT country, count() FROM clicks GROUP BY country, city ", includes: ["ORDER BY", "HAVING"]),
        CompletionCase(text: "SELECT country, count(", includes: ["*", "DISTINCT", "country"]),
        CompletionCase(text: "SELECT count(DISTINCT ", includes: ["country"], excludes: ["DISTINCT", "*"]),
        CompletionCase(text: "SELECT country, count(*) ", includes: ["FROM", "AS"]),
        CompletionCase(text: "SELECT country AS c ", includes: ["FROM"]),
        CompletionCase(text: "SELECT country, count() FROM clicks GROUP BY country HAVING count() ",
                       includes: ["=", "IN", "NOT IN", "AND", "ORDER BY"]),
        CompletionCase(text: "SELECT country, count() FROM clicks GROUP BY country HAVING count(DISTINCT ", includes: ["country"]),
        CompletionCase(text: "SELECT country, count() FROM clicks GROUP BY country HAVING count() IN (1, 2) ",
                       includes: ["AND", "OR", "ORDER BY", "LIMIT"]),
        CompletionCase(text: "SELECT country, count() FROM clicks GROUP BY country ORDER BY count() ", includes: ["ASC", "DESC", "LIMIT"]),
        CompletionCase(text: "SELECT country, count() FROM clicks GROUP BY country ORDER BY count() DESC, country ",
                       includes: ["ASC", "LIMIT"]),
        CompletionCase(text: "SELECT country, count() FROM clicks GROUP BY country LIMIT all ", includes: ["OFFSET", "HAVING", "SINCE"]),
        // Several statements and lines: only the current statement counts.
        CompletionCase(text: "SELECT clicks; SEL", includes: ["SELECT"]),
        CompletionCase(text: "SELECT clicks\nWHERE cou", includes: ["country"]),
        // Nothing inside comments or unfinished strings.
        CompletionCase(text: "SELECT clicks -- cou", includes: [], excludes: ["country"]),
        CompletionCase(text: "SELECT clicks WHERE city = 'San Jo", includes: [], excludes: ["country"]),
        // Dot-commands and their arguments.
        CompletionCase(text: ".", includes: [".help", ".quit", ".exit", ".open", ".mode", ".history"]),
        CompletionCase(text: ".mo", includes: [".mode"], excludes: [".open"]),
        CompletionCase(text: ".mode ", includes: ["table", "json", "csv", "plan", "url", "curl"]),
        CompletionCase(text: ".mode j", includes: ["json"], excludes: ["ndjson"]),
        CompletionCase(text: ".explain ", includes: ["on", "off"]),
        CompletionCase(text: ".timer o", includes: ["on", "off"]),
        CompletionCase(text: ".expanded ", includes: ["auto", "on", "off"]),
        CompletionCase(text: ".pager o", includes: ["on", "off"]),
        CompletionCase(text: ".since ", includes: ["7d", "30d", "mtd", "off"], excludes: ["all_unfiltered"]),
        CompletionCase(text: ".limit a", includes: ["all"], excludes: ["off"]),
        CompletionCase(text: ".fields ", includes: ["clicks", "leads", "sales"]),
        CompletionCase(text: ".help ", includes: ["mode", "open"]),
        CompletionCase(text: ".timezone Europe/Z", includes: ["Europe/Zurich"], excludes: ["UTC"]),
        CompletionCase(text: ".open ", includes: ["api", "demo", "data/", "events.ndjson", "report.dql"], excludes: [".hidden"]),
        CompletionCase(text: ".open ev", includes: ["events.ndjson"], excludes: ["api"]),
        CompletionCase(text: ".open data/", includes: ["data/clicks.ndjson.gz", "data/sales.json"]),
        CompletionCase(text: ".open data/s", includes: ["data/sales.json"], excludes: ["data/clicks.ndjson.gz"]),
        CompletionCase(text: ".open events.ndjson data/", includes: ["data/sales.json"], excludes: ["api"]),
        CompletionCase(text: ".read r", includes: ["report.dql"]),
        CompletionCase(text: ".read .h", includes: [".hidden"]),
        CompletionCase(text: ".read ~/", includes: ["~/exports/"]),
        CompletionCase(text: ".output ", includes: ["stdout", "report.dql"]),
        CompletionCase(text: ".quit ", includes: [], excludes: ["on"]),
    ]

    @Test(arguments: cases)
    func offersWhatMayComeNext(_ c: CompletionCase) {
        let got = complete(c.text)
        for expected in c.includes {
            #expect(got.contains(expected), "expected \(expected) among \(got)")
        }
        for unexpected in c.excludes {
            #expect(!got.contains(unexpected), "did not expect \(unexpected) among \(got)")
        }
        if c.includes.isEmpty { #expect(got.isEmpty, "expected nothing, got \(got)") }
    }

    /// Every candidate must extend the word typed (ignoring case and an opening quote), or the
    /// line editor would delete what the user typed.
    @Test(arguments: cases)
    func candidatesExtendTheWord(_ c: CompletionCase) {
        let result = Completion.complete(c.text, environment: completionTestEnvironment)
        let typed = result.word.lowercased().trimmingPrefixQuote()
        for candidate in result.candidates {
            #expect(candidate.lowercased().trimmingPrefixQuote().hasPrefix(typed) || candidate.hasPrefix("~"),
                    "\(candidate) does not extend \(result.word)")
        }
    }

    @Test(arguments: [
        ("SELECT", 0, "SELECT"), ("SELECT clicks WHERE cou", 20, "cou"), ("x IN (U", 6, "U"),
        ("a = 'Zü", 4, "'Zü"), (".open data/s", 6, "data/s"), ("SELECT clicks ", 14, ""),
    ])
    func wordIsTheTextAfterTheLastBreak(_ text: String, _ start: Int, _ word: String) {
        let result = Completion.complete(text, environment: completionTestEnvironment)
        #expect(result.word == word)
        #expect(result.wordStart == start)
    }

    @Test func fieldsComeFromTheCatalog() {
        let offered = Set(complete("SELECT sales WHERE "))
        for spec in Catalog.fields(for: .sales) {
            #expect(offered.contains(spec.name), "\(spec.name) missing")
            for alias in spec.aliases { #expect(offered.contains(alias), "\(alias) missing") }
        }
    }
}

private extension String {
    func trimmingPrefixQuote() -> String {
        if let f = first, f == "'" || f == "\"" { return String(dropFirst()) }
        return self
    }
}
