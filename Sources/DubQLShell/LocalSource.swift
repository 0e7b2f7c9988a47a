// The local data source: events loaded from files or stdin, or the built-in demo data, queried
// with the engine's executor.

import DubQL
import DubQLEngine
import DubQLOutput
import DubQLSyntax
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Local source

/// Events in memory, queried with local plans.
public final class LocalSource: QuerySource {
    private var loaded: EventStore?
    private var loadedSummary: String?
    /// Files not loaded yet: a one-shot query streams them instead (``StreamExecutor``).
    private var pending: PendingFiles?
    public var backend: Backend { .local }

    /// Files whose load waits for the first statement.
    struct PendingFiles {
        var paths: [String]
        var options: LoadOptions
        var messages: MessageStream
        var environment: [String: String]
        /// True until a statement has run: only the first and only statement may stream.
        var fresh = true
    }

    init(store: EventStore, summary: String) {
        self.loaded = store
        self.loadedSummary = summary
    }

    private init(pending: PendingFiles) {
        self.pending = pending
    }

    /// One line on the source; names the event counts, so deferred files are loaded for it.
    public var summary: String {
        if let loadedSummary { return loadedSummary }
        guard let pending else { return "no events" }
        let names = pending.paths.map { $0 == "-" ? "<stdin>" : $0 }.joined(separator: ", ")
        guard let store = try? store() else { return names }
        return "\(names) (\(Self.describe(store)))"
    }

    /// The loaded events (deferred files are loaded now).
    func store() throws(SessionFailure) -> EventStore {
        if let loaded { return loaded }
        guard let pending else { return EventStore() }
        let store = try Self.loadStore(paths: pending.paths, options: pending.options, messages: pending.messages)
        loaded = store
        let names = pending.paths.map { $0 == "-" ? "<stdin>" : $0 }.joined(separator: ", ")
        loadedSummary = "\(names) (\(Self.describe(store)))"
        self.pending = nil
        return store
    }

    /// The built-in demo dataset, newest event at `now`.
    public static func demo(now: Int64) -> LocalSource {
        let store = DemoData.store(now: now)
        return LocalSource(store: store, summary: "built-in demo data (\(describe(store)) over the last 30 days)")
    }

    /// Loads files (`-` is stdin). Malformed input is an error (exit 65) unless `skipInvalid`,
    /// which skips it with a note on `messages`; a missing file is exit 66. `LoadLimits` come
    /// from `environment` (`DUBQL_MAX_EVENT_BYTES` and the like).
    ///
    /// With `deferred` (one-shot commands) the files are only checked to exist: the first
    /// statement streams them when it is the only one and can be streamed, else loads them.
    ///
    /// `progress` (standard error is a terminal) shows a progress line while a load takes more than a moment.
    static func load(paths: [String], skipInvalid: Bool, messages: MessageStream,
                     environment: [String: String], deferred: Bool = false, progress: Bool = false) throws(SessionFailure) -> LocalSource {
        let limits: LoadLimits
        do {
            limits = try LoadLimits.fromEnvironment(environment)
        } catch {
            throw SessionFailure(error.message, exit: .usage)
        }
        let options = LoadOptions(skipInvalid: skipInvalid, limits: limits)
        if deferred {
            for path in paths where path != "-" {
                // A missing file fails at start-up (exit 66), as when loading at once.
                let fd = open(path, O_RDONLY)
                guard fd >= 0 else {
                    throw SessionFailure("cannot read \(InputError(path: path, message: String(cString: strerror(errno)).lowercased()))", exit: ExitStatus.noInput)
                }
                var st = stat()
                let isDirectory = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
                close(fd)
                if isDirectory { throw SessionFailure("cannot read \(InputError(path: path, message: "is a directory"))", exit: ExitStatus.noInput) }
            }
            return LocalSource(pending: PendingFiles(paths: paths, options: options, messages: messages, environment: environment))
        }
        let line = progress ? LoadProgress(messages: messages) : nil
        let store: EventStore
        do {
            store = try loadStore(paths: paths, options: options, messages: messages, progress: line)
        } catch {
            line?.finish()
            throw error
        }
        line?.finish()
        let names = paths.map { $0 == "-" ? "<stdin>" : $0 }.joined(separator: ", ")
        return LocalSource(store: store, summary: "\(names) (\(describe(store)))")
    }

