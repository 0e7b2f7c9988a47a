// Random aggregate queries over the generated events' fields, for the tests that hold every
// backend (local engine, ClickHouse, the API through `dubql serve`) to the reference evaluator.

import DubQL

/// Random aggregate query texts: keys, aggregates, WHERE, HAVING, time ranges, zones with DST,
/// ORDER BY, LIMIT and OFFSET in every combination.
public enum AggregateQueries {
    public static let keys: [EventType: [String]] = {
        let common = ["country", "city", "device", "browser", "os", "trigger", "referer", "refererUrl", "url", "utm_source",
                      "utm_campaign", "domain", "link", "linkId", "root", "qr", "continent", "region", "link.title",
                      "day", "hour", "week", "month"]
        return [.clicks: common,
                .leads: common + ["metadata.plan", "customer.country", "customerId"],
                .sales: common + ["metadata.plan", "customer.country", "saleType", "sale.paymentProcessor", "metadata.seats"]]
    }()
    public static let aggregates: [EventType: [String]] = {
        let common = ["count()", "count(*)", "count(city)", "count(DISTINCT country)", "count(DISTINCT link.shortLink)",
                      "min(timestamp)", "max(timestamp)", "count(utm_source)"]
        return [.clicks: common,
                .leads: common + ["count(DISTINCT customer.id)", "count(DISTINCT metadata.plan)", "sum(metadata.seats)"],
                .sales: common + ["sum(sale.amount)", "avg(sale.amount)", "min(sale.amount)", "max(sale.amount)",
                                  "count(DISTINCT customer.id)", "sum(metadata.seats)", "avg(metadata.seats)", "max(metadata.seats)"]]
    }()
    public static let conditions = ["country IN (US, DE)", "device = Mobile", "NOT browser = Chrome", "root", "utm_source = newsletter",
                             "continent != EU OR os = iOS", "NOT (country = US OR device = Desktop) AND os != iOS",
                             "trigger = qr OR city = 'Cape Town'", "timestamp >= 2026-08-11 AND NOT root"]
    public static let times = ["SINCE all", "SINCE 3d", "SINCE 8d UNTIL 2d", "BETWEEN 2026-08-10 AND 2026-08-12", "SINCE 36h", "SINCE 90m"]
    public static let zones = ["", "TIMEZONE 'America/New_York'", "TIMEZONE 'Asia/Kolkata'", "TIMEZONE 'Europe/Berlin'"]

    /// A random aggregate query; `without` leaves out keys and aggregates that mention any of
    /// those words (fields a backend cannot compute).
    public static func query(_ r: inout SplitMix64, without: [String] = []) -> String {
        func usable(_ item: String) -> Bool { !without.contains { item.contains($0) } }
        let event = r.pick(EventType.allCases)
        var keys: [String] = []
        for _ in 0..<r.below(3) {
            let k = r.pick(Self.keys[event]!.filter(usable))
            if !keys.contains(k) { keys.append(k) }
        }
        var aggs: [String] = []
        for _ in 0..<(1 + r.below(3)) {
            let a = r.pick(Self.aggregates[event]!.filter(usable))
            if !aggs.contains(a) { aggs.append(a) }
        }
        var items: [String] = keys
        for (i, a) in aggs.enumerated() { items.append(r.below(3) == 0 ? "\(a) AS a\(i)" : a) }
        var q = "SELECT " + items.joined(separator: ", ")
        q += " FROM \(event.rawValue)"
        if r.below(3) == 0 { q += " WHERE " + r.pick(conditions) }
        if !keys.isEmpty { q += " GROUP BY " + keys.joined(separator: ", ") }
        if r.below(4) == 0 {
            let op: String = r.pick([">", ">=", "<", "="])
            let n: Int = r.pick([0, 1, 2, 5])
            q += " HAVING count() \(op) \(n)"
        }
        q += " " + r.pick(times) + " " + r.pick(zones)
        if r.below(3) == 0 {
            let sortable = keys + aggs
            q += " ORDER BY " + r.pick(sortable) + " " + r.pick(["ASC", "DESC", ""])
            if r.below(2) == 0 { q += ", " + r.pick(sortable) + " DESC" }
        }
        if r.below(2) == 0 { let n: Int = r.pick([1, 3, 10, 1000]); q += " LIMIT \(n)" }
        if r.below(4) == 0 { let n: Int = r.pick([1, 2, 7]); q += " OFFSET \(n)" }
        return q
    }

}
