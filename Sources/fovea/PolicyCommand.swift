import ArgumentParser
import FoveaSandbox
import Glibc

struct Policy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check or print the worker seccomp policy (policies/worker.policy).",
        discussion: """
            Without --file, the policy built into this binary (what workers enforce). --print \
            shows the filter libseccomp compiles from it (pseudo filter code); SELF_PID is this \
            process's pid there, a worker's own pid when a worker compiles it.
            """)

    @Flag(help: "Print the compiled filter (libseccomp's seccomp_export_pfc).")
    var print = false

    @Flag(help: "Only check that the policy parses and compiles.")
    var check = false

    @Option(help: "Check or print this policy file instead of the built-in one.")
    var file: String?

    @Option(help: ArgumentHelp("Write the compiled BPF program (struct sock_filter records) to this file.", valueName: "path"))
    var bpf: String?

    @Option(name: .customLong("self-pid"), help: "SELF_PID for --print/--bpf (default: this process's pid).")
    var selfPID: Int32?

    @Option(name: .customLong("channel-fd"), help: "CHANNEL_FD for --print/--bpf.")
    var channelFD: Int32 = 3

    func validate() throws {
        guard [print, check, bpf != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --print, --check and --bpf")
        }
    }

    func run() throws {
        let policy: SeccompPolicy
        do {
            if let file {
                policy = try SeccompPolicy(parsing: try Self.read(file), source: file)
            } else {
                policy = try WorkerPolicy.parsed()
            }
        } catch let error as PolicyError {
            throw ValidationError("\(error)")
        }
        let filter: SeccompFilter
        do {
            filter = try SeccompFilter(policy, context: PolicyContext(processID: selfPID ?? getpid(), channelDescriptor: channelFD,
                                                                      stderrDescriptor: nil))
        } catch {
            throw ValidationError("\(error)")
        }
        if print {
            fflush(nil)
            try filter.exportPFC(to: STDOUT_FILENO)
        } else if let bpf {
            let program = try filter.exportBPF()
            let fd = open(bpf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw ValidationError("cannot write \(bpf): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            guard program.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == program.count else {
                throw ValidationError("cannot write \(bpf): \(String(cString: strerror(errno)))")
            }
        } else {
            let counts = Dictionary(grouping: policy.rules, by: { $0.action.description.split(separator: " ")[0] }).mapValues(\.count)
            Swift.print("\(policy.source): OK — \(policy.rules.count) rules (allow \(counts["allow"] ?? 0), errno \(counts["errno"] ?? 0), kill \(counts["kill"] ?? 0)); \(try filter.instructionCount()) BPF instructions")
        }
    }

    private static func read(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ValidationError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw ValidationError("cannot read \(path): \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
