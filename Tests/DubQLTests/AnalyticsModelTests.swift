// The model of Dub's `GET /analytics`: which pipe answers, the bucket size Dub derives from the
// range, bucket labels, and the quirks of dub-analytics.md §1.7 as the request's answer kind.

import DubQL
import DubQLAPIModel
import DubQLSyntax
import Testing

@Suite struct AnalyticsModelTests {
    static let now = ISOInstant.parse("2026-08-18T12:00:00Z")!

    func parse(_ params: [String: String]) throws(APIModelError) -> AnalyticsRequest {
        try AnalyticsModel.parse(params, now: Self.now, dataAvailableFrom: ISOInstant.parse("2026-01-15T08:00:00Z")!)
    }

    @Test(arguments: [
        (["interval": "24h"], TimeBucket.hour), (["interval": "7d"], .day), ([:], .day), (["interval": "qtd"], .day),
        (["interval": "1y"], .month), (["interval": "ytd"], .month),
        (["start": "2026-08-01T12:00:00Z", "end": "2026-08-03T12:00:00Z"], .hour),
        (["start": "2026-08-01T12:00:00Z", "end": "2026-08-04T12:00:00Z"], .day),
        (["start": "2026-01-01T12:00:00Z", "end": "2026-06-30T12:00:00Z"], .day),
        (["start": "2026-01-01T12:00:00Z", "end": "2026-07-01T12:00:00Z"], .month),
        (["interval": "all"], .month),
    ])
    func timeseriesBucketsFollowDubsGranularity(params: [String: String], bucket: TimeBucket) throws {
        var p = params
        p["groupBy"] = "timeseries"
        #expect(try parse(p).bucket == bucket)
    }

    @Test func allTimeSeriesStartOnTheDayDataIsAvailable() throws {
        let r = try parse(["groupBy": "timeseries", "interval": "all", "timezone": "America/New_York"])
        #expect(ISOInstant.format(r.start) == "2026-01-15T05:00:00.000Z")
        let short = try parse(["groupBy": "timeseries", "interval": "all", "end": "2026-01-16T12:00:00Z"])
        #expect(short.bucket == .hour)
    }

    @Test func bucketLabelsAreClickHouses() {
        let ny = ZonedCalendar(identifier: "America/New_York")!
        let t = ISOInstant.parse("2026-03-09T04:00:00Z")!
        #expect(AnalyticsModel.bucketLabel(t, bucket: .day, calendar: ny) == "2026-03-09T00:00:00.000-0400")
        #expect(AnalyticsModel.bucketLabel(t, bucket: .hour, calendar: ny) == "2026-03-09T04:00:00.000+0000")
        let kolkata = ZonedCalendar(identifier: "Asia/Kolkata")!
        #expect(AnalyticsModel.bucketLabel(ISOInstant.parse("2026-01-31T18:30:00Z")!, bucket: .month, calendar: kolkata)
            == "2026-02-01T00:00:00.000+0530")
    }

    @Test func quirksDecideTheAnswer() throws {
        #expect(try parse(["groupBy": "countries", "region": "US-CA"]).answer == .empty)
        if case .aggregate = try parse(["groupBy": "count", "region": "US-CA"]).answer {} else { Issue.record("count honours region") }
        #expect(try parse(["groupBy": "devices", "query": "metadata['plan']:'pro'"]).answer == .internalError)
        #expect(try parse(["groupBy": "devices", "event": "composite", "query": "metadata['plan']:'pro'"]).answer == .internalError)
        if case .aggregate(let legs) = try parse(["groupBy": "devices", "event": "leads", "query": "metadata['plan']:'pro'"]).answer {
            #expect(legs[0].metadata.count == 1)
        } else { Issue.record("leads apply query") }
        #expect(try parse(["linkId": "-link_1", "interval": "all"]).answer == .linkCounters(linkIds: ["link_1"], lookup: nil))
        if case .linkCounters = try parse(["linkId": "link_1", "interval": "all", "country": "US"]).answer {
            Issue.record("a dimensional filter leaves the fast path")
        }
        // Link metadata: link-level filters apply with linkId; query and (clicks) customerId do not.
        if case .aggregate(let legs) = try parse(["groupBy": "top_domains", "linkId": "link_1", "folderId": "f1",
                                                  "customerId": "cus_1", "event": "composite",
                                                  "query": "metadata['plan']:'pro'"]).answer {
            #expect(legs.map { $0.filters["folderId"] != nil } == [true, true, true])
            #expect(legs.map { $0.customerId } == [nil, "cus_1", "cus_1"])
            #expect(legs.allSatisfy { $0.metadata.isEmpty })
        } else { Issue.record("top_domains aggregates") }
        // partnerTagId alone: dropped by timeseries and by clicks/leads group-bys, kept by sales and count.
        func partnerTag(_ p: [String: String]) throws -> [Bool] {
            guard case .aggregate(let legs) = try parse(p).answer else { return [] }
            return legs.map { $0.filters["partnerTagId"] != nil }
        }
        #expect(try partnerTag(["groupBy": "timeseries", "partnerTagId": "pt", "event": "composite"]) == [false, false, false])
        #expect(try partnerTag(["groupBy": "countries", "partnerTagId": "pt", "event": "composite"]) == [false, false, true])
        #expect(try partnerTag(["groupBy": "count", "partnerTagId": "pt", "event": "composite"]) == [true, true, true])
        #expect(try partnerTag(["groupBy": "countries", "partnerTagId": "pt", "tenantId": "t"]) == [true])
        // saleType applies to the sales leg only; tagIds is copied into tagId.
        if case .aggregate(let legs) = try parse(["event": "composite", "saleType": "new", "tagIds": "tag_1"]).answer {
            #expect(legs.map(\.saleType) == [nil, nil, "new"])
            #expect(legs.allSatisfy { $0.filters["tagId"]?.values == ["tag_1"] })
        } else { Issue.record("composite count aggregates") }
    }

    @Test func validationIsDubsInSchemaOrder() {
        func message(_ p: [String: String]) -> String? {
            do { _ = try parse(p); return nil } catch { return error.message }
        }
        #expect(message(["event": "x", "groupBy": "y"]) == "invalid_value: event: Invalid event type. Valid event types are: clicks, leads, sales")
        #expect(message(["groupBy": "trigger2", "interval": "9d"])?.hasPrefix("invalid_value: groupBy: Invalid type value. Valid values are: count, timeseries,") == true)
        #expect(message(["groupBy": "trigger"]) == nil)
        #expect(message(["limit": "0", "page": "x", "sortOrder": "up"]) == nil)
        #expect(message(["groupBy": "top_partners"])?.contains("from Dub's database") == true)
    }
}
