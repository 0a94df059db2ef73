import Foundation
import FoveaProtocol
import FoveaSandbox
import Glibc

/// One session's interpreter: a child the template forked, which sandboxed itself (its own
/// uid, namespaces, rlimits, Landlock and `policies/code.policy`) and talks to the supervisor
/// directly over its own channel. Presumed hostile: it runs model code. The supervisor checks
/// its hello against `/proc`, bounds every exchange by the call's deadline, and checks every
/// reply like a worker's (``ReturnedMemfds``) before the session's next call.
final class Interpreter: @unchecked Sendable {
    /// Descriptors one message may carry: new input images (pixels and encoded bytes) and the
    /// scratch memfds lent for outputs.
    static let maximumDescriptors = 64

    let pid: Int32
    let channel: ChannelSocket
    let session: String
    let uid: UInt32
    let started = ContinuousClock.now
    private unowned let template: CodeTemplate
    /// Image handles this interpreter has mapped (later calls send them without descriptors).
    var knownHandles: Set<String> = []
    var calls = 0
    private var nextID: UInt64 = 1
    private(set) var exitStatus: String?
    /// Called once, when the interpreter has been killed and reaped.
    var onExit: (@Sendable () -> Void)?

    init(pid: Int32, channel: ChannelSocket, session: String, uid: UInt32, template: CodeTemplate) {
        self.pid = pid
        self.channel = channel
        self.session = session
        self.uid = uid
        self.template = template
    }

    /// The next request id on this channel.
    func takeID() -> UInt64 {
        defer { nextID += 1 }
        return nextID
    }

    /// Waits for the interpreter's hello and checks what it claims against `/proc`
    /// (``WorkerInspection``: seccomp, no-new-privs, uid, capabilities, namespaces); a child that
    /// failed, lied or stayed silent is killed.
    func awaitHello(timeoutMilliseconds: Int32 = 30_000) throws -> CodeChildHello {
        do {
            guard let message = try channel.receive(timeoutMilliseconds: timeoutMilliseconds) else {
                throw CodeTemplateError("the interpreter did not report its sandbox within \(timeoutMilliseconds) ms")
            }
            message.closeDescriptors()
            guard message.descriptors.isEmpty else { throw CodeTemplateError("the interpreter's hello carried descriptors") }
            let hello = try CodeChildHello(json: message.json)
            if let error = hello.error { throw CodeTemplateError("the interpreter could not sandbox itself: \(error)") }
            let claims = WorkerHello(uid: hello.uid, gid: hello.gid, namespaces: hello.namespaces, filter: hello.filter,
                                     noNewPrivileges: hello.noNewPrivileges, dumpable: hello.dumpable)
            let contradictions = WorkerInspection(pid: pid).contradictions(of: claims)
            guard contradictions.isEmpty else {
                throw CodeTemplateError("the interpreter's hello claims \(contradictions.joined(separator: "; ")) (read in /proc/\(pid))")
            }
            guard hello.uid != 0, hello.uid != Int(getuid()) else {
                throw CodeTemplateError("the interpreter runs as uid \(hello.uid), which it must not")
            }
            return hello
        } catch {
            kill()
            throw error
        }
    }

    /// Kills the interpreter (if it still runs) and has the template reap it; the exit status.
    @discardableResult
    func kill() -> String {
        lock.lock()
        defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        _ = Glibc.kill(pid, SIGKILL)
        let status = template.reap(pid)
        exitStatus = status
        onExit?()
        return status
    }
    private let lock = NSLock()

    /// Private memory of the interpreter (`Private_Clean + Private_Dirty` of
    /// `/proc/PID/smaps_rollup`): what it costs beyond the pages it shares with the template.
    var privateBytes: Int? {
        guard exitStatus == nil, let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else {
            return nil
        }
        var kilobytes = 0
        for line in text.split(separator: "\n") where line.hasPrefix("Private_Clean:") || line.hasPrefix("Private_Dirty:") {
            kilobytes += Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "") ?? 0
        }
        return kilobytes * 1024
    }
}
