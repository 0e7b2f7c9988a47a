// The ClickHouse planner (DESIGN.md §2.3): a bound query becomes one SQL statement over Dub's own
// event tables (the Tinybird datasources `dub_click_events_mv`, `dub_lead_events_mv`,
// `dub_sale_events_mv`, `dub_links_metadata_latest`), with DubQL's exact meaning and every value
// passed as a query parameter (`{p1:String}`), never spliced into the text.

import DubQLSyntax

// MARK: - Plan

/// One ClickHouse query parameter: `{name:type}` in the SQL, sent as `param_name=value`.
public struct ClickHouseParameter: Hashable, Sendable, Codable {
    public var name: String
    /// The ClickHouse type written in the placeholder (`String`, `Int64`, `Float64`, `Array(String)`).
    public var type: String
    /// The value as sent: ClickHouse's text form for the type.
    public var value: String
    public init(name: String, type: String, value: String) {
        self.name = name
        self.type = type
        self.value = value
    }
}

/// One output column of a ClickHouse plan: where its value goes in the event JSON, and how to read it.
public struct ClickHouseOutputColumn: Hashable, Sendable, Codable {
    /// How a column's text (TabSeparated) becomes a JSON value.
    public enum Kind: String, Hashable, Sendable, Codable {
        /// A JSON string; `nullableText` is `null` when ClickHouse sends NULL (`\\N`).
        case text, nullableText
        /// A JSON number, written as ClickHouse prints it.
        case number
        /// `true` / `false`.
        case boolean
        /// JSON text, embedded as is (`metadata`); empty means `null`.
        case json
        /// Epoch milliseconds, written as an ISO 8601 instant.
        case millis
    }
    public var path: [String]
    public var kind: Kind
    public init(path: [String], kind: Kind) {
        self.path = path
        self.kind = kind
    }
}

/// A plan for ClickHouse: one SELECT whose rows are Dub events, one column per JSON path.
public struct ClickHousePlan: Hashable, Sendable, Codable {
    public var event: EventType
    /// The statement, one clause per line, without a `FORMAT` clause (the client adds its own).
    public var sql: String
    /// The values of the placeholders in ``sql``, in order of first use.
    public var params: [ClickHouseParameter]
    /// The output columns in SELECT order; the client builds each event's JSON from them.
    public var output: [ClickHouseOutputColumn]
    /// Columns to project from each event (empty: the event type's defaults).
    public var columns: [BoundColumn]
    public var limit: Int
    public var offset: Int
    /// True when the condition can never be true: nothing needs to be sent.
    public var isEmpty: Bool
    public var notes: [String]
    /// For an aggregate query: what the answer's columns hold (``output`` is then empty).
    public var aggregate: ClickHouseAggregateColumns?
    /// True when each row ends with one more column, the sale's type (see ``ClickHouseOptions/saleTypes``).
    public var hasSaleTypes: Bool

    public init(event: EventType, sql: String, params: [ClickHouseParameter], output: [ClickHouseOutputColumn],
                columns: [BoundColumn], limit: Int, offset: Int, isEmpty: Bool, notes: [String],
                aggregate: ClickHouseAggregateColumns? = nil, hasSaleTypes: Bool = false) {
        self.aggregate = aggregate
        self.hasSaleTypes = hasSaleTypes
        self.event = event
        self.sql = sql
        self.params = params
        self.output = output
        self.columns = columns
        self.limit = limit
        self.offset = offset
        self.isEmpty = isEmpty
        self.notes = notes
    }
}

/// Where a plan runs: which workspace of a shared store to read.
public struct ClickHouseOptions: Hashable, Sendable, Codable {
    /// Dub's workspace id, with or without `ws_` (the tables store it without); `nil` reads every workspace.
    public var workspace: String?
    /// For a sales listing whose columns show `saleType` (the default columns do): also answer each
    /// sale's type (`new` or `recurring`, from the first sale of its link and customer) as one more
    /// column after the event's, ``ClickHousePlan/hasSaleTypes``. It costs a pass over the sales,
    /// so ask for it only when the rows are shown as values (not as whole events' JSON).
    public var saleTypes: Bool
    public init(workspace: String? = nil, saleTypes: Bool = false) {
        self.workspace = workspace
        self.saleTypes = saleTypes
    }

