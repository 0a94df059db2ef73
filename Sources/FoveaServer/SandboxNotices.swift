import Foundation
import FoveaProtocol
import Logging

/// Logs what workers report about their sandbox (their hello): once per daemon for anything
/// that could not be applied, at every start when the filter is off (`--unsafe-no-sandbox`).
final class SandboxNotices: @unchecked Sendable {
    private let lock = NSLock()
    private var logged: Set<String> = []
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func workerStarted(slot: Int, pid: Int32, hello: WorkerHello) {
        if !hello.filter {
            logger.warning("UNSAFE: worker \(slot) (pid \(pid)) runs WITHOUT its seccomp filter (--unsafe-no-sandbox); use this only to measure the filter's cost")
        }
        once("sandbox") {
            logger.info("workers sandboxed: uid \(hello.uid), gid \(hello.gid), namespaces [\(hello.namespaces.joined(separator: ", "))], root \(hello.emptyRoot ? "empty" : "the host's"), no_new_privs \(hello.noNewPrivileges), dumpable \(hello.dumpable), seccomp \(hello.filter ? "on" : "OFF"); warmed \(hello.warmedFormats.joined(separator: ", "))")
        }
        if let problem = hello.namespaceProblem {
            once("namespaces \(problem)") {
                logger.warning("workers could not enter every namespace (entered [\(hello.namespaces.joined(separator: ", "))]): \(problem)")
            }
        }
        if hello.uid == 0 {
            once("uid") { logger.warning("workers run as uid 0: the daemon runs as root but could not drop it") }
        } else if getuid() != 0 {
            once("uid") { logger.info("the daemon does not run as root, so workers keep its uid \(hello.uid)") }
        }
        for note in hello.notes where !note.hasPrefix("UNSAFE") {
            once("note \(note)") { logger.notice("worker: \(note)") }
        }
    }

    private func once(_ key: String, _ log: () -> Void) {
        lock.lock()
        let first = logged.insert(key).inserted
        lock.unlock()
        if first { log() }
    }
}
