// What the HTTP layer answers before a request reaches the app: malformed requests, heads over
// the size limit and CONNECT get a Dub-shaped JSON error (not a bare 400) and the connection is
// closed, rather than left hanging.

import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

// MARK: - Channel handler

/// Sits after the HTTP/1 decoder: answers requests the decoder rejects, and `CONNECT`.
final class TransportGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The largest request head (request line and headers) accepted, in bytes.
    let maxHeadBytes: Int
    private let log: @Sendable (String) -> Void
    /// Requests read whose response has not been written completely.
    private var inFlight = 0
    /// Set once this handler has answered: what the peer sends after is dropped.
    private var answered = false

    init(maxHeadBytes: Int, log: @escaping @Sendable (String) -> Void) {
        self.maxHeadBytes = maxHeadBytes
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        if case .head(let head) = unwrapInboundIn(data) {
            // CONNECT asks for a tunnel, and the decoder stops reading HTTP after its head: answer
            // here and close, or the connection hangs.
            if head.method == .connect {
                // Behind a pipelined request still being answered, an answer here would interleave.
                guard inFlight == 0 else {
                    answered = true
                    context.close(promise: nil)
                    return
                }
                answer(context, DubErrorResponse.methodNotAllowed("CONNECT"), what: "CONNECT \(head.path ?? "")")
                return
            }
            inFlight += 1
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { inFlight -= 1 }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A request whose response is under way keeps Hummingbird's handling.
        guard let parserError = error as? HTTPParserError, !answered, inFlight == 0 else {
            context.fireErrorCaught(error)
            return
        }
        let failure: DubErrorResponse
        switch parserError {
        case .headerOverflow:
            failure = DubErrorResponse(.uriTooLong,
                                       "URI too long: the request line and headers may take at most \(maxHeadBytes) bytes.")
        case .invalidMethod:
            failure = DubErrorResponse(.badRequest, "Bad request: unknown HTTP method.")
        default:
            failure = DubErrorResponse(.badRequest, "Bad request: malformed HTTP request (\(parserError)).")
        }
        answer(context, failure, what: "(malformed request)")
    }

    /// Writes `failure` with `Connection: close`, then closes the connection.
    private func answer(_ context: ChannelHandlerContext, _ failure: DubErrorResponse, what: String) {
        answered = true
        let body = Array(failure.body.utf8)
        var fields: HTTPFields = [.contentType: "application/json", .contentLength: String(body.count), .connection: "close"]
        for (name, value) in failure.headers {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        log("\(what) \(failure.status) \(body.count) bytes")
        context.write(wrapOutboundOut(.head(HTTPResponse(status: .init(code: failure.status), headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            loopBound.value.close(promise: nil)
        }
    }
}