    /// The id as the tables store it: `ws_cl…` becomes `cl…` (Dub's `normalizeWorkspaceId`).
    public var storedWorkspace: String? {
        guard let w = workspace, !w.isEmpty else { return nil }
        return w.hasPrefix("ws_") ? String(w.dropFirst(3)) : w
    }
}

// MARK: - Tables

/// Dub's table names and the SQL expression of every field the tables can answer.
public enum ClickHouseSchema {
    /// The event table of each type (Dub's materialized views, which every Dub pipe reads).
    public static func table(_ event: EventType) -> String {
        switch event {
        case .clicks: "dub_click_events_mv"
        case .leads: "dub_lead_events_mv"
        case .sales: "dub_sale_events_mv"
        }
    }

    public static let linksTable = "dub_links_metadata_latest"
    public static let firstSaleTable = "dub_first_sale_mv"

    /// How a field reads from the tables (`e` is the event table, `l` the link's latest metadata).
    enum Column {
        /// A text expression.
        case text(String)
        /// A number expression (compared as Float64).
        case number(String)
        /// A `DateTime64(3)` expression.
        case instant(String)
        /// A 0/1 expression.
        case boolean(String)
        /// `tagId`, `partnerTagId`: membership in an array column of the link (`tag_ids`, `partner_tag_ids`).
        case tags(String)
        /// `customerId` on clicks: the clicks of that customer's leads.
        case customerOfClick
        /// `saleType`: from the first sale of the (link, customer) pair.
        case saleType
        /// The decoded `utm_*` parameter of the destination URL.
        case urlParameter(String)
    }

    /// The field map, by canonical catalog name. A field missing here is not in Dub's tables.
    static let columns: [String: Column] = [
        "domain": .text("e.domain"),
        "key": .text("e.key"),
        "linkId": .text("e.link_id"),
        "tenantId": .text("l.tenant_id"),
        "folderId": .text("l.folder_id"),
        "partnerId": .text("l.partner_id"),
        "groupId": .text("l.partner_group_id"),
        "link.programId": .text("l.program_id"),
        "link.url": .text("l.url"),
        "tagId": .tags("tag_ids"),
        "partnerTagId": .tags("partner_tag_ids"),
        "customerId": .text("e.customer_id"),
        "country": .text("e.country"),
        "city": .text("e.city"),
        "region": .text("concat(e.country, '-', e.region)"),
        "continent": .text("e.continent"),
        "device": .text("e.device"),
        "browser": .text("e.browser"),
        "os": .text("e.os"),
        "trigger": .text("e.trigger"),
        "referer": .text("e.referer"),
        "refererUrl": .text("splitByString('?', e.referer_url)[1]"),
        "url": .text("splitByString('?', e.url)[1]"),
        "utm_source": .urlParameter("utm_source"),
        "utm_medium": .urlParameter("utm_medium"),
        "utm_campaign": .urlParameter("utm_campaign"),
        "utm_term": .urlParameter("utm_term"),
        "utm_content": .urlParameter("utm_content"),
        "root": .boolean("e.key = '_root'"),
        "qr": .boolean("e.qr"),
        "saleType": .saleType,
        "timestamp": .instant("e.timestamp"),
        "eventId": .text("e.event_id"),
        "eventName": .text("e.event_name"),
        "sale.amount": .number("e.amount"),
        "sale.paymentProcessor": .text("e.payment_processor"),
        "sale.invoiceId": .text("e.invoice_id"),
        "click.id": .text("e.click_id"),
        "click.ip": .text("e.ip"),
        "click.ua": .text("e.ua"),
    ]

    /// Why a field has no column, for the error.
    static func missingReason(_ name: String) -> String {
        switch name {
        case "sale.currency": "Dub's sale table drops the currency (amounts are in cents, converted to USD)"
        case "externalId", "link.shortLink", "link.title": "Dub keeps that link attribute in its database, not in its event tables"
        default: name.hasPrefix("customer.") ? "Dub's event tables keep only the customer's id"
            : "Dub's event tables have no such column"
        }
    }

