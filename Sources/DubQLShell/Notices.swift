// Notes on standard error about what shaped an answer without the query saying so: the default
// time range, a LIMIT that cut the rows, and a range that misses every loaded event. They never go
// to standard output, so machine formats stay clean; tables also carry the truncation in their footer.

import DubQL
import DubQLEngine
import DubQLOutput

extension Session {
    /// Before a statement runs: the time range it got without asking for one.
    func noteDefaultTime(_ query: BoundQuery) {
        guard query.hasDefaultTime else { return }
        note("no time clause: the default SINCE \(Binder.defaultPreset) applies (\(TimeNarrowing.describe(query.time))); "
             + "add SINCE or BETWEEN for another range")
    }

    /// Writes an aggregate answer whole, in the session's format (every backend's last step).
    /// Returns the number of rows written.
    @discardableResult
    func write(_ result: AggregateResult) throws(SessionFailure) -> Int {
        let writer = try makeWriter(for: result.resultSchema)
        writer.begin()
        let rows = result.resultRows
        for row in rows { writer.write(row) }
        writer.end()
        return rows.count
    }

    /// Ends a result: the truncation in the table's footer, or on standard error for other formats.
    func finish(_ writer: ResultWriter, truncation: Truncation?) {
        writer.truncation = truncation
        writer.end()
        if let truncation, writer.format != .table { note(truncation.text) }
    }

    /// After a local query that returned nothing: where the data's events of that type are, when
    /// some lie outside the range the query looked at.
    func noteDataSpan(_ plan: LocalPlan, store: EventStore) {
        guard !plan.isEmpty, let span = Executor.span(of: plan.event, outside: plan.time, in: store), span.outside > 0 else { return }
        let name = plan.event.rawValue
        let range = span.first == span.last ? "at \(APIPlanner.formatInstant(span.first))"
            : "from \(APIPlanner.formatInstant(span.first)) to \(APIPlanner.formatInstant(span.last))"
        note("nothing matched in \(TimeNarrowing.describe(plan.time)); the data's \(Truncation.grouped(span.count)) \(name) are \(range)")
    }
}
