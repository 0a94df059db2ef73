import CLinux
import Glibc
import FoveaProtocol
import SystemPackage

/// One end of a supervisor↔worker channel: a `SOCK_SEQPACKET` socketpair, so each message is
/// one datagram (a JSON object of at most ``maximumMessageBytes``) with its descriptors
/// attached by `SCM_RIGHTS`. Bulk data never travels inline; it rides in sealed memfds.
public final class ChannelSocket: @unchecked Sendable {
    public static let maximumMessageBytes = 64 * 1024
    /// The most descriptors any channel carries in one message.
    public static let descriptorLimit = Int(FOVEA_MAX_FDS_PER_MESSAGE)
    /// A worker's channel: a job's inputs and scratch outputs, a reply's outputs.
    public static let workerDescriptors = 4

    public let descriptor: FileDescriptor
    /// The most descriptors a message on this channel may carry; more make it malformed.
    public let maximumDescriptors: Int
    private var receiveBuffer: [UInt8]

    public init(adopting descriptor: FileDescriptor, maximumDescriptors: Int = ChannelSocket.workerDescriptors) {
        precondition((0...Self.descriptorLimit).contains(maximumDescriptors))
        self.descriptor = descriptor
        self.maximumDescriptors = maximumDescriptors
        self.receiveBuffer = [UInt8](repeating: 0, count: Self.maximumMessageBytes + 1)
    }

    deinit { try? descriptor.close() }

