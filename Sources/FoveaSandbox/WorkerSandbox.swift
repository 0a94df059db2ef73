import CLinux
import Glibc
import SystemPackage

/// How tightly a worker confines itself (from `fovea worker`'s arguments).
public struct SandboxSettings: Sendable, Equatable {
    /// The inherited channel; the only descriptor left open.
    public var channelDescriptor: Int32 = 3
    /// Keep descriptor 2 (debugging with `--worker-stderr` only).
    public var keepStderr = false
    /// `RLIMIT_AS`: address space in bytes (4 GiB by default).
    public var addressSpaceBytes: UInt64 = 4 << 30
    /// `RLIMIT_CPU` soft limit in seconds (SIGXCPU, then SIGKILL one second later). The
    /// supervisor retires a worker before it gets close (see `WorkerSlot`).
    public var cpuSeconds: UInt64 = 600
    /// `RLIMIT_NOFILE`: the channel, the memfds of one job, and slack.
    public var openFiles: UInt64 = 16
    /// Who a worker started as root becomes (65534, `nobody`/`nogroup` on Debian).
    public var userID: uid_t = 65534
    public var groupID: gid_t = 65534
    /// Enter new user, network, IPC and mount namespaces where the kernel allows.
    public var namespaces = true

    public init() {}
}

/// What ``WorkerSandbox/isolate(_:)`` achieved; becomes the worker's hello.
public struct SandboxStatus: Sendable, Equatable {
    public var userID: Int = -1
    public var groupID: Int = -1
    /// Whether the worker started as root and dropped it.
    public var droppedRoot = false
    /// Namespaces the worker is in: `pid` (started as pid 1 of its own, see
    /// ``WorkerProcess/spawn(executable:arguments:environment:keepStderr:)``), `user`, `net`,
    /// `ipc`, `mnt`.
    public var namespaces: [String] = []
    public var namespaceProblem: String?
    /// Whether the root directory is an empty read-only tmpfs (``WorkerSandbox/confineFileSystem(_:)``).
    public var emptyRoot = false
    public var noNewPrivileges = false
    public var dumpable = true
}

/// A sandbox step that failed; the worker reports it and exits without serving.
public struct SandboxError: Error, Sendable, CustomStringConvertible {
    public var step: String
    public var cause: String

    public init(_ step: String, _ cause: String) {
        self.step = step
        self.cause = cause
    }

    public var description: String { "sandbox step '\(step)' failed: \(cause)" }
}

/// The steps a worker takes on itself before it touches untrusted bytes, in this order:
///
/// 1. an empty environment (`clearenv`), cwd `/`, every descriptor but the channel closed,
///    fatal signals back to their default action (no in-process crash handler);
/// 2. rlimits: address space, CPU seconds, 16 open files, file size 0, no core;
/// 3. root dropped to an unprivileged uid/gid (`setgroups([])`, `setresgid`, `setresuid`,
///    then checked: all three ids changed and `setresuid(0)` fails);
/// 4. new user, network, IPC and mount namespaces where the kernel allows (the user namespace
///    is what lets an unprivileged process create the others; the PID namespace was made at
///    spawn); the capabilities the new user namespace grants are kept only until step 7;
/// 5. `PR_SET_PDEATHSIG` again (a credential change clears it), `PR_SET_NO_NEW_PRIVS`,
///    `PR_SET_DUMPABLE 0`.
///
/// The worker then initialises and warms libvips (6), which loads its modules and codec
/// libraries from the host's file system, then ``confineFileSystem(_:)`` (7): an empty root,
/// and no capabilities. The seccomp filter (``SeccompFilter/load()``) comes last.
/// docs/SANDBOX.md explains each step.
public enum WorkerSandbox {
    public static func isolate(_ settings: SandboxSettings) throws(SandboxError) -> SandboxStatus {
        var status = SandboxStatus()
        try cleanStart(settings)
        try applyResourceLimits(settings)
        try dropRoot(settings, into: &status)
        enterNamespaces(settings, into: &status)
        try lockPrivileges(into: &status)
        return status
    }

    /// Step 7, after the warm-up: an empty, read-only root (the host's tree detached from the
    /// worker's mount namespace, so no path resolves, not even for `stat`), mounted by the
    /// keeper thread, which then drops its capabilities and exits; no thread has any left
    /// (verified for this one; /proc shows every thread's). Without a mount namespace of its
    /// own the root stays the host's and that is reported.
    public static func confineFileSystem(_ status: inout SandboxStatus) throws(SandboxError) {
        if status.namespaces.contains("user") && status.namespaces.contains("mnt") {
            let error = fovea_keeper_enter_empty_root()
            guard error == 0 else { throw SandboxError("empty root", "\(Errno(rawValue: error))") }
            status.emptyRoot = true
        } else {
            status.namespaceProblem = [status.namespaceProblem, "the root directory stays the host's (no mount namespace of its own)"]
                .compactMap { $0 }.joined(separator: "; ")
        }
        if status.droppedRoot || status.namespaces.contains("user") {
            let capabilities = fovea_effective_capabilities()
            guard capabilities == 0 else { throw SandboxError("drop capabilities", "effective set is \(capabilities)") }
        }
    }

