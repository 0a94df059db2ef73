import FoveaProtocol
import Logging
import NIOCore
import Synchronization

/// One client connection: each line is a JSON-RPC message, handled concurrently with the
/// others on the connection; answers are written as they complete, in any order.
///
/// Bounded: at most `maxInFlight` requests per connection are in flight (answered but not yet
/// written counts as in flight); at the bound the handler stops reading until answers drain,
/// so a client that floods or never reads holds a bounded amount of memory.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let dispatcher: RPCDispatcher
    private let logger: Logger
    /// This connection, for the images it holds.
    let id = ConnectionID.next()
    private let maxInFlight: Int
    private var inFlight = 0
    private var readingPaused = false
    /// The client has ended its input (half-close, or stdin's end): close once all is answered.
    private var inputEnded = false

    init(dispatcher: RPCDispatcher, maxInFlight: Int, logger: Logger) {
        self.dispatcher = dispatcher
        self.maxInFlight = maxInFlight
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = Self.unwrapInboundIn(data)
        if line.readableBytes == 0 { return }
        inFlight += 1
        dispatcher.activity.started()
        if inFlight >= maxInFlight { pauseReading(context) }
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let incoming = line.withUnsafeReadableBytes { RPCMessage.parse($0) }
        let binaryImages: Bool
        if case .success(.request(let request)) = incoming { binaryImages = BinaryImages.isRequested(request) } else { binaryImages = false }
        let tools = dispatcher.tools
        let reply: @Sendable (JSONValue?) -> Void = { response in
            let buffer = response.map { Self.answer($0, binaryImages: binaryImages, tools: tools) }
            eventLoop.execute {
                let (handler, context) = bound.value
                guard let buffer else { return handler.finished(context) }
                context.writeAndFlush(Self.wrapOutboundOut(buffer)).whenComplete { _ in handler.finished(context) }
            }
        }
        switch incoming {
        case .success(.request(let request)) where request.isNotification:
            dispatcher.handle(request, connection: id) { _ in }
            reply(nil)
        case .success(.request(let request)) where dispatcher.activity.isDraining:
            reply(RPCMessage.errorResponse(id: request.id ?? .null, error: RequestActivity.drainingError))
        case .success(.request(let request)):
            dispatcher.handle(request, connection: id, reply: reply)
        case .success(.response):
            reply(nil)
        case .success(.batch(let items)):
            BatchAnswers(dispatcher: dispatcher, connection: id).handle(items, reply: reply)
        case .failure(let failure):
            reply(RPCMessage.errorResponse(id: failure.id, error: failure.error))
        }
    }

    /// The bytes written for `response`: its JSON line, and with binary images (``BinaryImages``)
    /// the images' bytes after it.
    private static func answer(_ response: JSONValue, binaryImages: Bool, tools: ToolService) -> ByteBuffer {
        // The stored results' bytes are copied once, from a mapping into the buffer.
        let (message, attachments) = binaryImages
            ? BinaryImages.detach(response, attachment: { try? tools.store.encoded($0)?.mapReadOnly() }, length: \.bytes.count)
            : (response, [])
        let line = JSONWriter.bytes(message)
        var buffer = ByteBufferAllocator().buffer(capacity: line.count + 1 + attachments.reduce(0) { $0 + $1.bytes.count })
        buffer.writeBytes(line)
        buffer.writeInteger(UInt8(0x0A))
        for attachment in attachments { buffer.writeBytes(attachment.bytes) }
        return buffer
    }

    /// One request fully answered (its response written, or none due).
    private func finished(_ context: ChannelHandlerContext) {
        inFlight -= 1
        dispatcher.activity.finished()
        if inputEnded && inFlight == 0 { return context.close(promise: nil) }
        if readingPaused && inFlight < maxInFlight / 2 + 1 && context.channel.isWritable {
            readingPaused = false
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
            context.read()
        }
    }

    private func pauseReading(_ context: ChannelHandlerContext) {
        guard !readingPaused else { return }
        readingPaused = true
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        dispatcher.connectionOpened(id)
    }

    func channelInactive(context: ChannelHandlerContext) {
        dispatcher.connectionClosed(id)
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable {
            pauseReading(context)
        } else if readingPaused && inFlight < maxInFlight {
            readingPaused = false
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            inputEnded = true
            if inFlight == 0 { context.close(promise: nil) }
            return
        }
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read, inFlight == 0 {
            logger.debug("closing an idle connection")
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
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
        context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(bytes: bytes))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}

/// Counts open connections; past the limit a new one gets one -32001 line and is closed.
final class ConnectionLimiter: Sendable {
    private let open = Mutex(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Registers a new connection; false when over the limit.
    func admit(_ channel: Channel) -> Bool {
        let admitted = open.withLock { count -> Bool in
            guard count < limit else { return false }
            count += 1
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { [self] _ in open.withLock { $0 -= 1 } }
        }
        return admitted
    }

    var openConnections: Int { open.withLock { $0 } }
}

/// A connection's identity, unique for the daemon's life.
struct ConnectionID: Hashable, Sendable {
    let value: UInt64
    private static let counter = Atomic<UInt64>(0)

    static func next() -> ConnectionID {
        ConnectionID(value: counter.add(1, ordering: .relaxed).newValue)
    }
}
