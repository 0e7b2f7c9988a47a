// EXPLAIN (DESIGN.md §2.3): plans as a text tree, as the JSON contract scripts rely on, as full
// percent-encoded URLs (RequestBuilder.swift's, which the client sends), and as runnable curl commands.

import DubQLSyntax

// MARK: - Explain

/// Renders plans for people and scripts.
public enum Explain {
    // MARK: Text

    /// The plan as a tree, as in DESIGN.md §2.3.
    public static func text(_ plan: APIPlan) -> String {
        if let aggregate = plan.aggregate { return aggregateText(plan, aggregate) }
        var node = listingNode(plan, rows: true)
        if !plan.columns.isEmpty { node = TreeNode("PROJECT \(plan.columns.map(\.name).joined(separator: ", "))", [node]) }
        var out = "QUERY PLAN (api)\n" + node.render(prefix: "", last: true)
        for n in notes(plan) { out += "note: \(n)\n" }
        return out
    }

    /// The requests of a listing plan with their merge, residual filter and limit; without
    /// `rows` (the events an aggregate reads), no limit is shown.
    static func listingNode(_ plan: APIPlan, rows showRows: Bool) -> TreeNode {
        var node: TreeNode
        let fetches = plan.requests.map { r in
            // Under each request, the one that tells its new sales from recurring ones.
            let lookup = plan.showsSaleType ? plan.saleTypeRequest(for: r) : nil
            return TreeNode("FETCH \(r.method) \(r.path)?\(readableQuery(r.params))", lookup.map { l in
                [TreeNode("SALE TYPES \(l.method) \(l.path)?\(readableQuery(l.params))")]
            } ?? [])
        }
        let rows = showRows ? ", limit \(plan.limit)" + (plan.offset > 0 ? ", offset \(plan.offset)" : "") : ""
        if fetches.isEmpty {
            node = TreeNode("EMPTY (the condition can never be true: no request)")
        } else if fetches.count > 1 {
            node = TreeNode("MERGE by timestamp \(plan.order == .ascending ? "asc" : "desc"), distinct \(plan.event.idPath.joined(separator: "."))\(rows)", fetches)
            if let r = plan.residualText { node = TreeNode("FILTER \(r)", [node]) }
        } else if let r = plan.residualText {
            node = TreeNode("FILTER \(r)\(rows)", fetches)
        } else if showRows && (plan.paging.takeRows > plan.paging.pageSize || plan.paging.skipRows > 0) {
            node = TreeNode("LIMIT \(plan.limit)" + (plan.offset > 0 ? " OFFSET \(plan.offset)" : ""), fetches)
        } else {
            node = fetches[0]
        }
        return node
    }

    /// An aggregate API plan: the `/analytics` requests and how their rows make the groups, or the
    /// `/events` requests aggregated locally; then HAVING, SORT, LIMIT and PROJECT.
    static func aggregateText(_ plan: APIPlan, _ g: AggregateAPIPlan) -> String {
        guard let a = g.query.aggregation else { return "QUERY PLAN (api)\n" }
        var notes = plan.notes
        let node: TreeNode
        switch g.strategy {
        case .analytics:
            let fetches = plan.requests.enumerated().map { i, r in
                TreeNode("\(i == 0 ? "ANALYTICS" : "TOTALS") \(r.method) \(r.path)?\(readableQuery(r.params))")
            }
            let metrics = zip(a.aggregates, g.metrics).map { aggregate, m in "\(aggregate.text) = \(metricText(m, g.query.event))" }
            var label = "GROUPS"
            if !a.keys.isEmpty { label += " by " + a.keys.map(\.name).joined(separator: ", ") }
            label += ": " + (metrics.isEmpty ? "(no aggregates)" : metrics.joined(separator: ", "))
            if let fill = a.fill {
                label += "; every \(fill.bucket.rawValue), empty ones 0" + (g.query.timeZone == "UTC" ? "" : " (\(g.query.timeZone))")
            }
            node = aggregateNodes(a, over: TreeNode(label, fetches), timeZone: g.query.timeZone, label: nil)
            if let f = g.fallback {
                notes.append("fallback when the groups do not add up: " + f.requests.map { "GET \($0.path)?\(readableQuery($0.params))" }
                    .joined(separator: " and ") + (f.residualText.map { ", filtered by \($0)" } ?? ""))
            }
        case .events:
            var label = localAggregateLabel(a, timeZone: g.query.timeZone)
            label += plan.requests.isEmpty ? "" : "; at most \(g.maxEvents) events"
            node = aggregateNodes(a, over: listingNode(plan, rows: false), timeZone: g.query.timeZone, label: label)
            notes = g.reasons.map { "GET /events, not /analytics: \($0)" } + notes
            if g.needsSaleTypes && !plan.requests.isEmpty {
                notes.append("saleType: new when the SALE TYPES request also returns the sale, else recurring")
            }
            if !plan.requests.isEmpty {
                notes.append("more than \(g.maxEvents) events is an error: --max-events N or DUBQL_MAX_EVENTS=N raises the cap")
            }
        }
        var out = "QUERY PLAN (api)\n" + node.render(prefix: "", last: true)
        for n in notes { out += "note: \(n)\n" }
        return out
    }

