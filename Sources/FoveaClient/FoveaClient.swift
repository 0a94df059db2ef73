import FoveaProtocol
import Glibc

/// A blocking client for Fovea's socket: one JSON-RPC message per line. Use it from one thread
/// at a time (it may move between threads; open one per concurrent caller).
///
/// ```swift
/// let client = try FoveaClient(socketPath: "/tmp/fovea-0/fovea.sock")
/// let tools = try client.call("tools/list")
/// ```
public final class FoveaClient: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    public let descriptor: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    /// `buffer[start..<scanned]` holds no newline.
    private var scanned = 0
    private var chunk = [UInt8](repeating: 0, count: 1 << 18)
    private var nextID: Int64 = 1

    /// Connects to the Unix socket at `socketPath`.
    ///
    /// Every stored property is set once `descriptor` is, so when this initializer throws,
    /// `deinit` runs and closes the descriptor: closing it here as well would close a number
    /// another thread may have been given in between.
    public init(socketPath: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure("socket: \(String(cString: strerror(errno)))") }
        guard var address = UnixSocketAddress.of(socketPath) else {
            throw Failure("socket path \(socketPath) is too long")
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            throw Failure("cannot connect to \(socketPath): \(reason) (is `fovea serve` running?)")
        }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Writes raw bytes (a test can send anything, including broken lines).
    public func sendRaw(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure("send: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// Writes one message as a line.
    public func send(_ message: JSONValue) throws {
        var bytes = JSONWriter.bytes(message, extraCapacity: 1)
        bytes.append(0x0A)
        try sendRaw(bytes)
    }

    /// Sends a request with a fresh id and returns the id.
    @discardableResult
    public func sendRequest(_ method: String, params: JSONValue = [:]) throws -> Int64 {
        let id = nextID
        nextID += 1
        try send(["jsonrpc": "2.0", "id": .integer(id), "method": .string(method), "params": params])
        return id
    }

    /// Reads the next line, or nil at end of stream. Each received byte is scanned for the
    /// newline once, so a multi-megabyte result line costs linear time.
    public func receiveLine() throws -> [UInt8]? {
        try withNextLine { Array($0) }
    }

    /// Calls `body` with the next line's bytes where they were received (valid only during the
    /// call: a 16 MB answer of tiles is parsed without being copied out first), or returns nil
    /// at end of stream.
    private func withNextLine<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result? {
        while true {
            if let newline = firstNewline(from: Swift.max(start, scanned)) {
                let lineStart = start
                start = newline + 1
                scanned = start
                defer {
                    if start > 1 << 20 && start * 2 > buffer.count {
                        buffer.removeFirst(start)
                        start = 0
                        scanned = 0
                    }
                }
                return try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[lineStart..<newline])) }
            }
            scanned = buffer.count
            guard try receiveChunk() else { return nil }
        }
    }

    /// Appends what the socket has to `buffer`; false at end of stream.
    private func receiveChunk() throws -> Bool {
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure("recv: \(String(cString: strerror(errno)))")
            }
            if count == 0 { return false }
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
    }

    /// The next `count` bytes of the stream (binary images after an answer line).
    private func receiveBytes(_ count: Int) throws -> [UInt8] {
        while buffer.count - start < count {
            guard try receiveChunk() else { throw Failure("the server closed the connection in the middle of an answer") }
        }
        let bytes = Array(buffer[start..<(start + count)])
        start += count
        scanned = Swift.max(scanned, start)
        return bytes
    }

    private func firstNewline(from offset: Int) -> Int? {
        guard offset < buffer.count else { return nil }
        return buffer.withUnsafeBytes { raw in
            memchr(raw.baseAddress! + offset, 0x0A, raw.count - offset).map { $0 - UnsafeMutableRawPointer(mutating: raw.baseAddress!) }
        }
    }

    /// Reads the next message (and drops the bytes of its binary images, if it has any).
    public func receive() throws -> JSONValue {
        try receiveWithImages().message
    }

    /// Reads the next message and the bytes of its binary images (``BinaryImages``), in block order.
    public func receiveWithImages() throws -> (message: JSONValue, images: [[UInt8]]) {
        guard let message = try withNextLine({ line in try JSONParser.parse(line) }) else {
            throw Failure("the server closed the connection")
        }
        return (message, try BinaryImages.attachmentLengths(of: message).map { try receiveBytes($0) })
    }

    /// Sends a request and waits for its response (responses to other ids are skipped).
    /// Returns the `result`, or throws the JSON-RPC `error` as ``RPCFailureResponse``.
    public func call(_ method: String, params: JSONValue = [:]) throws -> JSONValue {
        try callWithImages(method, params: params).result
    }

    /// ``call(_:params:)`` that also returns the bytes of the result's binary images (asked for
    /// with `"_meta": {"fovea/binary": true}` in a `tools/call`'s params).
    public func callWithImages(_ method: String, params: JSONValue = [:]) throws -> (result: JSONValue, images: [[UInt8]]) {
        let id = try sendRequest(method, params: params)
        while true {
            let (message, images) = try receiveWithImages()
            guard message["id"] == .integer(id) else { continue }
            if let error = message["error"] {
                throw RPCFailureResponse(code: error["code"]?.intValue ?? 0, message: error["message"]?.stringValue ?? "", data: error["data"])
            }
            return (message["result"] ?? .null, images)
        }
    }

    /// Sets a receive timeout in seconds (0: none).
    public func setReceiveTimeout(seconds: Double) {
        var interval = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
    }
}

/// A JSON-RPC error response.
public struct RPCFailureResponse: Error, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?
    public var description: String { "JSON-RPC error \(code): \(message)" }
}
