// EXPLAIN for ClickHouse plans: the SQL as sent and its parameters, as text and in the JSON contract.

extension Explain {
    /// The statement, then one line per parameter (`p1 String = 'US'`), then the notes.
    public static func text(_ plan: ClickHousePlan) -> String {
        var out = "QUERY PLAN (clickhouse)\n"
        if plan.isEmpty {
            out += "`--EMPTY (the condition can never be true)\n"
            return out
        }
        out += plan.sql + "\n"
        if !plan.params.isEmpty {
            out += "PARAMETERS\n"
            for p in plan.params { out += "  \(p.name) \(p.type) = \(sqlQuoted(p.value))\n" }
        }
        for n in plan.notes { out += "note: \(n)\n" }
        return out
    }

    /// The JSON contract with `source: "clickhouse"`, the `sql` and its `params` (name to value, as sent).
    public static func json(_ plan: ClickHousePlan) -> String {
        JSONText.object([
            ("source", JSONText.string("clickhouse")), ("event", JSONText.string(plan.event.rawValue)),
            ("sql", plan.isEmpty ? "null" : JSONText.string(plan.sql)),
            ("params", JSONText.object(plan.params.map { ($0.name, JSONText.string($0.value)) }, indent: 2)),
            ("paramTypes", JSONText.object(plan.params.map { ($0.name, JSONText.string($0.type)) }, indent: 2)),
            ("requests", "[]"), ("residual", "null"),
            ("limit", plan.limit == Int.max ? "null" : String(plan.limit)),
            ("notes", JSONText.array(plan.notes.map(JSONText.string), indent: 2)),
        ], indent: 0)
    }

    /// A value as a ClickHouse string literal, for reading only (the plan never splices values).
    static func sqlQuoted(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
