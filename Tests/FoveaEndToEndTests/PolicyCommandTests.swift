import Foundation
import Testing

/// `fovea policy`: what a reviewer runs to check the policy and see the compiled filter.
@Suite struct PolicyCommandTests {
    /// Runs `fovea` with `arguments`; returns its exit status, stdout and stderr.
    func fovea(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Daemon.executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    @Test func checkValidatesTheBuiltInPolicy() throws {
        let result = try fovea(["policy", "--check"])
        #expect(result.status == 0)
        let lines = result.out.split(separator: "\n")
        #expect(lines.count == 3, "\(result.out)")
        for (line, source) in zip(lines, ["policies/worker.policy", "policies/code.policy", "policies/code-template.policy"]) {
            #expect(line.hasPrefix("\(source): OK — ") && line.hasSuffix("BPF instructions"), "\(line)")
        }
    }

    @Test func printShowsEveryBuiltInPolicyUnderItsName() throws {
        let result = try fovea(["policy", "--print"])
        #expect(result.status == 0)
        for header in ["# policies/worker.policy (SELF_PID", "# policies/code.policy (SELF_PID 1, CHANNEL_FD 3)",
                       "# policies/code-template.policy (SELF_PID"] {
            #expect(result.out.contains(header), "\(header)")
        }
        #expect(result.out.components(separatedBy: "# default action\n  action KILL_PROCESS;").count == 4)
    }

    @Test func printShowsTheCompiledFilter() throws {
        let result = try fovea(["policy", "--print", "--policy", "worker"])
        #expect(result.status == 0)
        let pfc = result.out
        #expect(pfc.contains("# filter for arch x86_64"))
        #expect(pfc.contains("# filter for syscall \"clone3\" (435)") && pfc.contains("action ERRNO(38);"))
        #expect(pfc.contains("# filter for syscall \"openat\" (257)") && pfc.contains("action ERRNO(13);"))
        #expect(pfc.contains("# default action\n  action KILL_PROCESS;"))
        #expect(pfc.contains("# invalid architecture action\naction KILL_PROCESS;"))
        #expect(!pfc.contains("\"socket\""), "socket has no rule: the default kills it")
    }

    @Test func aBrokenPolicyFileIsRefusedNamingTheLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString).policy").path
        try "read allow\nclone allow if arg0 & CLONE_THRED == 0\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try fovea(["policy", "--check", "--file", path])
        #expect(result.status != 0)
        #expect(result.err.contains("\(path):2: unknown constant 'CLONE_THRED'"), "\(result.err)")
    }
}
