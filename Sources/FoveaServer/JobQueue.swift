import Foundation
import NIOCore

/// A job that waits in its owner's lane of a ``JobQueue``: worker jobs, code calls.
protocol LanedJob: AnyObject {
    var owner: WorkerJob.Owner { get }
}

extension WorkerJob: LanedJob {}

/// The bounded queue between the supervisor and its worker slots. ``push(_:)`` never blocks:
/// past the bound it refuses, which the caller answers with -32001 (SPEC §5).
///
/// Fair by default: each connection's jobs wait in their own lane (decodes, which serve every
/// connection, in one more) and workers take the lanes' heads in turn, so a rollout that sends
/// 16 tiles or 30 pipelined zooms delays another rollout's single zoom by at most one job per
/// worker instead of all of them. First-in first-out with `fair: false`.
final class JobQueue<Job: LanedJob>: @unchecked Sendable {
    private let condition = NSCondition()
    /// Queued jobs per lane (a lane with none is removed).
    private var lanes: [WorkerJob.Owner: CircularBuffer<Job>] = [:]
    /// Lanes with jobs, in the order they are served next.
    private var turns = CircularBuffer<WorkerJob.Owner>()
    private var queued = 0
    private var closed = false
    let capacity: Int
    let fair: Bool

    init(capacity: Int, fair: Bool = true) {
        self.capacity = capacity
        self.fair = fair
    }

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return queued
    }

    /// Enqueues `job` in its owner's lane, or returns false when the queue is full or closed.
    func push(_ job: Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed, queued < capacity else { return false }
        let lane = fair ? job.owner : .shared
        if lanes[lane] == nil { turns.append(lane) }
        lanes[lane, default: CircularBuffer()].append(job)
        queued += 1
        condition.signal()
        return true
    }

    /// The next job, waiting up to `timeout` seconds; nil on timeout or when closed.
    func pop(timeout: Double) -> Job? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while queued == 0 && !closed {
            if !condition.wait(until: deadline) { break }
        }
        guard queued > 0 else { return nil }
        let lane = turns.removeFirst()
        let job = lanes[lane]!.removeFirst()
        if lanes[lane]!.isEmpty {
            lanes[lane] = nil
        } else {
            turns.append(lane)  // its next job waits for one turn of every other lane
        }
        queued -= 1
        return job
    }

    /// Wakes every waiter; later pushes fail. Returns the jobs still queued, in turn order.
    func close() -> [Job] {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        var rest: [Job] = []
        for lane in turns {
            rest += lanes[lane]!
        }
        lanes = [:]
        turns = []
        queued = 0
        condition.broadcast()
        return rest
    }

    var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }
}