    /// The output columns of each event type: (SQL expression, JSON path), in the order events show them.
    static func output(_ event: EventType) -> [(String, [String], ClickHouseOutputColumn.Kind)] {
        var out: [(String, [String], ClickHouseOutputColumn.Kind)] = [
            ("'\(event.singular)'", ["event"], .text),
            ("toUnixTimestamp64Milli(e.timestamp)", ["timestamp"], .millis),
        ]
        if event != .clicks {
            out += [("e.event_id", ["eventId"], .text), ("e.event_name", ["eventName"], .text)]
        }
        if event == .sales {
            out += [("e.amount", ["sale", "amount"], .number), ("e.payment_processor", ["sale", "paymentProcessor"], .text),
                    ("e.invoice_id", ["sale", "invoiceId"], .text)]
        }
        if event != .clicks { out.append(("e.metadata", ["metadata"], .json)) }
        if event == .clicks { out.append(("toUnixTimestamp64Milli(e.timestamp)", ["click", "timestamp"], .millis)) }
        out += [
            ("e.click_id", ["click", "id"], .text),
            ("e.url", ["click", "url"], .text),
            ("e.country", ["click", "country"], .text),
            ("e.city", ["click", "city"], .text),
            ("concat(e.country, '-', e.region)", ["click", "region"], .text),
            ("e.continent", ["click", "continent"], .text),
            ("e.device", ["click", "device"], .text),
            ("e.browser", ["click", "browser"], .text),
            ("e.os", ["click", "os"], .text),
            ("e.ua", ["click", "ua"], .text),
            ("e.trigger", ["click", "trigger"], .text),
            ("e.referer", ["click", "referer"], .text),
            ("e.referer_url", ["click", "refererUrl"], .text),
            ("toBool(e.qr)", ["click", "qr"], .boolean),
            ("e.ip", ["click", "ip"], .text),
            ("e.link_id", ["link", "id"], .text),
            ("e.domain", ["link", "domain"], .text),
            ("e.key", ["link", "key"], .text),
            ("l.url", ["link", "url"], .text),
            ("nullIf(l.tenant_id, '')", ["link", "tenantId"], .nullableText),
            ("nullIf(l.program_id, '')", ["link", "programId"], .nullableText),
            ("nullIf(l.partner_id, '')", ["link", "partnerId"], .nullableText),
            ("nullIf(l.folder_id, '')", ["link", "folderId"], .nullableText),
        ]
        if event != .clicks { out.append(("e.customer_id", ["customer", "id"], .text)) }
        if event == .sales { out.append(("e.amount", ["saleAmount"], .number)) }
        return out
    }
}

// MARK: - Planner

