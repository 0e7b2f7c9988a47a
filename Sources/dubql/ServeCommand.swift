// `dubql serve`: a Dub-compatible `GET /events` and `GET /analytics` server over local event files.

import ArgumentParser
import DubQL
import DubQLEngine
import DubQLServer
import Foundation

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve Dub's GET /events and GET /analytics over local event files (for testing clients and Dub's SDKs).",
        discussion: """
            Answers GET /events with Dub's parameters, defaults, validation errors, auth and paging,
            and GET /analytics (counts, time series and every groupBy the exported events can answer)
            with Dub's response shapes, sort orders, 5,000-group cap and documented quirks.

            The first line on stdout is the base URL it listens on; one line per request goes to stderr.
            Stop it with Ctrl-C (SIGINT) or SIGTERM.

            The key: --api-key KEY, --api-key-file FILE (its first line), or the environment variable
            DUBQL_SERVE_API_KEY; a key on the command line is visible to every user of the machine.
            Without a key any Bearer key is accepted, so a --host other than loopback needs one.

            Example:
              dubql generate --event clicks --count 5000 > clicks.ndjson
              dubql serve --data clicks.ndjson --port 8787 --api-key dub_test &
              DUB_API_KEY=dub_test dubql query 'SELECT clicks WHERE country = US' --api --api-url http://127.0.0.1:8787
            """
    )

    @Option(name: .long, help: ArgumentHelp("Event file to serve: JSON array or NDJSON, .gz allowed (repeatable).", valueName: "FILE"))
    var data: [String] = []

    @Option(name: .long, help: ArgumentHelp("Fix the server's clock (ISO 8601) to match a client's --now.", valueName: "INSTANT"))
    var now: String?

    @Option(name: .long, help: ArgumentHelp("Address to bind (default 127.0.0.1, loopback only).", valueName: "HOST"))
    var host: String = "127.0.0.1"

    @Option(name: .long, help: ArgumentHelp("Port to listen on; 0 picks a free port (default \(DubServerConfiguration.defaultPort)).", valueName: "N"))
    var port: Int = DubServerConfiguration.defaultPort

    @Option(name: .customLong("api-key"), help: ArgumentHelp("The only API key accepted (default: $DUBQL_SERVE_API_KEY, else any Bearer key).", valueName: "KEY"))
    var apiKey: String?

    @Option(name: .customLong("api-key-file"), help: ArgumentHelp("Read the only API key accepted from the first line of FILE.", valueName: "FILE"))
    var apiKeyFile: String?

    @Option(name: .customLong("idle-timeout"), help: ArgumentHelp("Close connections silent for this many seconds (default \(Int(DubServerConfiguration.defaultIdleTimeout))).", valueName: "SECONDS"))
    var idleTimeout: Double = DubServerConfiguration.defaultIdleTimeout

    @Option(name: .customLong("rate-limit"), help: ArgumentHelp("Requests per second per key; more get 429 with Retry-After.", valueName: "N"))
    var rateLimit: Int?

    @Option(name: .long, help: .hidden)
    var fault: String?

    /// Test-only: exit after this many seconds whatever happens, so no test can leave a server behind.
    @Option(name: .customLong("max-lifetime"), help: .hidden)
    var maxLifetime: Double?

    /// Test-only: exit when the process that started the server goes away.
    @Flag(name: .customLong("exit-with-parent"), help: .hidden)
    var exitWithParent = false

    @Flag(name: .long, help: "Do not log one line per request.")
    var quiet = false

    func validate() throws {
        guard !data.isEmpty else { throw ValidationError("give the events to serve with --data FILE") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        if let rateLimit, rateLimit < 1 { throw ValidationError("--rate-limit must be at least 1 request per second") }
        if let apiKey, apiKey.isEmpty { throw ValidationError("--api-key must not be empty") }
        if apiKey != nil, apiKeyFile != nil { throw ValidationError("give the key with --api-key or with --api-key-file, not both") }
        guard idleTimeout > 0, idleTimeout <= 86_400 else { throw ValidationError("--idle-timeout must be between 0 and 86400 seconds") }
        if let fault, Fault(fault) == nil { throw ValidationError("unknown --fault '\(fault)'") }
        if let now, ISOInstant.parse(now) == nil {
            throw ValidationError("--now expects an ISO 8601 instant such as 2026-08-18T12:00:00Z, got '\(now)'")
        }
    }

    /// The key from `--api-key`, else `--api-key-file`, else `$DUBQL_SERVE_API_KEY`; `nil` for none.
    static func resolveKey(option: String?, file: String?, environment: [String: String]) throws -> String? {
        if let option { return option }
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                standardError("dubql serve: error: cannot read the key file '\(file)'")
                throw Exit.noInput
            }
            let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            let key = line.trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else {
                standardError("dubql serve: error: the key file '\(file)' is empty")
                throw Exit.usage
            }
            return key
        }
        if let value = environment["DUBQL_SERVE_API_KEY"], !value.isEmpty { return value }
        return nil
    }

    func run() async throws {
        let apiKey = try Self.resolveKey(option: self.apiKey, file: apiKeyFile, environment: ProcessInfo.processInfo.environment)
        if apiKey == nil, !DubServerConfiguration.isLoopback(host) {
            // Without a key any Bearer key is accepted: anyone who can reach the address could read the events.
            standardError("dubql serve: error: --host \(host) is reachable from other machines: give a key with --api-key-file FILE, DUBQL_SERVE_API_KEY or --api-key (or serve on 127.0.0.1)")
            throw Exit.usage
        }
        let store: EventStore
        do {
            let limits = try LoadLimits.fromEnvironment(ProcessInfo.processInfo.environment)
            store = try EventLoader.load(paths: data, options: LoadOptions(limits: limits)).store
        } catch let error as LimitError {
            standardError("dubql serve: error: \(error)")
            throw Exit.usage
        } catch let error as LoadError {
            standardError("\(error)")
            throw Exit.dataError
        } catch {
            standardError("error: \(error)")
            throw Exit.noInput
        }
        let configuration = DubServerConfiguration(
            host: host, port: port, apiKey: apiKey, rateLimit: rateLimit,
            now: now.flatMap(ISOInstant.parse), fault: fault.flatMap(Fault.init), idleTimeout: idleTimeout)
        let quiet = self.quiet
        let server = DubServer(configuration: configuration, source: LocalEventsSource(store: store),
                               log: { line in if !quiet { standardError(line) } })
        if let maxLifetime, maxLifetime > 0 {
            Task.detached {
                try? await Task.sleep(nanoseconds: UInt64(maxLifetime * 1_000_000_000))
                standardError("dubql serve: --max-lifetime reached, exiting")
                Foundation.exit(0)
            }
        }
        if exitWithParent {
            let parent = getppid()
            Task.detached {
                while getppid() == parent { try? await Task.sleep(nanoseconds: 200_000_000) }
                Foundation.exit(0)
            }
        }
        let count = store.count
        let files = data.joined(separator: ", ")
        if !DubServerConfiguration.isLoopback(host) {
            standardError("dubql serve: warning: listening on \(host), not loopback: anyone who can reach it can read these events")
        }
        let keyNote = apiKey == nil ? "any Bearer key is accepted" : "only the configured key is accepted"
        do {
            try await server.run { url in
                // The first stdout line is the URL, so that scripts and tests can find a --port 0 server.
                FileHandle.standardOutput.write(Data((url + "\n").utf8))
                standardError("dubql serve: \(count) events from \(files); GET \(url)/events and \(url)/analytics (\(keyNote)); Ctrl-C stops")
            }
        } catch {
            standardError("error: cannot serve on \(host):\(port): \(error)")
            throw Exit.unavailable
        }
        standardError("dubql serve: stopped")
    }
}

/// Writes one line to stderr.
private func standardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