    /// A connected pair (close-on-exec on both ends).
    public static func pair(maximumDescriptors: Int = ChannelSocket.workerDescriptors) throws -> (ChannelSocket, ChannelSocket) {
        var fds: [Int32] = [-1, -1]
        try retryingInterrupts("socketpair") {
            socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds)
        }
        return (ChannelSocket(adopting: FileDescriptor(rawValue: fds[0]), maximumDescriptors: maximumDescriptors),
                ChannelSocket(adopting: FileDescriptor(rawValue: fds[1]), maximumDescriptors: maximumDescriptors))
    }

    /// Sends one message with `descriptors` attached (they stay open here; close them after),
    /// blocking while the peer's queue is full. For a trusted peer: a worker sends this way.
    public func send(_ message: JSONValue, descriptors: [Int32] = []) throws {
        let bytes = try encode(message, descriptors: descriptors)
        if try attemptSend(bytes, descriptors: descriptors, waiting: true) { return }
        throw SystemCallError("sendmsg", errno: .resourceTemporarilyUnavailable)
    }

    /// Sends one message, waiting no later than `deadline` for room in the peer's queue: a peer
    /// that stops reading (a compromised worker) cannot hold the sender. Throws
    /// ``ChannelError/timedOut`` at the deadline, ``ChannelError/closed`` when the peer is gone.
    public func send(_ message: JSONValue, descriptors: [Int32] = [], until deadline: ContinuousClock.Instant) throws {
        try sendBytes(try encode(message, descriptors: descriptors), descriptors: descriptors, until: deadline)
    }

    /// ``send(_:descriptors:until:)`` of a message already encoded (at most
    /// ``maximumMessageBytes``, one JSON object).
    public func sendBytes(_ bytes: [UInt8], descriptors: [Int32], until deadline: ContinuousClock.Instant) throws {
        guard bytes.count <= Self.maximumMessageBytes else { throw ChannelError.messageTooLarge(bytes.count) }
        precondition(descriptors.count <= maximumDescriptors)
        while true {
            if try attemptSend(bytes, descriptors: descriptors, waiting: false) { return }
            var poller = pollfd(fd: descriptor.rawValue, events: Int16(POLLOUT), revents: 0)
            let ready = try retryingInterrupts("poll") { poll(&poller, 1, milliseconds(until: deadline)) }
            if ready == 0 && ContinuousClock.now >= deadline { throw ChannelError.timedOut }
        }
    }

    /// Sends `bytes` as they are, not JSON: only a forged peer in the tests does this
    /// (``FoveaProtocol/Forgery``), to show the supervisor refuses such messages.
    public func sendBytes(_ bytes: [UInt8]) throws {
        guard try attemptSend(bytes, descriptors: [], waiting: true) else {
            throw SystemCallError("sendmsg", errno: .resourceTemporarilyUnavailable)
        }
    }

    private func encode(_ message: JSONValue, descriptors: [Int32]) throws -> [UInt8] {
        let bytes = JSONWriter.bytes(message)
        guard bytes.count <= Self.maximumMessageBytes else {
            throw ChannelError.messageTooLarge(bytes.count)
        }
        precondition(descriptors.count <= maximumDescriptors)
        return bytes
    }

    /// One `sendmsg`; false when `waiting` is off and the peer's queue is full.
    private func attemptSend(_ bytes: [UInt8], descriptors: [Int32], waiting: Bool) throws -> Bool {
        let sent = bytes.withUnsafeBytes { raw in
            descriptors.withUnsafeBufferPointer { fds in
                fovea_send_message(descriptor.rawValue, raw.baseAddress, raw.count, fds.baseAddress, Int32(fds.count),
                                   waiting ? 0 : 1)
            }
        }
        if sent >= 0 { return true }
        let errno = Errno.last
        if errno == .brokenPipe || errno == .connectionReset { throw ChannelError.closed }
        if errno == .resourceTemporarilyUnavailable && !waiting { return false }
        throw SystemCallError("sendmsg", errno: errno)
    }

    /// Waits until `deadline` for a message (see ``receive(timeoutMilliseconds:)``).
    public func receive(until deadline: ContinuousClock.Instant) throws -> ChannelMessage? {
        try receive(timeoutMilliseconds: milliseconds(until: deadline))
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever) for a message. Returns nil on timeout;
    /// throws ``ChannelError/closed`` when the peer is gone. Received descriptors are owned by
    /// the caller.
    public func receive(timeoutMilliseconds: Int32 = -1) throws -> ChannelMessage? {
        var poller = pollfd(fd: descriptor.rawValue, events: Int16(POLLIN), revents: 0)
        let ready = try retryingInterrupts("poll") { poll(&poller, 1, timeoutMilliseconds) }
        if ready == 0 { return nil }
        var fds = [Int32](repeating: -1, count: maximumDescriptors)
        var fdCount: Int32 = 0
        var truncated: Int32 = 0
        let received = receiveBuffer.withUnsafeMutableBytes { buffer in
            fds.withUnsafeMutableBufferPointer { fdBuffer in
                fovea_receive_message(descriptor.rawValue, buffer.baseAddress, buffer.count,
                                      fdBuffer.baseAddress, Int32(maximumDescriptors), &fdCount, &truncated)
            }
        }
        if received < 0 {
            let errno = Errno.last
            if errno == .connectionReset { throw ChannelError.closed }
            throw SystemCallError("recvmsg", errno: errno)
        }
        // A datagram of zero bytes reads like the end of the stream: only a hang-up is one.
        if received == 0 && fdCount == 0 {
            if fovea_peer_hung_up(descriptor.rawValue) != 0 { throw ChannelError.closed }
            throw ChannelError.malformed("an empty message")
        }
        let descriptors = Array(fds.prefix(Int(fdCount)))
        if truncated != 0 || received > Self.maximumMessageBytes {
            descriptors.forEach { _ = close($0) }
            throw ChannelError.malformed("message over \(Self.maximumMessageBytes) bytes or too many descriptors")
        }
        let value: JSONValue
        do {
            value = try receiveBuffer.withUnsafeBytes { raw in
                try JSONParser.parse(UnsafeRawBufferPointer(rebasing: raw[0..<received]))
            }
        } catch {
            descriptors.forEach { _ = close($0) }
            throw ChannelError.malformed("message is not JSON: \(error)")
        }
        return ChannelMessage(json: value, descriptors: descriptors)
    }
}

/// A message read off a channel with the descriptors that came with it.
public struct ChannelMessage: Sendable {
    public var json: JSONValue
    /// Owned by whoever holds the message: adopt or close each.
    public var descriptors: [Int32]

    public init(json: JSONValue, descriptors: [Int32]) {
        self.json = json
        self.descriptors = descriptors
    }

    /// Closes every descriptor not yet adopted.
    public func closeDescriptors() {
        for fd in descriptors { _ = close(fd) }
    }
}

/// Whole milliseconds from now to `deadline` (0 once it has passed), rounded up so a wait never
/// ends before the deadline.
func milliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
    let remaining = ContinuousClock.now.duration(to: deadline)
    guard remaining > .zero else { return 0 }
    let (seconds, attoseconds) = remaining.components
    return Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
}

public enum ChannelError: Error, Sendable, Equatable, CustomStringConvertible {
    case closed
    /// The peer did not make room for a message before the deadline.
    case timedOut
    case messageTooLarge(Int)
    case malformed(String)

    public var description: String {
        switch self {
        case .closed: return "the channel is closed (the peer exited)"
        case .timedOut: return "the peer did not read its channel before the deadline"
        case .messageTooLarge(let bytes): return "message of \(bytes) bytes exceeds the channel's limit"
        case .malformed(let reason): return "malformed channel message: \(reason)"
        }
    }
}