/// Plans bound queries as ClickHouse SQL over Dub's tables.
public enum ClickHousePlanner {
    /// The plan, or errors for fields Dub's tables cannot answer (`customer.email`, `sale.currency`).
    public static func plan(_ query: BoundQuery, options: ClickHouseOptions = ClickHouseOptions())
        -> (plan: ClickHousePlan?, diagnostics: [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let columnFields = query.columns.map { BoundPredicate(field: $0.field, op: .in, values: []) }
        let predicates = (query.condition.map(APIPlanner.predicates(in:)) ?? []) + columnFields
        for p in predicates {
            if let why = unanswerable(p.field, event: query.event) {
                diagnostics.append(.error(.notInClickHouseTables, "'\(p.field)' cannot be evaluated on ClickHouse: \(why)",
                                          at: p.span ?? Span(at: 0), hints: ["run the query on exported files (--data) or Dub's API (--api)"]))
            }
        }
        for p in predicates where p.values.contains(where: { if case .timestamp = $0 { true } else { false } }) {
            if case .metadata = p.field {
                diagnostics.append(.error(.notInClickHouseTables, "'\(p.field)' cannot be compared with an instant on ClickHouse",
                                          at: p.span ?? Span(at: 0), hints: ["compare it with a quoted text instead"]))
            }
        }
        if let a = query.aggregation {
            for (field, span) in fields(of: a) {
                if let why = unanswerableInAggregate(field, event: query.event) {
                    diagnostics.append(.error(.notInClickHouseTables, "'\(field)' cannot be evaluated on ClickHouse: \(why)",
                                              at: span ?? Span(at: 0), hints: ["run the query on exported files (--data) or Dub's API (--api)"]))
                }
            }
        }
        guard diagnostics.isEmpty else { return (nil, diagnostics) }
        var builder = SQLBuilder()
        let normalized = Normalizer.normalize(query.condition)
        var isEmpty = false
        var condition: BoundCondition?
        switch normalized {
        case .constant(false)?: isEmpty = true
        case .constant(true)?, nil: break
        case let c?: condition = c
        }
        let usesSaleType = predicates.contains { $0.field == .catalog("saleType") }
            || (query.aggregation.map { fields(of: $0).contains { $0.0 == .catalog("saleType") } } ?? false)
        if let a = query.aggregation {
            // An aggregate always runs: even over no events it has its one row (or its empty buckets).
            let (sql, columns) = builder.aggregateStatement(query, a, options: options, condition: isEmpty ? .constant(false) : condition,
                                                            saleType: usesSaleType && query.event == .sales)
            let notes = columns.isPaged ? [] : ["the groups' order, HAVING and LIMIT are applied to ClickHouse's groups by DubQL"]
            return (ClickHousePlan(event: query.event, sql: sql, params: builder.params, output: [], columns: [],
                                   limit: a.limit ?? Int.max, offset: a.offset, isEmpty: false, notes: notes, aggregate: columns), [])
        }
        let saleTypes = options.saleTypes && query.event == .sales
            && (query.columns.isEmpty || query.columns.contains { $0.field == .catalog("saleType") })
        let sql = builder.statement(query, options: options, condition: condition, saleType: usesSaleType || saleTypes,
                                    saleTypeColumn: saleTypes)
        let notes = isEmpty ? ["the condition can never be true: nothing is sent"] : []
        let plan = ClickHousePlan(event: query.event, sql: sql, params: builder.params,
                                  output: ClickHouseSchema.output(query.event).map { ClickHouseOutputColumn(path: $0.1, kind: $0.2) }, columns: query.columns,
                                  limit: query.limit, offset: query.offset, isEmpty: isEmpty, notes: notes, hasSaleTypes: saleTypes)
        return (plan, [])
    }

    /// Why a field cannot be read from Dub's tables for `event`, or `nil` when it can.
    static func unanswerable(_ field: FieldRef, event: EventType) -> String? {
        switch field {
        case .metadata:
            return event == .clicks ? "click events have no metadata" : nil
        case .json(let path):
            let name = path.joined(separator: ".")
            return ClickHouseSchema.columns[name] == nil ? ClickHouseSchema.missingReason(name) : nil
        case .catalog(let name):
            if name == "customerId" { return nil }
            return ClickHouseSchema.columns[name] == nil ? ClickHouseSchema.missingReason(name) : nil
        }
    }
}

// MARK: - SQL text

/// Builds the statement and numbers its parameters.
struct SQLBuilder {
    private(set) var params: [ClickHouseParameter] = []

    /// A placeholder for `value` of `type`: `{p1:String}`.
    mutating func param(_ value: String, _ type: String) -> String {
        if let existing = params.first(where: { $0.value == value && $0.type == type }) {
            return "{\(existing.name):\(type)}"
        }
        let name = "p\(params.count + 1)"
        params.append(ClickHouseParameter(name: name, type: type, value: value))
        return "{\(name):\(type)}"
    }

    mutating func instant(_ millis: Int64) -> String {
        "fromUnixTimestamp64Milli(\(param(String(millis), "Int64")), 'UTC')"
    }

    /// The whole SELECT, one clause per line.
    mutating func statement(_ query: BoundQuery, options: ClickHouseOptions, condition: BoundCondition?, saleType: Bool,
                            saleTypeColumn: Bool = false) -> String {
        var lines: [String] = []
        var items = ClickHouseSchema.output(query.event).map { "\($0.0) AS `\($0.1.joined(separator: "."))`" }
        if saleTypeColumn { items.append("if(e.event_id = fs.first_event_id, 'new', 'recurring') AS `saleType`") }
        lines.append("SELECT")
        for (i, item) in items.enumerated() { lines.append("  " + item + (i + 1 < items.count ? "," : "")) }
        lines += from(query, options: options, condition: condition, saleType: saleType)
        let direction = query.order == .ascending ? "ASC" : "DESC"
        let id = query.event == .clicks ? "e.click_id" : "e.event_id"
        lines.append("ORDER BY e.timestamp \(direction), \(id) \(direction)")
        lines.append("LIMIT \(param(String(query.limit), "UInt64"))"
                     + (query.offset > 0 ? " OFFSET \(param(String(query.offset), "UInt64"))" : ""))
        return lines.joined(separator: "\n")
    }

