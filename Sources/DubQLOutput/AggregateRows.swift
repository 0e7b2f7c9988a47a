// Aggregate answers as results: the engine's and the evaluator's AggregateResult is one more
// schema for the writers, with counts as integers, sums of `sale.amount` in US dollars (the
// engine adds cents), and time buckets printed in the query's time zone.

import DubQL

extension AggregateResult {
    /// The columns as a result schema: money in US dollars (the unit, `USD`, in table headers),
    /// instants in the result's time zone, each column a group key or an aggregate.
    public var resultSchema: ResultSchema {
        ResultSchema(columns: columns.map { column in
            var c: ResultColumn
            switch column.type {
            case .text: c = ResultColumn(column.name, .text)
            case .boolean: c = ResultColumn(column.name, .boolean)
            case .integer: c = ResultColumn(column.name, .integer)
            case .number: c = ResultColumn(column.name, .number)
            case .money: c = ResultColumn(column.name, .money, unit: Money.unit)
            case .instant: c = ResultColumn(column.name, .instant, unit: timeZone)
            case .json: c = ResultColumn(column.name, .json)
            }
            c.role = column.isKey ? .groupKey : .aggregate
            return c
        })
    }

    /// The rows as result rows, in order.
    public var resultRows: [ResultRow] {
        let money = columns.map { $0.type == .money }
        return rows.map { row in
            ResultRow(values: row.enumerated().map { i, v in
                guard i < money.count, money[i] else { return ResultValue(v) }
                // Money is added up in cents; results show it in dollars.
                switch v {
                case .integer(let cents): return .money(cents: Double(cents), currency: "usd")
                case .number(let cents): return .money(cents: cents, currency: "usd")
                default: return ResultValue(v)
                }
            })
        }
    }
}

extension ResultValue {
    /// The result value of an aggregate value (JSON group keys are already their compact text).
    public init(_ value: AggregateValue) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .boolean(b)
        case .integer(let i): self = .integer(i)
        case .number(let d): self = .number(d)
        case .text(let s): self = .text(s)
        case .instant(let ms): self = .instant(ms)
        }
    }
}
