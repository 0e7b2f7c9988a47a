// The API data source of a session: plans queries for Dub's API, runs them with the client
// (paging, retries, residual, union merge) and streams the rows to the session's writer.

import DubQL
import DubQLClient
import DubQLEngine
import DubQLOutput
import DubQLSyntax
import Foundation

// MARK: - Source

/// Queries Dub's API (or a server that speaks it, such as `dubql serve`).
public final class APISource: QuerySource {
    let client: DubClient
    public var backend: Backend { .api }
    public var summary: String {
        "Dub's API at \(Secrets.displayURL(client.configuration.baseURL.absoluteString, key: client.configuration.apiKey))"
    }

    /// The most events an aggregate computed from `GET /events` may fetch (`--max-events`,
    /// `DUBQL_MAX_EVENTS`).
    let maxEvents: Int

    init(client: DubClient, maxEvents: Int = AnalyticsPlanner.defaultMaxEvents) {
        self.client = client
        self.maxEvents = maxEvents
    }

    /// The cap of events for `/events` aggregates: `option` (`--max-events`), else
    /// `DUBQL_MAX_EVENTS`, else ``AnalyticsPlanner/defaultMaxEvents``; a value outside
    /// 1...``AnalyticsPlanner/maximumMaxEvents`` is an error, never silently the default.
    public static func maxEvents(option: Int?, environment: [String: String]) throws(SessionFailure) -> Int {
        let range = 1...AnalyticsPlanner.maximumMaxEvents
        if let option {
            guard range.contains(option) else {
                throw SessionFailure("invalid --max-events \(option): expected a whole number of events from 1 to \(range.upperBound)", exit: .usage)
            }
            return option
        }
        guard let text = environment["DUBQL_MAX_EVENTS"], !text.isEmpty else { return AnalyticsPlanner.defaultMaxEvents }
        guard let n = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(n) else {
            throw SessionFailure("invalid DUBQL_MAX_EVENTS '\(text)': expected a whole number of events from 1 to \(range.upperBound)", exit: .usage)
        }
        return n
    }

    /// A source for `apiKey` at `apiURL` (else `DUB_API_URL` in `environment`, else Dub's API),
    /// with the client's settings from `environment` (`DUBQL_API_TIMEOUT`, `DUBQL_API_RETRIES`).
    /// With `verbose` every request and answer is logged on `messages`, the key masked.
    static func make(apiKey: String, apiURL: String?, verbose: Bool, environment: [String: String],
                     messages: MessageStream, maxEvents: Int? = nil) throws(SessionFailure) -> APISource {
        let cap = try Self.maxEvents(option: maxEvents, environment: environment)
        var environment = environment
        environment["DUB_API_KEY"] = apiKey
        do {
            let configuration = try DubClientConfiguration.fromEnvironment(
                environment, apiURL: apiURL, verbose: verbose, userAgent: "dubql/\(DubQLVersion.string)")
            return APISource(client: DubClient(configuration: configuration, log: { messages.write($0 + "\n") }), maxEvents: cap)
        } catch {
            throw SessionFailure(error.description, exit: ExitStatus(error.kind.exitCode))
        }
    }

    // MARK: Planning

    func plan(_ query: BoundQuery, source: SourceFile, session: Session) throws -> APIPlan {
        try session.accept(APIPlanner.plan(query, maxEvents: maxEvents), in: source)
    }

    public func explain(_ query: BoundQuery, source: SourceFile, session: Session) throws {
        let plan = try plan(query, source: source, session: session)
        session.write(session.format == .json ? Explain.json(plan) : Explain.text(plan))
    }

    // MARK: Running

