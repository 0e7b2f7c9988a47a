// Dub's ClickHouse tables for `dubql load`: the DDL of the datasources DubQL reads (same column
// names, types, engines, partitions and sort keys as Dub's Tinybird `.datasource` files), and the
// mapping of an exported event to a JSONEachRow row of its table.

import DubQL
import DubQLEngine
import Foundation

// MARK: - DDL

/// The tables `dubql load` creates when they are missing.
public enum ClickHouseTables {
    /// The geography and user-agent columns every event table shares (after the event columns).
    private static let visitorColumns = """
          continent LowCardinality(String),
          country LowCardinality(String),
          city LowCardinality(String),
          region LowCardinality(String),
          latitude String,
          longitude String,
          device LowCardinality(String),
          browser LowCardinality(String),
          os LowCardinality(String),
          trigger String,
          ua String,
          referer String,
          referer_url String,
          ip String,
        """

    private static let deviceColumns = """
          device_model LowCardinality(String),
          device_vendor LowCardinality(String),
          browser_version String,
          os_version String,
          engine LowCardinality(String),
          engine_version String,
          cpu_architecture LowCardinality(String),
          qr UInt8,
          bot UInt8
        """

    private static let eventEngine = """
        ENGINE = MergeTree
        PARTITION BY toYYYYMM(timestamp)
        ORDER BY (workspace_id, link_id, timestamp)
        """

    /// `CREATE TABLE IF NOT EXISTS` for the three event tables, the first-sale table and the
    /// links' latest metadata, in an order that lets each refer to the ones before.
    public static let createStatements: [String] = [
        """
        CREATE TABLE IF NOT EXISTS dub_click_events_mv (
          timestamp DateTime64(3),
          click_id String,
          workspace_id LowCardinality(String),
          link_id String,
          domain String,
          key String,
          url String,
        \(visitorColumns)
          identity_hash String,
        \(deviceColumns)
        )
        \(eventEngine)
        """,
        """
        CREATE TABLE IF NOT EXISTS dub_lead_events_mv (
          timestamp DateTime64(3),
          click_id String,
          workspace_id LowCardinality(String),
          link_id String,
          domain String,
          key String,
          url String,
          event_id String,
          event_name String,
          customer_id String,
          metadata String,
        \(visitorColumns)
        \(deviceColumns)
        )
        \(eventEngine)
        """,
        """
        CREATE TABLE IF NOT EXISTS dub_sale_events_mv (
          timestamp DateTime64(3),
          click_id String,
          workspace_id LowCardinality(String),
          link_id String,
          domain String,
          key String,
          url String,
          event_id String,
          event_name String,
          customer_id String,
          payment_processor LowCardinality(String),
          invoice_id String,
          amount UInt32,
          metadata String,
        \(visitorColumns)
        \(deviceColumns)
        )
        \(eventEngine)
        """,
        """
        CREATE TABLE IF NOT EXISTS dub_first_sale_mv (
          workspace_id LowCardinality(String),
          link_id String,
          customer_id String,
          first_sale_state AggregateFunction(min, DateTime64(3))
        )
        ENGINE = AggregatingMergeTree
        ORDER BY (workspace_id, link_id, customer_id)
        """,
        // Dub fills dub_first_sale_mv from the sale table with a materialized view; so does this.
        """
        CREATE MATERIALIZED VIEW IF NOT EXISTS dub_first_sale_pipe TO dub_first_sale_mv AS
        SELECT workspace_id, link_id, customer_id, minState(timestamp) AS first_sale_state
        FROM dub_sale_events_mv
        GROUP BY workspace_id, link_id, customer_id
        """,
        """
        CREATE TABLE IF NOT EXISTS dub_links_metadata_latest (
          timestamp DateTime,
          workspace_id LowCardinality(String),
          link_id String,
          domain String,
          key String,
          url String,
          program_id LowCardinality(String),
          partner_id String,
          partner_group_id String,
          partner_tag_ids Array(String),
          folder_id String,
          tag_ids Array(String),
          tenant_id String,
          created_at DateTime64(3),
          deleted UInt8
        )
        ENGINE = ReplacingMergeTree(timestamp, deleted)
        ORDER BY (workspace_id, link_id)
        """,
    ]

    /// The column that identifies an event in its table (what `dubql load` de-duplicates on).
    public static func idColumn(_ event: EventType) -> String { event == .clicks ? "click_id" : "event_id" }
}

// MARK: - Rows

