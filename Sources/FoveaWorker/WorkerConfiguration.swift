/// How a worker process was asked to run (parsed from `fovea worker`'s arguments; workers get
/// no environment).
public struct WorkerConfiguration: Sendable {
    /// The channel descriptor inherited from the supervisor.
    public var channelDescriptor: Int32
    /// Threads a kernel may use (row bands).
    public var kernelThreads: Int
    /// Answer `probe` requests (set only when the daemon runs with `FOVEA_TEST_HOOKS=1`).
    public var testHooks: Bool

    public init(channelDescriptor: Int32 = 3, kernelThreads: Int = 1, testHooks: Bool = false) {
        self.channelDescriptor = channelDescriptor
        self.kernelThreads = kernelThreads
        self.testHooks = testHooks
    }
}
