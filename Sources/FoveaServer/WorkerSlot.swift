import Foundation
import FoveaProtocol
import FoveaSandbox
import Logging

/// One worker process and the thread that feeds it: takes jobs off the shared queue, sends
/// each with its memfds, waits for the reply until the deadline, and replaces the process
/// when it dies, overruns or misbehaves. The rest of the supervisor never blocks on a worker.
final class WorkerSlot: @unchecked Sendable {
    /// What `server/stats` shows for a slot.
    struct Snapshot: Sendable {
        var index: Int
        var pid: Int32?
        var state: String
        /// Replacements of a worker that died, overran or misbehaved.
        var restarts: Int
        /// Planned replacements of a worker near its CPU limit (``retireIfSpent(_:)``).
        var retirements: Int
        /// Workers replaced after decoding (decode isolation: a worker that parsed untrusted
        /// bytes never runs another job).
        var recycled: Int
        var jobs: Int
    }

    let index: Int
    private let launcher: WorkerLauncher
    private let queue: JobQueue<WorkerJob>
    private let limits: DecodeLimits
    private let logger: Logger
    private let poison: PoisonList
    private let notices: SandboxNotices
    private let retireCPUSeconds: Double
    private let load: WorkerLoad
    /// Whether a worker is replaced after every decode (``Recycling``).
    private let isolatesDecodes: Bool
    private let lock = NSLock()
    private var process: WorkerProcess?
    /// The next worker, started ahead and warming up while this one serves (only with decode
    /// isolation, where every decode needs a fresh worker). It is started when no job waits
    /// (``startSpareIfIdle()``), or right after a worker had to be started without one.
    private var spare: WorkerProcess?
    private var recycled = 0
    private var state = "starting"
    private var restarts = 0
    private var retirements = 0
    private var jobsDone = 0
    private var nextID: UInt64 = 1
    private var thread: Thread?
    /// Source memfds sent to the current worker, which it may keep mapped; once the supervisor
    /// lets one go (the weak reference empties), the worker is told to forget it.
    private var sentSources: [UInt64: WeakMemfd] = [:]

    init(index: Int, launcher: WorkerLauncher, queue: JobQueue<WorkerJob>, limits: DecodeLimits, poison: PoisonList,
         notices: SandboxNotices, retireCPUSeconds: Double, load: WorkerLoad, isolatesDecodes: Bool, logger: Logger) {
        self.index = index
        self.isolatesDecodes = isolatesDecodes
        self.load = load
        self.launcher = launcher
        self.queue = queue
        self.limits = limits
        self.poison = poison
        self.notices = notices
        self.retireCPUSeconds = retireCPUSeconds
        self.logger = logger
    }

    var snapshot: Snapshot {
        lock.lock()
        defer { lock.unlock() }
        return Snapshot(index: index, pid: process?.pid, state: state, restarts: restarts,
                        retirements: retirements, recycled: recycled, jobs: jobsDone)
    }

    /// Starts the worker process and the feeding thread.
    func start() {
        let thread = Thread { [self] in self.serve() }
        thread.name = "fovea-slot-\(index)"
        thread.stackSize = 1 << 20
        self.thread = thread
        thread.start()
    }

    /// Why a worker was replaced, for the counters.
    private enum Replacement {
        case failure
        case retirement
        case recycling
    }

    private func setState(_ newState: String, process newProcess: WorkerProcess?? = .none, replaced: Replacement? = nil) {
        lock.lock()
        state = newState
        if case .some(let value) = newProcess { process = value }
        switch replaced {
        case .failure: restarts += 1
        case .retirement: retirements += 1
        case .recycling: recycled += 1
        case nil: break
        }
        lock.unlock()
    }

    private func serve() {
        var worker = ensureWorker(nil)
        while !queue.isClosed {
            startSpareIfIdle()
            guard let job = queue.pop(timeout: 0.1) else {
                if let current = worker, !isAlive(current) { worker = replace(current, reason: "exited while idle") }
                if worker == nil { worker = ensureWorker(nil) }
                if let current = worker {
                    do {
                        try sendForgets(to: current, until: .now + .seconds(1))
                    } catch {
                        worker = replace(current, reason: "could not be told to forget released images (\(error))")
                    }
                }
                continue
            }
            if worker == nil { worker = ensureWorker(nil) }
            guard let current = worker else {
                job.completion(.failure(.spawnFailed("the worker binary could not be started")))
                continue
            }
            worker = run(job, on: current)
        }
        if let worker { kill(worker) }
        if let spare { kill(spare) }
        spare = nil
        setState("stopped", process: .some(nil))
    }

