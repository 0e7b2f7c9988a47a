// The binder: every diagnostic at the right span (marked «like this» in the query), and the
// resolution of names, values, time ranges and limits.

import DubQL
import DubQLSyntax
import DubQLTestSupport
import Testing

/// A query with its expected span marked by « and », as UTF-8 offsets.
struct MarkedQuery: CustomStringConvertible {
    var text: String
    var span: Span
    init(_ marked: String) {
        var out = "", start = 0, end = 0
        for ch in marked {
            if ch == "«" { start = out.utf8.count } else if ch == "»" { end = out.utf8.count } else { out.append(ch) }
        }
        text = out
        span = Span(start: start, end: end)
    }
    var description: String { text }
}

@Suite struct BinderDiagnosticTests {
    static let cases: [(String, DiagnosticCode, Severity, String?)] = [
        ("SELECT «clicsk»", .unknownEvent, .error, "did you mean 'clicks'?"),
        ("SELECT «click» WHERE country = US", .unknownEvent, .error, "did you mean 'clicks'?"),
        ("SELECT clicks WHERE «contry» = US", .unknownField, .error, "did you mean 'country'?"),
        ("SELECT timestamp, «cuntry» FROM clicks", .unknownField, .error, "did you mean 'country'?"),
        ("SELECT clicks WHERE «coun» = US", .unknownField, .error, "did you mean 'country'?"),
        ("SELECT clicks WHERE «\(String(repeating: "country", count: 10))» = US", .unknownField, .error, nil),
        ("SELECT clicks WHERE «saleType» = new", .fieldNotInEvent, .error, nil),
        ("SELECT clicks WHERE «metadata.plan» = pro", .fieldNotInEvent, .error, nil),
        ("SELECT leads WHERE «sale.amount» > 5", .fieldNotInEvent, .error, nil),
        ("SELECT clicks WHERE country = «USA»", .invalidValue, .error, "did you mean 'US', 'SA' or 'UA'?"),
        ("SELECT clicks WHERE country IN (US, «Germany»)", .invalidValue, .error, "did you mean 'DE'?"),
        ("SELECT clicks WHERE continent = «XX»", .invalidValue, .error, nil),
        ("SELECT clicks WHERE continent = «europe»", .invalidValue, .error, "did you mean 'EU'?"),
        ("SELECT clicks WHERE trigger = «email»", .invalidValue, .error, nil),
        ("SELECT clicks WHERE trigger = «QR»", .invalidValue, .error, "did you mean 'qr'?"),
        ("SELECT clicks WHERE region = «CA»", .invalidValue, .error, "regions are written with their country code, e.g. 'US-CA'"),
        ("SELECT sales WHERE saleType = «New»", .invalidValue, .error, "did you mean 'new'?"),
        ("SELECT clicks WHERE «country > US»", .orderingOnUnorderedField, .error, nil),
        ("SELECT clicks WHERE «city <= Berlin»", .orderingOnUnorderedField, .error, nil),
        ("SELECT sales WHERE sale.amount = «lots»", .typeMismatch, .error, nil),
        ("SELECT clicks WHERE root = «yes»", .typeMismatch, .error, nil),
        ("SELECT clicks WHERE country = «TRUE»", .typeMismatch, .error, nil),
        ("SELECT clicks WHERE timestamp > «yesterday»", .typeMismatch, .error, nil),
        ("SELECT clicks WHERE «key = try»", .keyWithoutDomain, .error, nil),
        ("SELECT clicks WHERE domain IN ('a.co', 'b.co') AND «key = try»", .keyWithoutDomain, .error, nil),
        ("SELECT clicks WHERE domain = 'a.co' OR «key = try»", .keyWithoutDomain, .error, nil),
        ("SELECT clicks LIMIT «0»", .limitOutOfRange, .error, nil),
        ("SELECT clicks LIMIT «-1»", .limitOutOfRange, .error, nil),
        ("SELECT clicks LIMIT «2000000»", .limitOutOfRange, .error, nil),
        ("SELECT clicks OFFSET «99999999»", .offsetOutOfRange, .error, nil),
        ("SELECT clicks LIMIT 10 PAGE «0»", .pageOutOfRange, .error, nil),
        ("SELECT clicks LIMIT 10 OFFSET 5 «PAGE 2»", .pageOutOfRange, .error, nil),
        ("SELECT clicks TIMEZONE «'Mars/Base'»", .unknownTimeZone, .error, nil),
        ("SELECT clicks TIMEZONE «'Europe/Berln'»", .unknownTimeZone, .error, "did you mean 'Europe/Berlin'?"),
        ("SELECT clicks «BETWEEN 2026-02-01 AND 2026-01-01»", .startAfterEnd, .error, nil),
        ("SELECT clicks «SINCE 7d UNTIL 30d»", .startAfterEnd, .error, nil),
        ("SELECT clicks SINCE «2021-01-01»", .instantTooEarly, .error, nil),
        ("SELECT clicks BETWEEN «2022-09-21T23:59:59Z» AND 2023-01-01", .instantTooEarly, .error, nil),
        ("SELECT clicks ORDER BY «country»", .unsupportedOrder, .error, nil),
        ("SELECT clicks WHERE «country»", .incompleteField, .error, nil),
        ("SELECT leads WHERE «metadata» = x", .incompleteField, .error, nil),
        ("SELECT clicks WHERE os = «'mac os'»", .suspiciousNormalization, .warning, "did you mean 'Mac OS'?"),
        ("SELECT clicks WHERE «qr»", .deprecatedField, .warning, "write trigger = qr"),
        ("SELECT clicks SINCE 30d UNTIL «all»", .invalidTimeRange, .error, nil),
        ("SELECT clicks WHERE «country = US AND country = DE»", .neverTrue, .warning, nil),
        ("SELECT clicks WHERE «trigger = qr AND NOT trigger IN (qr, link)»", .neverTrue, .warning, nil),
        ("SELECT sales WHERE «saleType = new OR saleType = recurring»", .alwaysTrue, .warning, nil),
    ]

