import FoveaSandbox

/// How a worker process was asked to run (parsed from `fovea worker`'s arguments; workers get
/// no environment).
public struct WorkerConfiguration: Sendable {
    /// The channel descriptor inherited from the supervisor.
    public var channelDescriptor: Int32 {
        get { sandbox.channelDescriptor }
        set { sandbox.channelDescriptor = newValue }
    }
    /// Threads a kernel may use (row bands).
    public var kernelThreads: Int
    /// Answer `probe` requests and obey ``FoveaProtocol/TestHookMarker``s (set only when the
    /// daemon runs with `FOVEA_TEST_HOOKS=1`).
    public var testHooks: Bool
    /// rlimits, the unprivileged user, namespaces.
    public var sandbox: SandboxSettings
    /// Load the seccomp filter. False only with `--unsafe-no-sandbox`, for measuring its cost.
    public var loadsFilter: Bool

    public init(channelDescriptor: Int32 = 3, kernelThreads: Int = 1, testHooks: Bool = false,
                sandbox: SandboxSettings = SandboxSettings(), loadsFilter: Bool = true) {
        self.kernelThreads = kernelThreads
        self.testHooks = testHooks
        self.sandbox = sandbox
        self.loadsFilter = loadsFilter
        self.channelDescriptor = channelDescriptor
    }
}