    /// With decode isolation, starts the next spare when no job waits. A spare started while
    /// calls are queued (as it once was, right after every decode) took ≈ 80–90 ms of CPU from
    /// them: on two cores, from the tiles of the very image whose decode it replaces.
    private func startSpareIfIdle() {
        guard isolatesDecodes, spare == nil, queue.count == 0 else { return }
        spare = try? launcher.spawn()
    }

    /// `existing`, else the spare once ready, else a worker started now. A slot that had to
    /// start one now (no spare: under load that never lets the queue empty) starts the next
    /// spare at once, so at most every other decode waits for a worker's start.
    private func ensureWorker(_ existing: WorkerProcess?) -> WorkerProcess? {
        if let existing { return existing }
        if let candidate = spare {
            spare = nil
            do {
                let hello = try launcher.ready(candidate)
                notices.workerStarted(slot: index, pid: candidate.pid, hello: hello)
                setState("idle", process: .some(candidate))
                return candidate
            } catch {
                kill(candidate)
                logger.warning("worker \(index)'s spare (pid \(candidate.pid)) could not start: \(error)")
            }
        }
        do {
            let (process, hello) = try launcher.launch()
            notices.workerStarted(slot: index, pid: process.pid, hello: hello)
            setState("idle", process: .some(process))
            if isolatesDecodes && spare == nil { spare = try? launcher.spawn() }
            return process
        } catch {
            logger.error("worker \(index) could not start: \(error)")
            setState("failed", process: .some(nil))
            Thread.sleep(forTimeInterval: 0.5)
            return nil
        }
    }

    private func isAlive(_ process: WorkerProcess) -> Bool {
        var poller = pollfd(fd: process.channel.descriptor.rawValue, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 0) > 0 else { return true }
        return poller.revents & Int16(POLLHUP | POLLERR) == 0
    }

    /// Kills and reaps `process`, then starts its successor.
    private func replace(_ process: WorkerProcess, reason: String,
                         level: Logger.Level = .warning, as replacement: Replacement = .failure) -> WorkerProcess? {
        let status = kill(process)
        logger.log(level: level, "worker \(index) (pid \(process.pid)) \(reason); \(status); replacing it")
        sentSources = [:]
        setState("restarting", process: .some(nil), replaced: replacement)
        return ensureWorker(nil)
    }