    @Test(arguments: cases)
    func diagnosticAtSpan(marked: String, code: DiagnosticCode, severity: Severity, hint: String?) {
        let q = MarkedQuery(marked)
        let (_, diagnostics) = Fixture.bind(q.text)
        let d = diagnostics.first { $0.code == code }
        #expect(d != nil, "\(q.text): \(diagnostics)")
        #expect(d?.span == q.span, "\(q.text): expected \(q.span), got \(String(describing: d?.span))")
        #expect(d?.severity == severity)
        if let hint { #expect(d?.hints.contains(hint) == true, "\(d?.hints ?? [])") }
    }

    @Test func errorsMeanNoQueryWarningsKeepIt() {
        #expect(Fixture.bind("SELECT clicks WHERE country = USA").query == nil)
        let (q, d) = Fixture.bind("SELECT clicks WHERE country = US AND country = DE")
        #expect(q != nil && d.count == 1 && !d.hasErrors)
    }

    @Test func severalErrorsAreAllReported() {
        let (_, d) = Fixture.bind("SELECT clicks WHERE contry = US AND trigger = email LIMIT 0")
        #expect(d.map(\.code) == [.unknownField, .invalidValue, .limitOutOfRange])
    }
}

@Suite struct BinderResolutionTests {
    let day: Int64 = 86_400_000

    @Test func defaultsAreSince24hAndLimit100() throws {
        let q = try #require(Fixture.query("SELECT clicks"))
        #expect(q.time == TimeRange(start: Fixture.now - day, end: nil, preset: "24h"))
        #expect(q.limit == 100 && q.offset == 0 && q.order == .descending && q.timeZone == "UTC")
        #expect(q.condition == nil && q.columns.isEmpty && q.text == "SELECT clicks")
    }

