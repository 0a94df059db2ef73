import Foundation
import FoveaProtocol

/// The code tool's sessions: an agent's id (its trajectory) → one interpreter whose variables,
/// imports and figures persist across calls, as in a Jupyter kernel.
///
/// A session runs one call at a time: calls that arrive while it is busy wait in its own list
/// and enter the shared queue one by one, so a session never holds more than one slot. At most
/// `--max-sessions` live: a new one ends the least recently used idle session (its next call
/// starts fresh and says so); a session idle for `--session-idle` seconds ends too.
final class CodeSessions: @unchecked Sendable {
    final class Session: @unchecked Sendable {
        let id: String
        /// Its first call's conventions: the family a trajectory speaks does not change.
        let conventions: CodeConventions
        let created = ContinuousClock.now
        var interpreter: Interpreter?
        var busy = false
        var pending: [CodeCall] = []
        var lastUse = ContinuousClock.now
        var calls = 0
        /// Images the session's calls returned so far (PyVision numbers them across the trajectory).
        var imagesShown = 0
        /// Why the next call starts fresh, when the last interpreter was lost.
        var restart: CodeSessionRestart?

        init(id: String, conventions: CodeConventions) {
            self.id = id
            self.conventions = conventions
        }
    }

    /// What `server/stats` shows of a session.
    struct Snapshot: Sendable {
        var id: String
        var ageSeconds: Double
        var idleSeconds: Double
        var calls: Int
        var busy: Bool
        var pid: Int32?
        var privateBytes: Int?
    }

    private let lock = NSLock()
    private var sessions: [String: Session] = [:]
    /// Sessions that ended, and why, so their next call can say so (bounded).
    private var ended: [String: CodeSessionRestart] = [:]
    private let queue: JobQueue<CodeCall>
    private let maximum: Int
    private let idleSeconds: Double

    init(queue: JobQueue<CodeCall>, maximum: Int, idleSeconds: Double) {
        self.queue = queue
        self.maximum = maximum
        self.idleSeconds = idleSeconds
    }

    enum Admission {
        case queued
        /// The queue is full.
        case overloaded
        /// Every session is busy and none may end to make room.
        case full
        /// The session speaks other conventions (those of its first call).
        case otherConventions(CodeConventions)
    }

    /// Queues `call`, or holds it behind its session's running call.
    func submit(_ call: CodeCall) -> Admission {
        guard let id = call.session else { return queue.push(call) ? .queued : .overloaded }
        var evicted: Interpreter?
        lock.lock()
        let session: Session
        if let existing = sessions[id] {
            guard existing.conventions == call.arguments.conventions else {
                lock.unlock()
                return .otherConventions(existing.conventions)
            }
            session = existing
        } else {
            if sessions.count >= maximum {
                guard let victim = sessions.values.filter({ !$0.busy }).min(by: { $0.lastUse < $1.lastUse }) else {
                    lock.unlock()
                    return .full
                }
                sessions[victim.id] = nil
                evicted = victim.interpreter
                remember(victim.id, .evicted(maximumSessions: maximum))
            }
            session = Session(id: id, conventions: call.arguments.conventions)
            session.restart = ended.removeValue(forKey: id)
            sessions[id] = session
        }
        session.lastUse = .now
        let admission: Admission
        if session.busy {
            session.pending.append(call)
            admission = .queued
        } else if queue.push(call) {
            session.busy = true
            admission = .queued
        } else {
            admission = .overloaded
        }
        lock.unlock()
        evicted?.kill()
        return admission
    }

    /// The session a slot runs `call` in (nil without an id), with the note for a fresh start.
    func session(for call: CodeCall) -> Session? {
        guard let id = call.session else { return nil }
        lock.lock()
        defer { lock.unlock() }
        return sessions[id]
    }

    /// `call` is done: the session's next waiting call enters the queue.
    func finished(_ call: CodeCall) {
        guard let id = call.session else { return }
        var refused: [CodeCall] = []
        lock.lock()
        if let session = sessions[id] {
            session.lastUse = .now
            session.calls += 1
            session.busy = false
            while !session.pending.isEmpty {
                let next = session.pending.removeFirst()
                if queue.push(next) {
                    session.busy = true
                    break
                }
                refused.append(next)
            }
        }
        lock.unlock()
        for call in refused { call.completion(.failed("the server is overloaded; retry shortly")) }
    }

    /// Ends session `id` (`sessions/close`): true when it existed. A call running in it is
    /// answered (its interpreter is killed, so it reports a crash); waiting ones fail.
    @discardableResult
    func close(_ id: String) -> Bool {
        lock.lock()
        let session = sessions.removeValue(forKey: id)
        ended[id] = nil
        lock.unlock()
        guard let session else { return false }
        session.interpreter?.kill()
        for call in session.pending { call.completion(.failed("session \(id) was closed before this call ran")) }
        return true
    }

    /// Ends the sessions idle for longer than `--session-idle`.
    func sweepIdle() {
        var closing: [Interpreter] = []
        lock.lock()
        for session in sessions.values where !session.busy && session.lastUse.duration(to: .now) > .seconds(idleSeconds) {
            sessions[session.id] = nil
            remember(session.id, .idle(seconds: idleSeconds))
            if let interpreter = session.interpreter { closing.append(interpreter) }
        }
        lock.unlock()
        for interpreter in closing { interpreter.kill() }
    }

    /// Ends every session (shutdown).
    func closeAll() {
        lock.lock()
        let all = Array(sessions.values)
        sessions = [:]
        lock.unlock()
        for session in all {
            session.interpreter?.kill()
            for call in session.pending { call.completion(.failed("the server is shutting down")) }
        }
    }

    var snapshots: [Snapshot] {
        lock.lock()
        let all = Array(sessions.values)
        lock.unlock()
        return all.map { session in
            Snapshot(id: session.id, ageSeconds: seconds(session.created.duration(to: .now)),
                     idleSeconds: seconds(session.lastUse.duration(to: .now)), calls: session.calls, busy: session.busy,
                     pid: session.interpreter?.pid, privateBytes: session.interpreter?.privateBytes)
        }
    }

    /// Images session `id`'s earlier calls returned (0 without a session).
    func imagesShown(_ id: String?) -> Int {
        guard let id else { return 0 }
        lock.lock()
        defer { lock.unlock() }
        return sessions[id]?.imagesShown ?? 0
    }

    func addImagesShown(_ id: String?, _ count: Int) {
        guard let id else { return }
        lock.lock()
        sessions[id]?.imagesShown += count
        lock.unlock()
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return sessions.count
    }

    /// Keeps why a session ended, for its next call (the oldest notes go first). Under the lock.
    private func remember(_ id: String, _ reason: CodeSessionRestart) {
        if ended.count >= 4 * maximum, let first = ended.keys.first { ended[first] = nil }
        ended[id] = reason
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