    /// `FROM` the event table with the link metadata (and the first sales) joined, and `WHERE`
    /// the workspace, the time range and the condition: the selected events, one clause per line.
    mutating func from(_ query: BoundQuery, options: ClickHouseOptions, condition: BoundCondition?, saleType: Bool) -> [String] {
        var lines: [String] = []
        let table = ClickHouseSchema.table(query.event)
        lines.append("FROM \(table) AS e")
        var linkFilter = "deleted = 0"
        var workspace: String?
        if let w = options.storedWorkspace {
            let p = param(w, "String")
            workspace = p
            linkFilter = "workspace_id = \(p) AND " + linkFilter
        }
        // `partner_tag_ids` only when a condition reads it, so that other statements stay as they were.
        let partnerTags = condition.map { c in APIPlanner.predicates(in: c).contains { $0.field == .catalog("partnerTagId") } } ?? false
        lines.append("LEFT JOIN (SELECT link_id, url, tenant_id, program_id, partner_id, partner_group_id, folder_id, tag_ids"
                     + (partnerTags ? ", partner_tag_ids" : ""))
        lines.append("           FROM \(ClickHouseSchema.linksTable) FINAL WHERE \(linkFilter)) AS l ON l.link_id = e.link_id")
        if saleType {
            // The first sale of each (link, customer) pair, ties broken by event id as every backend does.
            let scope = workspace.map { " WHERE workspace_id = \($0)" } ?? ""
            lines.append("LEFT JOIN (SELECT link_id, customer_id, argMin(event_id, (timestamp, event_id)) AS first_event_id")
            lines.append("           FROM \(table)\(scope) GROUP BY link_id, customer_id) AS fs")
            lines.append("       ON fs.link_id = e.link_id AND fs.customer_id = e.customer_id")
        }
        var conditions: [String] = []
        if let workspace { conditions.append("e.workspace_id = \(workspace)") }
        if let s = query.time.start { conditions.append("e.timestamp >= \(instant(s))") }
        if let e = query.time.end { conditions.append("e.timestamp <= \(instant(e))") }
        // Parameters are numbered in the order they appear: the condition's after the time range.
        if let condition { conditions.append(self.condition(condition, event: query.event)) }
        for (i, c) in conditions.enumerated() { lines.append((i == 0 ? "WHERE " : "  AND ") + c) }
        return lines
    }

    // MARK: Conditions

    /// A normalized condition as SQL (top-level parts of an AND are joined by the caller's lines).
    mutating func condition(_ c: BoundCondition, event: EventType, nested: Bool = false) -> String {
        switch c {
        case .constant(let b):
            return b ? "1" : "0"
        case .and(let parts):
            let text = parts.map { condition($0, event: event, nested: true) }
            return nested ? "(" + text.joined(separator: " AND ") + ")" : text.joined(separator: "\n  AND ")
        case .or(let parts):
            return "(" + parts.map { condition($0, event: event, nested: true) }.joined(separator: " OR ") + ")"
        case .not(let inner):
            return "NOT " + condition(inner, event: event, nested: true)
        case .predicate(let p):
            return predicate(p, event: event)
        }
    }

    mutating func predicate(_ p: BoundPredicate, event: EventType) -> String {
        switch p.field {
        case .metadata(let path):
            return metadata(path, p)
        case .json(let path):
            return column(ClickHouseSchema.columns[path.joined(separator: ".")] ?? .text("''"), p, event: event)
        case .catalog(let name):
            if name == "customerId", event == .clicks { return column(.customerOfClick, p, event: event) }
            return column(ClickHouseSchema.columns[name] ?? .text("''"), p, event: event)
        }
    }

