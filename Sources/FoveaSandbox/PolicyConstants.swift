/// The names a policy may use: constants in conditions and errno names in `errno` actions.
/// Values are the Linux x86-64 ABI's (checked against the C headers by FoveaSandboxTests).
public enum PolicyConstants {
    /// Constants usable in conditions, e.g. `arg0 & CLONE_THREAD == CLONE_THREAD`.
    public static let values: [String: UInt64] = {
        var table: [String: UInt64] = [:]
        for (name, value) in cloneFlags { table[name] = value }
        for (name, value) in other { table[name] = value }
        return table
    }()

    /// `clone` flags (linux/sched.h).
    static let cloneFlags: [(String, UInt64)] = [
        ("CSIGNAL", 0xff), ("CLONE_VM", 0x100), ("CLONE_FS", 0x200), ("CLONE_FILES", 0x400),
        ("CLONE_SIGHAND", 0x800), ("CLONE_PIDFD", 0x1000), ("CLONE_PTRACE", 0x2000),
        ("CLONE_VFORK", 0x4000), ("CLONE_PARENT", 0x8000), ("CLONE_THREAD", 0x10000),
        ("CLONE_NEWNS", 0x20000), ("CLONE_SYSVSEM", 0x40000), ("CLONE_SETTLS", 0x80000),
        ("CLONE_PARENT_SETTID", 0x100000), ("CLONE_CHILD_CLEARTID", 0x200000),
        ("CLONE_DETACHED", 0x400000), ("CLONE_UNTRACED", 0x800000),
        ("CLONE_CHILD_SETTID", 0x1000000), ("CLONE_NEWCGROUP", 0x2000000),
        ("CLONE_NEWUTS", 0x4000000), ("CLONE_NEWIPC", 0x8000000), ("CLONE_NEWUSER", 0x10000000),
        ("CLONE_NEWPID", 0x20000000), ("CLONE_NEWNET", 0x40000000), ("CLONE_IO", 0x80000000),
    ]

    static let other: [(String, UInt64)] = [
        // prctl options (linux/prctl.h)
        ("PR_SET_PDEATHSIG", 1), ("PR_GET_PDEATHSIG", 2), ("PR_GET_DUMPABLE", 3), ("PR_SET_DUMPABLE", 4),
        ("PR_SET_NAME", 15), ("PR_GET_NAME", 16), ("PR_CAPBSET_READ", 23), ("PR_SET_NO_NEW_PRIVS", 38),
        ("PR_GET_NO_NEW_PRIVS", 39),
        // fcntl commands (linux/fcntl.h)
        ("F_DUPFD", 0), ("F_GETFD", 1), ("F_SETFD", 2), ("F_GETFL", 3), ("F_SETFL", 4),
        ("F_DUPFD_CLOEXEC", 1030), ("F_ADD_SEALS", 1033), ("F_GET_SEALS", 1034),
        // mmap/mprotect protections and flags (asm-generic/mman-common.h)
        ("PROT_NONE", 0), ("PROT_READ", 1), ("PROT_WRITE", 2), ("PROT_EXEC", 4),
        ("MAP_SHARED", 1), ("MAP_PRIVATE", 2), ("MAP_FIXED", 0x10), ("MAP_ANONYMOUS", 0x20),
        // *at flags (linux/fcntl.h)
        ("AT_SYMLINK_NOFOLLOW", 0x100), ("AT_EMPTY_PATH", 0x1000),
        // madvise advice (asm-generic/mman-common.h)
        ("MADV_NORMAL", 0), ("MADV_RANDOM", 1), ("MADV_SEQUENTIAL", 2), ("MADV_WILLNEED", 3),
        ("MADV_DONTNEED", 4), ("MADV_FREE", 8), ("MADV_REMOVE", 9), ("MADV_DONTFORK", 10),
        ("MADV_DOFORK", 11), ("MADV_HUGEPAGE", 14), ("MADV_NOHUGEPAGE", 15), ("MADV_DONTDUMP", 16),
        // signals (asm/signal.h)
        ("SIGABRT", 6), ("SIGBUS", 7), ("SIGFPE", 8), ("SIGKILL", 9), ("SIGSEGV", 11), ("SIGTRAP", 5),
        ("SIGILL", 4), ("SIGSYS", 31),
        // rlimit resources (asm-generic/resource.h)
        ("RLIMIT_CPU", 0), ("RLIMIT_FSIZE", 1), ("RLIMIT_STACK", 3), ("RLIMIT_CORE", 4),
        ("RLIMIT_NOFILE", 7), ("RLIMIT_AS", 9),
    ]

    /// Names that stand for a value of the loading process, not a number.
    public static let contextual: [String: PolicyValue] = [
        "SELF_PID": .selfPID,
        "CHANNEL_FD": .channelDescriptor,
        "STDERR_FD": .stderrDescriptor,
    ]

    /// errno names usable in `errno NAME` (asm-generic/errno-base.h, errno.h).
    public static let errnos: [String: UInt16] = [
        "EPERM": 1, "ENOENT": 2, "ESRCH": 3, "EINTR": 4, "EIO": 5, "ENXIO": 6, "E2BIG": 7,
        "ENOEXEC": 8, "EBADF": 9, "ECHILD": 10, "EAGAIN": 11, "ENOMEM": 12, "EACCES": 13,
        "EFAULT": 14, "EBUSY": 16, "EEXIST": 17, "EXDEV": 18, "ENODEV": 19, "ENOTDIR": 20,
        "EISDIR": 21, "EINVAL": 22, "ENFILE": 23, "EMFILE": 24, "ENOTTY": 25, "EFBIG": 27,
        "ENOSPC": 28, "ESPIPE": 29, "EROFS": 30, "EMLINK": 31, "EPIPE": 32, "ERANGE": 34,
        "ENOSYS": 38, "ENOTSUP": 95, "EOPNOTSUPP": 95, "EAFNOSUPPORT": 97,
    ]
}
