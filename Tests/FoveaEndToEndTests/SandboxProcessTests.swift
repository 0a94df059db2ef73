import Foundation
import FoveaClient
import FoveaProtocol
import Testing

/// The sandbox seen from outside, as Firecracker's tests look at it: for every worker and
/// every thread of it, /proc shows the filter, no-new-privs, an unprivileged uid, other
/// namespaces than the daemon's, the rlimits, and no descriptor but the channel.
@Suite struct SandboxProcessTests {
    @Test func everyThreadOfEveryWorkerIsFilteredUnprivilegedAndIsolated() throws {
        // Three kernel threads, so the workers have helper threads as well as libvips's.
        let daemon = try Daemon(workers: 2, arguments: ["--threads", "3"])
        defer { daemon.stop() }
        let client = try daemon.client()
        let handle = try client.put(try TestImages.encoded(width: 1200, height: 900, format: .jpeg).bytes)
        for _ in 0..<4 { try Sandbox.expectZoomWorks(client, handle: handle) }
        let workers = try Sandbox.waitForWorkers(daemon, count: 2)
        let daemonPID = daemon.process.processIdentifier
        let asRoot = getuid() == 0

        for pid in workers {
            let threads = Sandbox.threads(of: pid)
            #expect(threads.count >= 3, "worker \(pid) has threads \(threads)")
            for tid in threads {
                let status = Sandbox.status("/proc/\(pid)/task/\(tid)/status")
                #expect(status["Seccomp"] == "2", "worker \(pid) thread \(tid) (\(status["Name"] ?? "")): Seccomp \(status["Seccomp"] ?? "missing")")
                #expect(status["Seccomp_filters"] == "1", "worker \(pid) thread \(tid)")
                #expect(status["NoNewPrivs"] == "1", "worker \(pid) thread \(tid)")
                let uids = (status["Uid"] ?? "").split(whereSeparator: \.isWhitespace)
                let gids = (status["Gid"] ?? "").split(whereSeparator: \.isWhitespace)
                #expect(uids.count == 4 && gids.count == 4)
                if asRoot {
                    #expect(uids.allSatisfy { $0 != "0" }, "worker \(pid) thread \(tid) has uids \(uids)")
                    #expect(gids.allSatisfy { $0 != "0" }, "worker \(pid) thread \(tid) has gids \(gids)")
                    #expect(status["Groups"] == "", "supplementary groups: \(status["Groups"] ?? "")")
                } else {
                    #expect(uids.allSatisfy { $0 == "\(getuid())" })
                }
                #expect(status["CapEff"] == "0000000000000000", "worker \(pid) thread \(tid) CapEff \(status["CapEff"] ?? "")")
            }
            // An empty, read-only root: the host's tree is not in the worker's mount namespace.
            let root = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/root/")
            #expect(root == [], "worker \(pid) sees \(root) in its root directory")
            #expect(Sandbox.status("/proc/\(pid)/status")["NSpid"]?.hasSuffix("\t1") == true, "worker \(pid) is not pid 1 of its own namespace")
            if asRoot {
                for kind in ["net", "ipc", "mnt", "user", "pid"] {
                    let own = Sandbox.namespace(kind, of: pid), daemons = Sandbox.namespace(kind, of: daemonPID)
                    #expect(own != nil && own != daemons, "worker \(pid) \(kind) namespace \(own ?? "?") vs the daemon's \(daemons ?? "?")")
                }
            }
            // Idle: the channel and nothing else (no Dispatch event descriptors, no stdio).
            // The last reply's memfds are closed just after they are sent: allow a moment.
            var fds = Sandbox.descriptors(of: pid)
            for _ in 0..<50 where fds.count > 1 {
                Thread.sleep(forTimeInterval: 0.02)
                fds = Sandbox.descriptors(of: pid)
            }
            #expect(Array(fds.keys) == ["3"], "worker \(pid) descriptors: \(fds)")
            #expect(fds["3"]?.hasPrefix("socket:") == true)
        }
    }

    @Test func workersRunWithTheirResourceLimitsAndAnEmptyEnvironment() throws {
        let daemon = try Daemon(workers: 1, arguments: ["--worker-address-space", "3G", "--worker-cpu-seconds", "900"])
        defer { daemon.stop() }
        let pid = try #require(try Sandbox.waitForWorkers(daemon, count: 1).first)
        let limits = Sandbox.read("/proc/\(pid)/limits") ?? ""
        func limit(_ name: String) -> [String] {
            guard let line = limits.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return [] }
            return line.dropFirst(name.count).split(whereSeparator: \.isWhitespace).prefix(2).map(String.init)
        }
        #expect(limit("Max address space") == ["3221225472", "3221225472"])
        #expect(limit("Max cpu time") == ["900", "901"])
        #expect(limit("Max open files") == ["16", "16"])
        #expect(limit("Max file size") == ["0", "0"])
        #expect(limit("Max core file size") == ["0", "0"])
        #expect(Sandbox.read("/proc/\(pid)/environ") == "")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd") == "/")
    }

    @Test func unsafeNoSandboxSkipsOnlyTheFilterAndSaysSoLoudly() throws {
        let daemon = try Daemon(workers: 1, arguments: ["--unsafe-no-sandbox"])
        let pid = try #require(try Sandbox.waitForWorkers(daemon, count: 1).first)
        let status = Sandbox.status("/proc/\(pid)/status")
        #expect(status["Seccomp"] == "0")
        #expect(status["NoNewPrivs"] == "1")
        if getuid() == 0 { #expect(status["Uid"]?.hasPrefix("0") == false) }
        #expect(Array(Sandbox.descriptors(of: pid).keys) == ["3"])
        daemon.stop()
        let log = daemon.stderrSoFar()
        #expect(log.contains("UNSAFE: --unsafe-no-sandbox: workers will NOT load their seccomp filter"), "\(log)")
        #expect(log.contains("UNSAFE: worker 0 (pid \(pid)) runs WITHOUT its seccomp filter"), "\(log)")
    }
}
