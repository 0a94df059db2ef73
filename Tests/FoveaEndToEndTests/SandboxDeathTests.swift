import Foundation
import FoveaClient
import FoveaProtocol
import Testing

/// Death tests through the real daemon (Chromium's BPF_DEATH_TEST, Firecracker's "malicious
/// binary"): a sandboxed worker attempts one forbidden thing (`debug/sandbox_probe`); the
/// attempt fails with an errno or the filter kills the worker with SIGSYS; the daemon answers,
/// the worker is replaced, and the next real call succeeds.
@Suite struct SandboxDeathTests {
    /// Classes the policy refuses with an errno: the worker lives on.
    static let denied: [(action: String, errno: String)] = [
        ("open", "Permission denied (errno 13)"),        // open/openat → EACCES
        ("write_file", "Permission denied (errno 13)"),  // openat(O_CREAT) → EACCES
        ("stat_path", "Permission denied (errno 13)"),   // newfstatat(AT_FDCWD, path, AT_EMPTY_PATH) → EACCES
        ("mmap_exec", "Operation not permitted (errno 1)"),  // mmap(PROT_EXEC) → EPERM
        ("write_fd", "Bad file descriptor (errno 9)"),   // write to anything but a kept stderr → EBADF
    ]

    /// Classes the policy kills: the worker dies with SIGSYS.
    static let killed = ["socket", "exec", "fork", "ptrace", "mount", "bpf", "keyctl", "unshare", "clone_process",
                         "clone_thread_flags"]

    @Test(arguments: denied.map(\.action))
    func deniedProbeFailsWithAnErrnoAndTheWorkerServesOn(action: String) throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let client = try daemon.client()
        let handle = try client.put(Sandbox.goodPNG)
        let before = try Sandbox.waitForWorkers(daemon, count: 1)

        let probe = try Sandbox.probe(client, action)
        #expect(probe.outcome == "denied", "\(probe)")
        let expected = Self.denied.first { $0.action == action }!.errno
        #expect(probe.detail.hasSuffix("failed: \(expected)"), "\(probe.detail)")

        try Sandbox.expectZoomWorks(client, handle: handle)
        #expect(try Sandbox.waitForWorkers(daemon, count: 1) == before, "a denied call must not cost a worker")
    }

    @Test(arguments: killed)
    func killedProbeEndsTheWorkerWithSIGSYSAndTheNextCallSucceeds(action: String) throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let client = try daemon.client()
        let handle = try client.put(Sandbox.goodPNG)
        let before = try Sandbox.waitForWorkers(daemon, count: 1)

        let probe = try Sandbox.probe(client, action)
        #expect(probe.outcome == "killed", "\(action): \(probe)")
        #expect(probe.signal == "SIGSYS", "\(action): \(probe)")
        #expect(probe.detail == "worker killed by signal 31 (SIGSYS)")

        // The daemon answers, a real call succeeds, and the worker count is restored.
        #expect(try client.call("ping") == [:])
        try Sandbox.expectZoomWorks(client, handle: handle)
        let after = try Sandbox.waitForWorkers(daemon, count: 1, excluding: before)
        #expect(after.count == 1 && after != before, "the killed worker was replaced: \(before) → \(after)")
        let restarts = (try client.call("server/stats")["workers"]?.arrayValue ?? []).compactMap { $0["restarts"]?.intValue }
        #expect(restarts == [1])
    }

    @Test func aCrashEndsTheWorkerWithItsOwnSignal() throws {
        // Swift's crash handler would spawn a backtracer (and die of SIGSYS); workers reset it.
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let client = try daemon.client()
        let probe = try Sandbox.probe(client, "crash")
        #expect(probe.outcome == "killed" && probe.signal == "SIGSEGV", "\(probe)")
        let handle = try client.put(Sandbox.goodPNG)
        try Sandbox.expectZoomWorks(client, handle: handle)
    }

    @Test func withoutTestHooksTheProbeDoesNotExist() throws {
        let daemon = try Daemon(workers: 1, testHooks: false)
        defer { daemon.stop() }
        let client = try daemon.client()
        do {
            _ = try client.call("debug/sandbox_probe", params: ["action": "socket"])
            Issue.record("debug/sandbox_probe answered without FOVEA_TEST_HOOKS=1")
        } catch let error as RPCFailureResponse {
            #expect(error.code == -32601)
        }
        // The crash marker is inert too: the image decodes like any other.
        let marked = Sandbox.goodPNG + Array(TestHookMarker.crashOnDecode.utf8)
        let result = try client.tool("zoom", ["image": Sandbox.dataURL(marked), "bbox_2d": [0, 0, 500, 500]])
        #expect(result["isError"] == false, "\(result.toolText ?? "")")
    }
}