    /// Step 1: empty environment, cwd `/`, only the channel open.
    static func cleanStart(_ settings: SandboxSettings) throws(SandboxError) {
        guard fovea_clear_environment() == 0 else { throw SandboxError("clearenv", "\(Errno.last)") }
        guard chdir("/") == 0 else { throw SandboxError("chdir /", "\(Errno.last)") }
        guard fovea_close_descriptors_except(settings.channelDescriptor, settings.keepStderr ? 1 : 0) == 0 else {
            throw SandboxError("close descriptors", "close_range: \(Errno.last)")
        }
        // No in-process crash handler: Swift's backtracer answers SIGSEGV by spawning a helper
        // process, which the filter forbids. A crashing worker dies with its own signal.
        for fatal in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS] { signal(fatal, SIG_DFL) }
    }

    /// Step 2. `RLIMIT_FSIZE` 0 also stops the worker from growing a memfd (its outputs go into
    /// scratch memfds the supervisor sized), so it cannot hold memory outside `RLIMIT_AS`;
    /// SIGXFSZ is ignored so an over-limit write fails with `EFBIG` instead of killing.
    static func applyResourceLimits(_ settings: SandboxSettings) throws(SandboxError) {
        let limits: [(String, Int32, UInt64, UInt64)] = [
            ("RLIMIT_AS", Int32(RLIMIT_AS.rawValue), settings.addressSpaceBytes, settings.addressSpaceBytes),
            ("RLIMIT_CPU", Int32(RLIMIT_CPU.rawValue), settings.cpuSeconds, settings.cpuSeconds + 1),
            ("RLIMIT_NOFILE", Int32(RLIMIT_NOFILE.rawValue), settings.openFiles, settings.openFiles),
            ("RLIMIT_FSIZE", Int32(RLIMIT_FSIZE.rawValue), 0, 0),
            ("RLIMIT_CORE", Int32(RLIMIT_CORE.rawValue), 0, 0),
        ]
        for (name, resource, soft, hard) in limits {
            guard fovea_set_rlimit(resource, soft, hard) == 0 else {
                throw SandboxError("setrlimit", "\(name) \(soft)/\(hard): \(Errno.last)")
            }
        }
        signal(SIGXFSZ, SIG_IGN)
    }

    /// Step 3, only when running as root; verified, never assumed.
    static func dropRoot(_ settings: SandboxSettings, into status: inout SandboxStatus) throws(SandboxError) {
        if geteuid() == 0 || getuid() == 0 {
            guard fovea_drop_to_user(settings.userID, settings.groupID) == 0 else {
                throw SandboxError("drop root", "setgroups/setresgid/setresuid(\(settings.userID)): \(Errno.last)")
            }
            status.droppedRoot = true
        }
        var ruid: uid_t = 0, euid: uid_t = 0, suid: uid_t = 0, rgid: gid_t = 0, egid: gid_t = 0, sgid: gid_t = 0
        var groups: Int32 = 0
        guard fovea_get_credentials(&ruid, &euid, &suid, &rgid, &egid, &sgid, &groups) == 0 else {
            throw SandboxError("drop root", "getresuid: \(Errno.last)")
        }
        if status.droppedRoot {
            guard ruid == settings.userID, euid == settings.userID, suid == settings.userID,
                  rgid == settings.groupID, egid == settings.groupID, sgid == settings.groupID, groups == 0 else {
                throw SandboxError("drop root", "credentials are uid \(ruid)/\(euid)/\(suid) gid \(rgid)/\(egid)/\(sgid) with \(groups) groups")
            }
            guard fovea_try_regain_root() != 0 else { throw SandboxError("drop root", "setresuid(0) succeeded after the drop") }
        }
        status.userID = Int(euid)
        status.groupID = Int(egid)
    }

    /// Step 4. Never fatal: what could not be entered is reported (the supervisor logs it once).
    static func enterNamespaces(_ settings: SandboxSettings, into status: inout SandboxStatus) {
        if getpid() == 1 { status.namespaces.append("pid") }
        guard settings.namespaces else {
            status.namespaceProblem = "namespaces are turned off"
            return
        }
        let all = Int32(FOVEA_CLONE_NEWUSER | FOVEA_CLONE_NEWNET | FOVEA_CLONE_NEWIPC | FOVEA_CLONE_NEWNS)
        if fovea_unshare(all) == 0 {
            status.namespaces += ["user", "net", "ipc", "mnt"]
        } else {
            let combined = Errno.last
            // Without a user namespace only a privileged process may unshare; try each anyway.
            var problems = ["unshare(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWIPC|CLONE_NEWNS): \(combined)"]
            for (name, flag) in [("net", FOVEA_CLONE_NEWNET), ("ipc", FOVEA_CLONE_NEWIPC), ("mnt", FOVEA_CLONE_NEWNS)] {
                if fovea_unshare(Int32(flag)) == 0 { status.namespaces.append(name) } else { problems.append("\(name): \(Errno.last)") }
            }
            status.namespaceProblem = problems.joined(separator: "; ")
        }
        // A new user namespace grants every capability inside it. One thread, the keeper, keeps
        // them to mount the empty root after the warm-up (``confineFileSystem(_:)``); this one
        // drops them now, so no thread the warm-up starts has any.
        if status.namespaces.contains("user") {
            if fovea_keeper_start() != 0 {
                status.namespaceProblem = [status.namespaceProblem, "no thread could keep the capabilities to empty the root"]
                    .compactMap { $0 }.joined(separator: "; ")
            }
            _ = fovea_drop_capabilities()
        }
    }

    /// Step 5.
    static func lockPrivileges(into status: inout SandboxStatus) throws(SandboxError) {
        // Changing credentials clears the parent-death signal: ask again, and leave at once if
        // the supervisor died in between.
        ProcessControl.dieWithParent()
        do {
            try ProcessControl.setNoNewPrivileges()
            try ProcessControl.setDumpable(false)
        } catch {
            throw SandboxError("prctl", "\(error)")
        }
        status.noNewPrivileges = fovea_get_no_new_privs() == 1
        status.dumpable = fovea_get_dumpable() != 0
        guard status.noNewPrivileges, !status.dumpable else {
            throw SandboxError("prctl", "no_new_privs \(status.noNewPrivileges), dumpable \(status.dumpable)")
        }
    }
}