    /// Runs one job; returns the process to use next (a replacement when this one failed).
    /// `attempt` 2 is the retry of a job whose first worker died before it took the job.
    ///
    /// The job's deadline starts before anything is sent, and bounds every send and receive: a
    /// worker that stops reading or answering holds this slot until the deadline at most. A
    /// worker that misbehaves in any way (``WorkerReplyCheck``) is killed and replaced before it
    /// could take another job; a slot always kills before it waits for an exit.
    private func run(_ job: WorkerJob, on process: WorkerProcess, attempt: Int = 1) -> WorkerProcess? {
        if let key = job.poisonKey, let deaths = poison.deaths(for: key), deaths >= PoisonList.threshold {
            job.completion(.failure(.poisoned(deaths: deaths, key: key)))
            return process
        }
        let deadline = ContinuousClock.now + .milliseconds(Int(job.deadlineSeconds * 1000))
        let id = nextID
        nextID += 1
        let request = job.request.withID(id).sharingCores(load.threadsForNewJob(queued: queue.count))
        defer { load.jobFinished() }
        // The worker cannot grow a memfd (RLIMIT_FSIZE 0): lend it one per output, sized to the
        // largest output the limits allow (sparse until written).
        let scratch: [ScratchMemfd]
        do {
            scratch = try request.scratchOutputs.map { try ScratchMemfd(name: "fovea-scratch", capacity: $0.capacity(limits)) }
        } catch {
            job.completion(.failure(.spawnFailed("the supervisor could not create output memfds (\(error))")))
            return process
        }
        setState("dispatching")
        defer {
            lock.lock()
            jobsDone += 1
            if state == "busy" || state == "dispatching" { state = "idle" }
            lock.unlock()
        }
        func deadlineExceeded(_ reason: String) -> WorkerProcess? {
            if let key = job.poisonKey { poison.recordDeath(for: key) }
            job.completion(.failure(.deadlineExceeded(seconds: job.deadlineSeconds)))
            return replace(process, reason: reason)
        }
        func violation(_ error: Error) -> WorkerProcess? {
            if let key = job.poisonKey { poison.recordDeath(for: key) }
            job.completion(.failure(.protocolViolation("\(error)")))
            return replace(process, reason: "broke the channel protocol (\(error))")
        }
        // A worker that dies before it takes the job (killed while idle, say) did not run it:
        // a fresh worker takes the job, once, and the input is not blamed.
        func retry(_ reason: String) -> WorkerProcess? {
            let replacement = replace(process, reason: reason)
            guard let replacement, attempt == 1 else {
                job.completion(.failure(replacement == nil ? .spawnFailed("the worker binary could not be started")
                                                           : .workerDied(process.waitForExit())))
                return replacement
            }
            return run(job, on: replacement, attempt: attempt + 1)
        }
        // An idle worker reads at once: one that leaves its channel full is not reading.
        let readBy = min(deadline, .now + Self.receiptTimeout)
        do {
            try sendForgets(to: process, until: readBy)
            try process.channel.send(request.json, descriptors: job.descriptors.map(\.descriptor.rawValue)
                                                                + scratch.map(\.descriptor.rawValue), until: readBy)
            if case .run = request, let source = job.descriptors.first {
                sentSources[source.inode] = WeakMemfd(source)
            }
        } catch ChannelError.timedOut {
            return retry("did not read its channel within \(Self.receiptTimeout)")
        } catch {
            return retry("could not take a job (\(error))")
        }

        // 1. The receipt: the worker has read the job. An idle worker answers at once; one that
        // stays silent is not reading its channel (stuck or compromised), so the job, which it
        // never took, goes to a fresh worker instead of waiting out the deadline.
        switch receive(from: process, until: readBy) {
        case .closed:
            return retry("died before it took a job")
        case .timedOut:
            return retry("did not acknowledge a job within \(Self.receiptTimeout)")
        case .failed(let error):
            return violation(error)
        case .message(let message):
            guard message.descriptors.isEmpty, (try? WorkerReceipt(json: message.json))?.id == id else {
                message.closeDescriptors()
                return violation(ChannelMessageError("expected the receipt of job \(id)"))
            }
            setState("busy")
        }

        // 2. Notices (a decode's header and finished rows), then the reply; all checked here.
        var check = WorkerReplyCheck(request: request, scratch: scratch, limits: limits,
                                     acceptsDecodedLayout: job.acceptsDecodedLayout)
        while true {
            let message: ChannelMessage
            switch receive(from: process, until: deadline) {
            case .closed:
                let status = kill(process)
                if let key = job.poisonKey { poison.recordDeath(for: key) }
                job.completion(.failure(.workerDied(status)))
                return replace(process, reason: "died during a job")
            case .timedOut:
                return deadlineExceeded("ran past the \(job.deadlineSeconds) s deadline")
            case .failed(let error):
                return violation(error)
            case .message(let received):
                message = received
            }
            do {
                if WorkerNotice.isNotice(message.json) {
                    let notice = try check.notice(message)  // checked even when nobody listens
                    job.notice?(notice, scratch)
                    continue
                }
                let response = try check.reply(message)
                job.completion(.success(WorkerResponse(reply: response.reply.withID(job.request.id), memfds: response.memfds)))
                if isolatesDecodes, case .decode = request {
                    return replace(process, reason: "decoded untrusted bytes (decode isolation)", level: .debug, as: .recycling)
                }
                return retireIfSpent(process)
            } catch {
                return violation(error)
            }
        }
    }

    /// How long an idle worker may take to acknowledge a job (``WorkerReceipt``) before it is
    /// taken for a worker that stopped reading and replaced.
    static let receiptTimeout: Duration = .seconds(1)

    /// Kills `process` (harmless if it already exited) and reaps it: never wait for a process
    /// that might not be dying.
    @discardableResult
    private func kill(_ process: WorkerProcess) -> ExitStatus {
        process.kill()
        return process.waitForExit()
    }

