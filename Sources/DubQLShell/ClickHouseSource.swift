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

    func plan(_ query: BoundQuery, source: SourceFile, session: Session) throws -> ClickHousePlan {
        try session.accept(ClickHousePlanner.plan(query, options: options), in: source)
    }

    public func explain(_ query: BoundQuery, source: SourceFile, session: Session) throws {
        let plan = try plan(query, source: source, session: session)
        session.write(session.format == .json ? Explain.json(plan) + "\n" : Explain.text(plan))
    }

    // MARK: Running

    public func execute(_ query: BoundQuery, source: SourceFile, session: Session) throws {
        let plan = try plan(query, source: source, session: session)
        let listing = EventListing(query: query)
        let output = StreamingOutput(writer: try session.makeWriter(for: listing.schema), listing: listing)
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

/// Turns chunks of the TabSeparated answer into events and writes them, a chunk's rows at a time.
private final class RowSink: @unchecked Sendable {
    private var decoder: ClickHouseEventDecoder
    private let output: StreamingOutput
    private let event: EventType
    var rows: Int { decoder.rows }

    init(plan: ClickHousePlan, output: StreamingOutput) {
        decoder = ClickHouseEventDecoder(output: plan.output)
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
        // Dub's tables know which sales are new only through a query of their own: not shown yet.
        for row in 0..<store.count { output.write(store.record(row), saleType: .known(nil)) }
    }

    func finish() throws(ClickHouseError) { try decoder.finish() }
}
