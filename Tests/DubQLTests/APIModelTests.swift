// The model of Dub's server: advanced-filter parsing, validation messages, link lookups, region,
// qr, metadata query parsing, and time ranges, each as reference/dub-api.md describes them.

import DubQL
import DubQLAPIModel
import DubQLSyntax
import DubQLTestSupport
import Testing

@Suite struct APIFilterTests {
    @Test(arguments: [
        ("US", false, ["US"]), ("US,DE", false, ["US", "DE"]), ("-US", true, ["US"]), ("-US,DE", true, ["US", "DE"]),
        ("US,-DE", false, ["US", "-DE"]), ("--US", true, ["-US"]), ("US, DE", false, ["US", " DE"]), ("US,,DE,", false, ["US", "DE"]),
    ])
    func parsesLikeParseFilterValue(raw: String, negated: Bool, values: [String]) {
        #expect(APIFilter.parse(raw) == APIFilter(negated: negated, values: values))
    }

    @Test(arguments: ["", "-", ",,,", "-,,"])
    func emptyFiltersAreDropped(raw: String) {
        #expect(APIFilter.parse(raw) == nil)
    }
}

@Suite struct APIModelValidationTests {
    static let cases: [([String: String], String)] = [
        (["limit": "1001"], "too_big: limit: Max page size is 1000."),
        (["limit": "0"], "too_small: limit: Page size must be greater than 0."),
        (["page": "0"], "too_small: page: Page must be greater than 0."),
        (["page": "abc"], "invalid_type: page: Page must be a number."),
        (["page": "1.5"], "invalid_type: page: Page must be an integer."),
        (["interval": "1h"], "invalid_value: interval: Invalid option: expected one of \"24h\"|\"7d\"|\"30d\"|\"90d\"|\"1y\"|\"mtd\"|\"qtd\"|\"ytd\"|\"all\""),
        (["interval": "all_unfiltered"], "invalid_value: interval: Invalid option: expected one of \"24h\"|\"7d\"|\"30d\"|\"90d\"|\"1y\"|\"mtd\"|\"qtd\"|\"ytd\"|\"all\""),
        (["start": "garbage"], "custom: start: Invalid date"),
        (["start": "2022-09-21"], "custom: start: The start date cannot be earlier than September 22, 2022."),
        (["start": "2024-01-01", "end": "nope"], "custom: end: Invalid date"),
        (["event": "composite"], "invalid_value: event: Invalid option: expected one of \"clicks\"|\"leads\"|\"sales\""),
        (["sortOrder": "up"], "invalid_value: sortOrder: Invalid option: expected one of \"asc\"|\"desc\""),
        (["sortBy": "country"], "invalid_value: sortBy: Invalid option: expected one of \"timestamp\""),
        (["qr": "yes"], "invalid_value: qr: Invalid option: expected one of \"true\"|\"false\""),
        (["saleType": "first"], "invalid_value: saleType: Invalid option: expected one of \"new\"|\"recurring\""),
    ]

    @Test(arguments: cases)
    func rejectsWithDubsMessage(params: [String: String], message: String) {
        #expect(throws: APIModelError(message: message)) { try APIModel.parse(params, now: Fixture.now) }
    }

    @Test func defaults() throws {
        let q = try APIModel.parse([:], now: Fixture.now)
        #expect(q.event == .clicks && q.page == 1 && q.limit == 100 && q.order == .descending && q.timeZone == "UTC")
        // The code's default interval is 30d, not the documented 24h.
        #expect(q.start == Fixture.now - 30 * 86_400_000 && q.end == Fixture.instant("2026-08-20T23:59:59.999Z"))
    }

    @Test func invalidTimeZoneIsSilentlyUTC() throws {
        #expect(try APIModel.parse(["timezone": "Mars/Base"], now: Fixture.now).timeZone == "UTC")
    }

    @Test func deprecatedOrderOverridesSortOrder() throws {
        #expect(try APIModel.parse(["sortOrder": "desc", "order": "asc"], now: Fixture.now).order == .ascending)
        #expect(try APIModel.parse(["sortOrder": "asc", "order": "desc"], now: Fixture.now).order == .ascending)
    }
}

@Suite struct APIModelTimeTests {
    let now = Fixture.now