    public func execute(_ query: BoundQuery, source: SourceFile, session: Session) throws {
        let plan = try plan(query, source: source, session: session)
        if plan.aggregate != nil { return try executeAggregate(plan, session: session) }
        let listing = EventListing(query: query)
        let output = StreamingOutput(writer: try session.makeWriter(for: listing.schema), listing: listing)
        let event = plan.event
        let runner = PlanRunner<StoredEvent>(
            client: client,
            decode: { body in try APISource.decode(body, event: event) },
            matches: { condition, record in Evaluator.matches(condition, record) })
        // A page cannot tell new sales from recurring ones: learn them only when a column shows them.
        let saleTypes = output.writer.needsValues && listing.showsSaleType
        let started = Date()
        // Pages, events and time so far on a terminal's stderr, for scans of more than one page
        // (not with --verbose, whose log of every request says as much, line by line).
        let line = session.console.errorsAreTerminal && !client.configuration.verbose
            ? ProgressLine(errors: session.console.errors, results: session.output) : nil
        let outcome = runBlocking(isCancelled: session.isCancelled) {
            try await runner.run(plan, saleTypes: saleTypes, progress: line.map { l in { l.update(pages: $0.requests, events: $0.eventsFetched) } }) {
                line?.clear()
                output.write($0, saleType: .known($1))
            }
        }
        line?.clear()
        switch outcome {
        case .success(let stats):
            let more: Truncation.More? = switch stats.more {
            case .no: nil
            case .yes: .exist
            case .maybe: .mayExist
            }
            output.finish(truncation: Truncation.of(query, shown: stats.rowsReturned, more: more), session: session)
            if client.configuration.verbose {
                let millis = Int(Date().timeIntervalSince(started) * 1000)
                let lookups = stats.saleTypeRequests > 0 ? " (\(stats.saleTypeRequests) for saleType)" : ""
                session.writeStderr("dubql: \(stats.requests) requests\(lookups), \(stats.eventsFetched) events fetched, "
                                    + "\(stats.rowsReturned) rows, \(millis) ms\n")
            }
        case .failure(let error):
            // Close what was written; with nothing written, print no empty result before the error.
            if output.hasRows { output.finish() }
            // Every message is redacted once more where it leaves the client: whatever a server
            // said, in whatever part of an error, the key never reaches the terminal.
            if let clientError = error as? DubClientError {
                throw SessionFailure(Secrets.redact(clientError.description, key: client.configuration.apiKey),
                                     exit: ExitStatus(clientError.kind.exitCode))
            }
            throw SessionFailure(Secrets.redact("\(error)", key: client.configuration.apiKey), exit: ExitStatus.unavailable)
        }
    }

    /// Runs an aggregate plan (`/analytics`, or `/events` pages aggregated) and writes its rows.
    func executeAggregate(_ plan: APIPlan, session: Session) throws {
        let event = plan.event
        let runner = PlanRunner<StoredEvent>(
            client: client,
            decode: { body in try APISource.decode(body, event: event) },
            matches: { condition, record in Evaluator.matches(condition, record) })
        let started = Date()
        let outcome = runBlocking(isCancelled: session.isCancelled) {
            try await runner.runAggregate(plan)
        }
        switch outcome {
        case .success(let (result, stats)):
            if stats.usedFallback {
                session.writeStderr("dubql: note: Dub's /analytics groups did not add up to its totals (keys '' or Unknown, "
                                    + "more than \(AnalyticsPlanner.groupCap) groups, or deleted links): computed from GET /events\n")
            }
            try session.write(result)
            if client.configuration.verbose {
                let millis = Int(Date().timeIntervalSince(started) * 1000)
                session.writeStderr("dubql: \(stats.requests) requests, \(stats.eventsFetched) events fetched, "
                                    + "\(stats.rowsReturned) rows, \(millis) ms\n")
            }
        case .failure(let error):
            if let clientError = error as? DubClientError {
                throw SessionFailure(Secrets.redact(clientError.description, key: client.configuration.apiKey),
                                     exit: ExitStatus(clientError.kind.exitCode))
            }
            throw SessionFailure(Secrets.redact("\(error)", key: client.configuration.apiKey), exit: ExitStatus.unavailable)
        }
    }

    /// A page body as events of the plan's type, in page order.
    static func decode(_ body: Data, event: EventType) throws -> [StoredEvent] {
        let store: EventStore
        do {
            store = try EventLoader.load(bytes: Array(body), name: "<response>")
        } catch {
            throw PageError("the body is not a JSON array of Dub events (\(error.message))")
        }
        let records = (0..<store.count).map { store.record($0) }
        if let other = records.first(where: { $0.eventType != event }) {
            throw PageError("asked for \(event.rawValue) but got a \(other.eventType.singular) event")
        }
        return records
    }