    static func metricText(_ m: AggregateAPIPlan.Metric, _ event: EventType) -> String {
        switch m {
        case .count: AnalyticsPlanner.countField(event)
        case .saleAmount: "saleAmount"
        case .averageSaleAmount: "saleAmount / sales"
        }
    }

    /// The plan's notes, and what its sale-type requests do when it has some.
    static func notes(_ plan: APIPlan) -> [String] {
        guard plan.showsSaleType, plan.requests.contains(where: { plan.saleTypeRequest(for: $0) != nil }) else { return plan.notes }
        return plan.notes + ["saleType: new when the SALE TYPES request also returns the sale, else recurring (pages of "
                             + "\(plan.saleTypePageSize), only as far as the rows reach; not sent for json or ndjson of whole events)"]
    }

    /// The local plan as a tree: Project, Limit, Sort, Filter, Scan.
    public static func text(_ plan: LocalPlan) -> String {
        var node = TreeNode("SCAN \(plan.event.rawValue)")
        if plan.isEmpty {
            node = TreeNode("EMPTY (the condition can never be true)")
        } else {
            var filters: [String] = []
            if let f = plan.filter { filters.append(ResidualPrinter.text(f)) }
            filters.append(describe(plan.time, timeZone: plan.timeZone))
            node = TreeNode("FILTER " + filters.joined(separator: ", "), [node])
            if let a = plan.aggregation {
                node = aggregateNodes(a, over: node, timeZone: plan.timeZone)
            } else {
                node = TreeNode("SORT by timestamp \(plan.order == .ascending ? "asc" : "desc")", [node])
                node = TreeNode("LIMIT \(plan.limit)" + (plan.offset > 0 ? " OFFSET \(plan.offset)" : ""), [node])
            }
        }
        if plan.aggregation == nil, !plan.columns.isEmpty { node = TreeNode("PROJECT \(plan.columns.map(\.name).joined(separator: ", "))", [node]) }
        return "QUERY PLAN (local)\n" + node.render(prefix: "", last: true)
    }

    /// AGGREGATE, HAVING, SORT, LIMIT and PROJECT of an aggregate plan, above `input`.
    static func aggregateNodes(_ a: BoundAggregation, over input: TreeNode, timeZone: String, label: String? = "") -> TreeNode {
        var node = input
        if label == nil {
            // The input is already the groups.
        } else if let label, !label.isEmpty {
            node = TreeNode(label, [input])
        } else {
            node = TreeNode(localAggregateLabel(a, timeZone: timeZone), [input])
        }
        return finishNodes(a, over: node)
    }

    /// The AGGREGATE label of a local plan.
    static func localAggregateLabel(_ a: BoundAggregation, timeZone: String) -> String {
        var aggregate = "AGGREGATE"
        if !a.keys.isEmpty { aggregate += " by " + a.keys.map(\.name).joined(separator: ", ") }
        aggregate += ": " + (a.aggregates.isEmpty ? "(no aggregates)" : a.aggregates.map(\.text).joined(separator: ", "))
        if let fill = a.fill {
            aggregate += "; every \(fill.bucket.rawValue) from " + (fill.start.map(APIPlanner.formatInstant) ?? "the first event")
                + " to " + APIPlanner.formatInstant(fill.end) + (timeZone == "UTC" ? "" : " (\(timeZone))") + ", empty ones 0"
        }
        return aggregate
    }

