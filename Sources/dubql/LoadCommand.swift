// `dubql load --clickhouse URL FILE...`: creates Dub's tables in ClickHouse when they are missing
// and inserts exported events into them, in batches, once per event id.

import ArgumentParser
import DubQL
import DubQLClient
import DubQLEngine
import DubQLShell
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where `dubql load` reports errors and progress.
private let stderr = MessageStream.standardError()

struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Create Dub's tables in ClickHouse and insert exported events (NDJSON, JSON arrays, .gz).",
        discussion: """
            Creates dub_click_events_mv, dub_lead_events_mv, dub_sale_events_mv, dub_first_sale_mv \
            and dub_links_metadata_latest (Dub's column names, types, engines and sort keys) when \
            missing, then inserts every event of the files in batches. Events already in the tables \
            (same click id or event id) are skipped, so loading a file twice inserts it once.
            An event that cannot be mapped to Dub's columns is an error naming its file and line (exit 65).

            Example:
              dubql generate --event clicks --count 100000 > clicks.ndjson
              dubql load --clickhouse http://127.0.0.1:8123 --database dub clicks.ndjson
              dubql query 'SELECT clicks WHERE country = US SINCE 7d' --clickhouse http://127.0.0.1:8123 --database dub
            """)

    @Argument(help: ArgumentHelp("Event files: a JSON array as GET /events returns it, or NDJSON; .gz allowed.", valueName: "FILE"))
    var files: [String] = []

    @OptionGroup var clickhouse: ClickHouseURLOptions

    @Option(name: .customLong("batch-size"), help: "Events per INSERT.")
    var batchSize = 20_000

    @Flag(name: .long, help: "No progress line, even on a terminal.")
    var quiet = false

    @Flag(name: .long, help: "Log every request to ClickHouse on stderr (credentials masked).")
    var verbose = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one event file to load") }
        guard (1...1_000_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1...1000000") }
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration: ClickHouseConfiguration
        do {
            configuration = try ClickHouseConfiguration.make(url: clickhouse.url, database: clickhouse.database,
                                                             environment: environment, verbose: verbose)
        } catch {
            stderr.write("dubql: error: \(error.description)\n")
            throw ExitCode(error.exitCode)
        }
        for file in files where !FileManager.default.isReadableFile(atPath: file) {
            stderr.write("dubql: error: \(file): no such file or not readable\n")
            throw Exit.noInput
        }
        let client = ClickHouseClient(configuration: configuration, log: { stderr.write($0 + "\n") })
        var loader = ClickHouseLoader(client: client, batchSize: batchSize,
                                      progress: !quiet && isatty(2) != 0)
        do {
            try loader.createTables(database: configuration.database)
            for file in files { try loader.load(file: file) }
            loader.finish()
        } catch let error as ClickHouseError {
            loader.clearProgress()
            stderr.write("dubql: error: \(configuration.redact(error.description))\n")
            throw ExitCode(error.exitCode)
        } catch let error as LoadFailure {
            loader.clearProgress()
            stderr.write("dubql: error: \(error.message)\n")
            throw ExitCode(error.exit)
        }
    }
}

/// A failure of `dubql load` that is not ClickHouse's: a file, an event that cannot be mapped.
struct LoadFailure: Error {
    var message: String
    var exit: Int32
}

// MARK: - Loader

/// Inserts exported events into Dub's tables, once per event id.
///
/// Dub's event tables are plain MergeTree tables (as in Tinybird), which do not de-duplicate, so
/// idempotence comes from a check before inserting: the ids already in each table are read once
/// (the first time an event of that type is met) and every inserted id is remembered. Loading the
/// same file twice, or two files that share events, inserts each event once. Links go to
/// `dub_links_metadata_latest`, a ReplacingMergeTree read with FINAL, so re-inserting them is harmless.
struct ClickHouseLoader {
    let client: ClickHouseClient
    let batchSize: Int
    let progress: Bool
    private var known: [EventType: Set<String>] = [:]
    private var batches: [EventType: [UInt8]] = [:]
    private var batchCounts: [EventType: Int] = [:]
    private(set) var inserted: [EventType: Int] = [:]
    private(set) var skipped = 0
    private var bytesRead = 0
    private var eventsRead = 0
    private let started = Date()
    private var lastProgress = Date.distantPast

    init(client: ClickHouseClient, batchSize: Int, progress: Bool) {
        self.client = client
        self.batchSize = batchSize
        self.progress = progress
    }

