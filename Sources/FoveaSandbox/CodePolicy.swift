import Glibc

/// The code tool's seccomp policies, compiled into the binary like the worker's
/// (``WorkerPolicy``; symlinks in `Sources/FoveaSandbox/Resources`):
///
/// - `policies/code.policy`: what a session's interpreter may do while it runs model code. Each
///   interpreter is pid 1 of its own PID namespace and has its channel on descriptor 3, so one
///   program serves them all (`SELF_PID` 1, `CHANNEL_FD` 3).
/// - `policies/code-template.policy`: the template interpreter that forks them, a superset
///   (filters stack: a child lives under both), compiled for the template's pid.
///
/// The interpreters are CPython and do not link libseccomp: the supervisor compiles each policy
/// with libseccomp and sends the BPF program, which the runner installs with one `prctl`.
/// docs/CODE-RUNNER.md explains every rule.
public enum CodePolicy {
    public static let childPath = "policies/code.policy"
    public static let templatePath = "policies/code-template.policy"

    public static var childText: String { String(decoding: PackageResources.code_policy, as: UTF8.self) }
    public static var templateText: String { String(decoding: PackageResources.code_template_policy, as: UTF8.self) }

    public static func parsedChild() throws(PolicyError) -> SeccompPolicy {
        try SeccompPolicy(parsing: childText, source: childPath)
    }

    public static func parsedTemplate() throws(PolicyError) -> SeccompPolicy {
        try SeccompPolicy(parsing: templateText, source: templatePath)
    }

    /// The interpreters' filter: pid 1 of their namespace, channel on descriptor 3.
    public static func childFilter() throws(PolicyError) -> SeccompFilter {
        try SeccompFilter(parsedChild(), context: PolicyContext(processID: 1, channelDescriptor: 3))
    }

    /// The template's filter, for the template process `pid` (its channel on descriptor 3).
    public static func templateFilter(pid: pid_t) throws(PolicyError) -> SeccompFilter {
        try SeccompFilter(parsedTemplate(), context: PolicyContext(processID: pid, channelDescriptor: 3))
    }
}
