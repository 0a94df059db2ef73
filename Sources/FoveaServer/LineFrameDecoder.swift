import Glibc
import NIOCore

/// Splits the stream into `\n`-terminated lines (MCP's stdio framing), at most
/// `maximumLineBytes` each; a longer line is an error that closes the connection.
struct LineFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    struct LineTooLong: Error {
        var limit: Int
    }

    let maximumLineBytes: Int
    /// Bytes already searched for a newline, so a long line is scanned once.
    private var scanned = 0

    init(maximumLineBytes: Int) {
        self.maximumLineBytes = maximumLineBytes
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let newline: Int? = buffer.withUnsafeReadableBytes { bytes in
            guard bytes.count > scanned, let base = bytes.baseAddress else { return nil }
            guard let found = memchr(base + scanned, 0x0A, bytes.count - scanned) else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }
        guard let length = newline else {
            scanned = buffer.readableBytes
            if scanned > maximumLineBytes { throw LineTooLong(limit: maximumLineBytes) }
            return .needMoreData
        }
        scanned = 0
        if length > maximumLineBytes { throw LineTooLong(limit: maximumLineBytes) }
        var line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if line.readableBytes > 0, line.getInteger(at: line.writerIndex - 1, as: UInt8.self) == 0x0D {
            line.moveWriterIndex(to: line.writerIndex - 1)
        }
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // A last line without its newline still counts.
        if seenEOF, buffer.readableBytes > 0 {
            let line = buffer.readSlice(length: buffer.readableBytes)!
            context.fireChannelRead(Self.wrapInboundOut(line))
        }
        return .needMoreData
    }
}
