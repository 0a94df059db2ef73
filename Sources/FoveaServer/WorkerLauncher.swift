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

    /// Starts a worker and returns it once its hello has arrived and `/proc` confirms what the
    /// hello claims (``WorkerInspection``); a worker whose claims do not hold is killed.
    func launch() throws -> (process: WorkerProcess, hello: WorkerHello) {
        let process = try WorkerProcess.spawn(executable: executable, arguments: arguments, environment: [], keepStderr: keepStderr)
        let hello = try process.awaitHello(timeoutMilliseconds: helloTimeoutMilliseconds)
        let contradictions = WorkerInspection(pid: process.pid).contradictions(of: hello)
        guard contradictions.isEmpty else {
            process.kill()
            process.waitForExit()
            throw WorkerStartError("the worker's hello claims \(contradictions.joined(separator: "; ")) (read in /proc/\(process.pid))")
        }
        return (process, hello)
    }
}
