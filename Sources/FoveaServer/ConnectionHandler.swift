import FoveaProtocol
import Logging
import NIOCore

/// One client connection: each line is a JSON-RPC message, handled concurrently with the
/// others on the connection; answers are written as they complete, in any order.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let dispatcher: RPCDispatcher
    private let logger: Logger

    init(dispatcher: RPCDispatcher, logger: Logger) {
        self.dispatcher = dispatcher
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = Self.unwrapInboundIn(data)
        if line.readableBytes == 0 { return }
        let channel = context.channel
        let reply: @Sendable (JSONValue) -> Void = { response in
            var bytes = JSONWriter.bytes(response)
            bytes.append(0x0A)
            channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
        }
        let incoming = line.withUnsafeReadableBytes { RPCMessage.parse($0) }
        switch incoming {
        case .success(.request(let request)):
            dispatcher.handle(request, reply: reply)
        case .success(.response):
            break
        case .failure(let failure):
            reply(RPCMessage.errorResponse(id: failure.id, error: failure.error))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let tooLong = error as? ByteToMessageDecoderError.PayloadTooLargeError {
            logger.debug("closing connection: \(tooLong)")
        }
        let message: String
        if let tooLong = error as? LineFrameDecoder.LineTooLong {
            message = "line longer than \(tooLong.limit) bytes; the connection is closed"
        } else {
            message = "framing error (\(error)); the connection is closed"
        }
        logger.info("closing connection: \(message)")
        var bytes = JSONWriter.bytes(RPCMessage.errorResponse(id: .null, error: RPCError(.invalidRequest, message)))
        bytes.append(0x0A)
        let channel = context.channel
        context.writeAndFlush(Self.wrapOutboundOut(channel.allocator.buffer(bytes: bytes))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
