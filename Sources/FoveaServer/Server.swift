import Foundation
import FoveaProtocol
import FoveaSandbox
import Logging
import NIOCore
import NIOPosix

/// The Fovea daemon: workers, image store, and the Unix socket speaking JSON-RPC lines.
public final class Server: @unchecked Sendable {
    public let configuration: ServerConfiguration
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let pool: WorkerPool
    private let code: CodeService?
    private let dispatcher: RPCDispatcher
    private let limiter: ConnectionLimiter
    private var listener: Channel?
    /// The socket file this server created (removed at shutdown), if any.
    /// The socket file this daemon published, and its inode (only that file is removed).
    private var publishedSocket: (path: String, inode: ino_t)?
    /// `fovea mcp`: the one channel is standard input and output, not a listener.
    private var servesStandardIO = false
    private let trimmer: AllocatorTrimmer

    public init(configuration: ServerConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        if AllocatorTuning.operatorTuned {
            logger.info("malloc: the environment's MALLOC_* / GLIBC_TUNABLES settings are used, not Fovea's")
        } else if !AllocatorTuning.apply() {
            logger.warning("malloc: glibc refused Fovea's thresholds or arena count; its defaults are used")
        }
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let launcher = WorkerLauncher(executable: configuration.workerExecutable,
                                      arguments: configuration.workerArguments, keepStderr: configuration.workerStderr)
        pool = WorkerPool(count: configuration.workers, launcher: launcher, maxQueue: configuration.maxQueue,
                          fairQueue: configuration.fairQueue, limits: configuration.limits, retireCPUSeconds: configuration.workerRetireCPUSeconds,
                          isolatesDecodes: configuration.decodeIsolation, logger: logger)
        let store = ImageStore(pool: pool, limits: configuration.limits, capacityBytes: configuration.cacheBytes,
                               deadlineSeconds: configuration.deadlineSeconds, logger: logger)
        let tools = try ToolService(store: store, pool: pool, configuration: configuration, logger: logger)
        code = configuration.code.map { CodeService(configuration: $0, tools: tools, fair: configuration.fairQueue, logger: logger) }
        dispatcher = RPCDispatcher(tools: tools, code: code, configuration: configuration, logger: logger)
        if let log = configuration.trajectoryLog {
            dispatcher.trajectoryLog = try TrajectoryLog(configuration: log, header: Self.segmentHeader(configuration), store: store,
                                                         logger: logger)
        }
        limiter = ConnectionLimiter(limit: configuration.maxConnections)
        dispatcher.connections = limiter
        trimmer = AllocatorTrimmer(answered: { [stats = dispatcher.stats] in stats.answered })
    }

    /// The first line of each trajectory-log segment: this run and its defaults.
    private static func segmentHeader(_ configuration: ServerConfiguration) -> TrajectorySegmentHeader {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let defaults = configuration.defaults
        var values: [String: JSONValue] = [:]
        values["preset"] = .string(defaults.preset.name)
        values["coords"] = .string(defaults.coords.rawValue)
        values["format"] = .string(defaults.output.format.rawValue)
        values["quality"] = .int(defaults.output.quality)
        values["model_max_pixels"] = .int(defaults.preset.resize.maxPixels)
        values["code_conventions"] = configuration.code.map { JSONValue.string($0.conventions) } ?? .null
        return TrajectorySegmentHeader(pid: Int(getpid()), started: formatter.string(from: Date()), version: MCP.serverVersion,
                                       defaults: .object(values))
    }

    /// Starts the code tool's template in the background, or says why there is no code tool.
    private func startCode() {
        if let code {
            code.start()
        } else {
            logger.info("code tool off: \(configuration.codeOffReason ?? "not configured"); every other tool is served")
        }
    }