    /// `CREATE DATABASE` (when one is named) and every table, if missing.
    func createTables(database: String?) throws {
        if let database {
            var config = client.configuration
            config.database = nil
            let bare = ClickHouseClient(configuration: config, log: { stderr.write($0 + "\n") })
            _ = try bare.query("CREATE DATABASE IF NOT EXISTS `\(database.replacingOccurrences(of: "`", with: "\\`"))`")
        }
        for statement in ClickHouseTables.createStatements { _ = try client.query(statement) }
    }

    /// Loads one file with the engine's loader, then inserts its events in batches.
    mutating func load(file: String) throws {
        let store: EventStore
        do {
            store = try EventLoader.load(paths: [file]).store
        } catch let error as LoadError {
            throw LoadFailure(message: error.description, exit: 65)
        } catch {
            throw LoadFailure(message: "\(file): \(error)", exit: 66)
        }
        bytesRead += store.buffers.reduce(0) { $0 + $1.count }
        var links: [UInt8] = []
        var seenLinks = Set<String>()
        let version = Int64(Date().timeIntervalSince1970)
        for row in 0..<store.count {
            let event = store.record(row)
            let type = event.eventType
            try loadKnownIDs(type)
            eventsRead += 1
            guard known[type, default: []].insert(event.eventID).inserted else {
                skipped += 1
                continue
            }
            do {
                try ClickHouseRowWriter.appendEvent(event, to: &batches[type, default: []])
            } catch {
                throw LoadFailure(message: "\(Self.position(of: row, in: store)): error: this event cannot be stored in Dub's tables: \(error.message)", exit: 65)
            }
            batchCounts[type, default: 0] += 1
            if case .string(let link)? = event.json(at: ["link", "id"]), seenLinks.insert(link).inserted {
                ClickHouseRowWriter.appendLink(event, version: version, to: &links)
            }
            if batchCounts[type, default: 0] >= batchSize { try flush(type) }
        }
        for type in EventType.allCases { try flush(type) }
        if !links.isEmpty { _ = try client.query("INSERT INTO \(ClickHouseSchema.linksTable) FORMAT JSONEachRow", data: Data(links)) }
    }

    /// Reads the ids already stored for `type`, once.
    private mutating func loadKnownIDs(_ type: EventType) throws {
        guard known[type] == nil else { return }
        let column = ClickHouseTables.idColumn(type)
        let body = try client.query("SELECT DISTINCT \(column) FROM \(ClickHouseSchema.table(type)) FORMAT TabSeparated")
        var ids = Set<String>()
        for line in body.split(separator: 0x0A) { ids.insert(String(decoding: line, as: UTF8.self)) }
        known[type] = ids
    }

    private mutating func flush(_ type: EventType) throws {
        guard let rows = batches[type], !rows.isEmpty else { return }
        _ = try client.query("INSERT INTO \(ClickHouseSchema.table(type)) FORMAT JSONEachRow", data: Data(rows))
        inserted[type, default: 0] += batchCounts[type, default: 0]
        batches[type] = []
        batchCounts[type] = 0
        showProgress()
    }

    private mutating func showProgress() {
        guard progress, Date().timeIntervalSince(lastProgress) > 0.2 else { return }
        lastProgress = Date()
        let total = inserted.values.reduce(0, +)
        stderr.write("\r\u{1B}[2Kdubql: \(total.grouped()) events inserted, \(skipped.grouped()) already there")
    }

    func clearProgress() {
        if progress { stderr.write("\r\u{1B}[2K") }
    }

    /// The summary line.
    func finish() {
        clearProgress()
        let seconds = max(Date().timeIntervalSince(started), 0.001)
        let parts = EventType.allCases.compactMap { t in inserted[t].map { "\($0.grouped()) \(t.rawValue)" } }
        let mb = Double(bytesRead) / 1_000_000
        stderr.write("dubql: inserted \(parts.isEmpty ? "no events" : parts.joined(separator: ", "))"
                            + (skipped > 0 ? " (\(skipped.grouped()) already loaded, skipped)" : "")
                            + " into \(client.configuration.displayURL) in \(String(format: "%.2f", seconds)) s"
                            + " (\(String(format: "%.1f", mb)) MB read, \(String(format: "%.1f", mb / seconds)) MB/s)\n")
    }

    /// `file:line` of a row (lines counted in the file's bytes, as the loader's errors do).
    static func position(of row: Int, in store: EventStore) -> String {
        let (name, offset) = store.origin(row)
        guard let buffer = store.buffers.first(where: { $0.name == name }) else { return name }
        var line = 1
        for i in 0..<min(offset, buffer.count) where buffer.base[i] == 0x0A { line += 1 }
        return "\(name):\(line)"
    }
}

extension Int {
    /// `12,345`.
    func grouped() -> String {
        let digits = String(self)
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }
}
