// Binding of aggregate queries: the bound form of the issue's queries, and one positioned error
// (code, underlined text) for every form that is not meaningful.

import DubQL
import DubQLSyntax
import DubQLTestSupport
import Testing

@Suite struct AggregateBinderTests {
    /// Query, expected code, the text the error underlines.
    static let errors: [(String, DiagnosticCode, String)] = [
        ("SELECT country, count() FROM clicks", .notGrouped, "country"),
        ("SELECT sum(country) FROM clicks", .aggregateTypeMismatch, "country"),
        ("SELECT avg(timestamp) FROM clicks", .aggregateTypeMismatch, "timestamp"),
        ("SELECT country, count() FROM clicks GROUP BY country HAVING country = US", .misplacedAggregate, "country = US"),
        ("SELECT cnt() FROM clicks", .unknownFunction, "cnt"),
        ("SELECT sum(*) FROM sales", .unknownFunction, "sum(*)"),
        ("SELECT avg(DISTINCT sale.amount) FROM sales", .unknownFunction, "avg(DISTINCT sale.amount)"),
        ("SELECT count() FROM clicks WHERE count() > 3", .misplacedAggregate, "count()"),
        ("SELECT timestamp, count() FROM clicks GROUP BY timestamp", .invalidGroupKey, "timestamp"),
        ("SELECT country, count() FROM clicks GROUP BY country ORDER BY nope", .unknownOrderKey, "nope"),
        ("SELECT clicks LIMIT ALL PAGE 2", .pageOutOfRange, "PAGE 2"),
        ("SELECT country AS c FROM clicks", .aliasInListing, "c"),
        ("SELECT count() AS n, count(*) AS n FROM clicks", .aliasInListing, "n"),
        ("SELECT clicks GROUP BY country", .notGrouped, "clicks"),
        ("SELECT * FROM clicks GROUP BY country", .notGrouped, "*"),
        ("SELECT day, count() FROM clicks GROUP BY day PAGE 2", .pageOutOfRange, "PAGE 2"),
        ("SELECT hour, count() FROM clicks GROUP BY hour SINCE 20y", .invalidTimeRange, "SINCE 20y"),
        ("SELECT count() FROM clicks GROUP BY saleType", .fieldNotInEvent, "saleType"),
    ]

    @Test(arguments: errors)
    func error(_ text: String, _ code: DiagnosticCode, _ underlined: String) throws {
        let (query, diagnostics) = Fixture.bind(text)
        #expect(query == nil)
        let d = try #require(diagnostics.first { $0.isError }, "\(text)")
        #expect(d.code == code, "\(text): \(d)")
        let bytes = Array(text.utf8)
        let span = String(decoding: bytes[d.span.start..<min(d.span.end, bytes.count)], as: UTF8.self)
        #expect(span == underlined, "\(text): \(d)")
    }

    @Test func unknownFunctionsSuggestTheNearest() {
        let hints = Fixture.bind("SELECT cnt() FROM clicks").diagnostics.flatMap(\.hints)
        #expect(hints.contains("did you mean 'count'?"))
        #expect(Fixture.bind("SELECT average(sale.amount) FROM sales").diagnostics.flatMap(\.hints).contains("did you mean 'avg'?"))
    }

    @Test func theIssuesQueriesBind() throws {
        let texts = [
            "SELECT count() FROM clicks SINCE 30d",
            "SELECT country, count() FROM clicks WHERE device = Mobile GROUP BY country ORDER BY count() DESC LIMIT 10 SINCE 30d",
            "SELECT count(), sum(sale.amount) FROM sales WHERE saleType = new SINCE 90d",
            "SELECT day, count() FROM leads GROUP BY day SINCE 30d TIMEZONE 'America/New_York'",
            "SELECT link, count() AS clicks FROM clicks GROUP BY link ORDER BY clicks DESC LIMIT 20 SINCE 7d",
            "SELECT utm_source, count(DISTINCT customer.id), avg(sale.amount) FROM sales GROUP BY utm_source HAVING count() > 5 SINCE ytd",
        ]
        let bound = try texts.map { try #require(Fixture.query($0)?.aggregation, "\($0)") }
        #expect(bound[0].keys.isEmpty && bound[0].columns.map(\.type) == [.integer])
        #expect(bound[1].order == [AggregateSortKey(source: .aggregate(0), direction: .descending),
                                   AggregateSortKey(source: .key(0), direction: .ascending)] && bound[1].limit == 10)
        #expect(bound[2].aggregates.map(\.function) == [.count, .sum] && bound[2].aggregates[1].isMoney
                && bound[2].columns.map(\.type) == [.integer, .money])
        #expect(bound[3].keys.map(\.kind) == [.bucket(.day)] && bound[3].fill?.bucket == .day
                && bound[3].order == [AggregateSortKey(source: .key(0), direction: .ascending)])
        #expect(bound[4].keys.map(\.kind) == [.link] && bound[4].columns.map(\.name) == ["link", "clicks"]
                && bound[4].order.first == AggregateSortKey(source: .aggregate(0), direction: .descending))
        #expect(bound[5].aggregates.map(\.function) == [.countDistinct, .avg, .count]
                && bound[5].aggregates[0].field == .catalog("customerId") && bound[5].having != nil)
        // Listing queries keep their bound form: no aggregation, default limit 100.
        let listing = try #require(Fixture.query("SELECT timestamp, country FROM clicks SINCE 7d ORDER BY timestamp ASC"))
        #expect(listing.aggregation == nil && listing.columns.count == 2 && listing.order == .ascending && listing.limit == 100)
    }

    @Test func salesGroupsSortByRevenueAsDubDoes() throws {
        let a = try #require(Fixture.query("SELECT country, count(), sum(sale.amount) FROM sales GROUP BY country")?.aggregation)
        #expect(a.order.first == AggregateSortKey(source: .aggregate(1), direction: .descending))
    }
}