    /// Runs `work` to completion on the concurrency pool while this thread waits, cancelling it
    /// when `isCancelled` says so or, outside the REPL, on Ctrl-C.
    ///
    /// The wait is a `poll` on two pipes, one written when the work ends, one by the SIGINT
    /// handler: it takes no CPU, and Ctrl-C wakes it at once. (In the REPL, whose own handler
    /// records Ctrl-C, `isCancelled` is also checked a few times a second.)
    private func runBlocking<T: Sendable>(isCancelled: (() -> Bool)?,
                                          _ work: @escaping @Sendable () async throws -> T) -> Result<T, any Error> {
        let box = ResultBox<T>()
        let done = WakePipe()
        defer { done.close() }
        let body: @Sendable () async -> Void = {
            do { box.set(.success(try await work())) } catch { box.set(.failure(error)) }
            done.wake()
        }
        // Installed before the work starts, so that no Ctrl-C falls between the two.
        let interrupt = isCancelled == nil ? Interrupt.install() : nil
        defer { interrupt?.remove() }
        // The caller may itself be on the concurrency pool (an async command); the work gets its
        // own thread so that waiting here can never starve it, even on a one-core machine.
        let task: Task<Void, Never>
        if #available(macOS 15, *) {
            task = Task(executorPreference: DedicatedExecutor.shared, operation: body)
        } else {
            task = Task(operation: body)
        }
        var fds = [pollfd(fd: done.readEnd, events: Int16(POLLIN), revents: 0)]
        for fd in interrupt?.descriptors ?? [] { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
        let timeout: Int32 = isCancelled == nil ? -1 : 200
        var cancelled = false
        while !done.isWoken {
            _ = poll(&fds, nfds_t(fds.count), timeout)
            let interrupted = interrupt?.take() == true
            if interrupted && cancelled {
                // A second Ctrl-C while the first is being acted on: the work did not stop in time.
                FileHandle.standardError.write(Data("\ninterrupted\n".utf8))
                exit(ExitStatus.interrupted.rawValue)
            }
            if !cancelled, interrupted || isCancelled?() == true {
                task.cancel()
                cancelled = true
            }
        }
        return box.get() ?? .failure(DubClientError.cancelled)
    }
}

/// A page that is not what `GET /events` returns.
struct PageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Progress

/// A progress line on a terminal's standard error while an API scan fetches pages:
/// `fetching: 3 pages, 2,500 events, 1.2 s`, drawn from the second page on (a one-page answer
/// needs none), redrawn at most ten times a second, and erased before a row is written and when
/// the scan ends, so that it never mixes with results.
final class ProgressLine: @unchecked Sendable {
    private let errors: MessageStream
    private let results: OutputSink
    private let started = DispatchTime.now()
    private var lastDrawn: UInt64 = 0
    private var shown = false

    init(errors: MessageStream, results: OutputSink) {
        self.errors = errors
        self.results = results
    }

    /// Draws the line for `pages` fetched so far (from 2 on).
    func update(pages: Int, events: Int) {
        guard pages >= 2 else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        if shown && now - lastDrawn < 100_000_000 { return }
        lastDrawn = now
        // Rows written so far go out first, so the line never lands in the middle of one.
        results.flush()
        let seconds = Double(now - started.uptimeNanoseconds) / 1e9
        errors.write("\r\u{1B}[K" + "fetching: \(pages) pages, \(ProgressLine.grouped(events)) events, "
                     + String(format: "%.1f s", seconds))
        shown = true
    }

    /// Erases the line, if it is shown.
    func clear() {
        guard shown else { return }
        errors.write("\r\u{1B}[K")
        shown = false
    }

    /// `12345` as `12,345`.
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(d)
        }
        return out
    }
}

// MARK: - Streaming output

/// Writes the rows of an API answer as they arrive: each row is read once from the store of its
/// page into typed values and handed to the writer (tables keep the values' text until the end).
///
/// Used by every source whose rows arrive as event JSON (Dub's API, ClickHouse). Called from the
/// task that runs the plan while the session's thread waits for it, so never from two threads at once.
final class StreamingOutput: @unchecked Sendable {
    let writer: ResultWriter
    private let listing: EventListing
    private var begun = false

    init(writer: ResultWriter, listing: EventListing) {
        self.writer = writer
        self.listing = listing
    }

    /// The output of `query`'s rows in the session's format.
    convenience init(session: Session, query: BoundQuery) throws {
        let listing = EventListing(query: query)
        self.init(writer: try session.makeWriter(for: listing.schema), listing: listing)
    }

    /// Whether any row has been written.
    var hasRows: Bool { writer.rowCount > 0 }

    /// Writes one event; `saleType` says where its sale type comes from (see ``EventListing/SaleTypes``).
    func write(_ event: StoredEvent, saleType: EventListing.SaleTypes) {
        if !begun {
            writer.begin()
            begun = true
        }
        writer.write(listing.row(event.store, event.row, saleType: saleType, values: writer.needsValues))
    }

    func finish() {
        if !begun {
            writer.begin()
            begun = true
        }
        writer.end()
    }

    /// Ends the output, saying when the rows stopped at the listing's LIMIT and more exist.
    func finish(truncation: Truncation?, session: Session) {
        if !begun {
            writer.begin()
            begun = true
        }
        session.finish(writer, truncation: truncation)
    }
}

// MARK: - Plumbing

private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<T, any Error>?
    func set(_ v: Result<T, any Error>) { lock.lock(); value = v; lock.unlock() }
    func get() -> Result<T, any Error>? { lock.lock(); defer { lock.unlock() }; return value }
}

