// The reference meaning (DESIGN.md §1.4) on single events, and the URL and time helpers it uses.

import DubQL
import DubQLSyntax
import DubQLTestSupport
import Testing

@Suite struct EvaluatorTests {
    static let click = TestEvent.make(click: [
        "country": .string("US"), "city": .string(""), "device": .string("Mobile"), "os": .string("Mac OS"),
        "url": .string("https://acme.com/p?utm_source=news+letter&utm_medium=e%2Dmail&x=1#frag"),
        "refererUrl": .string("https://t.co/x?ref=1"), "qr": .bool(true),
    ], link: ["key": .string("_root"), "tenantId": .null])

    func holds(_ condition: String, _ event: TestEvent = click) -> Bool {
        let type = event.eventType.rawValue
        guard let q = Fixture.query("SELECT \(type) WHERE \(condition)"), let c = q.condition else {
            Issue.record("does not bind: \(condition)")
            return false
        }
        return Evaluator.matches(c, event)
    }

    @Test(arguments: [
        ("country = US", true), ("country = DE", false), ("country != DE", true), ("country IN (DE, US)", true),
        ("NOT country IN (DE, US)", false), ("device = mobile", true), ("os = 'Mac OS'", true), ("os = 'mac os'", false),
        ("city = ''", true), ("city != Berlin", true), ("referer != x", true), ("tenantId != t1", true), ("tenantId = t1", false),
        ("url = 'https://acme.com/p'", true), ("refererUrl = 'https://t.co/x'", true),
        ("utm_source = 'news letter'", true), ("utm_source = news", false), ("utm_medium = 'e-mail'", true),
        ("utm_campaign = x", false), ("utm_campaign != x", true), ("root", true), ("NOT root", false), ("qr", true),
        ("link.tenantId != t1", true), ("click.ua = x", false), ("click.ua != x", true),
    ])
    func meaningOnAClick(condition: String, expected: Bool) {
        #expect(holds(condition) == expected, "\(condition)")
    }

    @Test func metadataComparesByJSONKind() {
        let lead = TestEvent.make(.leads, extra: ["metadata": .object([
            .init("plan", .string("pro")), .init("seats", .number(5)), .init("code", .string("5")), .init("trial", .bool(true)),
            .init("nested", .object([.init("a", .string("x"))])),
        ])])
        #expect(holds("metadata.plan = pro", lead))
        #expect(holds("metadata.seats = 5", lead) && !holds("metadata.seats = '5'", lead))
        #expect(holds("metadata.code = '5'", lead) && !holds("metadata.code = 5", lead))
        #expect(holds("metadata.seats >= 5", lead) && !holds("metadata.seats > 5", lead) && !holds("metadata.code > 1", lead))
        #expect(holds("metadata.trial", lead) && holds("metadata.trial = TRUE", lead))
        #expect(holds("metadata.nested.a = x", lead) && holds("metadata.missing != x", lead))
        #expect(!holds("NOT metadata.seats < 9", lead) && holds("NOT metadata.missing < 9", lead))
    }

    @Test func saleTypeAndNumbers() {
        let sale = TestEvent.make(.sales, extra: ["sale": .object([.init("amount", .number(4900))])], saleType: "recurring")
        #expect(holds("saleType = recurring", sale) && !holds("saleType = new", sale))
        // Amounts are written in dollars; the event holds cents.
        #expect(holds("sale.amount >= 49", sale) && holds("sale.amount < 50", sale) && !holds("sale.amount > 49", sale))
        #expect(holds("sale.amount = $49.00", sale) && holds("sale.amount = 49 usd", sale) && !holds("sale.amount = 4900", sale))
    }

    @Test func timestampComparisons() {
        let e = TestEvent.make(at: Fixture.instant("2026-08-01T10:00:00Z"))
        #expect(holds("timestamp >= 2026-08-01T10:00:00Z", e) && !holds("timestamp > 2026-08-01T10:00:00Z", e))
        #expect(holds("timestamp < 2026-08-02", e))
    }

    @Test func selectSortsByTimestampThenIdAndCuts() throws {
        let t = Fixture.now - 1000
        let events = [TestEvent.make(id: "b", at: t), TestEvent.make(id: "a", at: t), TestEvent.make(id: "c", at: t - 5),
                      TestEvent.make(.leads, id: "l", at: t), TestEvent.make(id: "old", at: Fixture.now - 2 * 86_400_000)]
        let desc = try #require(Fixture.query("SELECT clicks LIMIT 2"))
        #expect(Evaluator.select(desc, from: events).map(\.eventID) == ["b", "a"])
        let asc = try #require(Fixture.query("SELECT clicks ORDER BY timestamp ASC LIMIT 5 OFFSET 1"))
        #expect(Evaluator.select(asc, from: events).map(\.eventID) == ["a", "b"])
    }
}