    /// Loads files into a store, with the errors and notes of ``load(paths:skipInvalid:messages:environment:deferred:)``.
    static func loadStore(paths: [String], options: LoadOptions, messages: MessageStream,
                          progress: LoadProgress? = nil) throws(SessionFailure) -> EventStore {
        var loader = EventLoader(options: options)
        for path in paths {
            progress?.loading(path)
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
        return loader.finish()
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
        var plan = try plan(query, source: source, session: session)
        let store: EventStore
        let mayStream = session.streamNextStatement && pending?.fresh == true
        pending?.fresh = false
        var streamed = false
        var streamedMatches: Int?
        var streamedAggregate: AggregateResult?
        // Standard input cannot be read twice (files can: see noteNothingMatched).
        let rereadable = pending?.paths.contains("-") == false
        // DUBQL_STREAM=0 loads first (the tests compare both paths).
        if mayStream, let pending, StreamExecutor.canStream(plan, paths: pending.paths), pending.environment["DUBQL_STREAM"] != "0" {
            // A listing cut at the default LIMIT says how many rows match: count them as it streams.
            let outcome = try stream(plan, pending, countMatches: query.hasDefaultLimit || query.limitIsAll,
                                     showsSaleType: plan.aggregation == nil && Self.showsSaleType(query, session: session), session: session)
            store = outcome.store
            plan = outcome.plan
            streamed = true
            streamedMatches = outcome.matched
            streamedAggregate = outcome.aggregate
        } else {
            store = try self.store()
            let unknownValues = DataValueCheck.warnings(query, store: store)
            if !unknownValues.isEmpty { session.printDiagnostics(unknownValues, in: source) }
        }
        // A streamed answer holds only what it needs: when nothing matched, the notes about the
        // data (values no event has, the range it covers) read the whole input after all.
        func noteNothingMatched() throws {
            guard streamed else { return session.noteDataSpan(plan, store: store) }
            guard rereadable else { return }
            let whole = try self.store()
            let unknownValues = DataValueCheck.warnings(query, store: whole)
            if !unknownValues.isEmpty { session.printDiagnostics(unknownValues, in: source) }
            session.noteDataSpan(plan, store: whole)
        }
        if plan.aggregation != nil {
            let result = streamedAggregate ?? Executor.aggregate(plan, on: store, isCancelled: session.isCancelled)
            if try session.write(result) == 0 { try noteNothingMatched() }
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
        // A streamed listing kept one row more than it shows when more match; it cannot count them all.
        let more: Truncation.More? = !cut ? nil
            : streamed ? (streamedMatches.map { .total($0) } ?? (store.count > plan.offset + shown ? .exist : nil))
            : .total(Executor.count(plan, on: store))
        session.finish(writer, truncation: more.flatMap { Truncation.of(query, shown: shown, more: $0) })
        if shown == 0 { try noteNothingMatched() }
    }

    /// Streams the deferred files for one plan (``StreamExecutor``), with the loader's errors and notes.
    private func stream(_ plan: LocalPlan, _ pending: PendingFiles, countMatches: Bool, showsSaleType: Bool,
                        session: Session) throws(SessionFailure) -> StreamOutcome {
        let outcome: StreamOutcome
        do {
            outcome = try StreamExecutor.run(plan, paths: pending.paths, options: pending.options,
                                             earlyExit: pending.environment["DUBQL_EARLY_EXIT"] != "0", countMatches: countMatches,
                                             showsSaleType: showsSaleType, isCancelled: session.isCancelled)
        } catch let e as InputError {
            throw SessionFailure("cannot read \(e)", exit: ExitStatus.noInput)
        } catch let e as LoadError {
            pending.messages.write("\(e)\n")
            throw SessionFailure(nil, exit: ExitStatus.dataError)
        } catch {
            throw SessionFailure("\(error)", exit: ExitStatus.software)
        }
        if outcome.skipped > 0 {
            let first = outcome.firstSkipped.map { " (first: \($0))" } ?? ""
            pending.messages.write("dubql: note: skipped \(outcome.skipped) invalid \(outcome.skipped == 1 ? "event" : "events")\(first)\n")
        }
        if session.options.verbose {
            let rejected = outcome.rejected > 0 ? ", \(outcome.rejected) lines rejected unparsed" : ""
            let stop = outcome.stoppedEarly ? ", stopped early (time-ordered input)" : ", read to the end"
            let kept = outcome.aggregate != nil ? "\(outcome.groups) \(outcome.groups == 1 ? "group" : "groups") kept" : "\(outcome.store.count) kept"
            pending.messages.write("dubql: note: streamed: \(outcome.parsed) events parsed\(rejected)\(stop), \(kept)\n")
        }
        return outcome
    }

    /// True when a listing's output shows `saleType` (a column of it, in a format that writes
    /// values: json and ndjson of whole events write only the events' JSON).
    static func showsSaleType(_ query: BoundQuery, session: Session) -> Bool {
        let listing = EventListing(query: query)
        return listing.showsSaleType && ResultWriter(format: session.format, schema: listing.schema, sink: session.output).needsValues
    }

    public func explain(_ query: BoundQuery, source: SourceFile, session: Session) throws {
        let plan = try plan(query, source: source, session: session)
        // `--format json` gives the plan as JSON, as `dubql explain --format json` does.
        session.write(session.format == .json ? Explain.json(plan) + "\n" : Explain.text(plan))
    }
}

// MARK: - Progress

/// A progress line on a terminal's standard error while files load: nothing for a load that
/// takes under half a second, then the file, its size and the time so far, cleared at the end.
final class LoadProgress: @unchecked Sendable {
    private let messages: MessageStream
    private let lock = NSLock()
    private var name = ""
    private var size = ""
    private let started = DispatchTime.now()
    private var shown = false
    private var done = false
    private let timer: DispatchSourceTimer

    init(messages: MessageStream) {
        self.messages = messages
        timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + 0.5, repeating: 0.25)
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
    }

    /// The next file is loading.
    func loading(_ path: String) {
        var text = ""
        if path != "-", let attributes = try? FileManager.default.attributesOfItem(atPath: path),
           let bytes = (attributes[.size] as? NSNumber)?.doubleValue {
            text = bytes >= 1e9 ? String(format: " (%.2f GB)", bytes / 1e9) : String(format: " (%.0f MB)", bytes / 1e6)
        }
        lock.lock()
        name = path == "-" ? "<stdin>" : path
        size = text
        lock.unlock()
    }

    private func tick() {
        lock.lock()
        defer { lock.unlock() }
        guard !done else { return }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        messages.write("\r\u{1B}[2Kloading \(name)\(size): \(String(format: "%.1f", seconds)) s")
        shown = true
    }

    /// Stops the line and clears it.
    func finish() {
        timer.cancel()
        lock.lock()
        defer { lock.unlock() }
        done = true
        if shown { messages.write("\r\u{1B}[2K") }
    }
}