    /// `expr IN (...)`, `expr NOT IN (...)`, `expr < x` on one column.
    mutating func column(_ column: ClickHouseSchema.Column, _ p: BoundPredicate, event: EventType) -> String {
        switch column {
        case .text(let expr):
            return compare(expr, p, type: "String") { $0.textValue }
        case .urlParameter(let name):
            return compare("decodeURLFormComponent(extractURLParameter(e.url, '\(name)'))", p, type: "String") { $0.textValue }
        case .saleType:
            return compare("if(e.event_id = fs.first_event_id, 'new', 'recurring')", p, type: "String") { $0.textValue }
        case .number(let expr):
            return compare("toFloat64(\(expr))", p, type: "Float64") { v in
                if case .number(let n, _) = v { return JSONWriter.number(n) }
                return nil
            }
        case .instant(let expr):
            let values = p.values.compactMap { v -> String? in
                if case .timestamp(let ms) = v { return instant(ms) }
                return nil
            }
            return render(expr, p.op, values)
        case .boolean(let expr):
            let wanted = p.values.compactMap { v -> Bool? in if case .bool(let b) = v { return b } else { return nil } }
            // `root IN (TRUE)` is `e.key = '_root'`; NOT IN negates.
            let holds = Set(wanted)
            if holds.count == 2 { return p.op == .in ? "1" : "0" }
            let positive = holds.first ?? true
            let isTrue = p.op == .in ? positive : !positive
            return isTrue ? "(\(expr)) != 0" : "(\(expr)) = 0"
        case .tags(let column):
            let list = "[" + p.values.map { param($0.textValue ?? "", "String") }.joined(separator: ", ") + "]"
            return (p.op == .notIn ? "NOT " : "") + "hasAny(l.\(column), \(list))"
        case .customerOfClick:
            let inner = compare("customer_id", BoundPredicate(field: p.field, op: .in, values: p.values), type: "String") { $0.textValue }
            return "e.click_id \(p.op == .notIn ? "NOT IN" : "IN") (SELECT click_id FROM \(ClickHouseSchema.table(.leads)) WHERE \(inner))"
        }
    }

    /// A comparison whose literals become parameters of `type`.
    mutating func compare(_ expr: String, _ p: BoundPredicate, type: String, _ text: (ScalarValue) -> String?) -> String {
        let values = p.values.compactMap(text).map { param($0, type) }
        return render(expr, p.op, values)
    }

    func render(_ expr: String, _ op: BoundOperator, _ values: [String]) -> String {
        switch op {
        case .in:
            if values.isEmpty { return "0" }
            return values.count == 1 ? "\(expr) = \(values[0])" : "\(expr) IN (\(values.joined(separator: ", ")))"
        case .notIn:
            if values.isEmpty { return "1" }
            return values.count == 1 ? "\(expr) != \(values[0])" : "\(expr) NOT IN (\(values.joined(separator: ", ")))"
        case .less: return "\(expr) < \(values.first ?? "NULL")"
        case .lessEqual: return "\(expr) <= \(values.first ?? "NULL")"
        case .greater: return "\(expr) > \(values.first ?? "NULL")"
        case .greaterEqual: return "\(expr) >= \(values.first ?? "NULL")"
        }
    }

    /// `metadata.k op v`: the value compares with literals of its own JSON kind, as the evaluator does.
    mutating func metadata(_ path: [String], _ p: BoundPredicate) -> String {
        let keys = path.map { param($0, "String") }.joined(separator: ", ")
        // One test per literal, OR-ed for IN; NOT IN is the negation of the IN.
        var tests: [String] = []
        for v in p.values {
            let kind: String, value: String
            switch v {
            case .string(let s):
                kind = "JSONType(e.metadata, \(keys)) = 'String'"
                value = "JSONExtractString(e.metadata, \(keys)) \(sqlOperator(p.op)) \(param(s, "String"))"
            case .number(let n, _):
                kind = "JSONType(e.metadata, \(keys)) IN ('Int64', 'UInt64', 'Double')"
                value = "JSONExtractFloat(e.metadata, \(keys)) \(sqlOperator(p.op)) \(param(JSONWriter.number(n), "Float64"))"
            case .bool(let b):
                kind = "JSONType(e.metadata, \(keys)) = 'Bool'"
                value = "JSONExtractBool(e.metadata, \(keys)) \(sqlOperator(p.op)) \(b ? "1" : "0")"
            case .timestamp:
                continue
            }
            tests.append("(\(kind) AND \(value))")
        }
        let any = tests.isEmpty ? "0" : (tests.count == 1 ? tests[0] : "(" + tests.joined(separator: " OR ") + ")")
        return p.op == .notIn ? "NOT \(any)" : any
    }

    func sqlOperator(_ op: BoundOperator) -> String {
        switch op {
        case .in, .notIn: "="
        case .less: "<"
        case .lessEqual: "<="
        case .greater: ">"
        case .greaterEqual: ">="
        }
    }
}

extension ScalarValue {
    /// The text a text column compares with (`nil` for values of other kinds).
    var textValue: String? {
        switch self {
        case .string(let s): s
        case .number(_, let t): t
        case .bool(let b): b ? "true" : "false"
        case .timestamp: nil
        }
    }
}