    @Test func startAndEndAreRoundedToDaysInTheZone() throws {
        let q = try APIModel.parse(["start": "2026-01-05T10:30:00Z", "end": "2026-01-06T01:00:00Z", "timezone": "America/New_York"], now: now)
        #expect(q.start == Fixture.instant("2026-01-05T05:00:00Z"))
        #expect(q.end == Fixture.instant("2026-01-06T04:59:59.999Z"))
    }

    @Test func startWinsOverIntervalAndEndDefaultsToToday() throws {
        let q = try APIModel.parse(["start": "2026-08-01", "interval": "24h"], now: now)
        #expect(q.start == Fixture.instant("2026-08-01T00:00:00Z") && q.end == Fixture.instant("2026-08-20T23:59:59.999Z"))
    }

    @Test func endWithoutStartIsIgnored() throws {
        let q = try APIModel.parse(["end": "2026-01-01", "interval": "7d"], now: now)
        #expect(q.start == now - 7 * 86_400_000)
    }

    @Test func startAfterEndIsSwapped() throws {
        let q = try APIModel.parse(["start": "2026-02-01", "end": "2026-01-01"], now: now)
        #expect(q.start < q.end)
    }

    @Test(arguments: [
        ("24h", "2026-08-19T12:00:00Z", "2026-08-20T12:00:00Z"), ("7d", "2026-08-13T12:00:00Z", "2026-08-20T23:59:59.999Z"),
        ("mtd", "2026-08-01T00:00:00Z", "2026-08-20T23:59:59.999Z"), ("qtd", "2026-07-01T00:00:00Z", "2026-08-20T23:59:59.999Z"),
        ("ytd", "2026-01-01T00:00:00Z", "2026-08-20T23:59:59.999Z"), ("1y", "2025-08-20T12:00:00Z", "2026-08-20T23:59:59.999Z"),
        ("all", "2022-09-22T00:00:00Z", "2026-08-20T23:59:59.999Z"),
    ])
    func intervals(interval: String, start: String, end: String) throws {
        let q = try APIModel.parse(["interval": interval], now: now)
        #expect(q.start == Fixture.instant(start) && q.end == Fixture.instant(end))
    }
}

@Suite struct APIModelFilterTests {
    static let click = TestEvent.make(click: [
        "country": .string("US"), "region": .string("US-CA"), "device": .string("Mobile"), "os": .string("iOS"),
        "trigger": .string("link"), "url": .string("https://acme.com/p?utm_source=google&utm_medium=cpc"),
        "refererUrl": .string("https://t.co/x"),
    ], link: ["id": .string("link_1"), "domain": .string("dub.sh"), "key": .string("try"), "externalId": .string("abc"),
              "tenantId": .string("t1")])

    func selects(_ params: [String: String], _ event: TestEvent = click) throws -> Bool {
        var p = params
        p["interval"] = p["interval"] ?? "all"
        return try APIModel.parse(p, now: Fixture.now).matches(event)
    }

    @Test func listFilters() throws {
        #expect(try selects(["country": "US,DE"]))
        #expect(try !selects(["country": "-US,DE"]))
        #expect(try selects(["country": "-DE"]))
        #expect(try !selects(["country": "DE,-US"]))
    }

    @Test func deviceBrowserOsAreCapitalized() throws {
        #expect(try selects(["device": "mobile"]))
        #expect(try selects(["os": "iOS"]))
        #expect(try !selects(["os": "ios"]))
    }

    @Test func urlComparesWithoutQueryAndUTMAsSubstring() throws {
        #expect(try selects(["url": "https://acme.com/p"]))
        #expect(try selects(["utm_source": "goog"]))
        #expect(try !selects(["utm_source": "-goog"]))
        #expect(try selects(["utm_source": "bing,google"]))
    }

    @Test func utmMatchIsALikePatternWhereUnderscoreIsAWildcard() throws {
        let e = TestEvent.make(click: ["url": .string("https://a.co/?utm_source=summerXsale")])
        #expect(try selects(["utm_source": "summer_sale"], e))
        #expect(try !selects(["utm_source": "summer-sale"], e))
        #expect(APIModel.like("abc", "a%") && APIModel.like("abc", "%b%") && APIModel.like("abc", "a_c") && !APIModel.like("abc", "a_"))
        #expect(APIModel.like("a%c", "a\\%c") && !APIModel.like("abc", "a\\%c") && APIModel.like("", "%"))
    }

