/// Why the supervisor stopped an interpreter during a call. The interpreter is killed, so the
/// call has no reply: its observation is the sentence below, written in the family's style
/// (docs/CODE-CONVENTIONS.md, "What Fovea says where the harness is silent").
public enum CodeStop: Sendable, Equatable {
    /// Still running `seconds` after it started (the hard deadline: the runner's own soft
    /// deadline did not stop it).
    case deadline(seconds: Double)
    /// Over its memory limit (`limitBytes` of address space or cgroup memory).
    case memory(limitBytes: Int)
    /// Died on a signal or exited (`detail`: `SIGSEGV`, `exit status 3`, …).
    case crash(detail: String)
    /// Killed by the seccomp filter (`SIGSYS`) for a system call whose rule kills; `syscall`
    /// when the supervisor knows which.
    case forbidden(syscall: String?)

    /// SPEC §3.1's sentence: `code ran longer than 30 s and was stopped; the session's
    /// variables are gone`.
    public var sentence: String {
        switch self {
        case .deadline(let seconds):
            return "code ran longer than \(formatNumber(seconds)) s and was stopped; the session's variables are gone"
        case .memory(let limit):
            return "code used more than the \(CodeStop.mebibytes(limit)) MiB of memory it may use and was stopped; the session's variables are gone"
        case .crash(let detail):
            return "the interpreter crashed (\(detail)) while running the code; the session's variables are gone"
        case .forbidden(let syscall):
            return "code made a system call the sandbox forbids\(syscall.map { " (\($0))" } ?? "") and was stopped; the session's variables are gone"
        }
    }

    /// The exception class a Python programmer would expect: `TimeoutError`, `MemoryError`,
    /// `SystemError` (the interpreter itself failed), `PermissionError`.
    public var errorType: String {
        switch self {
        case .deadline: return "TimeoutError"
        case .memory: return "MemoryError"
        case .crash: return "SystemError"
        case .forbidden: return "PermissionError"
        }
    }

    /// What happened, for the next call's restart note: `it ran longer than 30 s`.
    public var reason: String {
        switch self {
        case .deadline(let seconds): return "it ran longer than \(formatNumber(seconds)) s"
        case .memory(let limit): return "it used more than \(CodeStop.mebibytes(limit)) MiB of memory"
        case .crash(let detail): return "it crashed (\(detail))"
        case .forbidden(let syscall): return "it made a system call the sandbox forbids\(syscall.map { " (\($0))" } ?? "")"
        }
    }

    static func mebibytes(_ bytes: Int) -> String {
        formatNumber(Double(bytes) / 1_048_576, maximumFractionDigits: 1)
    }
}

/// Why a session's call runs in a new interpreter although the session had one: the next
/// call's text says so, so the model does not reach for variables that are gone.
public enum CodeSessionRestart: Sendable, Equatable {
    /// The previous call's interpreter was stopped (deadline, memory, crash, forbidden call).
    case stopped(CodeStop)
    /// The session ended after `seconds` without a call (`--session-idle`).
    case idle(seconds: Double)
    /// The session ended to make room, the least recently used of `maximumSessions`.
    case evicted(maximumSessions: Int)

    /// `this session's interpreter was stopped (it ran longer than 30 s); it starts fresh: …`
    public var sentence: String {
        let fresh = "it starts fresh: variables, imports and figures of earlier calls are gone"
        switch self {
        case .stopped(let stop):
            return "this session's interpreter was stopped during an earlier call (\(stop.reason)); \(fresh)"
        case .idle(let seconds):
            return "this session's interpreter was closed after \(formatNumber(seconds)) s without a call; \(fresh)"
        case .evicted(let maximum):
            return "this session's interpreter was closed to make room for other sessions (at most \(maximum) run at once); \(fresh)"
        }
    }
}

extension CodeOutputCut {
    /// The line put where the middle of a long stream was left out.
    public var marker: String { "\n[… \(bytes) bytes of output omitted …]\n" }

    /// `text` with ``marker`` at the cut.
    func restore(_ text: String) -> String {
        let scalars = text.unicodeScalars
        let index = scalars.index(scalars.startIndex, offsetBy: min(at, scalars.count))
        return String(scalars[..<index]) + marker + String(scalars[index...])
    }
}
