import CLinux
import Glibc

/// `prctl` and friends, wrapped once and typed.
public enum ProcessControl {
    /// `prctl(PR_SET_PDEATHSIG, signal)`: the kernel sends `signal` when the parent dies.
    public static func setParentDeathSignal(_ signal: Int32) throws(SystemCallError) {
        try retryingInterrupts("prctl(PR_SET_PDEATHSIG)") { fovea_set_parent_death_signal(signal) }
    }

    /// `prctl(PR_SET_NO_NEW_PRIVS, 1)`: execve can never grant privileges again.
    public static func setNoNewPrivileges() throws(SystemCallError) {
        try retryingInterrupts("prctl(PR_SET_NO_NEW_PRIVS)") { fovea_set_no_new_privs() }
    }

    /// `prctl(PR_SET_DUMPABLE, …)`: a non-dumpable process cannot be ptraced or core-dumped.
    public static func setDumpable(_ dumpable: Bool) throws(SystemCallError) {
        try retryingInterrupts("prctl(PR_SET_DUMPABLE)") { fovea_set_dumpable(dumpable ? 1 : 0) }
    }

    /// Exits at once if the parent is already gone, else arranges SIGKILL when it goes.
    public static func dieWithParent() {
        let parent = getppid()
        try? setParentDeathSignal(SIGKILL)
        if parent == 1 || getppid() != parent { _exit(0) }
    }

    /// `prctl(PR_SET_NAME, name)`: names the calling thread (15 bytes at most).
    public static func setThreadName(_ name: String) {
        _ = fovea_set_thread_name(name)
    }

    /// Dies of a real SIGSEGV at once (a fault, which even a PID namespace's init cannot ignore,
    /// unlike `raise`): the crash test hooks.
    public static func crash() -> Never {
        fovea_crash()
        fatalError("the fault did not kill the process")
    }

    /// The calling thread's kernel id (`gettid`).
    public static var threadID: pid_t { fovea_gettid() }
}