    @Test func programIdIsALinkLevelFilter() throws {
        let e = TestEvent.make(link: ["id": .string("link_1"), "programId": .string("prog_1")])
        #expect(try selects(["programId": "prog_1"], e) && !selects(["programId": "prog_2"], e))
        #expect(try selects(["programId": "prog_2", "linkId": "link_1"], e))
    }

    @Test func regionReplacesCountry() throws {
        #expect(try selects(["region": "US-CA", "country": "DE"]))
        #expect(try !selects(["region": "US-NY"]))
        #expect(try !selects(["region": "NY"]))
    }

    @Test func qrTrueMeansTriggerQrAndFalseDoesNothing() throws {
        #expect(try !selects(["qr": "true"]))
        #expect(try selects(["qr": "false"]))
        #expect(try selects(["qr": "true", "trigger": "link"]))
    }

    @Test func linkIdSuppressesLinkLevelFilters() throws {
        #expect(try selects(["linkId": "link_1", "domain": "other.co", "tenantId": "t9", "root": "true"]))
        #expect(try !selects(["domain": "other.co"]))
    }

    @Test func linkLookups() throws {
        #expect(try selects(["domain": "dub.sh", "key": "try", "tenantId": "t9"]))
        #expect(try selects(["domain": "-dub.sh", "key": "try"]))
        #expect(try selects(["domain": "dub.sh,x.co", "key": "try"]))
        #expect(try !selects(["domain": "x.co,dub.sh", "key": "try"]))
        #expect(try selects(["key": "nothing"]))
        #expect(try selects(["externalId": "ext_abc", "domain": "dub.sh", "key": "nope"]))
        #expect(try !selects(["externalId": "abc"]))
        #expect(try selects(["externalId": "link_1"]))
        let root = TestEvent.make(link: ["domain": .string("dub.sh"), "key": .string("_root")])
        #expect(try selects(["domain": "dub.sh", "key": ""], root))
        #expect(try selects(["root": "true"], root) && !selects(["root": "false"], root))
    }

    @Test func saleTypeOnlyAppliesToSales() throws {
        #expect(try selects(["saleType": "recurring"]))
        let sale = TestEvent.make(.sales, saleType: "new")
        #expect(try selects(["event": "sales", "saleType": "new"], sale))
        #expect(try !selects(["event": "sales", "saleType": "recurring"], sale))
    }
}

@Suite struct APIMetadataQueryTests {
    @Test func orBehavesLikeAnd() {
        let c = APIMetadataQuery.parse("metadata['plan']:'pro' OR metadata['seats']>=5")
        #expect(c.count == 2 && c[1].op == .greaterThanOrEqual && c[1].value == "5")
    }

    @Test func onlyTheTopLevelKeyCounts() {
        #expect(APIMetadataQuery.parse("metadata['a']['b']:'x'").first?.key == "a")
        #expect(APIMetadataQuery.parse("metadata['a.b']:'x'").first?.key == "a")
    }

    @Test func valuesAreTrimmedUnquotedAndSanitized() {
        #expect(APIMetadataQuery.parse("metadata[\"k\"] = \"v;x\" ").first?.value == "vx")
        #expect(APIMetadataQuery.parse("metadata['k']:'O'Brien'").first?.value == "O'Brien")
        #expect(APIMetadataQuery.parse("metadata['k']=='a--b'").first.map { ($0.op, $0.value) } ?? (.notEquals, "") == (.equals, "ab"))
    }

    @Test func unparseableAndPlainIdentifiersAreDropped() {
        #expect(APIMetadataQuery.parse("plan:pro").isEmpty)
        #expect(APIMetadataQuery.parse("metadata['k']").isEmpty)
        #expect(APIMetadataQuery.parse("metadata['k']:'a\nb'").isEmpty)
    }

    @Test func textComparisonOnly() throws {
        let number = TestEvent.make(.leads, extra: ["metadata": .object([.init("seats", .number(5))])])
        let text = TestEvent.make(.leads, extra: ["metadata": .object([.init("seats", .string("5"))])])
        let q = try APIModel.parse(["event": "leads", "interval": "all", "query": "metadata['seats']>=5"], now: Fixture.now)
        #expect(q.matches(text) && !q.matches(number))
    }
}
