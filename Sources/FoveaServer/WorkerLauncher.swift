import FoveaSandbox

/// How the supervisor starts a worker: the same binary with `worker` and its options.
struct WorkerLauncher: Sendable {
    var executable: String
    var arguments: [String]
    var keepStderr: Bool

    func launch() throws -> WorkerProcess {
        try WorkerProcess.spawn(executable: executable, arguments: arguments, environment: [], keepStderr: keepStderr)
    }
}
