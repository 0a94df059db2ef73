import Glibc
import FoveaProtocol

/// Everything `fovea serve` was told (docs/OPERATIONS.md lists each option and default).
public struct ServerConfiguration: Sendable {
    /// Where to listen; ignored under systemd socket activation.
    public var socketPath: String
    /// Permission bits of the socket file (0600: the owner only).
    public var socketMode: mode_t = 0o600
    public var workers: Int = 2
    /// Threads each worker's kernels and JPEG encoder may use.
    public var kernelThreads: Int = 2
    public var defaults = ToolDefaults()
    public var limits = DecodeLimits()
    public var maxLineBytes: Int = 64 << 20
    public var cacheBytes: Int = 2 << 30
    public var maxQueue: Int = 256
    public var deadlineSeconds: Double = 10
    /// `debug/sandbox_probe` exists (only when the daemon's environment has `FOVEA_TEST_HOOKS=1`).
    public var testHooks = false
    /// The binary workers run (the daemon's own).
    public var workerExecutable = "/proc/self/exe"
    /// Keep workers' stderr (debugging only: a worker's descriptors are otherwise just its channel).
    public var workerStderr = false
    /// Directories whose files `images/put {path}` and `image` paths may name.
    public var allowedDirectories: [String] = []
    /// Most simultaneous connections; more are closed at once.
    public var maxConnections = 1024
    /// Requests one connection may have in flight before the server stops reading from it.
    public var maxInFlightPerConnection = 64
    /// Seconds a connection may stay silent with nothing in flight before it is closed (0: never).
    public var idleTimeoutSeconds: Double = 300
    /// Each worker's `RLIMIT_AS` in bytes.
    public var workerAddressSpace: UInt64 = 4 << 30
    /// Each worker's `RLIMIT_CPU` in seconds; nil: four times the most one call may use
    /// (threads × deadline), at least 600. A worker is retired before it gets close.
    public var workerCPUSeconds: Int?
    /// Workers skip their seccomp filter (`--unsafe-no-sandbox`): for measuring its cost only.
    public var unsafeNoSandbox = false
    /// Connections take turns in the worker queue (`--scheduling fair`); false: first in, first out.
    public var fairQueue = true
    /// Read reduced-scale JPEG decodes for zooms and tiles much smaller than their box (``ShrinkOnLoad``).
    public var shrinkOnLoad = true
    /// While an image decodes, make large JPEG jobs in bands that start as their rows are
    /// decoded (``ImagePlan/bands(source:maximumCount:)``); the results are the same bytes.
    public var bandsWhileDecoding = true
    /// A worker that decoded an image is replaced before it runs another job, so untrusted bytes
    /// one connection sent never meet a worker that later handles another connection's images
    /// (docs/SANDBOX.md). Off only for single-tenant deployments (`--no-decode-isolation`).
    public var decodeIsolation = true
    /// The code tool's interpreters; nil when it is off (``codeOffReason`` says why).
    public var code: CodeConfiguration?
    public var codeOffReason: String?
    /// Where every `tools/call` is recorded for `fovea replay` (`--trajectory-log`); nil: nowhere.
    public var trajectoryLog: TrajectoryLogConfiguration?

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    /// `$XDG_RUNTIME_DIR/fovea.sock`, else `/tmp/fovea-$UID/fovea.sock` (SPEC §1).
    public static var defaultSocketPath: String {
        if let runtime = getenv("XDG_RUNTIME_DIR"), runtime.pointee != 0 {
            return String(cString: runtime) + "/fovea.sock"
        }
        return "/tmp/fovea-\(getuid())/fovea.sock"
    }

    /// The CPU seconds one call may use at most before its deadline stops it.
    var cpuSecondsPerCall: Int { Int((Double(kernelThreads) * deadlineSeconds).rounded(.up)) }

    /// Each worker's `RLIMIT_CPU` soft limit.
    var effectiveWorkerCPUSeconds: Int { workerCPUSeconds ?? max(600, 4 * cpuSecondsPerCall) }

    /// A worker that has used this much CPU is replaced after its current call, so no call
    /// ever meets `RLIMIT_CPU`.
    var workerRetireCPUSeconds: Double { Double(effectiveWorkerCPUSeconds - cpuSecondsPerCall - 1) }

    /// Arguments after the executable for each worker.
    var workerArguments: [String] {
        var arguments = ["worker", "--channel-fd", String(3), "--threads", String(kernelThreads),
                         "--address-space", String(workerAddressSpace), "--cpu-seconds", String(effectiveWorkerCPUSeconds)]
        if workerStderr { arguments.append("--keep-stderr") }
        if testHooks { arguments.append("--test-hooks") }
        if unsafeNoSandbox { arguments.append("--unsafe-no-sandbox") }
        return arguments
    }
}
