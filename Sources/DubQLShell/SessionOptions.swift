// What a session is started with: the common options of the query commands as one value, the
// rule that picks the data source from them, and the one start-up every command goes through.

import DubQL
import DubQLOutput

// MARK: - Options

/// The settings a session starts with: what `--data`, `--api`, `--api-url`, `--format`,
/// `--timezone`, `--now`, `--color`, `--verbose` and `--skip-invalid` say (README "Command line").
public struct SessionOptions: Hashable, Sendable {
    /// `--data`: event files (`-` is standard input); when any is given, they are the source.
    public var data: [String]
    /// `--api`: query Dub's API (needs `DUB_API_KEY`).
    public var api: Bool
    /// `--api-url`: where Dub's API is; `nil` means `DUB_API_URL`, else Dub's own.
    public var apiURL: String?
    /// `--format`: how rows are written.
    public var format: OutputFormat
    /// `--timezone`: the time zone of day boundaries for queries without `TIMEZONE`.
    public var timeZone: String?
    /// `--now`: a fixed clock (as written); `nil` follows the system clock.
    public var now: String?
    /// `--color`.
    public var color: ColorMode
    /// `--verbose`: log every API request and answer on stderr (the key masked).
    public var verbose: Bool
    /// `--skip-invalid`: skip malformed events, with a note, instead of failing the load.
    public var skipInvalid: Bool
    /// `--clickhouse`: Dub's tables in ClickHouse at this URL; `nil` means `DUBQL_CLICKHOUSE_URL`
    /// when set (and neither `--data` nor `--api` is given).
    public var clickhouseURL: String?
    /// `--database`: the ClickHouse database of Dub's tables.
    public var clickhouseDatabase: String?
    /// `--workspace`: only this Dub workspace (`ws_...`) in ClickHouse.
    public var workspace: String?
    /// `--max-events`: the most events an aggregate computed from `GET /events` may fetch;
    /// `nil` means `DUBQL_MAX_EVENTS`, else 100,000.
    public var maxEvents: Int?

    /// The options; the defaults are those of a command line that gives none.
    public init(data: [String] = [], api: Bool = false, apiURL: String? = nil, format: OutputFormat = .table,
                timeZone: String? = nil, now: String? = nil, color: ColorMode = .auto, verbose: Bool = false,
                skipInvalid: Bool = false, clickhouseURL: String? = nil, clickhouseDatabase: String? = nil,
                workspace: String? = nil, maxEvents: Int? = nil) {
        self.maxEvents = maxEvents
        self.data = data
        self.api = api
        self.apiURL = apiURL
        self.format = format
        self.timeZone = timeZone
        self.now = now
        self.color = color
        self.verbose = verbose
        self.skipInvalid = skipInvalid
        self.clickhouseURL = clickhouseURL
        self.clickhouseDatabase = clickhouseDatabase
        self.workspace = workspace
    }

    /// The clock in epoch milliseconds: `--now` when it reads as an instant, else the system's.
    var clock: Int64 {
        now.flatMap(QueryContext.parseInstant) ?? QueryContext.currentMillis()
    }
}

// MARK: - Choosing the source

/// Which data source the options ask for, before anything is loaded or connected.
public enum SourceChoice: Hashable, Sendable {
    /// The `--data` files.
    case files([String])
    /// Dub's API with this key (at `--api-url`, else `DUB_API_URL`, else Dub's own).
    case api(key: String)
    /// The built-in demo dataset.
    case demo
    /// Dub's tables in ClickHouse at this URL (`nil`: `DUBQL_CLICKHOUSE_URL`).
    case clickhouse(url: String?)

    /// The rule of README "Command line": the `--data` files when given; else Dub's API when
    /// `--api` is given or `DUB_API_KEY` is set (`--api` without a key is a usage error); else the
    /// demo data.
    ///
    /// `--clickhouse` comes first; `DUBQL_CLICKHOUSE_URL` counts when neither `--data` nor `--api`
    /// is given.
    public static func resolve(_ options: SessionOptions, environment: [String: String]) throws(SessionFailure) -> SourceChoice {
        if let url = options.clickhouseURL { return .clickhouse(url: url) }
        if !options.data.isEmpty { return .files(options.data) }
        if !options.api, let url = environment["DUBQL_CLICKHOUSE_URL"], !url.isEmpty { return .clickhouse(url: nil) }
        if let key = environment["DUB_API_KEY"], !key.isEmpty {
            return .api(key: key)
        }
        if options.api {
            throw SessionFailure("--api needs an API key in DUB_API_KEY: create one in Dub's dashboard (Settings > API Keys), then export DUB_API_KEY=dub_...",
                                 exit: .usage)
        }
        return .demo
    }
}

// MARK: - Start-up

extension Session {
    /// Starts a session: chooses the source (``SourceChoice/resolve(_:environment:)``), loads the
    /// files, connects the API or builds the demo data, and applies the other options.
    ///
    /// `announceDemo` writes a note on the console's errors when the demo data is chosen; the
    /// interactive REPL names it in its banner instead. A failure is written to the console's
    /// errors (`dubql: error: ...`) and thrown as its exit status.
    ///
    /// With `deferLoad` (one-shot commands), data files are loaded by the first statement, which
    /// streams them instead when it is the only statement.
    public static func start(_ options: SessionOptions, console: Console, announceDemo: Bool,
                             deferLoad: Bool = false) throws(ExitStatus) -> Session {
        do throws(SessionFailure) {
            let choice = try SourceChoice.resolve(options, environment: console.environment)
            let source = try makeSource(choice, options: options, console: console, deferLoad: deferLoad)
            // A bad --now or --timezone fails here, as in `dubql check` and `dubql explain`, not at every statement.
            do {
                _ = try QueryContext.make(now: options.now, timeZone: options.timeZone)
            } catch {
                throw SessionFailure("\(error)", exit: .usage)
            }
            if choice == .demo && announceDemo {
                console.errors.write("dubql: note: no --data and no DUB_API_KEY: querying \(source.summary)\n")
            }
            return Session(source: source, options: options, console: console)
        } catch {
            if let message = error.message { console.errors.write("dubql: error: \(message)\n") }
            throw error.exit
        }
    }

    /// The source `choice` names, loaded or connected.
    static func makeSource(_ choice: SourceChoice, options: SessionOptions, console: Console,
                           deferLoad: Bool = false) throws(SessionFailure) -> any QuerySource {
        switch choice {
        case .files(let paths):
            return try LocalSource.load(paths: paths, skipInvalid: options.skipInvalid, messages: console.errors,
                                        environment: console.environment, deferred: deferLoad,
                                        progress: console.errorsAreTerminal)
        case .api(let key):
            return try APISource.make(apiKey: key, apiURL: options.apiURL, verbose: options.verbose,
                                      environment: console.environment, messages: console.errors, maxEvents: options.maxEvents)
        case .demo:
            return LocalSource.demo(now: options.clock)
        case .clickhouse(let url):
            do {
                return try ClickHouseSource.make(url: url, database: options.clickhouseDatabase, workspace: options.workspace,
                                                 verbose: options.verbose, environment: console.environment,
                                                 messages: console.errors)
            } catch let failure as SessionFailure {
                throw failure
            } catch {
                throw SessionFailure("\(error)", exit: .software)
            }
        }
    }
}