/// An exported event that cannot become a row of Dub's tables.
public struct RowMappingError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// Writes exported events as JSONEachRow rows of Dub's tables.
public enum ClickHouseRowWriter {
    /// The event's row for its table, appended to `out` with a newline.
    public static func appendEvent(_ e: StoredEvent, to out: inout [UInt8]) throws(RowMappingError) {
        // One parse of the event, then reads in memory (reading path by path rescans the bytes).
        let root = e.json(at: []) ?? .object([])
        let type = e.eventType
        let id = e.eventID
        guard !id.isEmpty else { throw RowMappingError(message: "the event has no \(type == .clicks ? "click.id" : "eventId")") }
        var o = "{"
        func field(_ name: String, _ value: String) {
            if o.count > 1 { o += "," }
            JSONText.quote(name, to: &o)
            o += ":"
            JSONText.quote(value, to: &o)
        }
        func raw(_ name: String, _ value: String) {
            if o.count > 1 { o += "," }
            JSONText.quote(name, to: &o)
            o += ":" + value
        }
        func text(_ path: [String]) -> String {
            switch root.value(at: path) {
            case .string(let s)?: return s
            case .number(let n)?: return JSONWriter.number(n)
            case .bool(let b)?: return b ? "true" : "false"
            default: return ""
            }
        }
        let ms = e.timestampMillis
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let fraction = ms - seconds * 1000
        raw("timestamp", "\(seconds).\(String(repeating: "0", count: fraction < 10 ? 2 : fraction < 100 ? 1 : 0))\(fraction)")
        field("click_id", text(["click", "id"]))
        field("workspace_id", storedWorkspace(text(["link", "workspaceId"])))
        let linkID = text(["link", "id"])
        field("link_id", linkID)
        field("domain", text(["link", "domain"]))
        field("key", text(["link", "key"]))
        field("url", text(["click", "url"]))
        if type != .clicks {
            field("event_id", id)
            field("event_name", text(["eventName"]))
            field("customer_id", text(["customer", "id"]))
        }
        if type == .sales {
            field("payment_processor", text(["sale", "paymentProcessor"]))
            field("invoice_id", text(["sale", "invoiceId"]))
            guard case .number(let amount)? = root.value(at: ["sale", "amount"]) ?? root.value(at: ["saleAmount"]),
                  amount >= 0, amount <= Double(UInt32.max), amount == amount.rounded() else {
                throw RowMappingError(message: "'sale.amount' must be a whole number of cents from 0 to \(UInt32.max)")
            }
            raw("amount", String(Int64(amount)))
        }
        if type != .clicks {
            switch root.value(at: ["metadata"]) {
            case nil, .null?: field("metadata", "")
            case let m?: field("metadata", JSONWriter.string(m))
            }
        }
        let country = text(["click", "country"])
        field("continent", text(["click", "continent"]))
        field("country", country)
        field("city", text(["click", "city"]))
        // Dub stores the subdivision only (`CA`); events show `US-CA`.
        let region = text(["click", "region"])
        field("region", region.hasPrefix(country + "-") && !country.isEmpty ? String(region.dropFirst(country.count + 1)) : region)
        for (column, path) in [("device", "device"), ("browser", "browser"), ("os", "os"), ("trigger", "trigger"),
                               ("ua", "ua"), ("referer", "referer"), ("referer_url", "refererUrl"), ("ip", "ip")] {
            field(column, text(["click", path]))
        }
        let qr: Bool
        switch root.value(at: ["click", "qr"]) {
        case .bool(let b)?: qr = b
        case .number(let n)?: qr = n != 0
        default: qr = false
        }
        raw("qr", qr ? "1" : "0")
        o += "}\n"
        out += Array(o.utf8)
    }

    /// The link's row of `dub_links_metadata_latest`, from what the exported event says of its link.
    public static func appendLink(_ e: StoredEvent, version: Int64, to out: inout [UInt8]) {
        let link = e.json(at: ["link"]) ?? .object([])
        func text(_ key: String) -> String {
            if case .string(let s)? = link[key] { return s }
            return ""
        }
        var tags: [String] = []
        if case .array(let items)? = link["tags"] {
            for item in items {
                if case .string(let id)? = item["id"] { tags.append(id) }
            }
        }
        var o = "{\"timestamp\":\(version)"
        for (column, value) in [("workspace_id", storedWorkspace(text("workspaceId"))), ("link_id", text("id")),
                                ("domain", text("domain")), ("key", text("key")), ("url", text("url")),
                                ("program_id", text("programId")), ("partner_id", text("partnerId")),
                                ("folder_id", text("folderId")), ("tenant_id", text("tenantId"))] {
            o += ","
            JSONText.quote(column, to: &o)
            o += ":"
            JSONText.quote(value, to: &o)
        }
        o += ",\"tag_ids\":["
        for (i, t) in tags.enumerated() {
            if i > 0 { o += "," }
            JSONText.quote(t, to: &o)
        }
        o += "],\"partner_tag_ids\":[],\"partner_group_id\":\"\""
        let created = text("createdAt")
        o += ",\"created_at\":" + (ISOInstant.parse(created).map { String(Double($0) / 1000) } ?? "0")
        o += ",\"deleted\":0}\n"
        out += Array(o.utf8)
    }

    /// `ws_cl…` as Dub's tables store it: `cl…`.
    public static func storedWorkspace(_ id: String) -> String {
        id.hasPrefix("ws_") ? String(id.dropFirst(3)) : id
    }
}
