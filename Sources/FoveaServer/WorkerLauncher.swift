import FoveaProtocol
import FoveaSandbox

/// How the supervisor starts a worker: the same binary with `worker` and its options, then
/// its hello (how it sandboxed itself) before it gets any job.
struct WorkerLauncher: Sendable {
    var executable: String
    var arguments: [String]
    var keepStderr: Bool
    /// How long a worker may take to sandbox itself and warm up.
    var helloTimeoutMilliseconds: Int32 = 30_000

    func launch() throws -> (process: WorkerProcess, hello: WorkerHello) {
        let process = try WorkerProcess.spawn(executable: executable, arguments: arguments, environment: [], keepStderr: keepStderr)
        let hello = try process.awaitHello(timeoutMilliseconds: helloTimeoutMilliseconds)
        return (process, hello)
    }
}
