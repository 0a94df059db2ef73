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

    /// Starts a worker and returns it once it is ready (``ready(_:)``).
    func launch() throws -> (process: WorkerProcess, hello: WorkerHello) {
        let process = try spawn()
        return (process, try ready(process))
    }

    /// Starts a worker without waiting for it: it sandboxes itself and warms up meanwhile (a
    /// spare, see ``WorkerSlot``).
    func spawn() throws -> WorkerProcess {
        try WorkerProcess.spawn(executable: executable, arguments: arguments, environment: [], keepStderr: keepStderr)
    }

    /// Waits for `process`'s hello and checks that `/proc` confirms what the hello claims
    /// (``WorkerInspection``); a worker that does not answer or whose claims do not hold is killed.
    func ready(_ process: WorkerProcess) throws -> WorkerHello {
        let hello = try process.awaitHello(timeoutMilliseconds: helloTimeoutMilliseconds)
        let contradictions = WorkerInspection(pid: process.pid).contradictions(of: hello)
        guard contradictions.isEmpty else {
            process.kill()
            process.waitForExit()
            throw WorkerStartError("the worker's hello claims \(contradictions.joined(separator: "; ")) (read in /proc/\(process.pid))")
        }
        return hello
    }
}
