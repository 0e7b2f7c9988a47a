// Issue 12 in the library: time narrowing by `timestamp` conditions (binder warning, API and local
// plans), LIMIT ALL on listings, the default-time flag, `customerId IN` unions and `partnerTagId`.

import DubQL
import DubQLAPIModel
import DubQLSyntax
import DubQLTestSupport
import Testing

@Suite struct TimeNarrowingTests {
    static let day: Int64 = 86_400_000

    static func narrowed(_ text: String) throws -> TimeNarrowing.Result? {
        let q = try #require(Fixture.query(text), "\(text)")
        return TimeNarrowing.narrow(q.time, by: Normalizer.normalize(q.condition))
    }

    @Test func boundsIntersectTheRangeAndLeaveNoCondition() throws {
        let r = try #require(try Self.narrowed("SELECT clicks WHERE timestamp >= 2026-08-01 AND timestamp < 2026-08-03 SINCE 30d"))
        let start = try #require(ISOInstant.parse("2026-08-01T00:00:00Z"))
        #expect(r.time == TimeRange(start: start, end: start + 2 * Self.day - 1))
        #expect(r.condition == nil && r.narrowed && !r.isEmpty)
    }

    @Test func notAndStrictBoundsAreExact() throws {
        let r = try #require(try Self.narrowed("SELECT clicks WHERE NOT timestamp < 2026-08-05T10:00:00Z AND timestamp > 2026-08-04 AND country = US SINCE all"))
        let t = try #require(ISOInstant.parse("2026-08-05T10:00:00Z"))
        #expect(r.time.start == t && r.time.end == nil && r.time.preset == nil)
        #expect(r.condition.map(ResidualPrinter.text) == "country = US")
    }

    @Test func aWeakerBoundKeepsThePreset() throws {
        let r = try #require(try Self.narrowed("SELECT clicks WHERE timestamp >= 2026-01-01 SINCE 7d"))
        #expect(r.time.preset == "7d" && !r.narrowed && r.condition == nil)
    }

    @Test func aListNarrowsButStays() throws {
        let r = try #require(try Self.narrowed("SELECT clicks WHERE timestamp IN (2026-08-01T00:00:00Z, 2026-08-02T00:00:00Z) SINCE 30d"))
        #expect(r.time.end == ISOInstant.parse("2026-08-02T00:00:00Z") && r.condition != nil)
    }

    @Test func disjunctionsAndOtherFieldsDoNotNarrow() throws {
        #expect(try Self.narrowed("SELECT clicks WHERE timestamp >= 2026-08-01 OR country = US SINCE 30d") == nil)
        #expect(try Self.narrowed("SELECT clicks WHERE country = US SINCE 30d") == nil)
    }

    @Test func anEmptyRangeWarnsAndPlansNothing() throws {
        let text = "SELECT clicks WHERE timestamp >= 2026-06-01 AND timestamp < 2026-06-02"
        let (query, diagnostics) = Fixture.bind(text)
        let q = try #require(query)
        #expect(q.hasDefaultTime)
        let w = try #require(diagnostics.first { $0.code == .neverTrue })
        #expect(w.message.contains("the default SINCE 24h"))
        let api = try #require(APIPlanner.plan(q).plan)
        #expect(api.requests.isEmpty)
        #expect(try #require(LocalPlanner.plan(q).plan).isEmpty)
        // Not when the range holds the bounds, nor for a range clause.
        #expect(!Fixture.bind(text + " SINCE 90d").diagnostics.contains { $0.code == .neverTrue })
        #expect(Fixture.bind("SELECT clicks SINCE 7d").query?.hasDefaultTime == false)
    }

    @Test func theAPIIsSentTheNarrowedRange() throws {
        let q = try #require(Fixture.query("SELECT clicks WHERE timestamp >= 2026-08-01 AND timestamp <= 2026-08-02T12:30:00Z SINCE 30d"))
        let plan = try #require(APIPlanner.plan(q).plan)
        #expect(plan.requests.count == 1)
        #expect(plan.requests[0]["start"] == "2026-08-01T00:00:00Z" && plan.requests[0]["end"] == "2026-08-02T12:30:00Z")
        #expect(plan.requests[0]["interval"] == nil)
        #expect(plan.residualText == "timestamp <= 2026-08-02T12:30:00Z")
        let local = try #require(LocalPlanner.plan(q).plan)
        #expect(local.time.start == ISOInstant.parse("2026-08-01T00:00:00Z") && local.filter == nil)
    }
}

