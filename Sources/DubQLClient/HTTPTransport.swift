// The HTTP exchange both clients need (the Dub API's and ClickHouse's), on AsyncHTTPClient: it
// waits on epoll, so waiting for a slow or stalled server costs no CPU. URLSession on Linux was
// the first choice, but its libcurl loop polls the socket with a zero timeout while it waits and
// keeps a core a third busy (issue 14, item 6).

import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// What went wrong below HTTP, for each client to put in its own words.
enum TransportFailure: Error, Equatable, Sendable {
    /// The deadline of the whole exchange passed, or no byte came for the idle timeout.
    case timeout
    case cancelled
    /// Nothing listens at the port.
    case refused
    /// The host name does not resolve.
    case unknownHost
    /// The server closed the connection before the answer was complete.
    case closed
    /// Anything else, described.
    case other(String)
}

/// The status line and headers of an answer; header names are lowercased.
struct HTTPHead: Sendable {
    var status: Int
    var headers: [String: String]
}

/// One HTTP/1.1 (or HTTP/2 over TLS) client with its own connection pool.
final class HTTPTransport: Sendable {
    private let client: HTTPClient
    /// How long one byte may take (connecting included).
    let idleTimeout: Double

    init(idleTimeout: Double) {
        self.idleTimeout = idleTimeout
        let seconds = TimeAmount.milliseconds(Int64(max(1, idleTimeout * 1000)))
        // Redirects are followed by ``exchange`` itself, and only to the same origin.
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                     timeout: .init(connect: seconds, read: seconds))
        configuration.decompression = .disabled
        // A refused connection or an unknown host is an answer, not a reason to wait and retry:
        // the clients decide about retries.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton), configuration: configuration)
    }

    deinit { try? client.syncShutdown() }

    /// Sends one request and streams its answer: `onHead` gets the final answer's status and
    /// headers, then `onChunk` each piece of its body, in order. Everything, the body included,
    /// must be done within `deadline` seconds. A redirect to the same scheme, host and port is
    /// followed (at most 5); any other is the answer, so credentials never reach another server.
    ///
    /// Throws ``TransportFailure``, or what a callback threw.
    func exchange(url: URL, method: String, headers: [(String, String)], body: Data?, deadline: Double,
                  onHead: @escaping @Sendable (HTTPHead) throws -> Void,
                  onChunk: @escaping @Sendable (Data) throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await self.follow(url: url, method: method, headers: headers, body: body, onHead: onHead, onChunk: onChunk)
            }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(max(0.001, deadline) * 1_000_000_000))
                throw TransportFailure.timeout
            }
            defer { group.cancelAll() }
            do {
                try await group.next()
            } catch is CancellationError {
                throw TransportFailure.cancelled
            }
        }
    }

    private func follow(url: URL, method: String, headers: [(String, String)], body: Data?,
                        onHead: @Sendable (HTTPHead) throws -> Void, onChunk: @Sendable (Data) throws -> Void) async throws {
        var current = url
        var method = method
        var body = body
        for hop in 0...5 {
            var request = HTTPClientRequest(url: current.absoluteString)
            request.method = HTTPMethod(rawValue: method)
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request, timeout: .hours(24))
            } catch {
                throw Self.failure(error)
            }
            var head = HTTPHead(status: Int(response.status.code), headers: [:])
            for h in response.headers { head.headers[h.name.lowercased()] = h.value }
            if hop < 5, [301, 302, 303, 307, 308].contains(head.status), let location = head.headers["location"],
               let next = URL(string: location, relativeTo: current)?.absoluteURL,
               next.scheme == current.scheme, next.host == current.host, next.port == current.port {
                if head.status == 303 { method = "GET"; body = nil }
                current = next
                continue
            }
            try onHead(head)
            do {
                for try await chunk in response.body {
                    try onChunk(Data(chunk.readableBytesView))
                }
            } catch let e as TransportFailure {
                throw e
            } catch let e as HTTPClientError {
                throw Self.failure(e)
            } catch is CancellationError {
                throw TransportFailure.cancelled
            }
            return
        }
    }

    /// An error of AsyncHTTPClient or SwiftNIO as a ``TransportFailure``.
    static func failure(_ error: any Error) -> any Error {
        if error is TransportFailure || error is CancellationError { return error is CancellationError ? TransportFailure.cancelled : error }
        if let e = error as? HTTPClientError {
            switch e {
            case .cancelled: return TransportFailure.cancelled
            case .readTimeout, .connectTimeout, .deadlineExceeded: return TransportFailure.timeout
            case .remoteConnectionClosed: return TransportFailure.closed
            default: break
            }
        }
        if let e = error as? NIOConnectionError {
            if e.connectionErrors.isEmpty && (e.dnsAError != nil || e.dnsAAAAError != nil) { return TransportFailure.unknownHost }
            if e.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) { return TransportFailure.refused }
        }
        if let e = error as? IOError, e.errnoCode == ECONNREFUSED { return TransportFailure.refused }
        if error is SocketAddressError { return TransportFailure.unknownHost }
        let text = String(describing: error)
        if text.contains("ECONNREFUSED") || text.contains("Connection refused") { return TransportFailure.refused }
        if text.contains("resolution") || text.contains("getaddrinfo") || text.contains("Name or service not known") {
            return TransportFailure.unknownHost
        }
        return TransportFailure.other(text)
    }
}

/// Runs an async exchange from synchronous code: blocks the calling thread (not a core) until it
/// is done, polling `isCancelled` (when given) to cancel it.
func blocking<T: Sendable>(isCancelled: (() -> Bool)?, _ work: @escaping @Sendable () async throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    let result = ResultBox<T>()
    let task = Task {
        do { result.set(.success(try await work())) } catch { result.set(.failure(error)) }
        done.signal()
    }
    if let isCancelled {
        while done.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            if isCancelled() { task.cancel() }
        }
    } else {
        done.wait()
    }
    return try result.get()
}

private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<T, any Error>?
    func set(_ v: Result<T, any Error>) { lock.lock(); value = v; lock.unlock() }
    func get() throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try value!.get()
    }
}
