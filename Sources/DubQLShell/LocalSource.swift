// The local data source: events loaded from files or stdin, or the built-in demo data, queried
// with the engine's executor.

import DubQL
import DubQLEngine
import DubQLOutput
import DubQLSyntax
import Foundation

// MARK: - Local source

/// Events in memory, queried with local plans.
public final class LocalSource: QuerySource {
    let store: EventStore
    public let summary: String
    public var backend: Backend { .local }

    init(store: EventStore, summary: String) {
        self.store = store
        self.summary = summary
    }

    /// The built-in demo dataset, newest event at `now`.
    public static func demo(now: Int64) -> LocalSource {
        let store = DemoData.store(now: now)
        return LocalSource(store: store, summary: "built-in demo data (\(describe(store)) over the last 30 days)")
    }

    /// Loads files (`-` is stdin). Malformed input is an error (exit 65) unless `skipInvalid`,
    /// which skips it with a note on `messages`; a missing file is exit 66. `LoadLimits` come
    /// from `environment` (`DUBQL_MAX_EVENT_BYTES` and the like).
    static func load(paths: [String], skipInvalid: Bool, messages: MessageStream,
                     environment: [String: String]) throws(SessionFailure) -> LocalSource {
        let limits: LoadLimits
        do {
            limits = try LoadLimits.fromEnvironment(environment)
        } catch {
            throw SessionFailure(error.message, exit: .usage)
        }
        var loader = EventLoader(options: LoadOptions(skipInvalid: skipInvalid, limits: limits))
        for path in paths {
            do {
                _ = try loader.load(path: path)
            } catch let e as InputError {
                throw SessionFailure("cannot read \(e)", exit: ExitStatus.noInput)
            } catch let e as LoadError {
                messages.write("\(e)\n")
                throw SessionFailure(nil, exit: ExitStatus.dataError)
            } catch {
                throw SessionFailure("\(error)", exit: ExitStatus.software)
            }
        }
        if loader.skipped > 0 {
            let first = loader.firstSkipped.map { " (first: \($0))" } ?? ""
            messages.write("dubql: note: skipped \(loader.skipped) invalid \(loader.skipped == 1 ? "event" : "events")\(first)\n")
        }
        let store = loader.finish()
        let names = paths.map { $0 == "-" ? "<stdin>" : $0 }.joined(separator: ", ")
        return LocalSource(store: store, summary: "\(names) (\(describe(store)))")
    }

    static func describe(_ store: EventStore) -> String {
        let parts = EventType.allCases.compactMap { e -> String? in
            let n = store.count(of: e)
            return n > 0 ? "\(n) \(e.rawValue)" : nil
        }
        return parts.isEmpty ? "no events" : parts.joined(separator: ", ")
    }

    // MARK: Running

    func plan(_ query: BoundQuery, source: SourceFile, session: Session) throws -> LocalPlan {
        try session.accept(LocalPlanner.plan(query), in: source)
    }

    public func execute(_ query: BoundQuery, source: SourceFile, session: Session) throws {
        let plan = try plan(query, source: source, session: session)
        let unknownValues = DataValueCheck.warnings(query, store: store)
        if !unknownValues.isEmpty { session.printDiagnostics(unknownValues, in: source) }
        if plan.aggregation != nil {
            let result = Executor.aggregate(plan, on: store, isCancelled: session.isCancelled)
            let writer = try session.makeWriter(for: result.resultSchema)
            writer.begin()
            let rows = result.resultRows
            for row in rows { writer.write(row) }
            writer.end()
            if rows.isEmpty { session.noteDataSpan(plan, store: store) }
            return
        }
        let listing = EventListing(query: query)
        let writer = try session.makeWriter(for: listing.schema)
        let values = writer.needsValues
        writer.begin()
        let shown = Executor.run(plan, on: store, isCancelled: session.isCancelled) { row in
            writer.write(listing.row(store, row, saleType: .store, values: values))
        }
        // Only a listing cut at its LIMIT needs the total: counting costs a second pass over the range.
        let cut = shown >= plan.limit && (query.hasDefaultLimit || query.limitIsAll)
        session.finish(writer, truncation: cut ? Truncation.of(query, shown: shown, more: .total(Executor.count(plan, on: store))) : nil)
        if shown == 0 { session.noteDataSpan(plan, store: store) }
    }

    public func explain(_ query: BoundQuery, source: SourceFile, session: Session) throws {
        let plan = try plan(query, source: source, session: session)
        // `--format json` gives the plan as JSON, as `dubql explain --format json` does.
        session.write(session.format == .json ? Explain.json(plan) + "\n" : Explain.text(plan))
    }
}
