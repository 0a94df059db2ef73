import CLinux
import CSeccomp
import Glibc
import SystemPackage

/// A policy compiled by libseccomp into a BPF program, ready to load.
///
/// Default action and bad-architecture action: `SCMP_ACT_KILL_PROCESS`. Loading synchronises
/// every thread of the process (`SCMP_FLTATR_CTL_TSYNC`), so threads started before the filter
/// (libvips's and Dispatch's) are covered too; threads started later inherit it. `kill` rules
/// add nothing: the default kills them.
public final class SeccompFilter {
    public let policy: SeccompPolicy
    public let context: PolicyContext
    private let filter: scmp_filter_ctx

    public init(_ policy: SeccompPolicy, context: PolicyContext) throws(PolicyError) {
        self.policy = policy
        self.context = context
        var error: Int32 = 0
        guard let filter = fovea_seccomp_new_filter(&error) else {
            throw PolicyError(source: policy.source, line: 0, message: "libseccomp could not create a filter: \(Self.describe(error))")
        }
        self.filter = filter
        for rule in policy.rules {
            let action: UInt32
            switch rule.action {
            case .kill: continue
            case .allow: action = fovea_seccomp_action_allow()
            case .errno(let code, _): action = fovea_seccomp_action_errno(code)
            }
            let comparisons = rule.conditions.map { condition -> scmp_arg_cmp in
                let value = condition.value.resolved(in: context)
                switch condition.comparison {
                case .maskedEqual:
                    return scmp_arg_cmp(arg: UInt32(condition.argument), op: SCMP_CMP_MASKED_EQ, datum_a: condition.mask, datum_b: value)
                case .equal: return scmp_arg_cmp(arg: UInt32(condition.argument), op: SCMP_CMP_EQ, datum_a: value, datum_b: 0)
                case .notEqual: return scmp_arg_cmp(arg: UInt32(condition.argument), op: SCMP_CMP_NE, datum_a: value, datum_b: 0)
                case .less: return scmp_arg_cmp(arg: UInt32(condition.argument), op: SCMP_CMP_LT, datum_a: value, datum_b: 0)
                case .lessOrEqual: return scmp_arg_cmp(arg: UInt32(condition.argument), op: SCMP_CMP_LE, datum_a: value, datum_b: 0)
                case .greater: return scmp_arg_cmp(arg: UInt32(condition.argument), op: SCMP_CMP_GT, datum_a: value, datum_b: 0)
                case .greaterOrEqual: return scmp_arg_cmp(arg: UInt32(condition.argument), op: SCMP_CMP_GE, datum_a: value, datum_b: 0)
                }
            }
            let result = comparisons.withUnsafeBufferPointer { buffer in
                seccomp_rule_add_array(filter, action, rule.number, UInt32(buffer.count), buffer.baseAddress)
            }
            if result != 0 {
                // Every property is set, so deinit runs and releases the filter.
                let why = result == -EEXIST
                    ? "it overlaps an earlier rule for the call with another action (libseccomp: \(Self.describe(result)))"
                    : Self.describe(result)
                throw PolicyError(source: policy.source, line: rule.line, message: "libseccomp refused the rule for '\(rule.syscall)': \(why)")
            }
        }
    }

    deinit { seccomp_release(filter) }

    /// Installs the filter on every thread of this process (`seccomp_load` with TSYNC). There is
    /// no way back.
    public func load() throws(SystemCallError) {
        let result = seccomp_load(filter)
        if result != 0 {
            throw SystemCallError("seccomp_load", errno: Errno(rawValue: -result), context: "\(policy.source), TSYNC")
        }
    }

    /// Writes libseccomp's human-readable pseudo filter code (`seccomp_export_pfc`) to `fd`.
    public func exportPFC(to fd: Int32) throws(SystemCallError) {
        let result = seccomp_export_pfc(filter, fd)
        if result != 0 { throw SystemCallError("seccomp_export_pfc", errno: Errno(rawValue: -result)) }
    }

    /// The size of the compiled BPF program in instructions.
    public func instructionCount() throws -> Int { try exportBPF().count / 8 }

    /// The compiled BPF program (`seccomp_export_bpf`): `struct sock_filter` records of 8 bytes,
    /// what a process that cannot link libseccomp (a forked Python interpreter) installs with
    /// `prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program)`.
    public func exportBPF() throws -> [UInt8] {
        let fd = fovea_memfd_create("fovea-bpf")
        guard fd >= 0 else { throw SystemCallError("memfd_create", context: "BPF export") }
        defer { close(fd) }
        let result = seccomp_export_bpf(filter, fd)
        if result != 0 { throw SystemCallError("seccomp_export_bpf", errno: Errno(rawValue: -result)) }
        let size = Int(lseek(fd, 0, SEEK_END))
        var bytes = [UInt8](repeating: 0, count: size)
        let read = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, size, 0) }
        guard read == size else { throw SystemCallError("pread", context: "BPF export") }
        return bytes
    }

    /// The libseccomp this binary runs with, e.g. `2.5.4`.
    public static var libseccompVersion: String { String(cString: fovea_seccomp_version()) }

    static func describe(_ negativeErrno: Int32) -> String {
        "\(String(cString: strerror(-negativeErrno))) (\(-negativeErrno))"
    }
}