@Suite struct ListingLimitTests {
    @Test func limitAllIsTheListingCap() throws {
        let q = try #require(Fixture.query("SELECT clicks LIMIT ALL"))
        #expect(q.limit == Binder.maximumLimit && q.limitIsAll && !q.hasDefaultLimit)
        let d = try #require(Fixture.query("SELECT clicks"))
        #expect(d.limit == Binder.defaultLimit && d.hasDefaultLimit && !d.limitIsAll)
        let plan = try #require(APIPlanner.plan(q).plan)
        #expect(plan.paging.pageSize == APIPlanner.maximumPageSize && plan.paging.takeRows == Binder.maximumLimit)
    }
}

@Suite struct CustomerUnionTests {
    @Test func customerIdsOnClicksBecomeOneRequestEach() throws {
        let q = try #require(Fixture.query("SELECT clicks WHERE customerId IN (cus_1, cus_2, cus_3) AND country = US SINCE 7d"))
        let (plan, diagnostics) = APIPlanner.plan(q)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let p = try #require(plan)
        #expect(p.requests.map { $0["customerId"] } == ["cus_1", "cus_2", "cus_3"])
        #expect(p.requests.allSatisfy { $0["country"] == "US" } && p.residual == nil)
    }
}

@Suite struct PartnerTagTests {
    @Test func theCatalogHasIt() throws {
        let f = try #require(Catalog.field(named: "partnertagid"))
        #expect(f.apiParameter == "partnerTagId" && f.pushdown == .list && f.isLinkLevel && f.localEvents.isEmpty)
    }

    @Test func onClicksItNeedsAnotherLinkLevelFilter() throws {
        let alone = try #require(Fixture.query("SELECT leads WHERE partnerTagId = pt_1"))
        let (none, d) = APIPlanner.plan(alone)
        #expect(none == nil && d.first?.code == .notPlannable)
        for text in ["SELECT sales WHERE partnerTagId = pt_1", "SELECT clicks WHERE partnerTagId = pt_1 AND folderId = f1",
                     "SELECT clicks WHERE partnerTagId = pt_1 AND NOT root"] {
            let q = try #require(Fixture.query(text))
            let plan = try #require(APIPlanner.plan(q).plan, "\(text)")
            #expect(plan.requests.first?["partnerTagId"] == "pt_1", "\(text)")
        }
        // With linkId the API ignores it, so linkId is checked locally instead.
        let q = try #require(Fixture.query("SELECT sales WHERE partnerTagId = pt_1 AND linkId = l1"))
        let plan = try #require(APIPlanner.plan(q).plan)
        #expect(plan.requests.first?["linkId"] == nil && plan.residualText == "linkId = l1")
    }

    @Test func theModelIgnoresItAloneOnClicksAndLeads() throws {
        let now = Fixture.now
        #expect(try APIModel.parse(["event": "clicks", "partnerTagId": "pt_1"], now: now).filters["partnerTagId"] == nil)
        #expect(try APIModel.parse(["event": "leads", "partnerTagId": "pt_1"], now: now).filters["partnerTagId"] == nil)
        #expect(try APIModel.parse(["event": "sales", "partnerTagId": "pt_1"], now: now).filters["partnerTagId"] != nil)
        #expect(try APIModel.parse(["event": "clicks", "partnerTagId": "pt_1", "domain": "dub.sh"], now: now).filters["partnerTagId"] != nil)
        #expect(try APIModel.parse(["event": "clicks", "partnerTagId": "pt_1", "root": "true"], now: now).filters["partnerTagId"] != nil)
        #expect(try APIModel.parse(["event": "leads", "partnerTagId": "pt_1", "programId": "prog_1"], now: now).filters["partnerTagId"] != nil)
    }

    @Test func theLimitSpeaksOfThePageSize() {
        for (value, message) in [("x", "invalid_type: limit: Page size must be a number."), ("1.5", "invalid_type: limit: Page size must be an integer."),
                                 ("0", "too_small: limit: Page size must be greater than 0."), ("1001", "too_big: limit: Max page size is 1000.")] {
            #expect(throws: APIModelError(message: message)) { try APIModel.parse(["limit": value], now: Fixture.now) }
        }
    }
}
