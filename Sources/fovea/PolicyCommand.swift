import ArgumentParser
import FoveaSandbox
import Glibc

struct Policy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check or print the seccomp policies: workers' (policies/worker.policy) and the code tool's interpreters' and template's (policies/code.policy, policies/code-template.policy).",
        discussion: """
            Without --file, the policies built into this binary (what workers and interpreters \
            enforce); --policy picks one (default: all for --check and --print). --print shows \
            the filter libseccomp compiles (pseudo filter code) with SELF_PID and CHANNEL_FD as \
            given (default: a worker's and an interpreter's own values: this process's pid for \
            the worker and template policies, 1 for code.policy, channel 3). --bpf writes one \
            compiled program.
            """)

    enum Which: String, ExpressibleByArgument, CaseIterable {
        case worker, code, template = "code-template", all
    }

    @Flag(help: "Print the compiled filter (libseccomp's seccomp_export_pfc).")
    var print = false

    @Flag(help: "Only check that the policy parses and compiles.")
    var check = false

    @Option(help: "Check or print this policy file instead of the built-in ones.")
    var file: String?

    @Option(help: "Which built-in policy: worker, code, code-template or all.")
    var policy: Which = .all

    @Option(help: ArgumentHelp("Write the compiled BPF program (struct sock_filter records) to this file.", valueName: "path"))
    var bpf: String?

    @Option(name: .customLong("self-pid"), help: "SELF_PID (default: this process's pid; 1 for code.policy).")
    var selfPID: Int32?

    @Option(name: .customLong("channel-fd"), help: "CHANNEL_FD.")
    var channelFD: Int32 = 3

    func validate() throws {
        guard [print, check, bpf != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --print, --check and --bpf")
        }
        if bpf != nil && file == nil && policy == .all {
            throw ValidationError("--bpf writes one program: give --file or --policy worker|code|code-template")
        }
    }

    func run() throws {
        let chosen: [(SeccompPolicy, Int32)]
        do {
            if let file {
                chosen = [(try SeccompPolicy(parsing: try Self.read(file), source: file), selfPID ?? getpid())]
            } else {
                var all: [(Which, SeccompPolicy, Int32)] = [
                    (.worker, try WorkerPolicy.parsed(), selfPID ?? getpid()),
                    (.code, try CodePolicy.parsedChild(), selfPID ?? 1),
                    (.template, try CodePolicy.parsedTemplate(), selfPID ?? getpid()),
                ]
                if policy != .all { all = all.filter { $0.0 == policy } }
                chosen = all.map { ($0.1, $0.2) }
            }
        } catch let error as PolicyError {
            throw ValidationError("\(error)")
        }
        for (index, (policy, pid)) in chosen.enumerated() {
            let filter: SeccompFilter
            do {
                filter = try SeccompFilter(policy, context: PolicyContext(processID: pid, channelDescriptor: channelFD, stderrDescriptor: nil))
            } catch {
                throw ValidationError("\(error)")
            }
            if print {
                if chosen.count > 1 { Swift.print("\(index == 0 ? "" : "\n")# \(policy.source) (SELF_PID \(pid), CHANNEL_FD \(channelFD))") }
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
