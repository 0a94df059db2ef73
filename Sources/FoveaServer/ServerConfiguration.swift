import Glibc
import FoveaProtocol

/// Everything `fovea serve` was told (docs/OPERATIONS.md lists each option and default).
public struct ServerConfiguration: Sendable {
    /// Where to listen; ignored under systemd socket activation.
    public var socketPath: String
    /// Permission bits of the socket file (0600: the owner only).
    public var socketMode: mode_t = 0o600
    public var workers: Int = 2
    /// Threads each worker's kernels may use.
    public var kernelThreads: Int = 1
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

    /// Arguments after the executable for each worker.
    var workerArguments: [String] {
        var arguments = ["worker", "--channel-fd", String(3), "--threads", String(kernelThreads)]
        if testHooks { arguments.append("--test-hooks") }
        return arguments
    }
}
