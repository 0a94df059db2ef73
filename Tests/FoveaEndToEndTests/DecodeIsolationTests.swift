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

    @Test func theSpareStartsAtTheLowestPriorityAndGetsTheDaemonsWhenItTakesOver() throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let client = try daemon.client()
        let before = try Sandbox.waitForWorkers(daemon, count: 1)
        let supervisor = try #require(Self.parent(of: before[0]))
        let daemonNice = try #require(Self.niceValues(of: supervisor).first ?? nil)
        #expect(Self.waitForChildren(of: supervisor, count: 2), "\(Self.children(of: supervisor))")
        let spare = try #require(Set(Self.children(of: supervisor)).subtracting(before).first)
        // The spare, every thread it has started so far, at nice 19 (the slot lowers it just
        // after the spawn returns); the serving worker not.
        #expect(Self.waitForNice(19, of: spare), "\(Self.niceValues(of: spare))")
        #expect(Self.niceValues(of: before[0]).allSatisfy { $0 == daemonNice }, "\(Self.niceValues(of: before[0]))")

        // A decode: the worker is replaced by the spare, now at the daemon's priority.
        let handle = try client.put(Sandbox.goodPNG)
        try Sandbox.expectZoomWorks(client, handle: handle)
        let after = try Sandbox.waitForWorkers(daemon, count: 1, excluding: before)
        #expect(after == [spare], "the spare took over: \(before) → \(after), spare \(spare)")
        #expect(Self.niceValues(of: spare).count > 1 && Self.niceValues(of: spare).allSatisfy { $0 == daemonNice },
                "\(Self.niceValues(of: spare))")
        // And the next spare starts low again.
        #expect(Self.waitForChildren(of: supervisor, count: 2), "\(Self.children(of: supervisor))")
        let next = try #require(Set(Self.children(of: supervisor)).subtracting(after).first)
        #expect(Self.waitForNice(19, of: next), "\(Self.niceValues(of: next))")
    }

    @Test func withoutCapSysNiceSparesStartAtNormalPriorityAfterTheFirst() throws {
        // Root without CAP_SYS_NICE (a container's default): a spare can be lowered but not
        // raised again. The slot kills that one, starts a worker at once, and lowers no more.
        let daemon = try Daemon(workers: 1, launcher: ["/usr/bin/setpriv", "--bounding-set", "-sys_nice", "--inh-caps", "-sys_nice"])
        defer { daemon.stop() }
        let client = try daemon.client()
        let before = try Sandbox.waitForWorkers(daemon, count: 1)
        let supervisor = try #require(Self.parent(of: before[0]))
        #expect(Self.waitForChildren(of: supervisor, count: 2), "\(Self.children(of: supervisor))")
        let spare = try #require(Set(Self.children(of: supervisor)).subtracting(before).first)
        #expect(Self.waitForNice(19, of: spare), "\(Self.niceValues(of: spare))")

        let handle = try client.put(Sandbox.goodPNG)
        try Sandbox.expectZoomWorks(client, handle: handle)
        let after = try Sandbox.waitForWorkers(daemon, count: 1, excluding: before)
        #expect(after.count == 1 && after != [spare], "a worker started at once, not the spare: \(after), spare \(spare)")
        #expect(kill(spare, 0) != 0, "the spare that could not be raised is gone")
        #expect(Self.niceValues(of: after[0]).allSatisfy { $0 == 0 }, "\(Self.niceValues(of: after[0]))")
        #expect(daemon.stderrSoFar().contains("could not be given back nice 0"), "\(daemon.stderrSoFar())")
        // The next spare starts at normal priority, and calls go on.
        #expect(Self.waitForChildren(of: supervisor, count: 2), "\(Self.children(of: supervisor))")
        let next = try #require(Set(Self.children(of: supervisor)).subtracting(after).first)
        Thread.sleep(forTimeInterval: 0.2)
        #expect(Self.niceValues(of: next).allSatisfy { $0 == 0 }, "\(Self.niceValues(of: next))")
        try Sandbox.expectZoomWorks(client, handle: try client.put(Sandbox.goodPNG))
    }

    static func waitForNice(_ nice: Int32, of pid: Int32) -> Bool {
        for _ in 0..<100 {
            let values = niceValues(of: pid)
            if !values.isEmpty && values.allSatisfy({ $0 == nice }) { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    /// The nice value of every thread of `pid` (field 19 of `/proc/<pid>/task/<tid>/stat`).
    static func niceValues(of pid: Int32) -> [Int32?] {
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return threads.map { tid in
            guard let stat = Sandbox.read("/proc/\(pid)/task/\(tid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 16 ? Int32(fields[16]) : nil
        }
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