    /// HAVING, SORT, LIMIT and PROJECT above the groups.
    static func finishNodes(_ a: BoundAggregation, over groups: TreeNode) -> TreeNode {
        var node = groups
        if let h = a.having { node = TreeNode("HAVING " + havingText(h, a), [node]) }
        node = TreeNode("SORT by " + a.order.map { "\(sourceName($0.source, a)) \($0.direction == .ascending ? "asc" : "desc")" }
            .joined(separator: ", "), [node])
        if a.limit != nil || a.offset > 0 {
            node = TreeNode("LIMIT " + (a.limit.map(String.init) ?? "ALL") + (a.offset > 0 ? " OFFSET \(a.offset)" : ""), [node])
        }
        return TreeNode("PROJECT " + a.columns.map(\.name).joined(separator: ", "), [node])
    }

    static func sourceName(_ s: AggregateColumnSource, _ a: BoundAggregation) -> String {
        switch s {
        case .key(let i): a.keys[i].name
        case .aggregate(let j): a.aggregates[j].text
        }
    }

    /// Whole cents as a dollar amount: `5000` is `50`, `4999` is `49.99`.
    static func dollars(_ cents: Int64) -> String {
        let sign = cents < 0 ? "-" : "", m = cents.magnitude
        let fraction = m % 100
        return sign + String(m / 100) + (fraction == 0 ? "" : (fraction < 10 ? ".0" : ".") + String(fraction))
    }

    /// A HAVING condition as DubQL-like text.
    static func havingText(_ c: HavingCondition, _ a: BoundAggregation) -> String {
        func literal(_ v: AggregateValue) -> String {
            if case .text(let t) = v { return Printer.isPlainIdentifier(t) ? t : Printer.quoted(t) }
            return v.description
        }
        switch c {
        case .and(let parts): return parts.map { "(" + havingText($0, a) + ")" }.joined(separator: " AND ")
        case .or(let parts): return parts.map { "(" + havingText($0, a) + ")" }.joined(separator: " OR ")
        case .not(let inner): return "NOT (" + havingText(inner, a) + ")"
        case .predicate(let p):
            let name = sourceName(p.source, a)
            let isMoney: Bool
            switch p.source {
            case .key(let i): isMoney = a.keys[i].type == .money
            case .aggregate(let j): isMoney = a.aggregates[j].type == .money
            }
            // Money is compared in cents and written in dollars, as the query wrote it.
            let values = p.values.map { v -> String in
                guard isMoney else { return literal(v) }
                switch v {
                case .integer(let cents): return Explain.dollars(cents)
                case .number(let cents): return JSONWriter.number(cents / 100)
                default: return literal(v)
                }
            }
            switch p.op {
            case .in: return values.count == 1 ? "\(name) = \(values[0])" : "\(name) IN (\(values.joined(separator: ", ")))"
            case .notIn: return values.count == 1 ? "\(name) != \(values[0])" : "\(name) NOT IN (\(values.joined(separator: ", ")))"
            case .less: return "\(name) < \(values[0])"
            case .lessEqual: return "\(name) <= \(values[0])"
            case .greater: return "\(name) > \(values[0])"
            case .greaterEqual: return "\(name) >= \(values[0])"
            }
        }
    }

    static func describe(_ t: TimeRange, timeZone: String) -> String {
        let s = t.start.map(APIPlanner.formatInstant) ?? "the beginning"
        let e = t.end.map(APIPlanner.formatInstant) ?? "now"
        return "time \(s) .. \(e)" + (timeZone == "UTC" ? "" : " (\(timeZone))")
    }

    // MARK: JSON

