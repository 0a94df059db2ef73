import FoveaProtocol
@testable import FoveaServer
import Testing

/// The worker queue: connections take turns (fair), or jobs go in arrival order (fifo).
@Suite struct JobQueueTests {
    static func job(_ owner: WorkerJob.Owner, _ tag: String) -> WorkerJob {
        WorkerJob(request: .probe(id: 0, action: tag), descriptors: [], deadlineSeconds: 1, poisonKey: nil, owner: owner) { _ in }
    }

    static func drain(_ queue: JobQueue<WorkerJob>) -> [String] {
        var tags: [String] = []
        while let job = queue.pop(timeout: 0) {
            if case .probe(_, let tag) = job.request { tags.append(tag) }
        }
        return tags
    }

    static func fill(_ queue: JobQueue<WorkerJob>) {
        let a = WorkerJob.Owner.connection(ConnectionID.next()), b = WorkerJob.Owner.connection(ConnectionID.next())
        for (owner, tag) in [(a, "a1"), (a, "a2"), (a, "a3"), (a, "a4"), (a, "a5"), (b, "b1"), (.shared, "d1"), (b, "b2")] {
            #expect(queue.push(job(owner, tag)))
        }
    }

    @Test func connectionsTakeTurns() {
        let queue = JobQueue<WorkerJob>(capacity: 16)
        Self.fill(queue)
        #expect(queue.count == 8)
        #expect(Self.drain(queue) == ["a1", "b1", "d1", "a2", "b2", "a3", "a4", "a5"])
        #expect(queue.count == 0)
    }

    @Test func fifoKeepsArrivalOrder() {
        let queue = JobQueue<WorkerJob>(capacity: 16, fair: false)
        Self.fill(queue)
        #expect(Self.drain(queue) == ["a1", "a2", "a3", "a4", "a5", "b1", "d1", "b2"])
    }

    @Test func theCapacityCountsEveryLane() {
        let queue = JobQueue<WorkerJob>(capacity: 3)
        let a = WorkerJob.Owner.connection(ConnectionID.next())
        #expect(queue.push(Self.job(a, "1")) && queue.push(Self.job(a, "2")) && queue.push(Self.job(.shared, "3")))
        #expect(!queue.push(Self.job(.connection(ConnectionID.next()), "4")))
        #expect(queue.pop(timeout: 0) != nil)
        #expect(queue.push(Self.job(a, "5")))
    }

    @Test func closingReturnsWhatWasQueuedAndRefusesMore() {
        let queue = JobQueue<WorkerJob>(capacity: 16)
        Self.fill(queue)
        #expect(Set(queue.close().compactMap { job -> String? in
            if case .probe(_, let tag) = job.request { return tag } else { return nil }
        }) == ["a1", "a2", "a3", "a4", "a5", "b1", "d1", "b2"])
        #expect(!queue.push(Self.job(.shared, "late")))
        #expect(queue.pop(timeout: 0) == nil && queue.count == 0)
    }
}