    @Test(arguments: [
        ("SINCE 30d", Fixture.now - 30 * 86_400_000, nil as Int64?),
        ("SINCE 90m", Fixture.now - 90 * 60_000, nil),
        ("SINCE 2w", Fixture.now - 14 * 86_400_000, nil),
        ("SINCE 3mo", Fixture.instant("2026-05-20T12:00:00Z"), nil),
        ("SINCE mtd", Fixture.instant("2026-08-01T00:00:00Z"), nil),
        ("SINCE qtd", Fixture.instant("2026-07-01T00:00:00Z"), nil),
        ("SINCE ytd", Fixture.instant("2026-01-01T00:00:00Z"), nil),
        ("SINCE ytd TIMEZONE 'Asia/Tokyo'", Fixture.instant("2025-12-31T15:00:00Z"), nil),
        ("SINCE 2026-01-01 TIMEZONE 'America/New_York'", Fixture.instant("2026-01-01T05:00:00Z"), nil),
        ("SINCE 2026-01-01T10:00:00+02:00", Fixture.instant("2026-01-01T08:00:00Z"), nil),
        ("SINCE 2026-01-01T10:00:00 TIMEZONE 'Europe/Berlin'", Fixture.instant("2026-01-01T09:00:00Z"), nil),
        ("BETWEEN 2026-01-01 AND 2026-01-31", Fixture.instant("2026-01-01T00:00:00Z"), Fixture.instant("2026-01-31T23:59:59.999Z")),
        ("BETWEEN '2026-01-01' AND 2026-01-02T06:00:00Z", Fixture.instant("2026-01-01T00:00:00Z"), Fixture.instant("2026-01-02T06:00:00Z")),
        ("SINCE 30d UNTIL 7d", Fixture.now - 30 * 86_400_000, Fixture.now - 7 * 86_400_000),
        ("SINCE 2026-03-01 UNTIL 2026-03-02", Fixture.instant("2026-03-01T00:00:00Z"), Fixture.instant("2026-03-02T23:59:59.999Z")),
    ])
    func timeRanges(clause: String, start: Int64?, end: Int64?) throws {
        let q = try #require(Fixture.query("SELECT clicks \(clause)"))
        #expect(q.time.start == start && q.time.end == end)
    }

    @Test func allHasNoLowerBound() throws {
        let q = try #require(Fixture.query("SELECT clicks SINCE all"))
        #expect(q.time == TimeRange(start: nil, end: nil, preset: "all"))
    }

    @Test func timeZoneFromContextAndClause() throws {
        let fromContext = try #require(Fixture.bind("SELECT clicks SINCE 2026-01-01", timeZone: "Asia/Tokyo").query)
        #expect(fromContext.timeZone == "Asia/Tokyo" && fromContext.time.start == Fixture.instant("2025-12-31T15:00:00Z"))
        let clauseWins = try #require(Fixture.bind("SELECT clicks SINCE 2026-01-01 TIMEZONE 'UTC'", timeZone: "Asia/Tokyo").query)
        #expect(clauseWins.timeZone == "UTC")
    }

    @Test func pageBecomesOffset() throws {
        let q = try #require(Fixture.query("SELECT clicks LIMIT 20 PAGE 3"))
        #expect(q.limit == 20 && q.offset == 40)
    }

    @Test(arguments: [
        ("device = mobile", "Mobile"), ("browser = 'samsung browser'", "Samsung Browser"), ("os = iOS", "iOS"),
        ("os = ios", "Ios"), ("os = 'mac OS'", "Mac OS"), ("city = berlin", "berlin"),
    ])
    func valuesAreNormalizedAsTheAPIDoes(condition: String, value: String) throws {
        let q = try #require(Fixture.query("SELECT clicks WHERE \(condition)"))
        guard case .predicate(let p)? = q.condition else { Issue.record("not a predicate"); return }
        #expect(p.values == [.string(value)])
    }

    @Test func fieldsResolveToCatalogMetadataAndJSONPaths() throws {
        let q = try #require(Fixture.query("SELECT timestamp, click.country, metadata.plan, customer.avatar FROM leads"))
        #expect(q.columns.map(\.field) == [.catalog("timestamp"), .catalog("country"), .metadata(["plan"]), .json(["customer", "avatar"])])
        #expect(q.columns.map(\.name) == ["timestamp", "click.country", "metadata.plan", "customer.avatar"])
    }

    @Test func literalsAreTyped() throws {
        let q = try #require(Fixture.query("SELECT sales WHERE sale.amount >= 49.90 AND metadata.trial = TRUE AND metadata.seats = 5 AND root"))
        guard case .and(let parts)? = q.condition else { Issue.record("not an AND"); return }
        let values = parts.compactMap { c -> [ScalarValue]? in if case .predicate(let p) = c { p.values.array } else { nil } }
        #expect(values == [[.number(4990, text: "49.90")], [.bool(true)], [.number(5, text: "5")], [.bool(true)]])
    }

    @Test func explainPrefixIsKept() throws {
        let q = try #require(Fixture.query("EXPLAIN SELECT clicks WHERE country = US"))
        #expect(q.explain && q.text == "EXPLAIN SELECT clicks WHERE country = US")
    }
}
