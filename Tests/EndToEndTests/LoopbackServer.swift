// A tiny misbehaving HTTP server on 127.0.0.1 for client tests: each connection's request head is
// read and handed to a handler that answers however the test wants (slowly, never, with a body
// that echoes the key ...). `dubql serve --fault` covers Dub-shaped faults; this covers the
// transport-level ones a real server never does on purpose.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class LoopbackServer: @unchecked Sendable {
    /// One accepted connection, with the request line and headers already read.
    final class Connection: @unchecked Sendable {
        let fd: Int32
        /// The request head (request line and headers), as sent.
        let head: String
        fileprivate weak var server: LoopbackServer?

        fileprivate init(fd: Int32, head: String, server: LoopbackServer) {
            self.fd = fd
            self.head = head
            self.server = server
        }

        /// The request target, such as `/events?event=clicks&page=1`.
        var target: String {
            let line = head.split(separator: "\r\n", maxSplits: 1).first ?? ""
            let parts = line.split(separator: " ")
            return parts.count > 1 ? String(parts[1]) : ""
        }

        /// Writes `text`; false when the client has gone.
        @discardableResult
        func write(_ text: String) -> Bool {
            let bytes = Array(text.utf8)
            var sent = 0
            while sent < bytes.count {
                let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return false }
                sent += n
            }
            return true
        }

        /// A complete answer with `Content-Length`.
        func respond(status: Int = 200, reason: String = "OK", contentType: String = "application/json", body: String) {
            write("HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\n"
                  + "Connection: close\r\n\r\n" + body)
        }

        /// Waits up to `seconds` without answering; returns early (false) when the client closed
        /// the connection or the server was stopped.
        @discardableResult
        func stall(_ seconds: Double) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if server?.isStopped ?? true { return false }
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&p, 1, 100) > 0 {
                    var byte: UInt8 = 0
                    if recv(fd, &byte, 1, Int32(MSG_PEEK)) <= 0 { return false }
                    // More request bytes (a body, a pipelined request): ignore them.
                    var sink = [UInt8](repeating: 0, count: 4096)
                    _ = recv(fd, &sink, sink.count, 0)
                }
            }
            return true
        }
    }

    let port: UInt16
    var url: String { "http://127.0.0.1:\(port)" }
    private let listener: Int32
    private let lock = NSLock()
    private var stopped = false
    private var requests = 0
    private let handler: @Sendable (Connection) -> Void

    var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }
    /// How many requests have arrived so far.
    var requestCount: Int { lock.lock(); defer { lock.unlock() }; return requests }

    /// Listens on an ephemeral loopback port; `handler` runs on its own thread per connection and
    /// the connection is closed when it returns.
    init(_ handler: @escaping @Sendable (Connection) -> Void) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServeFailure(message: "socket: \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { close(fd); throw ServeFailure(message: "bind/listen: \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    func stop() {
        lock.lock()
        let already = stopped
        stopped = true
        lock.unlock()
        if !already { shutdown(listener, Int32(SHUT_RDWR)) }
    }

    deinit { stop(); close(listener) }

    private func acceptLoop() {
        while !isStopped {
            var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            let client = accept(listener, nil, nil)
            if client < 0 { continue }
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var head = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while !(head.count >= 4 && Array(head.suffix(4)) == end) && head.count < 1 << 20 {
            // Byte by byte so that nothing after the head is consumed; heads are small.
            let n = recv(fd, &buffer, 1, 0)
            if n <= 0 { return }
            head.append(buffer[0])
        }
        lock.lock()
        requests += 1
        lock.unlock()
        handler(Connection(fd: fd, head: String(decoding: head, as: UTF8.self), server: self))
    }
}

/// The CPU time (user + system) of process `pid` so far, in seconds, from `/proc/PID/stat`.
func cpuSeconds(of pid: Int32) -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    return (user + system) / ticks
}
