import Foundation

/// The bounded queue between the supervisor and its worker slots. ``push(_:)`` never blocks:
/// past the bound it refuses, which the caller answers with -32001 (SPEC §5).
final class JobQueue: @unchecked Sendable {
    private let condition = NSCondition()
    /// Jobs from `head` on; popped slots are cleared so a finished job's memfds are released.
    private var jobs: [WorkerJob?] = []
    private var head = 0
    private var closed = false
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return jobs.count - head
    }

    /// Enqueues `job`, or returns false when the queue is full or closed.
    func push(_ job: WorkerJob) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed, jobs.count - head < capacity else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// The next job, waiting up to `timeout` seconds; nil on timeout or when closed.
    func pop(timeout: Double) -> WorkerJob? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while head == jobs.count && !closed {
            if !condition.wait(until: deadline) { break }
        }
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        jobs[head] = nil
        head += 1
        if head > 64 && head * 2 > jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }

    /// Wakes every waiter; later pushes fail. Returns the jobs still queued.
    func close() -> [WorkerJob] {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        let rest = jobs[head...].compactMap { $0 }
        jobs.removeAll()
        head = 0
        condition.broadcast()
        return rest
    }

    var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }
}
