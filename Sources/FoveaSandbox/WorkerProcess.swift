import CLinux
import FoveaProtocol
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

    /// Starts `executable` with `arguments` (argv[1...]), as pid 1 of a new PID namespace when
    /// `ownPIDNamespace` and the supervisor may create one (it runs as root), else in the
    /// supervisor's (the worker reports which in its hello, and the supervisor logs the
    /// difference once). The code tool's template stays in the supervisor's namespace: the pids
    /// of the interpreters it forks must mean the same to both.
    public static func spawn(executable: String, arguments: [String], environment: [String] = [],
                             keepStderr: Bool = false, ownPIDNamespace: Bool = true,
                             maximumDescriptors: Int = ChannelSocket.workerDescriptors) throws -> WorkerProcess {
        let (supervisorEnd, workerEnd) = try ChannelSocket.pair(maximumDescriptors: maximumDescriptors)
        let argv = [executable] + arguments
        func start(newPIDNamespace: Bool) -> (pid: pid_t, error: Int32) {
            var pid: pid_t = 0
            let error = withCStrings(argv) { argvPointers in
                withCStrings(environment) { envPointers in
                    fovea_spawn(&pid, executable, argvPointers, envPointers, workerEnd.descriptor.rawValue,
                                channelDescriptorInChild, keepStderr ? 1 : 0, newPIDNamespace ? 1 : 0)
                }
            }
            return (pid, error)
        }
        var started = start(newPIDNamespace: ownPIDNamespace)
        if ownPIDNamespace && (started.error == EPERM || started.error == EINVAL || started.error == ENOSPC) {
            started = start(newPIDNamespace: false)
        }
        guard started.error == 0 else { throw SystemCallError("clone/execve", errno: Errno(rawValue: started.error), context: executable) }
        return WorkerProcess(pid: started.pid, channel: supervisorEnd)
    }

    /// Waits for the worker's first message, the hello that reports how it sandboxed itself.
    /// Throws ``WorkerStartError`` (after killing and reaping the process) when the worker
    /// exits, reports an error, sends anything else, or stays silent past the timeout.
    public func awaitHello(timeoutMilliseconds: Int32) throws(WorkerStartError) -> WorkerHello {
        let message: ChannelMessage?
        do {
            message = try channel.receive(timeoutMilliseconds: timeoutMilliseconds)
        } catch ChannelError.closed {
            throw WorkerStartError("the worker \(waitForExit()) before it reported its sandbox")
        } catch {
            kill()
            waitForExit()
            throw WorkerStartError("the worker's first message was unreadable (\(error))")
        }
        guard let message else {
            kill()
            waitForExit()
            throw WorkerStartError("the worker did not report its sandbox within \(timeoutMilliseconds) ms")
        }
        message.closeDescriptors()
        do {
            let hello = try WorkerHello(json: message.json)
            guard message.descriptors.isEmpty else { throw ChannelMessageError("the hello carried descriptors") }
            if let error = hello.error {
                kill()
                waitForExit()
                throw WorkerStartError(error)
            }
            return hello
        } catch let error as WorkerStartError {
            throw error
        } catch {
            kill()
            waitForExit()
            throw WorkerStartError("the worker's hello was invalid (\(error))")
        }
    }

    /// User plus system CPU time the process has used (`/proc/PID/stat`), or nil once it is gone.
    public var cpuSeconds: Double? { Self.cpuSeconds(pid: pid) }

    /// User plus system CPU time process `pid` has used, or nil if there is no such process.
    public static func cpuSeconds(pid: pid_t) -> Double? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        // After the command name in parentheses: state (field 3) … utime (14), stime (15).
        let text = String(decoding: buffer[0..<count], as: UTF8.self)
        guard let name = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: name)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
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

/// A worker that could not start or sandbox itself.
public struct WorkerStartError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
