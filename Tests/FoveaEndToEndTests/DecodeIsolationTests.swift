import Foundation
import FoveaClient
import FoveaProtocol
import Testing

/// Decode isolation (the default): a worker that decoded an image is replaced before it takes
/// another job, by the spare its slot started while it had nothing queued.
@Suite struct DecodeIsolationTests {
    @Test func aWorkerThatDecodedIsReplacedAndASpareWaitsWhileIdle() throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let client = try daemon.client()
        let before = try Sandbox.waitForWorkers(daemon, count: 1)
        let supervisor = try #require(Self.parent(of: before[0]))
        // Idle: the current worker and a spare (each `/proc/self/exe worker …`).
        #expect(Self.waitForChildren(of: supervisor, count: 2), "\(Self.children(of: supervisor))")

        let handle = try client.put(Sandbox.goodPNG)
        try Sandbox.expectZoomWorks(client, handle: handle)
        let after = try Sandbox.waitForWorkers(daemon, count: 1, excluding: before)
        #expect(after.count == 1 && after != before, "the decoding worker was replaced: \(before) → \(after)")
        #expect(kill(before[0], 0) != 0, "the worker that decoded is gone")
        let workers = try client.call("server/stats")["workers"]?.arrayValue ?? []
        #expect(workers.compactMap { $0["recycled"]?.intValue } == [1])
        #expect(workers.compactMap { $0["restarts"]?.intValue } == [0])
        // Idle again: a new spare has started beside the replacement.
        #expect(Self.waitForChildren(of: supervisor, count: 2), "\(Self.children(of: supervisor))")
        #expect(Set(Self.children(of: supervisor)).isSuperset(of: after))
        // And the image, decoded once, serves calls on the new worker without another decode.
        try Sandbox.expectZoomWorks(client, handle: handle)
        #expect(try Sandbox.waitForWorkers(daemon, count: 1) == after)
    }

    static func parent(of pid: Int32) -> Int32? {
        guard let stat = Sandbox.read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    /// The worker processes among `pid`'s children (not the code tool's interpreters).
    static func children(of pid: Int32) -> [Int32] {
        ProcessMemory.children(of: pid).filter { child in
            let arguments = (Sandbox.read("/proc/\(child)/cmdline") ?? "").split(separator: "\0")
            return arguments.count > 1 && arguments[1] == "worker"
        }
    }

    static func waitForChildren(of pid: Int32, count: Int) -> Bool {
        for _ in 0..<200 {
            if children(of: pid).count == count { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }
}
