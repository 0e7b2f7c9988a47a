// The ClickHouse data source of a session: plans queries as SQL over Dub's tables, runs them over
// ClickHouse's HTTP interface and streams the rows, rebuilt as Dub's event JSON, to the writer.

import DubQL
import DubQLClient
import DubQLEngine
import DubQLOutput
import DubQLSyntax
import Foundation

// MARK: - Source

/// Queries Dub's event tables in ClickHouse (a cluster, chDB, or a Tinybird workspace).
public final class ClickHouseSource: QuerySource {
    let client: ClickHouseClient
    let options: ClickHouseOptions
    public var backend: Backend { .clickhouse }
    public var summary: String {
        "ClickHouse at \(client.configuration.displayURL)" + (options.workspace.map { " (workspace \($0))" } ?? "")
    }

    public init(client: ClickHouseClient, options: ClickHouseOptions) {
        self.client = client
        self.options = options
    }

    /// A source for `--clickhouse URL` (else `DUBQL_CLICKHOUSE_URL`), `--database`, `--workspace`.
    public static func make(url: String?, database: String?, workspace: String?, verbose: Bool,
                            environment: [String: String], messages: MessageStream) throws -> ClickHouseSource {
        do {
            let configuration = try ClickHouseConfiguration.make(url: url, database: database, environment: environment,
                                                                 verbose: verbose)
            let client = ClickHouseClient(configuration: configuration, log: { messages.write($0 + "\n") })
            let ws = workspace ?? environment["DUBQL_CLICKHOUSE_WORKSPACE"].flatMap { $0.isEmpty ? nil : $0 }
            return ClickHouseSource(client: client, options: ClickHouseOptions(workspace: ws))
        } catch {
            throw SessionFailure(error.description, exit: ExitStatus(error.exitCode))
        }
    }

    // MARK: Planning

    func plan(_ query: BoundQuery, source: SourceFile, session: Session, saleTypes: Bool = false) throws -> ClickHousePlan {
        var options = options
        options.saleTypes = saleTypes
        return try session.accept(ClickHousePlanner.plan(query, options: options), in: source)
    }

    public func explain(_ query: BoundQuery, source: SourceFile, session: Session) throws {
        // The statement a table of the rows would send.
        let plan = try plan(query, source: source, session: session, saleTypes: true)
        session.write(session.format == .json ? Explain.json(plan) + "\n" : Explain.text(plan))
    }

    // MARK: Running

    public func execute(_ query: BoundQuery, source: SourceFile, session: Session) throws {
        if query.aggregation != nil {
            let plan = try plan(query, source: source, session: session)
            if let columns = plan.aggregate, let aggregation = query.aggregation {
                try aggregate(plan, columns, aggregation, query: query, session: session)
            }
            return
        }
        let listing = EventListing(query: query)
        let writer = try session.makeWriter(for: listing.schema)
        // Sale types cost ClickHouse a pass over the sales: only when a column shows them.
        let plan = try plan(query, source: source, session: session, saleTypes: writer.needsValues)
        let output = StreamingOutput(writer: writer, listing: listing)
        guard !plan.isEmpty else {
            output.finish()
            return
        }
        let sink = RowSink(plan: plan, output: output)
        let started = Date()
        do {
            try client.execute(plan.sql + "\nFORMAT TabSeparated", params: plan.params, isCancelled: session.isCancelled) { chunk in
                try sink.feed(chunk)
            }
            try sink.finish()
        } catch {
            if output.hasRows { output.finish() }
            throw SessionFailure(client.configuration.redact(error.description), exit: ExitStatus(error.exitCode))
        }
        output.finish()
        if client.configuration.verbose {
            let millis = Int(Date().timeIntervalSince(started) * 1000)
            session.writeStderr("dubql: 1 ClickHouse query, \(sink.rows) rows, \(millis) ms\n")
        }
    }
}

extension ClickHouseSource {
    /// Runs an aggregate plan: ClickHouse computes the groups; the reference finish adds a time
    /// series' empty buckets, applies HAVING and the order (and the page, unless ClickHouse did).
    func aggregate(_ plan: ClickHousePlan, _ columns: ClickHouseAggregateColumns, _ aggregation: BoundAggregation,
                   query: BoundQuery, session: Session) throws {
        let body = Body()
        let started = Date()
        let decoded: (groups: [[AggregateValue]], span: (Int64, Int64)?)
        do {
            try client.execute(plan.sql + "\nFORMAT TabSeparated", params: plan.params, isCancelled: session.isCancelled) { chunk in
                body.append(chunk)
            }
            decoded = try ClickHouseAggregateDecoder.groups(body.data, columns: columns)
        } catch {
            throw SessionFailure(client.configuration.redact(error.description), exit: ExitStatus(error.exitCode))
        }
        var finishing = aggregation
        if columns.isPaged {
            finishing.offset = 0
            finishing.limit = nil
        }
        let calendar = ZonedCalendar(identifier: query.timeZone) ?? .utc
        let result = Evaluator.finish(decoded.groups, finishing, calendar: calendar, eventSpan: decoded.span, timeZone: query.timeZone)
        try session.write(result)
        if client.configuration.verbose {
            let millis = Int(Date().timeIntervalSince(started) * 1000)
            session.writeStderr("dubql: 1 ClickHouse query, \(decoded.groups.count) groups, \(millis) ms\n")
        }
    }
}

/// The whole answer of an aggregate query (its groups are few next to the events they count).
private final class Body: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()
    func append(_ chunk: Data) { lock.withLock { bytes.append(chunk) } }
    var data: Data { lock.withLock { bytes } }
}

/// Turns chunks of the TabSeparated answer into events and writes them, a chunk's rows at a time.
private final class RowSink: @unchecked Sendable {
    private var decoder: ClickHouseEventDecoder
    private let output: StreamingOutput
    private let event: EventType
    var rows: Int { decoder.rows }

    init(plan: ClickHousePlan, output: StreamingOutput) {
        decoder = ClickHouseEventDecoder(output: plan.output, hasSaleTypes: plan.hasSaleTypes)
        self.output = output
        event = plan.event
    }

    func feed(_ chunk: Data) throws(ClickHouseError) {
        let lines = try decoder.feed(chunk)
        guard !lines.isEmpty else { return }
        let store: EventStore
        do {
            store = try EventLoader.load(bytes: lines, name: "<clickhouse>")
        } catch {
            throw .unavailable("a row from ClickHouse is not a Dub event (\(error.message))")
        }
        let types = decoder.saleTypes
        for row in 0..<store.count {
            output.write(store.record(row), saleType: .known(row < types.count ? types[row] : nil))
        }
    }

    func finish() throws(ClickHouseError) { try decoder.finish() }
}