    private enum Received {
        case message(ChannelMessage)
        case closed
        case timedOut
        case failed(Error)
    }

    /// The worker's next message, waiting until `deadline`.
    private func receive(from process: WorkerProcess, until deadline: ContinuousClock.Instant) -> Received {
        do {
            guard let message = try process.channel.receive(until: deadline) else { return .timedOut }
            return .message(message)
        } catch ChannelError.closed {
            return .closed
        } catch {
            return .failed(error)
        }
    }

    /// Tells the worker to drop mappings of memfds the supervisor no longer holds, waiting no
    /// later than `deadline` for it to read.
    private func sendForgets(to process: WorkerProcess, until deadline: ContinuousClock.Instant) throws {
        let gone = sentSources.filter { $0.value.memfd == nil }.map(\.key)
        guard !gone.isEmpty else { return }
        gone.forEach { sentSources[$0] = nil }
        let id = nextID
        nextID += 1
        try process.channel.send(WorkerRequest.forget(id: id, inodes: gone).json, until: deadline)
    }

    /// Replaces a worker whose CPU time is within one call of its `RLIMIT_CPU`, so the limit
    /// only ever stops a runaway worker, never an honest call.
    private func retireIfSpent(_ process: WorkerProcess) -> WorkerProcess? {
        guard let used = process.cpuSeconds, used >= retireCPUSeconds else { return process }
        return replace(process, reason: "retired after \(Int(used)) s of CPU", level: .info, as: .retirement)
    }

    /// Kills the current worker (for tests and `debug/` hooks).
    var currentPID: Int32? { snapshot.pid }
}

/// A reference that does not keep a memfd alive.
struct WeakMemfd {
    weak var memfd: (any InputMemfd)?
    init(_ memfd: any InputMemfd) { self.memfd = memfd }
}

/// How many workers are running jobs, so that a job started while others run does not split
/// itself across cores they need: on 2 cores a lone zoom uses both (lower latency), two at
/// once use one each (no band hand-offs, two libvips calls per JPEG, or threads competing).
/// Measured with `fovea bench latency` (docs/BENCHMARKS.md).
final class WorkerLoad: @unchecked Sendable {
    private let lock = NSLock()
    private var running = 0
    let cores: Int

    init(cores: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.cores = max(1, cores)
    }

    /// Counts a job as running and returns the threads it may use: 0 (all the worker has)
    /// when it runs alone with nothing queued, else the cores divided among the running and
    /// queued jobs, at least 1.
    func threadsForNewJob(queued: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        running += 1
        let sharing = running + queued
        return sharing <= 1 ? 0 : max(1, cores / sharing)
    }

    func jobFinished() {
        lock.lock()
        running -= 1
        lock.unlock()
    }
}

extension WorkerRequest {
    /// A `run` limited to `threads` kernel threads (0: no limit); other requests unchanged.
    func sharingCores(_ threads: Int) -> WorkerRequest {
        guard case .run(let id, let source, let plan, _) = self else { return self }
        return .run(id: id, source: source, plan: plan, threads: threads)
    }

    /// The same request with a channel-local id.
    func withID(_ id: UInt64) -> WorkerRequest {
        switch self {
        case .decode(_, let limits, let shrink): return .decode(id: id, limits: limits, shrink: shrink)
        case .run(_, let source, let plan, let threads): return .run(id: id, source: source, plan: plan, threads: threads)
        case .probe(_, let action): return .probe(id: id, action: action)
        case .forget(_, let inodes): return .forget(id: id, inodes: inodes)
        }
    }
}

extension WorkerReply {
    func withID(_ id: UInt64) -> WorkerReply {
        switch self {
        case .decoded(_, let layout, let format, let orientation):
            return .decoded(id: id, layout: layout, format: format, orientation: orientation)
        case .measured(_, let channels): return .measured(id: id, channels: channels)
        case .produced(_, let layout, let encoded): return .produced(id: id, layout: layout, encodedByteCount: encoded)
        case .failed(_, let kind, let message): return .failed(id: id, kind: kind, message: message)
        case .probed(_, let outcome, let detail): return .probed(id: id, outcome: outcome, detail: detail)
        }
    }
}