    /// Starts the workers and listens. Returns once the socket accepts connections.
    public func start() throws {
        signal(SIGPIPE, SIG_IGN)
        pool.start()
        startCode()
        trimmer.start(on: group.next())
        let limiter = self.limiter
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Self.listenBacklog)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 1 << 20, high: 8 << 20))
            .childChannelInitializer { [self] channel in
                guard limiter.admit(channel) else {
                    var bytes = JSONWriter.bytes(RPCMessage.errorResponse(id: .null, error: RPCError(
                        .overloaded, "too many connections (the limit is \(limiter.limit)); retry later or share a connection")))
                    bytes.append(0x0A)
                    return channel.writeAndFlush(ByteBuffer(bytes: bytes)).flatMap { channel.close() }
                }
                return channel.eventLoop.makeCompletedFuture { try addProtocolHandlers(to: channel, idleTimeout: true) }
            }
        // NIO's channel for a socket it did not bind calls listen(128), ignoring `.backlog`: a
        // second listen(2) sets the backlog meant (Linux updates a listening socket's backlog).
        if let activated = SocketActivation.listeningDescriptor() {
            listener = try bootstrap.withBoundSocket(activated).wait()
            listen(activated, SOMAXCONN)  // systemd's own Backlog= defaults to SOMAXCONN; 128 would cut it
            logger.info("listening on the socket systemd passed (fd \(activated))")
        } else {
            try prepareSocketDirectory()
            let socket = try UnixListeningSocket.bound(at: configuration.socketPath, mode: configuration.socketMode)
            do {
                listener = try bootstrap.withBoundSocket(socket.descriptor).wait()
            } catch {
                socket.discard()
                throw error
            }
            listen(socket.descriptor, Self.listenBacklog)
            publishedSocket = (socket.path, try socket.publish())
            logger.info("listening on \(configuration.socketPath) with \(configuration.workers) workers")
        }
        logHugePageSetting()
    }

    /// Starts the workers and serves one connection on standard input and output (`fovea mcp`):
    /// the same handlers as a socket connection, without the idle timeout. The channel closes,
    /// and ``waitUntilClosed()`` returns, once input has ended and every answer is written.
    public func startStandardIO() throws {
        signal(SIGPIPE, SIG_IGN)
        pool.start()
        startCode()
        trimmer.start(on: group.next())
        servesStandardIO = true
        let input = dup(STDIN_FILENO), output = dup(STDOUT_FILENO)
        guard input >= 0, output >= 0 else { throw SystemCallError("dup", context: "standard input and output") }
        listener = try NIOPipeBootstrap(group: group)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.writeBufferWaterMark, value: .init(low: 1 << 20, high: 8 << 20))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try addProtocolHandlers(to: channel, idleTimeout: false) }
            }
            .takingOwnershipOfDescriptors(input: input, output: output)
            .wait()
        logger.info("serving MCP on standard input and output with \(configuration.workers) workers")
        logHugePageSetting()
    }

    /// Line framing and JSON-RPC dispatch: what every connection runs, socket or stdio.
    private func addProtocolHandlers(to channel: Channel, idleTimeout: Bool) throws {
        let idle = configuration.idleTimeoutSeconds
        if idleTimeout && idle > 0 {
            try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .milliseconds(Int64(idle * 1000))))
        }
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(LineFrameDecoder(maximumLineBytes: configuration.maxLineBytes)))
        try channel.pipeline.syncOperations.addHandler(
            ConnectionHandler(dispatcher: dispatcher, maxInFlight: configuration.maxInFlightPerConnection, logger: logger))
    }

    private func logHugePageSetting() {
        let hugePages = HugePages.shmemSetting()
        if !HugePages.grantsAdvisedMappings(hugePages) {
            logger.info("""
                decoded images use 4 KiB pages: \(HugePages.shmemSettingPath) is \(hugePages ?? "missing"); \
                `advise` lets them use huge pages, which decodes an 8K JPEG about 20% faster (docs/OPERATIONS.md)
                """)
        }
    }

    /// Blocks until the listener closes (after ``shutdown()``).
    public func waitUntilClosed() throws {
        try listener?.closeFuture.wait()
    }

    /// Starts draining: the listener closes and its socket file goes (new clients are refused
    /// at once, and a successor can bind the path), and requests read from open connections
    /// from now on are answered -32001. False if the drain had already begun.
    public func beginDrain() -> Bool {
        guard dispatcher.activity.startDraining() else { return false }
        if !servesStandardIO {
            try? listener?.close().wait()
            removeSocketFile()
        }
        return true
    }

    public var isDraining: Bool { dispatcher.activity.isDraining }

    /// Requests read and not yet fully answered, across connections.
    public var requestsInFlight: Int { dispatcher.activity.requestsInFlight }

    /// Waits up to `seconds` until every request read so far is answered; returns how many
    /// are not.
    public func waitForRequestsInFlight(seconds: Double) -> Int {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while requestsInFlight > 0 && ContinuousClock.now < deadline { usleep(10_000) }
        return requestsInFlight
    }

    private func removeSocketFile() {
        if let publishedSocket { UnixListeningSocket.remove(publishedSocket.path, inode: publishedSocket.inode) }
        publishedSocket = nil
    }

    /// The listening socket's backlog: connections the kernel queues before the event loop accepts them.
    static let listenBacklog: Int32 = 256

    /// Stops listening, fails queued calls and stops the workers.
    public func shutdown() {
        trimmer.stop()
        try? listener?.close().wait()
        // At once, as the socket no longer accepts: a client finds no socket (ENOENT), not a refusal.
        removeSocketFile()
        dispatcher.trajectoryLog?.flush()
        code?.shutdown()
        pool.shutdown()
        try? group.syncShutdownGracefully()
    }

    /// Creates the socket's directory when it is missing: 0700, and searchable by the group
    /// (or others) when the socket's mode lets them connect (`--socket-mode 660` → 0710).
    private func prepareSocketDirectory() throws {
        let directory = (configuration.socketPath as NSString).deletingLastPathComponent
        guard !directory.isEmpty else { return }
        let mode = configuration.socketMode
        let directoryMode: mode_t = 0o700 | (mode & 0o060 != 0 ? 0o010 : 0) | (mode & 0o006 != 0 ? 0o001 : 0)
        var status = stat()
        if stat(directory, &status) != 0 {
            if mkdir(directory, directoryMode) == 0 {
                chmod(directory, directoryMode)  // the mode exactly, whatever the umask took away
            } else if errno != EEXIST {
                throw SystemCallError("mkdir", context: directory)
            }
        }
    }
}

/// systemd socket activation: `LISTEN_PID` names this process and `LISTEN_FDS` ≥ 1.
enum SocketActivation {
    static func listeningDescriptor() -> Int32? {
        guard let pid = ProcessInfo.processInfo.environment["LISTEN_PID"], Int32(pid) == getpid(),
              let count = ProcessInfo.processInfo.environment["LISTEN_FDS"].flatMap(Int.init), count >= 1 else {
            return nil
        }
        return 3
    }
}
