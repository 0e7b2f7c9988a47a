// `--clickhouse URL`, `--database`, `--workspace`: run queries on Dub's tables in ClickHouse.

import ArgumentParser
import DubQLShell
import Foundation

/// Where Dub's ClickHouse tables are (`DUBQL_CLICKHOUSE_URL`) and which workspace to read.
struct ClickHouseURLOptions: ParsableArguments {
    @Option(name: .customLong("clickhouse"), help: ArgumentHelp("Run on Dub's tables in ClickHouse over HTTP: http://user:password@host:8123, clickhouse://host, or Tinybird's https://api.tinybird.co/v0/sql (default $DUBQL_CLICKHOUSE_URL).", valueName: "URL"))
    var url: String?

    @Option(name: .long, help: ArgumentHelp("ClickHouse database of Dub's tables (default: the URL's ?database=, $DUBQL_CLICKHOUSE_DATABASE, or the server's default).", valueName: "NAME"))
    var database: String?

    @Option(name: .long, help: ArgumentHelp("Only this Dub workspace (ws_...), for tables that hold several (ClickHouse only).", valueName: "ID"))
    var workspace: String?

    /// True when these options (or `DUBQL_CLICKHOUSE_URL`) ask for ClickHouse.
    func isRequested(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        url != nil || environment["DUBQL_CLICKHOUSE_URL"].map { !$0.isEmpty } == true
    }

    func makeSource(verbose: Bool) throws -> ClickHouseSource {
        try ClickHouseSource.make(url: url, database: database, workspace: workspace, verbose: verbose,
                                  environment: ProcessInfo.processInfo.environment, messages: .standardError())
    }
}
