// The catalog rendered for people: the README's "Fields" table and the REPL's `.fields` listing
// come from here, so documentation cannot drift from what the binder accepts.

// MARK: - Documentation of the catalog

extension Pushdown {
    /// How the README describes the pushdown.
    public var summary: String {
        switch self {
        case .list: "list/exclusion"
        case .single: "single value"
        case .key: "single value, with exactly one `domain`"
        case .externalId: "single value, sent as `ext_<id>`"
        case .region: "single value; replaces `country`"
        case .root: "`true`/`false`"
        case .qr: "none: checked locally (`qr=true` filters on `trigger`)"
        case .utm: "list; the API matches a substring, the exact check stays local"
        case .saleType: "single value"
        case .metadata: "`query`, AND-ed `=`/`!=` on text"
        case .none: "none: checked locally"
        }
    }
}

extension Catalog {
    /// The events column: `all`, `leads, sales`, with API-only availability spelled out.
    public static func eventsSummary(_ f: FieldSpec) -> String {
        func names(_ s: Set<EventType>) -> String {
            s.count == 3 ? "all" : EventType.allCases.filter { s.contains($0) }.map(\.rawValue).joined(separator: ", ")
        }
        if f.localEvents == f.events { return names(f.events) }
        if f.localEvents.isEmpty { return "\(names(f.events)) (API only)" }
        return "\(names(f.events)) (API); \(names(f.localEvents)) (local)"
    }

    /// The README's field table (Markdown), one row per catalog field plus `metadata` and JSON paths.
    public static func markdownTable() -> String {
        var rows = ["| field | aliases | type | events | API parameter | pushdown | in the event JSON |",
                    "|---|---|---|---|---|---|---|"]
        for f in fields {
            let aliases = f.aliases.isEmpty ? "" : f.aliases.map { "`\($0)`" }.joined(separator: ", ")
            let values = f.isStrict ? (f.enumeratedValues.map { v in v.count <= 8 ? ": " + v.joined(separator: " ") : "" } ?? "") : ""
            let json: String
            switch f.derivation {
            case .path, .withoutQuery: json = "`\(f.jsonPath.joined(separator: "."))`" + (f.derivation == .withoutQuery ? " without its query string" : "")
            default: json = f.jsonDescription
            }
            rows.append("| `\(f.name)` | \(aliases) | \(f.type.displayName)\(values) | \(eventsSummary(f)) | "
                        + "\(f.apiParameter.map { "`\($0)`" } ?? "") | \(f.pushdown.summary) | \(json) |")
        }
        rows.append("| `metadata.<key>` | `metadata['k']` | JSON value | leads, sales | `query` | \(Pushdown.metadata.summary) | `metadata.<key>` |")
        rows.append("| `click.*`, `link.*`, `customer.*`, `sale.*` (any other path) | | as in the JSON | as in the JSON | | \(Pushdown.none.summary) | as named |")
        return rows.joined(separator: "\n")
    }
}
