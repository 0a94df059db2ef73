import CLinux
import Glibc
import SystemPackage

/// How a worker process ended.
public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    public var description: String {
        switch self {
        case .exited(let code): return "exited with status \(code)"
        case .signaled(let signal): return "killed by signal \(signal) (\(signalName(signal)))"
        }
    }
}

/// "SIGSYS", "SIGKILL", … for log lines and error messages.
public func signalName(_ signal: Int32) -> String {
    switch signal {
    case SIGKILL: return "SIGKILL"
    case SIGSEGV: return "SIGSEGV"
    case SIGABRT: return "SIGABRT"
    case SIGSYS: return "SIGSYS"
    case SIGBUS: return "SIGBUS"
    case SIGILL: return "SIGILL"
    case SIGXCPU: return "SIGXCPU"
    case SIGTERM: return "SIGTERM"
    case SIGTRAP: return "SIGTRAP"
    case SIGFPE: return "SIGFPE"
    default: return "signal \(signal)"
    }
}

/// A worker process and the supervisor's end of its channel.
///
/// Spawned with `posix_spawn` of the same binary, in a new session, with cwd `/`, an empty
/// environment and no descriptor but the channel (on fd ``channelDescriptorInChild``).
public final class WorkerProcess: @unchecked Sendable {
    public static let channelDescriptorInChild: Int32 = 3

    public let pid: pid_t
    public let channel: ChannelSocket
    private var exitStatus: ExitStatus?

    private init(pid: pid_t, channel: ChannelSocket) {
        self.pid = pid
        self.channel = channel
    }

    /// Starts `executable` with `arguments` (argv[1...]).
    public static func spawn(executable: String, arguments: [String], environment: [String] = [],
                             keepStderr: Bool = false) throws -> WorkerProcess {
        let (supervisorEnd, workerEnd) = try ChannelSocket.pair()
        var pid: pid_t = 0
        let argv = [executable] + arguments
        let error = withCStrings(argv) { argvPointers in
            withCStrings(environment) { envPointers in
                fovea_spawn(&pid, executable, argvPointers, envPointers, workerEnd.descriptor.rawValue,
                            channelDescriptorInChild, keepStderr ? 1 : 0)
            }
        }
        guard error == 0 else { throw SystemCallError("posix_spawn", errno: Errno(rawValue: error), context: executable) }
        return WorkerProcess(pid: pid, channel: supervisorEnd)
    }

    /// Sends `signal` (SIGKILL by default); harmless if the process already exited.
    public func kill(_ signal: Int32 = SIGKILL) {
        if exitStatus == nil { _ = Glibc.kill(pid, signal) }
    }

    /// Waits for the process to exit and reaps it (once; later calls return the same status).
    @discardableResult
    public func waitForExit() -> ExitStatus {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, 0) } while result < 0 && Errno.last == .interrupted
        let decoded: ExitStatus
        if result < 0 {
            decoded = .exited(-1)
        } else if status & 0x7f == 0 {
            decoded = .exited((status >> 8) & 0xff)
        } else {
            decoded = .signaled(status & 0x7f)
        }
        exitStatus = decoded
        return decoded
    }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
