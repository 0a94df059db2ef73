import Foundation
import Testing
@testable import FoveaSandbox

/// policies/worker.policy, as built into the binary: the file a reviewer reads is the one
/// workers enforce, and it has the shape the issue asks for.
@Suite struct WorkerPolicyTests {
    static let sourceFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("policies/worker.policy")

    @Test func theEmbeddedPolicyIsTheFileInPolicies() throws {
        let onDisk = try String(contentsOf: Self.sourceFile, encoding: .utf8)
        #expect(WorkerPolicy.text == onDisk, "rebuild: the binary embeds a different policy than policies/worker.policy")
        let link = try FileManager.default.destinationOfSymbolicLink(
            atPath: Self.sourceFile.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Sources/FoveaSandbox/Resources/worker.policy").path)
        #expect(link == "../../../policies/worker.policy")
    }

    @Test func itParsesAndCompiles() throws {
        let filter = try WorkerPolicy.compiled(channelDescriptor: 3)
        #expect(filter.policy.rules.count > 40)
        #expect(try filter.instructionCount() < 400)
    }

    @Test func cloneOnlyMakesThreadsAndClone3FallsBackToClone() throws {
        let policy = try WorkerPolicy.parsed()
        let clone = policy.rules(for: "clone")
        #expect(clone.count == 1)
        #expect(clone.first?.action == .allow)
        // Exactly glibc's pthread_create flags (nptl/pthread_create.c): CLONE_VM|CLONE_FS|
        // CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID.
        #expect(clone.first?.conditions == [ArgumentCondition(argument: 0, comparison: .equal, value: .literal(0x3d0f00))])
        #expect(policy.rules(for: "clone3").map(\.action) == [.errno(code: 38, name: "ENOSYS")])
    }

    @Test func fileOpensFailWithEACCES() throws {
        let policy = try WorkerPolicy.parsed()
        for call in ["open", "openat", "openat2"] {
            #expect(policy.rules(for: call).map(\.action) == [.errno(code: 13, name: "EACCES")], "\(call)")
        }
    }

    @Test func dangerousClassesAreListedAsKill() throws {
        let policy = try WorkerPolicy.parsed()
        let killed = ["socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "execve", "execveat",
                      "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2",
                      "pivot_root", "chroot", "unshare", "setns", "bpf", "keyctl", "add_key", "request_key",
                      "perf_event_open", "userfaultfd", "io_uring_setup", "memfd_create", "init_module",
                      "finit_module", "kexec_load", "setuid", "setresuid", "setgroups"]
        for call in killed {
            #expect(policy.rules(for: call).map(\.action) == [.kill], "\(call)")
        }
    }

    @Test func theChannelIsTheOnlySocketAndOnlyTheWorkerItselfCanBeSignalled() throws {
        let policy = try WorkerPolicy.parsed()
        for call in ["sendmsg", "recvmsg"] {
            #expect(policy.rules(for: call).map(\.conditions) == [[ArgumentCondition(argument: 0, comparison: .equal, value: .channelDescriptor)]])
        }
        #expect(policy.rules(for: "tgkill").map(\.conditions) == [[ArgumentCondition(argument: 0, comparison: .equal, value: .selfPID)]])
        #expect(policy.rules(for: "kill").map(\.action) == [.kill])
    }

    @Test func writesGoOnlyToAKeptStderr() throws {
        let policy = try WorkerPolicy.parsed()
        for call in ["write", "writev"] {
            let rules = policy.rules(for: call)
            #expect(rules.map(\.action) == [.allow, .errno(code: 9, name: "EBADF")], "\(call)")
            #expect(rules.map(\.conditions) == [[ArgumentCondition(argument: 0, comparison: .equal, value: .stderrDescriptor)],
                                                [ArgumentCondition(argument: 0, comparison: .notEqual, value: .stderrDescriptor)]])
        }
    }
}
