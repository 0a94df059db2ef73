import ArgumentParser
import Dispatch
import FoveaProtocol
import FoveaSandbox
import FoveaServer
import Glibc
import Logging

/// Everything `fovea serve` and `fovea mcp` share: workers, model conventions, limits, sandbox.
struct DaemonOptions: ParsableArguments {
    @Option(help: "Worker processes.")
    var workers: Int = 2

    @Option(help: "Threads each worker's kernels and JPEG encoder may use. 2 lets one call use both cores of an otherwise idle 2-core machine (warm zoom p50 9.1 -> 6.3 ms) ; a call started while other workers are busy uses fewer, so load costs no throughput.")
    var threads: Int = 2

    @Option(help: "Model conventions: qwen3-vl, qwen2.5-vl, deepeyes, mini-o3, pixel-reasoner.")
    var preset: String = "qwen3-vl"

    @Option(name: .customLong("model-max-pixels"),
            help: "The model processor's max_pixels for smart_resize (e.g. 1003520 = 1280·28²), overriding the preset's.")
    var modelMaxPixels: Int?

    @Flag(name: .customLong("no-shrink-on-load"),
          help: "Always read full-scale decodes, even for zooms and tiles far smaller than their box (see docs/ARCHITECTURE.md, shrink-on-load).")
    var noShrinkOnLoad = false

    @Flag(name: .customLong("no-bands"),
          help: "Make every job whole, also while its image decodes (by default large JPEG tiles and zooms start in bands as their rows are decoded; see docs/ARCHITECTURE.md, bands).")
    var noBands = false

    @Flag(name: .customLong("no-decode-isolation"),
          help: "Let a worker that decoded an image run later jobs (single-tenant deployments only; by default every decode gets a fresh worker, see docs/SANDBOX.md).")
    var noDecodeIsolation = false

    @Option(help: "Default box coordinates (rel1000, pixel, norm); default: the preset's.")
    var coords: CoordinateSystem?

    @Option(help: "Default output format (jpeg, png, webp, raw).")
    var format: OutputFormat = .jpeg

    @Option(help: "Default JPEG/WebP quality.")
    var quality: Int = 95

    @Option(name: .customLong("cache-bytes"), help: "Decoded image cache budget (e.g. 2G).")
    var cacheBytes: ByteCount = ByteCount(argument: "2G")!

    @Option(name: .customLong("max-queue"), help: "Calls that may wait for a worker before new ones get -32001.")
    var maxQueue: Int = 256

    enum Scheduling: String, ExpressibleByArgument, CaseIterable {
        case fair, fifo
    }

    @Option(help: "How queued calls reach workers: fair (connections take turns) or fifo (arrival order).")
    var scheduling: Scheduling = .fair

    @Option(help: "Seconds a call may run on a worker before it is killed.")
    var deadline: Double = 10

    @Option(name: .customLong("drain-seconds"),
            help: "On SIGINT/SIGTERM, longest wait for the calls in flight to be answered before stopping (default: the deadline plus 5). A second signal stops at once.")
    var drainSeconds: Double?

    @Option(name: .customLong("max-line-bytes"), help: "Longest accepted JSON line.")
    var maxLineBytes: ByteCount = ByteCount(argument: "64M")!

    @Option(name: .customLong("max-image-bytes"), help: "Largest encoded image.")
    var maxImageBytes: ByteCount = ByteCount(argument: "64M")!

    @Option(name: .customLong("max-pixels"), help: "Most pixels an image may declare.")
    var maxPixels: Int = 150_000_000

    @Option(name: .customLong("max-side"), help: "Longest side an image may declare.")
    var maxSide: Int = 32768

    @Flag(name: .customLong("worker-stderr"), help: "Let workers keep stderr (debugging).")
    var workerStderr = false

    @Option(name: .customLong("allow-dir"), help: "A directory whose images images/put {path} may read (repeatable).")
    var allowDir: [String] = []

    @Option(name: .customLong("max-connections"), help: "Most simultaneous connections.")
    var maxConnections: Int = 1024

    @Option(name: .customLong("max-in-flight"), help: "Requests one connection may have in flight before reading pauses.")
    var maxInFlight: Int = 64

    @Option(name: .customLong("idle-timeout"), help: "Seconds before a silent connection with nothing in flight is closed (0: never).")
    var idleTimeout: Double = 300

