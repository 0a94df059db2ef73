import Glibc
import Synchronization
import Testing
@testable import FoveaSandbox

/// The kernels' thread pool in workers: every band runs exactly once, on several threads,
/// and `run` returns only when all are done — thousands of times in a row, since a race here
/// crashes workers (`withoutActuallyEscaping` traps if a helper still holds the closure).
@Suite struct BandThreadPoolTests {
    @Test func everyBandRunsExactlyOnceAcrossManyRuns() throws {
        let pool = try BandThreadPool(threads: 4)
        for round in 0..<20_000 {
            let count = 1 + round % 7
            var hits = [Int](repeating: 0, count: count)
            hits.withUnsafeMutableBufferPointer { buffer in
                let base = buffer.baseAddress!
                pool.run(count) { band in base[band] += 1 }  // each band writes its own slot
            }
            #expect(hits == [Int](repeating: 1, count: count), "round \(round)")
        }
    }

    @Test func bandsRunOnMoreThanOneThread() throws {
        let pool = try BandThreadPool(threads: 3)
        let threads = Mutex<Set<pid_t>>([])
        for _ in 0..<200 {
            pool.run(3) { _ in
                threads.withLock { _ = $0.insert(ProcessControl.threadID) }
                usleep(200)
            }
        }
        #expect(threads.withLock { $0.count } == 3)
    }

    @Test func aNestedCallRunsInlineInsteadOfDeadlocking() throws {
        let pool = try BandThreadPool(threads: 2)
        let total = Atomic<Int>(0)
        pool.run(2) { _ in
            pool.run(3) { _ in total.add(1, ordering: .relaxed) }
        }
        #expect(total.load(ordering: .relaxed) == 6)
    }

    @Test func oneThreadRunsEverythingOnTheCaller() throws {
        let pool = try BandThreadPool(threads: 1)
        let caller = ProcessControl.threadID
        var seen: [pid_t] = []
        pool.run(4) { _ in seen.append(ProcessControl.threadID) }
        #expect(seen == [caller, caller, caller, caller])
    }
}
