import CLinux
import Foundation
import Glibc

/// SIGINT and SIGTERM, taken by one thread with `sigwait`. They are blocked in the main thread
/// before the daemon starts any other thread (threads inherit the mask; workers and
/// interpreters are spawned with an empty one), so a signal that arrives while the daemon
/// starts stays pending until the waiting thread takes it.
///
/// A dispatch signal source, used before, needs the signal ignored first and installs its own
/// handler later, on dispatch's manager thread: a SIGTERM in between was discarded by the
/// kernel and the daemon kept running (seen in CI: a test stopped a daemon right after its
/// first answer and waited for it forever).
enum StopSignals {
    static let numbers: [Int32] = [SIGINT, SIGTERM]
    /// The waiting thread's name (`/proc/<pid>/task/<tid>/comm`).
    static let threadName = "fovea-signals"

    /// Blocks them in the calling thread: call first thing, before any other thread starts.
    static func block() {
        var set = signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Calls `handler` with each one, on a thread of its own, for the rest of the process.
    static func handle(_ handler: @escaping @Sendable (Int32) -> Void) {
        let thread = Thread {
            // While in sigwait the kernel shows the signals unblocked in this thread's status.
            _ = fovea_set_thread_name(threadName)
            var set = signalSet()
            while true {
                var number: Int32 = 0
                if sigwait(&set, &number) == 0 { handler(number) }
            }
        }
        thread.start()
    }

    private static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for number in numbers { sigaddset(&set, number) }
        return set
    }
}
