import Foundation
import FoveaProtocol
import Logging

/// Makes interpreters: starts the template once (in the background at daemon start: its imports
/// take seconds, and every other tool is served meanwhile), then forks one interpreter per
/// session, each under a uid of its own, and waits for its hello. A template that dies is
/// started again on the next call.
final class InterpreterFactory: @unchecked Sendable {
    enum State: Sendable {
        case starting
        case ready(CodeTemplate.Hello)
        case failed(String)
    }

    let configuration: CodeConfiguration
    private let logger: Logger
    private let condition = NSCondition()
    private var state: State = .starting
    private var template: CodeTemplate
    private var nextUID: UInt32 = 0
    private var uidsInUse: Set<UInt32> = []

    init(configuration: CodeConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        template = CodeTemplate(configuration: configuration, logger: logger)
    }

    private var wantsRestart = false
    private var stopped = false

    /// Starts the template on a thread of its own, which stays for the daemon's life: the
    /// template's parent-death signal fires when the *thread* that started it exits.
    func start() {
        let thread = Thread { [self] in
            while true {
                launchTemplate()
                condition.lock()
                while !wantsRestart && !stopped { condition.wait() }
                let done = stopped
                wantsRestart = false
                condition.unlock()
                if done { return }
            }
        }
        thread.name = "fovea-code-template"
        thread.start()
    }

    private func launchTemplate() {
        let started = ContinuousClock.now
        let outcome: State
        do {
            let hello = try template.start()
            logger.info("code tool ready: Python \(hello.python) at \(configuration.python), template pid \(hello.pid), imports in \(String(format: "%.1f", hello.importSeconds)) s (ready after \(String(format: "%.1f", seconds(started.duration(to: .now)))) s); \(hello.versions.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
            outcome = .ready(hello)
        } catch {
            logger.error("code tool off: the Python template could not start: \(error)")
            outcome = .failed("\(error)")
        }
        condition.lock()
        state = outcome
        condition.broadcast()
        condition.unlock()
    }

    var currentState: State {
        condition.lock()
        defer { condition.unlock() }
        return state
    }

    /// A new interpreter for `session`, sandboxed and ready; waits for the template to be ready.
    func make(session: String, paths: [String]) throws -> Interpreter {
        condition.lock()
        while case .starting = state { condition.wait() }
        if case .failed(let reason) = state {
            condition.unlock()
            throw CodeTemplateError("the code tool's Python template is not running: \(reason)")
        }
        var uid: UInt32
        repeat {
            uid = configuration.uidBase + nextUID % configuration.uidCount
            nextUID &+= 1
        } while uidsInUse.contains(uid)
        uidsInUse.insert(uid)
        condition.unlock()
        do {
            let interpreter = try template.fork(session: session, uid: uid, paths: paths)
            interpreter.onExit = { [weak self, uid] in self?.release(uid) }
            _ = try interpreter.awaitHello()
            return interpreter
        } catch {
            release(uid)
            if template.pid.map({ kill($0, 0) != 0 }) ?? true { restartTemplate() }
            throw error
        }
    }

    private func release(_ uid: UInt32) {
        condition.lock()
        uidsInUse.remove(uid)
        condition.unlock()
    }

    /// The template died: the template thread starts a new one (its interpreters died with it:
    /// PDEATHSIG).
    private func restartTemplate() {
        condition.lock()
        guard case .ready = state else { condition.unlock(); return }
        state = .starting
        template.stop()
        template = CodeTemplate(configuration: configuration, logger: logger)
        wantsRestart = true
        condition.broadcast()
        condition.unlock()
        logger.warning("code tool: the template died; starting a new one")
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
        template.stop()
    }
}
