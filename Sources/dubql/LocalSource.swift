// The local data source: events loaded from files or stdin, or the built-in demo data, queried
// with the engine's executor. Also how the command line chooses its source.

import DubQL
import DubQLEngine
import DubQLSyntax
import Foundation

// MARK: - Local source

/// Events in memory, queried with local plans.
final class LocalSource: QuerySource {
    let store: EventStore
    let summary: String
    var backend: Backend { .local }

    init(store: EventStore, summary: String) {
        self.store = store
        self.summary = summary
    }

    /// The built-in demo dataset, newest event at `now`.
    static func demo(now: Int64) -> LocalSource {
        let store = DemoData.store(now: now)
        return LocalSource(store: store, summary: "built-in demo data (\(describe(store)) over the last 30 days)")
    }

    /// Loads files (`-` is stdin). Malformed input is an error (exit 65) unless `skipInvalid`,
    /// which skips it with a note; a missing file is exit 66.
    static func load(paths: [String], skipInvalid: Bool) throws -> LocalSource {
        let limits: LoadLimits
        do {
            limits = try LoadLimits.fromEnvironment(ProcessInfo.processInfo.environment)
        } catch {
            throw SessionFailure(error.message, exit: Exit.usage)
        }
        var loader = EventLoader(options: LoadOptions(skipInvalid: skipInvalid, limits: limits))
        for path in paths {
            do {
                _ = try loader.load(path: path)
            } catch let e as InputError {
                throw SessionFailure("cannot read \(e)", exit: Exit.noInput)
            } catch let e as LoadError {
                Session.writeStderr("\(e)\n")
                throw SessionFailure(nil, exit: Exit.dataError)
            }
        }
        if loader.skipped > 0 {
            let first = loader.firstSkipped.map { " (first: \($0))" } ?? ""
            Session.note("skipped \(loader.skipped) invalid \(loader.skipped == 1 ? "event" : "events")\(first)")
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

    func execute(_ query: BoundQuery, source: SourceFile, session: Session) throws {
        let plan = try plan(query, source: source, session: session)
        let writer = session.makeWriter(for: query, store: store)
        writer.begin()
        Executor.run(plan, on: store, isCancelled: session.isCancelled) { writer.write(row: $0) }
        writer.end()
    }

    func explain(_ query: BoundQuery, source: SourceFile, session: Session) throws {
        let plan = try plan(query, source: source, session: session)
        // `--format json` gives the plan as JSON, as `dubql explain --format json` does.
        session.write(session.format == .json ? Explain.json(plan) + "\n" : Explain.text(plan))
    }
}

// MARK: - Choosing a source

/// Picks the data source from `--data`, `--api`, `DUB_API_KEY`, or else the demo data.
enum SourceChooser {
    static func choose(data: [String], api: Bool, apiURL: String?, skipInvalid: Bool, now: String?,
                       environment: [String: String]) throws -> any QuerySource {
        if !data.isEmpty { return try LocalSource.load(paths: data, skipInvalid: skipInvalid) }
        let key = environment["DUB_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        if let key {
            guard let factory = Session.apiSourceFactory else {
                throw SessionFailure("DUB_API_KEY is set but this build cannot query Dub's API yet; pass --data FILE, or unset DUB_API_KEY to use the demo data", exit: Exit.unavailable)
            }
            return try factory(key, apiURL ?? environment["DUB_API_URL"])
        }
        if api { throw SessionFailure("--api needs an API key in DUB_API_KEY: create one in Dub's dashboard (Settings > API Keys), then export DUB_API_KEY=dub_...", exit: Exit.usage) }
        let clock = now.flatMap(QueryContext.parseInstant) ?? QueryContext.currentMillis()
        let demo = LocalSource.demo(now: clock)
        Session.note("no --data and no DUB_API_KEY: querying \(demo.summary)")
        return demo
    }
}
