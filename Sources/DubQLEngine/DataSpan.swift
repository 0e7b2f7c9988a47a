// Where the loaded events lie in time: what a note says when a query's range misses them all.

import DubQL

// MARK: - Data span

/// The time span of the loaded events of one type.
public struct DataSpan: Sendable, Hashable {
    /// The earliest and latest instants (epoch ms), inclusive.
    public var first: Int64
    public var last: Int64
    /// Events of the type.
    public var count: Int
    /// Of ``count``, those outside the range asked about.
    public var outside: Int
}

extension Executor {
    /// The span of the events of `event` in `store` and how many fall outside `time`; `nil` when
    /// the store has none of that type.
    public static func span(of event: EventType, outside time: TimeRange, in store: EventStore) -> DataSpan? {
        let rows = store.rowsInOrder(of: event)
        guard let firstRow = rows.first, let lastRow = rows.last else { return nil }
        let (lo, hi) = range(of: time, in: rows, timestamps: store.timestamps)
        return DataSpan(first: store.timestamps[Int(firstRow)], last: store.timestamps[Int(lastRow)],
                        count: rows.count, outside: rows.count - max(0, hi - lo))
    }
}
