// `dubql generate`: deterministic synthetic Dub events as NDJSON, in exactly the API's JSON shape.

import ArgumentParser
import DubQL
import DubQLEngine
import Foundation

extension EventType: ExpressibleByArgument {}

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write synthetic events (NDJSON) for trying DubQL and for tests.",
        discussion: """
            The same options always give the same bytes. Events are newest first, spread over
            --days days ending at --end (default: now).
            Example:
              dubql generate --event clicks --count 100000 --seed 7 --output clicks.ndjson
            """)

    @Option(name: .long, help: ArgumentHelp("Event type: clicks, leads or sales.", valueName: "EVENT"))
    var event: EventType

    @Option(name: .long, help: "Number of events.")
    var count: Int

    @Option(name: .long, help: "Random seed (same seed, same events).")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Days the events span.")
    var days: Int = 30

    @Option(name: .long, help: ArgumentHelp("Instant of the newest event (ISO 8601, date or epoch ms; default now).", valueName: "INSTANT"))
    var end: String?

    @Option(name: .long, help: ArgumentHelp("Write to FILE instead of stdout.", valueName: "FILE"))
    var output: String?

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 or more") }
        guard days >= 1 else { throw ValidationError("--days must be at least 1") }
        if let end, QueryContext.parseInstant(end) == nil {
            throw ValidationError("invalid --end '\(end)': expected ISO 8601 such as 2026-08-18T00:00:00Z, a date, or epoch milliseconds")
        }
    }

    func run() throws {
        let endMillis = end.flatMap(QueryContext.parseInstant) ?? QueryContext.currentMillis()
        let generator = Generator(GeneratorOptions(event: event, count: count, seed: seed, days: days, end: endMillis))
        let fd: Int32
        if let output {
            fd = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else {
                DiagnosticOutput.writeToStandardError("dubql: error: cannot write \(output): \(String(cString: strerror(errno)).lowercased())\n")
                throw Exit.noInput
            }
        } else {
            fd = 1
        }
        defer { if fd != 1 { close(fd) } }
        // Writing overlaps generating: a serial queue writes while the next blocks are made.
        let writer = ChunkWriter(fd: fd)
        generator.write { chunk in writer.enqueue(chunk) }
        let failed = writer.finish()
        if failed && output != nil {
            DiagnosticOutput.writeToStandardError("dubql: error: cannot write \(output ?? "")\n")
            throw Exit.software
        }
    }
}

/// Writes chunks to a file descriptor on a background queue, at most a few chunks ahead.
final class ChunkWriter: @unchecked Sendable {
    private let fd: Int32
    private let queue = DispatchQueue(label: "dubql.generate.write")
    private let slots = DispatchSemaphore(value: 4)
    private var failed = false

    init(fd: Int32) { self.fd = fd }

    func enqueue(_ chunk: [UInt8]) {
        slots.wait()
        queue.async {
            defer { self.slots.signal() }
            guard !self.failed else { return }
            chunk.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count, let base = raw.baseAddress {
                    let n = write(self.fd, base + off, raw.count - off)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { self.failed = true; return }
                    off += n
                }
            }
        }
    }

    /// Waits for every chunk; returns true when a write failed.
    func finish() -> Bool {
        queue.sync { failed }
    }
}