    /// The JSON contract of DESIGN.md §2.3: `source`, `event`, `requests`, `residual`, `limit`, `notes`.
    ///
    /// When the rows show `saleType`, a request may also hold `saleTypeRequest`, the request that
    /// tells its new sales from recurring ones (``APIPlan/saleTypeRequest(for:)``), in the same shape.
    public static func json(_ plan: APIPlan) -> String {
        if let aggregate = plan.aggregate { return aggregateJSON(plan, aggregate) }
        func members(_ r: APIRequest, indent: Int) -> [(String, String)] {
            [("method", JSONText.string(r.method)), ("path", JSONText.string(r.path)),
             ("params", JSONText.object(r.params.map { ($0.name, JSONText.string($0.value)) }, indent: indent + 2))]
        }
        let requests = plan.requests.map { r in
            var object = members(r, indent: 4)
            if plan.showsSaleType, let lookup = plan.saleTypeRequest(for: r) {
                object.append(("saleTypeRequest", JSONText.object(members(lookup, indent: 6), indent: 6)))
            }
            return JSONText.object(object, indent: 4)
        }
        return JSONText.object([
            ("source", JSONText.string("api")), ("event", JSONText.string(plan.event.rawValue)),
            ("requests", JSONText.array(requests, indent: 2)),
            ("residual", plan.residualText.map(JSONText.string) ?? "null"),
            ("limit", String(plan.limit)),
            ("notes", JSONText.array(notes(plan).map(JSONText.string), indent: 2)),
        ], indent: 0)
    }

    /// The same shape for a local plan: no requests, the filter as `residual`.
    public static func json(_ plan: LocalPlan) -> String {
        let filter = plan.isEmpty ? nil : plan.filter.map(ResidualPrinter.text)
        var members: [(String, String)] = [
            ("source", JSONText.string("local")), ("event", JSONText.string(plan.event.rawValue)),
            ("requests", "[]"), ("residual", filter.map(JSONText.string) ?? "null"),
            ("limit", plan.aggregation.map { $0.limit.map(String.init) ?? "null" } ?? String(plan.limit)),
        ]
        if let a = plan.aggregation {
            members.append(("aggregate", JSONText.object(aggregateMembers(a), indent: 2)))
        }
        return JSONText.object(members + [
            ("notes", JSONText.array(plan.isEmpty ? [JSONText.string("the condition can never be true")] : [], indent: 2)),
        ], indent: 0)
    }

    /// What a script needs to read an aggregate's result: the columns and their types, the keys, the order.
    static func aggregateMembers(_ a: BoundAggregation) -> [(String, String)] {
        [
        ("groupBy", JSONText.array(a.keys.map { JSONText.string($0.name) }, indent: 4)),
        ("columns", JSONText.array(a.columns.map {
            JSONText.object([("name", JSONText.string($0.name)), ("type", JSONText.string($0.type.rawValue))], indent: 6)
        }, indent: 4)),
        ("having", a.having.map { JSONText.string(havingText($0, a)) } ?? "null"),
        ("orderBy", JSONText.array(a.order.map {
            JSONText.string(sourceName($0.source, a) + ($0.direction == .ascending ? " ASC" : " DESC"))
        }, indent: 4)),
        ("offset", String(a.offset)),
        ]
    }

    static func requestJSON(_ r: APIRequest, indent: Int, extra: [(String, String)] = []) -> String {
        JSONText.object([("method", JSONText.string(r.method)), ("path", JSONText.string(r.path)),
                         ("params", JSONText.object(r.params.map { ($0.name, JSONText.string($0.value)) }, indent: indent + 2))] + extra,
                        indent: indent)
    }

    /// The JSON contract of an aggregate API plan: the listing contract's members (`requests`
    /// are `/analytics` or `/events` requests), plus `path` (which endpoint answers), `aggregate`
    /// (as in local plans, with Dub's `analyticsGroupBy`, `metrics` and `checksTotal`),
    /// `maxEvents`, `reasons` (why `/events`) and `fallback` (the `/events` plan used when the
    /// groups do not add up to the totals, or null).
    static func aggregateJSON(_ plan: APIPlan, _ g: AggregateAPIPlan) -> String {
        func requests(_ p: APIPlan, indent: Int) -> String {
            JSONText.array(p.requests.map { r in
                var extra: [(String, String)] = []
                if p.aggregate?.needsSaleTypes == true, let l = p.saleTypeRequest(for: r) {
                    extra.append(("saleTypeRequest", requestJSON(l, indent: indent + 4)))
                }
                return requestJSON(r, indent: indent + 2, extra: extra)
            }, indent: indent)
        }
        let a = g.query.aggregation
        var aggregate = a.map(aggregateMembers) ?? []
        if g.strategy == .analytics {
            aggregate.append(("analyticsGroupBy", g.groupBy.map(JSONText.string) ?? "null"))
            aggregate.append(("metrics", JSONText.array(g.metrics.map { JSONText.string(metricText($0, g.query.event)) }, indent: 4)))
            aggregate.append(("checksTotal", g.checksTotal ? "true" : "false"))
        }
        let fallback = g.fallback.map { f in
            JSONText.object([("path", JSONText.string("/events")), ("requests", requests(f, indent: 4)),
                             ("residual", f.residualText.map(JSONText.string) ?? "null")], indent: 2)
        } ?? "null"
        return JSONText.object([
            ("source", JSONText.string("api")), ("event", JSONText.string(plan.event.rawValue)),
            ("path", JSONText.string(g.strategy == .analytics ? "/analytics" : "/events")),
            ("requests", requests(plan, indent: 2)),
            ("residual", plan.residualText.map(JSONText.string) ?? "null"),
            ("limit", a?.limit.map(String.init) ?? "null"),
            ("aggregate", JSONText.object(aggregate, indent: 2)),
            ("maxEvents", String(g.maxEvents)),
            ("reasons", JSONText.array(g.reasons.map(JSONText.string), indent: 2)),
            ("fallback", fallback),
            ("notes", JSONText.array(plan.notes.map(JSONText.string), indent: 2)),
        ], indent: 0)
    }

