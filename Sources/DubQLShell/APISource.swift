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
    public var summary: String { "Dub's API at \(client.configuration.baseURL.absoluteString)" }

    init(client: DubClient) {
        self.client = client
    }

    /// A source for `apiKey` at `apiURL` (else `DUB_API_URL` in `environment`, else Dub's API),
    /// with the client's settings from `environment` (`DUBQL_API_TIMEOUT`, `DUBQL_API_RETRIES`).
    /// With `verbose` every request and answer is logged on `messages`, the key masked.
    static func make(apiKey: String, apiURL: String?, verbose: Bool, environment: [String: String],
                     messages: MessageStream) throws(SessionFailure) -> APISource {
        var environment = environment
        environment["DUB_API_KEY"] = apiKey
        do {
            let configuration = try DubClientConfiguration.fromEnvironment(
                environment, apiURL: apiURL, verbose: verbose, userAgent: "dubql/\(DubQLVersion.string)")
            return APISource(client: DubClient(configuration: configuration, log: { messages.write($0 + "\n") }))
        } catch {
            throw SessionFailure(error.description, exit: ExitStatus(error.kind.exitCode))
        }
    }

    // MARK: Planning

    func plan(_ query: BoundQuery, source: SourceFile, session: Session) throws -> APIPlan {
        try session.accept(APIPlanner.plan(query), in: source)
    }

    public func explain(_ query: BoundQuery, source: SourceFile, session: Session) throws {
        let plan = try plan(query, source: source, session: session)
        session.write(session.format == .json ? Explain.json(plan) : Explain.text(plan))
    }

    // MARK: Running

    public func execute(_ query: BoundQuery, source: SourceFile, session: Session) throws {
        let plan = try plan(query, source: source, session: session)
        let listing = EventListing(query: query)
        let output = StreamingOutput(writer: session.makeWriter(for: listing.schema), listing: listing)
        let event = plan.event
        let runner = PlanRunner<StoredEvent>(
            client: client,
            decode: { body in try APISource.decode(body, event: event) },
            matches: { condition, record in Evaluator.matches(condition, record) })
        // A page cannot tell new sales from recurring ones: learn them only when a column shows them.
        let saleTypes = output.writer.needsValues && listing.showsSaleType
        let started = Date()
        let outcome = runBlocking(isCancelled: session.isCancelled) {
            try await runner.run(plan, saleTypes: saleTypes) { output.write($0, saleType: .known($1)) }
        }
        switch outcome {
        case .success(let stats):
            output.finish()
            if client.configuration.verbose {
                let millis = Int(Date().timeIntervalSince(started) * 1000)
                let lookups = stats.saleTypeRequests > 0 ? " (\(stats.saleTypeRequests) for saleType)" : ""
                session.writeStderr("dubql: \(stats.requests) requests\(lookups), \(stats.eventsFetched) events fetched, "
                                    + "\(stats.rowsReturned) rows, \(millis) ms\n")
            }
        case .failure(let error):
            // Close what was written; with nothing written, print no empty result before the error.
            if output.hasRows { output.finish() }
            if let clientError = error as? DubClientError {
                throw SessionFailure(clientError.description, exit: ExitStatus(clientError.kind.exitCode))
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
    private func runBlocking<T: Sendable>(isCancelled: (() -> Bool)?,
                                          _ work: @escaping @Sendable () async throws -> T) -> Result<T, any Error> {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let body: @Sendable () async -> Void = {
            do { box.set(.success(try await work())) } catch { box.set(.failure(error)) }
            done.signal()
        }
        // The caller may itself be on the concurrency pool (an async command); the work gets its
        // own thread so that waiting here can never starve it, even on a one-core machine.
        let task: Task<Void, Never>
        if #available(macOS 15, *) {
            task = Task(executorPreference: DedicatedExecutor.shared, operation: body)
        } else {
            task = Task(operation: body)
        }
        let interrupt = isCancelled == nil ? Interrupt.install() : nil
        defer { interrupt?.remove() }
        while done.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            if isCancelled?() == true || interrupt?.fired == true { task.cancel() }
        }
        return box.get() ?? .failure(DubClientError.cancelled)
    }
}

/// A page that is not what `GET /events` returns.
struct PageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
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
    convenience init(session: Session, query: BoundQuery) {
        let listing = EventListing(query: query)
        self.init(writer: session.makeWriter(for: listing.schema), listing: listing)
    }

    /// Whether any row has been written.
    var hasRows: Bool { writer.rowCount > 0 }

    /// Writes one event; `saleType` says where its sale type comes from (see ``EventListing/SaleTypes``).
    func write(_ event: StoredEvent, saleType: EventListing.SaleTypes = .store) {
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

/// Ctrl-C while a `dubql query` waits on the API: remembered so the request is cancelled and the
/// command exits with "cancelled" (130) rather than dying mid-write.
private final class Interrupt: @unchecked Sendable {
    private let source: any DispatchSourceSignal
    private let lock = NSLock()
    private var didFire = false

    var fired: Bool { lock.lock(); defer { lock.unlock() }; return didFire }

    private init() {
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    }

    static func install() -> Interrupt {
        let interrupt = Interrupt()
        signal(SIGINT, SIG_IGN)
        interrupt.source.setEventHandler { [interrupt] in
            interrupt.lock.lock()
            interrupt.didFire = true
            interrupt.lock.unlock()
        }
        interrupt.source.resume()
        return interrupt
    }

    func remove() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