@Suite struct URLTextTests {
    @Test func queryParameters() {
        #expect(URLText.queryParameter("a", in: "https://x.co/?a=1&a=2") == "1")
        #expect(URLText.queryParameter("b", in: "https://x.co/?a=1&b") == "")
        #expect(URLText.queryParameter("c", in: "https://x.co/?a=1") == nil)
        #expect(URLText.queryParameter("q", in: "https://x.co/?q=a%20b+c") == "a b c")
    }

    @Test func formEncodingIsJavaScriptsWithPlus() {
        #expect(URLText.formEncode("news letter") == "news+letter")
        #expect(URLText.formEncode("a+b/c") == "a%2Bb%2Fc")
        #expect(URLText.formEncode("Zürich") == "Z%C3%BCrich")
        #expect(URLText.isFormEncodingInvariant("google-ads_2.0") && !URLText.isFormEncodingInvariant("a b"))
    }

    @Test func withoutQuery() {
        #expect(URLText.withoutQuery("https://x.co/p?a=1?b") == "https://x.co/p")
        #expect(URLText.withoutQuery("(direct)") == "(direct)")
    }
}

@Suite struct TimeTests {
    @Test(arguments: [
        ("2026-08-20T12:00:00Z", Fixture.now), ("2026-08-20T14:00:00+02:00", Fixture.now), ("2026-08-20 12:00:00", Fixture.now),
        ("2026-08-20T12:00:00.250Z", Fixture.now + 250), ("2026-08-20", Fixture.now - 43_200_000),
        ("Thu Aug 20 2026 12:00:00 GMT+0000 (Coordinated Universal Time)", Fixture.now),
    ])
    func parsesInstants(text: String, millis: Int64) {
        #expect(ISOInstant.parse(text) == millis)
    }

    @Test(arguments: ["", "2026-13-01", "2026-08-20T25:00:00Z", "yesterday", "2026-08-20T12:00:00Zjunk"])
    func rejectsNonInstants(text: String) {
        #expect(ISOInstant.parse(text) == nil)
    }

    @Test(arguments: [Int64(0), 1_787_061_792_345, 951_782_400_000, 4_102_444_799_999, -86_400_001])
    func isoRoundTrip(_ millis: Int64) {
        #expect(ISOInstant.parse(ISOInstant.format(millis)) == millis)
    }

    @Test func javascriptFormRoundTrip() {
        var out: [UInt8] = []
        ISOInstant.appendJavaScript(1_787_061_792_000, to: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text == "Tue Aug 18 2026 14:03:12 GMT+0000 (Coordinated Universal Time)")
        #expect(ISOInstant.parse(text) == 1_787_061_792_000)
    }

    @Test func formatsRoundTrip() {
        #expect(ISOInstant.format(Fixture.now + 5) == "2026-08-20T12:00:00.005Z")
        #expect(APIPlanner.formatInstant(Fixture.now) == "2026-08-20T12:00:00Z")
        #expect(ISOInstant.parse(ISOInstant.format(-86_400_001)) == -86_400_001)
    }

    @Test func queryContextParsesNowAndChecksZones() throws {
        #expect(QueryContext.parseInstant("1787227200000") == Fixture.now)
        #expect(QueryContext.parseInstant("2026-08-20T12:00:00Z") == Fixture.now)
        #expect(throws: ContextError.invalidInstant("soon")) { try QueryContext.make(now: "soon", timeZone: nil) }
        #expect(throws: ContextError.self) { try QueryContext.make(now: nil, timeZone: "Europe/Berln") }
        #expect(try QueryContext.make(now: "2026-08-20", timeZone: "Asia/Tokyo").timeZone == "Asia/Tokyo")
        // A huge unknown zone gets no suggestion (and costs no edit distances: issue 14 timed 5.7 s for 10 KB).
        let huge = String(repeating: "Europe/Berlin", count: 800)
        #expect(throws: ContextError.unknownTimeZone(huge, suggestions: [])) { try QueryContext.make(now: nil, timeZone: huge) }
    }

    @Test func zonedBoundaries() throws {
        let ny = try #require(ZonedCalendar(identifier: "America/New_York"))
        #expect(ny.startOfDay(Fixture.now) == Fixture.instant("2026-08-20T04:00:00Z"))
        #expect(ny.endOfDay(Fixture.now) == Fixture.instant("2026-08-21T03:59:59.999Z"))
        #expect(ny.startOfQuarter(Fixture.now) == Fixture.instant("2026-07-01T04:00:00Z"))
        #expect(ny.startOfYear(Fixture.now) == Fixture.instant("2026-01-01T05:00:00Z"))
        #expect(ZonedCalendar(identifier: "Nowhere/City") == nil)
    }
}
