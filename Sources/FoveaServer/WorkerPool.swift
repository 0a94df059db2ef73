import FoveaProtocol
import FoveaSandbox
import Glibc
import Logging

/// The supervisor's workers: N slots sharing one bounded queue.
final class WorkerPool: @unchecked Sendable {
    private let queue: JobQueue<WorkerJob>
    private let slots: [WorkerSlot]
    let poison = PoisonList()

    init(count: Int, launcher: WorkerLauncher, maxQueue: Int, fairQueue: Bool = true, limits: DecodeLimits,
         retireCPUSeconds: Double, isolatesDecodes: Bool = true, logger: Logger) {
        let queue = JobQueue<WorkerJob>(capacity: maxQueue, fair: fairQueue)
        self.queue = queue
        let poison = self.poison
        let notices = SandboxNotices(logger: logger)
        let load = WorkerLoad()
        slots = (0..<count).map {
            WorkerSlot(index: $0, launcher: launcher, queue: queue, limits: limits, poison: poison, notices: notices,
                       retireCPUSeconds: retireCPUSeconds, load: load, isolatesDecodes: isolatesDecodes, logger: logger)
        }
    }

    func start() {
        slots.forEach { $0.start() }
    }

    /// Longest ``shutdown()`` waits for the workers to be killed and reaped.
    static let shutdownWait: Double = 2

    /// Queues a job; fails at once (never blocks) when the queue is full or the input is poisoned.
    func submit(_ job: WorkerJob) {
        if let key = job.poisonKey, let deaths = poison.deaths(for: key), deaths >= PoisonList.threshold {
            job.completion(.failure(.poisoned(deaths: deaths, key: key)))
            return
        }
        if !queue.push(job) {
            job.completion(.failure(.overloaded(queued: queue.count)))
        }
    }

    var queueDepth: Int { queue.count }
    var workerCount: Int { slots.count }
    var snapshots: [WorkerSlot.Snapshot] { slots.map(\.snapshot) }

    /// Stops accepting jobs, fails the queued ones and stops the workers: each slot kills and
    /// reaps its worker once its call at hand is done, waited for up to ``shutdownWait`` seconds.
    func shutdown() {
        for job in queue.close() {
            job.completion(.failure(.spawnFailed("the server is shutting down")))
        }
        let deadline = ContinuousClock.now + .milliseconds(Int(Self.shutdownWait * 1000))
        while snapshots.contains(where: { $0.pid != nil }) && ContinuousClock.now < deadline {
            usleep(10_000)
        }
    }
}
