import ArgumentParser
import FoveaSandbox
import FoveaWorker

struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one worker (started by `fovea serve`; not for direct use).", shouldDisplay: false)

    @Option(name: .customLong("channel-fd"), help: "The inherited channel descriptor.")
    var channelFD: Int32 = 3

    @Option(help: "Kernel threads.")
    var threads: Int = 1

    @Option(name: .customLong("address-space"), help: "RLIMIT_AS in bytes.")
    var addressSpace: UInt64 = SandboxSettings().addressSpaceBytes

    @Option(name: .customLong("cpu-seconds"), help: "RLIMIT_CPU soft limit in seconds.")
    var cpuSeconds: UInt64 = SandboxSettings().cpuSeconds

    @Flag(name: .customLong("keep-stderr"), help: "Keep descriptor 2 (debugging).")
    var keepStderr = false

    @Flag(name: .customLong("test-hooks"), help: "Answer sandbox probes and obey test-hook markers.")
    var testHooks = false

    @Flag(name: .customLong("unsafe-no-sandbox"), help: "Do not load the seccomp filter (overhead measurement only).")
    var unsafeNoSandbox = false

    func run() throws {
        var sandbox = SandboxSettings()
        sandbox.channelDescriptor = channelFD
        sandbox.keepStderr = keepStderr
        sandbox.addressSpaceBytes = addressSpace
        sandbox.cpuSeconds = cpuSeconds
        WorkerMain.run(WorkerConfiguration(channelDescriptor: channelFD, kernelThreads: threads, testHooks: testHooks,
                                           sandbox: sandbox, loadsFilter: !unsafeNoSandbox))
    }
}
