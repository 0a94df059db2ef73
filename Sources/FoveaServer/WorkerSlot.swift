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
        var restarts: Int
        var jobs: Int
    }

    let index: Int
    private let launcher: WorkerLauncher
    private let queue: JobQueue
    private let limits: DecodeLimits
    private let logger: Logger
    private let poison: PoisonList
    private let lock = NSLock()
    private var process: WorkerProcess?
    private var state = "starting"
    private var restarts = 0
    private var jobsDone = 0
    private var nextID: UInt64 = 1
    private var thread: Thread?
    /// Source memfds sent to the current worker, which it may keep mapped; once the supervisor
    /// lets one go (the weak reference empties), the worker is told to forget it.
    private var sentSources: [UInt64: WeakMemfd] = [:]

    init(index: Int, launcher: WorkerLauncher, queue: JobQueue, limits: DecodeLimits, poison: PoisonList, logger: Logger) {
        self.index = index
        self.launcher = launcher
        self.queue = queue
        self.limits = limits
        self.poison = poison
        self.logger = logger
    }

    var snapshot: Snapshot {
        lock.lock()
        defer { lock.unlock() }
        return Snapshot(index: index, pid: process?.pid, state: state, restarts: restarts, jobs: jobsDone)
    }

    /// Starts the worker process and the feeding thread.
    func start() {
        let thread = Thread { [self] in self.serve() }
        thread.name = "fovea-slot-\(index)"
        thread.stackSize = 1 << 20
        self.thread = thread
        thread.start()
    }

    private func setState(_ newState: String, process newProcess: WorkerProcess?? = .none, restarted: Bool = false) {
        lock.lock()
        state = newState
        if case .some(let value) = newProcess { process = value }
        if restarted { restarts += 1 }
        lock.unlock()
    }

    private func serve() {
        var worker = ensureWorker(nil)
        while !queue.isClosed {
            guard let job = queue.pop(timeout: 0.1) else {
                if let current = worker, !isAlive(current) { worker = replace(current, reason: "exited while idle") }
                if worker == nil { worker = ensureWorker(nil) }
                if let current = worker { sendForgets(to: current) }
                continue
            }
            if worker == nil { worker = ensureWorker(nil) }
            guard let current = worker else {
                job.completion(.failure(.spawnFailed("the worker binary could not be started")))
                continue
            }
            worker = run(job, on: current)
        }
        if let worker {
            worker.kill()
            worker.waitForExit()
        }
        setState("stopped", process: .some(nil))
    }

    private func ensureWorker(_ existing: WorkerProcess?) -> WorkerProcess? {
        if let existing { return existing }
        do {
            let process = try launcher.launch()
            setState("idle", process: .some(process))
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

    /// Tells the worker to drop mappings of memfds the supervisor no longer holds.
    private func sendForgets(to process: WorkerProcess) {
        let gone = sentSources.filter { $0.value.memfd == nil }.map(\.key)
        guard !gone.isEmpty else { return }
        gone.forEach { sentSources[$0] = nil }
        let id = nextID
        nextID += 1
        try? process.channel.send(WorkerRequest.forget(id: id, inodes: gone).json)
    }

    /// Kills (if needed) and reaps `process`, then starts its successor.
    private func replace(_ process: WorkerProcess, reason: String, killFirst: Bool = true) -> WorkerProcess? {
        if killFirst { process.kill() }
        let status = process.waitForExit()
        logger.warning("worker \(index) (pid \(process.pid)) \(reason); \(status); replacing it")
        sentSources = [:]
        setState("restarting", process: .some(nil), restarted: true)
        return ensureWorker(nil)
    }

    /// Runs one job; returns the process to use next (a replacement when this one failed).
    /// A job whose worker died before accepting it never started: it goes to the replacement,
    /// up to ``maximumHandOffs`` times.
    private func run(_ job: WorkerJob, on process: WorkerProcess, handOffs: Int = 0) -> WorkerProcess? {
        if let key = job.inputKey, let deaths = poison.deaths(for: key), deaths >= PoisonList.threshold {
            job.completion(.failure(.poisoned(deaths: deaths)))
            return process
        }
        let id = nextID
        nextID += 1
        let request = job.request.withID(id)
        setState("sending")
        defer {
            lock.lock()
            jobsDone += 1
            if state == "busy" || state == "sending" { state = "idle" }
            lock.unlock()
        }
        func handOff(_ reason: String) -> WorkerProcess? {
            guard let replacement = replace(process, reason: reason) else {
                job.completion(.failure(.spawnFailed("the worker binary could not be started")))
                return nil
            }
            guard handOffs < Self.maximumHandOffs else {
                job.completion(.failure(.workerDied(.exited(-1))))
                return replacement
            }
            return run(job, on: replacement, handOffs: handOffs + 1)
        }
        do {
            sendForgets(to: process)
            try process.channel.send(request.json, descriptors: job.descriptors.map(\.descriptor.rawValue))
            if case .run = request, let source = job.descriptors.first {
                sentSources[source.inode] = WeakMemfd(source)
            }
        } catch {
            return handOff("could not take a job (\(error))")
        }
        let deadline = ContinuousClock.now + .milliseconds(Int(job.deadlineSeconds * 1000))
        var accepted = false
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            let milliseconds = max(0, Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
            let message: ChannelMessage?
            do {
                message = try process.channel.receive(timeoutMilliseconds: milliseconds)
            } catch ChannelError.closed {
                if !accepted { return handOff("exited before accepting a job") }
                let status = process.waitForExit()
                if let key = job.inputKey { poison.recordDeath(for: key) }
                job.completion(.failure(.workerDied(status)))
                return replace(process, reason: "died during a job", killFirst: false)
            } catch {
                job.completion(.failure(.protocolViolation("\(error)")))
                return replace(process, reason: "sent a bad message (\(error))")
            }
            guard let message else {
                if let key = job.inputKey { poison.recordDeath(for: key) }
                job.completion(.failure(.deadlineExceeded(seconds: job.deadlineSeconds)))
                return replace(process, reason: "ran past the \(job.deadlineSeconds) s deadline")
            }
            do {
                let reply = try WorkerReply(json: message.json, limits: limits)
                guard reply.id == id else { throw ChannelMessageError("reply id \(reply.id) does not match job \(id)") }
                guard reply.descriptorCount == message.descriptors.count else {
                    throw ChannelMessageError("reply carried \(message.descriptors.count) descriptors, expected \(reply.descriptorCount)")
                }
                if case .accepted = reply {
                    guard !accepted else { throw ChannelMessageError("job \(id) accepted twice") }
                    accepted = true
                    setState("busy")
                    continue
                }
                guard accepted else { throw ChannelMessageError("reply to job \(id) before accepting it") }
                job.completion(.success(WorkerResponse(reply: reply.withID(job.request.id), descriptors: message.descriptors)))
                return process
            } catch {
                message.closeDescriptors()
                job.completion(.failure(.protocolViolation("\(error)")))
                return replace(process, reason: "sent an invalid reply (\(error))")
            }
        }
    }

    /// How often a job that never started may move to a fresh worker.
    static let maximumHandOffs = 2

    /// Kills the current worker (for tests and `debug/` hooks).
    var currentPID: Int32? { snapshot.pid }
}

/// A reference that does not keep a memfd alive.
struct WeakMemfd {
    weak var memfd: SealedMemfd?
    init(_ memfd: SealedMemfd) { self.memfd = memfd }
}

extension WorkerRequest {
    /// The same request with a channel-local id.
    func withID(_ id: UInt64) -> WorkerRequest {
        switch self {
        case .decode(_, let limits): return .decode(id: id, limits: limits)
        case .run(_, let source, let plan): return .run(id: id, source: source, plan: plan)
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
        case .accepted: return .accepted(id: id)
        }
    }
}