    @Option(name: .customLong("worker-address-space"), help: "Each worker's address-space limit (RLIMIT_AS), e.g. 4G.")
    var workerAddressSpace: ByteCount = ByteCount(argument: "4G")!

    @Option(name: .customLong("worker-cpu-seconds"),
            help: "Each worker's CPU-time limit (RLIMIT_CPU); workers are replaced before they reach it. Default: max(600, 4 × threads × deadline).")
    var workerCPUSeconds: Int?

    @Flag(name: .customLong("unsafe-no-sandbox"),
          help: "UNSAFE: workers do not load their seccomp filter (everything else still applies). Only for measuring the filter's cost.")
    var unsafeNoSandbox = false

    @Option(name: .customLong("trajectory-log"),
            help: "Record every tools/call (arguments, result text, images, timing, connection, session) in this directory for `fovea replay` (docs/OPERATIONS.md).")
    var trajectoryLog: String?

    @Option(name: .customLong("trajectory-log-bytes"),
            help: "The most the trajectory-log directory holds: segments rotate at an eighth of it and the oldest are deleted (at least 8M).")
    var trajectoryLogBytes: ByteCount = ByteCount(argument: "1G")!

    @OptionGroup(title: "The code tool")
    var code: CodeOptions

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard workers >= 1 && workers <= 256 else { throw ValidationError("--workers must be 1...256, got \(workers)") }
        guard threads >= 1 && threads <= 64 else { throw ValidationError("--threads must be 1...64, got \(threads)") }
        guard Preset.named(preset) != nil else {
            throw ValidationError("--preset \(preset) is unknown; presets: \(Preset.all.map(\.name).joined(separator: ", "))")
        }
        if let modelMaxPixels, let rule = Preset.named(preset)?.resize {
            guard modelMaxPixels >= max(rule.minPixels, rule.factor * rule.factor) else {
                throw ValidationError("--model-max-pixels \(modelMaxPixels) is below the preset's min_pixels \(rule.minPixels) (and factor² \(rule.factor * rule.factor))")
            }
        }
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1...100, got \(quality)") }
        // Image limits bound memfd sizes (pixels × 4) and row arithmetic: keep them far from overflow.
        guard (1...Self.maximumPixels).contains(maxPixels) else {
            throw ValidationError("--max-pixels must be 1...\(Self.maximumPixels), got \(maxPixels)")
        }
        guard (1...Self.maximumSide).contains(maxSide) else {
            throw ValidationError("--max-side must be 1...\(Self.maximumSide), got \(maxSide)")
        }
        guard (1...Self.maximumImageBytes).contains(maxImageBytes.bytes) else {
            throw ValidationError("--max-image-bytes must be 1...\(Self.maximumImageBytes) (1G), got \(maxImageBytes.bytes)")
        }
        guard deadline > 0 else { throw ValidationError("--deadline must be positive") }
        if let drainSeconds, drainSeconds < 0 { throw ValidationError("--drain-seconds must be 0 or more, got \(drainSeconds)") }
        guard maxQueue >= 1 else { throw ValidationError("--max-queue must be at least 1") }
        guard workerAddressSpace.bytes >= 256 << 20 else {
            throw ValidationError("--worker-address-space must be at least 256M, got \(workerAddressSpace.bytes) bytes")
        }
        guard trajectoryLogBytes.bytes >= 8 << 20 else {
            throw ValidationError("--trajectory-log-bytes must be at least 8M (a segment is an eighth of it), got \(trajectoryLogBytes.bytes) bytes")
        }
        if let workerCPUSeconds {
            let perCall = Int((Double(threads) * deadline).rounded(.up))
            guard workerCPUSeconds >= 2 * perCall + 2 else {
                throw ValidationError("--worker-cpu-seconds \(workerCPUSeconds) is too small: one call may use \(perCall) s (threads × deadline); use at least \(2 * perCall + 2)")
            }
        }
    }

    /// The largest limits accepted: 1 GP (4 GiB of RGBA), a side of 1 000 000 (libvips's own
    /// bound is 10 000 000; JPEG's 65 535), 1 GiB of encoded bytes.
    static let maximumPixels = 1_000_000_000
    static let maximumSide = 1_000_000
    static let maximumImageBytes = 1 << 30

    func makeConfiguration(socketPath: String) -> ServerConfiguration {
        var configuration = ServerConfiguration(socketPath: socketPath)
        configuration.workers = workers
        configuration.kernelThreads = threads
        var preset = Preset.named(preset)!
        if let modelMaxPixels { preset.resize.maxPixels = modelMaxPixels }
        configuration.defaults = ToolDefaults(preset: preset, coords: coords,
                                              output: OutputOptions(format: format, quality: quality))
        configuration.cacheBytes = cacheBytes.bytes
        configuration.maxQueue = maxQueue
        configuration.fairQueue = scheduling == .fair
        configuration.deadlineSeconds = deadline
        configuration.maxLineBytes = maxLineBytes.bytes
        configuration.limits = DecodeLimits(maxEncodedBytes: maxImageBytes.bytes, maxPixels: maxPixels, maxSide: maxSide)
        configuration.workerStderr = workerStderr
        configuration.allowedDirectories = allowDir
        configuration.maxConnections = maxConnections
        configuration.maxInFlightPerConnection = maxInFlight
        configuration.idleTimeoutSeconds = idleTimeout
        configuration.workerAddressSpace = UInt64(workerAddressSpace.bytes)
        configuration.workerCPUSeconds = workerCPUSeconds
        configuration.unsafeNoSandbox = unsafeNoSandbox
        configuration.shrinkOnLoad = !noShrinkOnLoad
        configuration.bandsWhileDecoding = !noBands
        configuration.decodeIsolation = !noDecodeIsolation
        (configuration.code, configuration.codeOffReason) = code.configuration(queueCapacity: maxQueue)
        configuration.trajectoryLog = trajectoryLog.map { TrajectoryLogConfiguration(directory: $0, maxBytes: trajectoryLogBytes.bytes) }
        if let hooks = getenv("FOVEA_TEST_HOOKS"), String(cString: hooks) == "1" { configuration.testHooks = true }
        return configuration
    }

    /// The server these options describe, after checking that the seccomp policy compiles (a
    /// policy libseccomp refuses stops here, naming the line, not every worker later).
    func makeServer(socketPath: String, socketMode: mode_t = 0o600) throws -> Server {
        bootstrapLogging(level: logLevel)
        let logger = Logger(label: "fovea")
        do {
            _ = try WorkerPolicy.compiled(channelDescriptor: 3)
        } catch {
            throw ValidationError("the worker seccomp policy is invalid: \(error)")
        }
        var configuration = makeConfiguration(socketPath: socketPath)
        configuration.socketMode = socketMode
        let server = try Server(configuration: configuration, logger: logger)
        if server.configuration.testHooks { logger.warning("FOVEA_TEST_HOOKS=1: debug/sandbox_probe and test-hook markers are enabled") }
        if unsafeNoSandbox {
            logger.warning("""
                UNSAFE: --unsafe-no-sandbox: workers will NOT load their seccomp filter. Untrusted images \
                are decoded without the system-call allowlist. Use this only to measure the filter's cost.
                """)
        }
        return server
    }

    /// Blocks until the server's channel closes (stdin's end for `mcp`), then stops it. SIGINT
    /// or SIGTERM (blocked from the command's start, ``StopSignals``) drain first: no new connections or calls, the calls in flight answered (up
    /// to `--drain-seconds`), then exit 0; a second signal exits at once (workers die with
    /// their parent, `PR_SET_PDEATHSIG`).
    func runUntilStopped(_ server: Server) throws {
        let logger = Logger(label: "fovea")
        let drainSeconds = self.drainSeconds ?? deadline + 5
        // Blocked since the command started (StopSignals.block): one that came early is taken now.
        StopSignals.handle { number in
            guard server.beginDrain() else {
                logger.warning("signal \(number) again: stopping now")
                Glibc.exit(0)
            }
            logger.info("signal \(number): answering the \(server.requestsInFlight) calls in flight (up to \(drainSeconds) s), then stopping; signal again to stop at once")
            DispatchQueue.global().async {
                let unanswered = server.waitForRequestsInFlight(seconds: drainSeconds)
                if unanswered > 0 { logger.warning("stopping with \(unanswered) calls unanswered after \(drainSeconds) s") }
                server.shutdown()
                Glibc.exit(0)
            }
        }
        try server.waitUntilClosed()
        while server.isDraining { sleep(1000) }  // the drain ends the process
        server.shutdown()
    }
}
