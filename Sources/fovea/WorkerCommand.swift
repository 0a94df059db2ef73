import ArgumentParser
import FoveaWorker

struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one worker (started by `fovea serve`; not for direct use).", shouldDisplay: false)

    @Option(name: .customLong("channel-fd"), help: "The inherited channel descriptor.")
    var channelFD: Int32 = 3

    @Option(help: "Kernel threads.")
    var threads: Int = 1

    @Flag(name: .customLong("test-hooks"), help: "Answer sandbox probes.")
    var testHooks = false

    func run() throws {
        WorkerMain.run(WorkerConfiguration(channelDescriptor: channelFD, kernelThreads: threads, testHooks: testHooks))
    }
}
