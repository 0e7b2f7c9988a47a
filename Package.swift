// swift-tools-version:6.0
// DubQL: a query language for Dub (dub.co) analytics events.
// The import graph is the architecture (see README "Layout"): each target imports only those above it.
import PackageDescription

let package = Package(
    name: "DubQL",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "DubQLSyntax", targets: ["DubQLSyntax"]),
        .library(name: "DubQL", targets: ["DubQL"]),
        .library(name: "DubQLEngine", targets: ["DubQLEngine"]),
        .library(name: "DubQLClient", targets: ["DubQLClient"]),
        .library(name: "DubQLAPIModel", targets: ["DubQLAPIModel"]),
        .library(name: "DubQLServer", targets: ["DubQLServer"]),
        .library(name: "DubQLOutput", targets: ["DubQLOutput"]),
        .library(name: "DubQLShell", targets: ["DubQLShell"]),
        .executable(name: "dubql", targets: ["dubql"]),
        .executable(name: "dubql-bench", targets: ["dubql-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // Source, spans, tokens, lexer, parser, AST, printer, diagnostics, completeness, the one
        // "did you mean" rule. No dependencies at all.
        .target(name: "DubQLSyntax"),
        // Catalog, binder, normalizer, planners, EXPLAIN, the reference evaluator, the request
        // builder (base URL, encoding, page URLs as sent), instants. Foundation only.
        .target(name: "DubQL", dependencies: ["DubQLSyntax"]),
        // Event loaders, columnar store, executor, generator.
        .target(name: "DubQLEngine", dependencies: ["DubQL", "CZlib"]),
        // HTTP clients for the Dub API and ClickHouse (AsyncHTTPClient: it waits on epoll, where
        // URLSession's libcurl on Linux polls and spins a core), paging, retries, merging.
        .target(name: "DubQLClient", dependencies: [
            "DubQL", "DubQLEngine",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        // A model of Dub's server: parameter validation with Dub's messages, event selection.
        .target(name: "DubQLAPIModel", dependencies: ["DubQLSyntax", "DubQL"]),
        // Dub-compatible GET /events server over local data.
        .target(name: "DubQLServer", dependencies: [
            "DubQL", "DubQLAPIModel", "DubQLEngine",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        // Results (a schema plus typed rows) that every backend feeds, and every output format.
        .target(name: "DubQLOutput", dependencies: ["DubQL", "DubQLEngine"]),
        // The shell: sessions and data sources, statement splitting, dot-commands, completion,
        // history, the REPL loop and its line editor (libedit).
        .target(name: "DubQLShell", dependencies: [
            "DubQLSyntax", "DubQL", "DubQLEngine", "DubQLClient", "DubQLOutput", "CLibEdit",
        ]),
        // libedit through its readline-compatible API.
        .systemLibrary(name: "CLibEdit", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        // zlib, for gzip-compressed event files (`events.ndjson.gz`).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .executableTarget(name: "dubql", dependencies: [
            "DubQLSyntax", "DubQL", "DubQLEngine", "DubQLClient", "DubQLServer", "DubQLOutput", "DubQLShell",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // SQLite (`libsqlite3-dev`), only for the planner benchmark's side-by-side with
        // sqlite3_prepare_v2; no library target links it.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .executableTarget(name: "dubql-bench", dependencies: ["DubQLSyntax", "DubQL", "DubQLEngine", "DubQLShell", "CSQLite"]),

        // What the test targets share: fixtures (clock, events, compiling), the grammar reader and
        // sentence generator, random helpers over the engine's SplitMix64, package paths. Tests only.
        .target(name: "DubQLTestSupport", dependencies: ["DubQLSyntax", "DubQL", "DubQLEngine"],
                path: "Tests/DubQLTestSupport"),
        .testTarget(name: "DubQLSyntaxTests", dependencies: ["DubQLSyntax", "DubQLTestSupport"],
                    resources: [.copy("Corpus")]),
        .testTarget(name: "DubQLTests", dependencies: ["DubQLSyntax", "DubQL", "DubQLAPIModel", "DubQLTestSupport"],
                    resources: [.copy("Golden")]),
        .testTarget(name: "DubQLEngineTests", dependencies: ["DubQLSyntax", "DubQL", "DubQLEngine", "DubQLTestSupport"]),
        .testTarget(name: "DubQLOutputTests", dependencies: ["DubQL", "DubQLEngine", "DubQLOutput", "DubQLTestSupport"]),
        .testTarget(name: "DubQLShellTests", dependencies: ["DubQLSyntax", "DubQL", "DubQLEngine", "DubQLShell", "DubQLTestSupport"]),
        // Runs the built `dubql` binary: CLI contract, REPL in tmux, client against `dubql serve`.
        .testTarget(name: "EndToEndTests", dependencies: ["dubql", "DubQL", "DubQLEngine", "DubQLClient", "DubQLAPIModel", "DubQLTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
