import Foundation
import FoveaProtocol
import Glibc

/// What the supervisor sees of a worker from outside, in `/proc`, to confirm its hello: a
/// worker reports how it sandboxed itself, but the report is the worker's word, so each claim
/// that `/proc` can show is checked there before the worker gets a job.
public struct WorkerInspection: Sendable, Equatable {
    /// `Seccomp:` of `/proc/PID/status` (2: a filter is loaded).
    public var seccomp: Int?
    public var noNewPrivileges: Bool?
    /// Real, effective, saved and file-system uids.
    public var uids: [Int]
    /// The effective capability set, as hex.
    public var effectiveCapabilities: String?
    /// The worker's namespace links that differ from the supervisor's (`pid`, `user`, …), among
    /// those the supervisor may read (root may; another user may not read a non-dumpable process's).
    public var ownNamespaces: Set<String>
    /// The entries of the worker's root directory, or nil if they cannot be listed from here.
    public var rootEntries: [String]?

    /// Reads `/proc/PID/…` of process `pid`.
    public init(pid: pid_t) {
        let fields = ProcStatus.fields(of: String(pid))
        seccomp = fields["Seccomp"].flatMap { Int($0) }
        noNewPrivileges = fields["NoNewPrivs"].map { $0 == "1" }
        uids = (fields["Uid"] ?? "").split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        effectiveCapabilities = fields["CapEff"]
        var own: Set<String> = []
        for kind in ["pid", "user", "net", "ipc", "mnt"] {
            let theirs = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(kind)")
            let ours = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/\(kind)")
            if let theirs, let ours, theirs != ours { own.insert(kind) }
        }
        ownNamespaces = own
        rootEntries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/root/")
    }

    /// Every claim of `hello` that contradicts what `/proc` shows (empty when they agree).
    /// Claims `/proc` cannot show from here (a non-root supervisor cannot read another
    /// process's namespaces or root) are not contradicted.
    public func contradictions(of hello: WorkerHello) -> [String] {
        var found: [String] = []
        if hello.filter, seccomp != 2 { found.append("a seccomp filter, but Seccomp is \(seccomp.map(String.init) ?? "unreadable")") }
        if hello.noNewPrivileges, noNewPrivileges != true { found.append("no_new_privs, but NoNewPrivs is not 1") }
        if uids.count != 4 || uids.contains(where: { $0 != hello.uid }) { found.append("uid \(hello.uid), but the uids are \(uids)") }
        if effectiveCapabilities != "0000000000000000" { found.append("no capabilities, but CapEff is \(effectiveCapabilities ?? "unreadable")") }
        let readable = !ownNamespaces.isEmpty || getuid() == 0
        if readable {
            let missing = Set(hello.namespaces).subtracting(ownNamespaces)
            if !missing.isEmpty { found.append("its own \(missing.sorted().joined(separator: ", ")) namespaces, but they are the supervisor's") }
        }
        if hello.emptyRoot, let rootEntries, !rootEntries.isEmpty {
            found.append("an empty root, but it holds \(rootEntries.prefix(4).joined(separator: ", "))")
        }
        return found
    }
}
