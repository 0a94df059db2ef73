import Foundation
@testable import FoveaServer
import Glibc
import Testing

/// Spare workers start at nice 19 and are raised to the daemon's nice value when taken
/// (``SparePriority``): every thread of a real process with threads (python3), including a
/// thread started after the process was lowered, which takes its creator's value.
@Suite struct SparePriorityTests {
    /// A python3 process with `now` threads at once and one more after `later` seconds, all
    /// sleeping; returns it once the first `now + 1` threads exist.
    static func threaded(now: Int, later: Double) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", """
            import threading, time
            for _ in range(\(now)): threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
            time.sleep(\(later))
            threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
            time.sleep(30)
            """]
        try process.run()
        for _ in 0..<200 where SparePriority.threadIDs(of: process.processIdentifier).count < now + 1 { usleep(10_000) }
        return process
    }

    static func niceValues(_ pid: pid_t) -> [Int32?] {
        SparePriority.threadIDs(of: pid).map { SparePriority.nice(pid: pid, tid: $0) }
    }

    @Test func everyThreadIsLoweredAndRaisedAndNewThreadsTakeTheirCreatorsValue() throws {
        let process = try Self.threaded(now: 3, later: 0.5)
        defer { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        let pid = process.processIdentifier
        #expect(Self.niceValues(pid).count == 4)
        #expect(Self.niceValues(pid).allSatisfy { $0 == SparePriority.daemon }, "\(Self.niceValues(pid))")

        #expect(SparePriority.set(pid, nice: SparePriority.spare) == nil)
        #expect(Self.niceValues(pid) == Array(repeating: 19, count: 4))
        // The thread started after the lowering, by a lowered thread, is at 19 too.
        for _ in 0..<200 where SparePriority.threadIDs(of: pid).count < 5 { usleep(10_000) }
        #expect(Self.niceValues(pid) == Array(repeating: 19, count: 5))

        // Raising needs CAP_SYS_NICE, which the tests have (they run as root).
        #expect(SparePriority.set(pid, nice: SparePriority.daemon) == nil)
        #expect(Self.niceValues(pid) == Array(repeating: SparePriority.daemon, count: 5))
    }

    @Test func aProcessThatIsGoneIsNotAnError() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        #expect(SparePriority.threadIDs(of: process.processIdentifier).isEmpty)
        #expect(SparePriority.nice(pid: process.processIdentifier, tid: process.processIdentifier) == nil)
    }
}
