import Glibc

/// The policy workers enforce: `policies/worker.policy`, compiled into the binary.
///
/// `Sources/FoveaSandbox/Resources/worker.policy` is a symlink to it and SwiftPM embeds the
/// bytes (`resources: [.embedInCode(...)]`), so a deployed binary needs no file next to it and
/// a worker, which may not open files, never reads one. FoveaSandboxTests checks that the
/// embedded text equals the file in the source tree.
public enum WorkerPolicy {
    /// The path reviewers read, relative to the package root; used in error messages.
    public static let path = "policies/worker.policy"

    /// The policy text as built into this binary.
    public static var text: String { String(decoding: PackageResources.worker_policy, as: UTF8.self) }

    /// The embedded policy, parsed.
    public static func parsed() throws(PolicyError) -> SeccompPolicy {
        try SeccompPolicy(parsing: text, source: path)
    }

    /// The embedded policy compiled for the calling process (`SELF_PID` = `getpid()`).
    public static func compiled(channelDescriptor: Int32, keepsStderr: Bool = false) throws(PolicyError) -> SeccompFilter {
        try SeccompFilter(parsed(), context: .current(channelDescriptor: channelDescriptor, keepsStderr: keepsStderr))
    }
}

extension PolicyContext {
    /// The calling process's pid with `channelDescriptor`, and descriptor 2 when it keeps stderr.
    public static func current(channelDescriptor: Int32, keepsStderr: Bool = false) -> PolicyContext {
        PolicyContext(processID: getpid(), channelDescriptor: channelDescriptor, stderrDescriptor: keepsStderr ? 2 : nil)
    }
}