/// A serial executor on its own dispatch queue (its own thread), for the API work of a session.
@available(macOS 15, *)
private final class DedicatedExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = DedicatedExecutor()
    private let queue = DispatchQueue(label: "dubql.api-client")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// A pipe that one thread writes a byte to so that another, waiting in `poll`, wakes up.
private final class WakePipe: @unchecked Sendable {
    let readEnd: Int32
    private let writeEnd: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { fatalError("dubql: cannot create a pipe (errno \(errno))") }
        readEnd = fds[0]
        writeEnd = fds[1]
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(readEnd, F_SETFL, O_NONBLOCK)
    }

    func wake() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Whether ``wake()`` was called (reads the byte without blocking).
    var isWoken: Bool {
        var byte: UInt8 = 0
        return read(readEnd, &byte, 1) == 1
    }

    func close() {
        _ = Foundation.close(readEnd)
        _ = Foundation.close(writeEnd)
    }
}

// MARK: - Ctrl-C outside the REPL

/// The write end of the pipe that ``apiInterruptHandler`` writes to: a plain word store, all a
/// signal handler may safely do.
nonisolated(unsafe) private var apiInterruptPipe: Int32 = -1

private let apiInterruptHandler: @convention(c) (Int32) -> Void = { _ in
    var byte: UInt8 = 1
    _ = write(apiInterruptPipe, &byte, 1)
}

/// Ctrl-C while a `dubql query` (or `run`, or piped input) waits on the API: noticed so that the
/// request is cancelled and the statement ends with "cancelled" (130) rather than the process
/// dying mid-write, however many statements ran before.
///
/// A plain `sigaction` handler writing to a pipe, installed for the wait and replaced by what
/// was there before when it ends; on Linux also a `signalfd`, for when every live thread blocks
/// SIGINT (Swift's pool threads start with it blocked) and the signal would only stay pending.
/// Not a dispatch signal source: on Linux those install a handler and set masks of their own that
/// outlive the source, which is how Ctrl-C used to stop working after the first statement.
private final class Interrupt {
    private static let pipeEnds: (read: Int32, write: Int32) = {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { fatalError("dubql: cannot create a pipe (errno \(errno))") }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }
        apiInterruptPipe = fds[1]
        return (fds[0], fds[1])
    }()

    #if os(Linux)
    private static let signalDescriptor: Int32 = {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        // glibc's `signalfd` (sys/signalfd.h is not in the Glibc module); SFD_NONBLOCK and
        // SFD_CLOEXEC are O_NONBLOCK and O_CLOEXEC.
        typealias SignalFD = @convention(c) (Int32, UnsafePointer<sigset_t>, Int32) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "signalfd") else { return -1 }
        let signalfd = unsafeBitCast(symbol, to: SignalFD.self)
        return signalfd(-1, &set, O_NONBLOCK | O_CLOEXEC)
    }()
    #endif

    private var previous = sigaction()
    /// The descriptors that become readable on Ctrl-C.
    let descriptors: [Int32]

    private init() {
        #if os(Linux)
        descriptors = [Self.pipeEnds.read] + (Self.signalDescriptor >= 0 ? [Self.signalDescriptor] : [])
        #else
        descriptors = [Self.pipeEnds.read]
        #endif
    }

    static func install() -> Interrupt {
        let interrupt = Interrupt()
        _ = interrupt.take()
        var action = sigaction()
        #if os(Linux)
        action.__sigaction_handler.sa_handler = apiInterruptHandler
        let previousHandler = { (a: sigaction) in unsafeBitCast(a.__sigaction_handler.sa_handler, to: Int.self) }
        #else
        action.__sigaction_u.__sa_handler = apiInterruptHandler
        let previousHandler = { (a: sigaction) in unsafeBitCast(a.__sigaction_u.__sa_handler, to: Int.self) }
        #endif
        sigemptyset(&action.sa_mask)
        // Other threads' reads and writes are restarted, not failed with EINTR; `poll` never is.
        action.sa_flags = Int32(SA_RESTART)
        sigaction(SIGINT, &action, &interrupt.previous)
        if previousHandler(interrupt.previous) == unsafeBitCast(SIG_IGN, to: Int.self) {
            // Started with Ctrl-C ignored (`nohup`, a background job of a script): keep it so.
            sigaction(SIGINT, &interrupt.previous, nil)
        }
        return interrupt
    }

    /// Whether a Ctrl-C arrived since the last call (reads every descriptor empty).
    func take() -> Bool {
        var fired = false
        var buffer = [UInt8](repeating: 0, count: 128)
        for fd in descriptors {
            while read(fd, &buffer, buffer.count) > 0 { fired = true }
        }
        return fired
    }

    func remove() { sigaction(SIGINT, &previous, nil) }
}