    // MARK: URLs and curl

    /// One full URL per request: its first page, exactly as the client sends it.
    /// For an aggregate plan on `/analytics`, its requests (which have no pages); on `/events`,
    /// the first page of each, as for a listing.
    public static func urls(_ plan: APIPlan, baseURL: String) -> [String] {
        if plan.usesAnalytics { return plan.requests.map { $0.analyticsURL(baseURL: baseURL) } }
        return plan.firstPageURLs(baseURL: baseURL)
    }

    /// One runnable curl command per request; the key is read from `$DUB_API_KEY`, never written.
    ///
    /// Every part that comes from outside (the URL, base URL included) is quoted for POSIX shells
    /// by ``shellQuote(_:)``, so no `$(...)`, backquote or quote in it is ever run; a URL that
    /// starts with `-` comes after `--`, so curl cannot take it for an option.
    public static func curl(_ plan: APIPlan, baseURL: String) -> [String] {
        urls(plan, baseURL: baseURL).map { url in
            "curl -sS -H \"Authorization: Bearer $DUB_API_KEY\" " + (url.hasPrefix("-") ? "-- " : "") + shellQuote(url)
        }
    }

    /// `text` as one word for a POSIX shell: in single quotes, each `'` written `'\''`. Nothing
    /// inside single quotes is special, newlines included.
    public static func shellQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func readableQuery(_ params: [APIParameter]) -> String {
        params.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }
}

// MARK: - Tree rendering

/// A node of an EXPLAIN tree.
struct TreeNode {
    var label: String
    var children: [TreeNode]
    init(_ label: String, _ children: [TreeNode] = []) {
        self.label = label
        self.children = children
    }

    func render(prefix: String, last: Bool) -> String {
        var out = prefix + (last ? "`--" : "|--") + label + "\n"
        let childPrefix = prefix + (last ? "   " : "|  ")
        for (i, c) in children.enumerated() { out += c.render(prefix: childPrefix, last: i == children.count - 1) }
        return out
    }
}

// MARK: - JSON text

/// A small writer for JSON with a fixed key order (the contract's order) and two-space indents.
/// Its string quoting is the one every part of DubQL writes JSON strings with.
public enum JSONText {
    /// `s` as a JSON string literal, quotes included.
    public static func string(_ s: String) -> String {
        var out = ""
        quote(s, to: &out)
        return out
    }

    /// Appends `s` as a JSON string literal (control characters as `\u00XX`).
    public static func quote(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                out += "\\u00" + URLText.hex2(UInt8(c.value)).lowercased()
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }

    static func object(_ members: [(String, String)], indent: Int) -> String {
        guard !members.isEmpty else { return "{}" }
        let pad = String(repeating: " ", count: indent + 2)
        let body = members.map { "\(pad)\(string($0.0)): \($0.1)" }.joined(separator: ",\n")
        return "{\n\(body)\n\(String(repeating: " ", count: indent))}"
    }

    static func array(_ items: [String], indent: Int) -> String {
        guard !items.isEmpty else { return "[]" }
        let pad = String(repeating: " ", count: indent + 2)
        return "[\n" + items.map { pad + $0 }.joined(separator: ",\n") + "\n\(String(repeating: " ", count: indent))]"
    }
}
