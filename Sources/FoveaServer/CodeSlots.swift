import Foundation
import FoveaKernels
import FoveaProtocol
import FoveaSandbox
import Logging

/// The threads that run code calls: each takes a call off the shared fair queue, gets its
/// session's interpreter (forking one from the template if it has none), sends the call with
/// the images the interpreter has not mapped yet and the scratch memfds for its outputs, waits
/// for the receipt and the reply within the call's deadline, and checks the reply before the
/// session's next call: the reply's fields (``CodeRunReply``, bounded), its memfds
/// (``ReturnedMemfds``: the lent scratch memfds, sealed, of the sizes the reply declares).
/// Anything else — a deadline, a death, a broken message — kills the interpreter; the session's
/// next call starts fresh and says why.
final class CodeSlots: @unchecked Sendable {
    private let configuration: CodeConfiguration
    private let harness: CodeHarnessOptions
    private let queue: JobQueue<CodeCall>
    private let sessions: CodeSessions
    private let interpreters: InterpreterFactory
    private let limits: DecodeLimits
    private let logger: Logger
    private var threads: [Thread] = []
    private let counters = Counters()

    /// Grace past a call's timeout: the runner stops the code itself at the timeout and
    /// replies; the supervisor kills the interpreter when even that does not come.
    static let hardDeadlineGrace: Duration = .seconds(2)
    /// An idle interpreter reads a call and acknowledges it at once.
    static let receiptTimeout: Duration = .seconds(2)

    init(configuration: CodeConfiguration, harness: CodeHarnessOptions, queue: JobQueue<CodeCall>, sessions: CodeSessions,
         interpreters: InterpreterFactory, limits: DecodeLimits, logger: Logger) {
        self.configuration = configuration
        self.harness = harness
        self.queue = queue
        self.sessions = sessions
        self.interpreters = interpreters
        self.limits = limits
        self.logger = logger
    }

    func start() {
        threads = (0..<configuration.slots).map { index in
            let thread = Thread { [self] in serve() }
            thread.name = "fovea-code-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
            return thread
        }
    }

    var statistics: Counters.Snapshot { counters.snapshot }

    private func serve() {
        while !queue.isClosed {
            guard let call = queue.pop(timeout: 0.5) else { continue }
            let outcome = run(call)
            sessions.finished(call)
            call.completion(outcome)
        }
    }

    /// Runs `call` in its session's interpreter (or a fresh one for a call without a session).
    private func run(_ call: CodeCall) -> CodeCallOutcome {
        let session = sessions.session(for: call)
        var restart = session?.restart
        session?.restart = nil
        let interpreter: Interpreter
        if let existing = session?.interpreter {
            interpreter = existing
        } else {
            do {
                let absolute = call.inputs.compactMap(\.path).filter { $0.hasPrefix("/") }
                interpreter = try interpreters.make(session: call.session ?? "", paths: absolute)
                counters.add(\.forks)
            } catch {
                logger.error("code: no interpreter could be started: \(error)")
                return .failed("no Python interpreter could be started for this call (\(error)); retry, or report it to the operator")
            }
            session?.interpreter = interpreter
        }
        defer { if session == nil { interpreter.kill() } }
        let outcome = exchange(call, with: interpreter)
        switch outcome {
        case .ran(let reply, let outputs, _):
            // A reply that says the runner stopped the code at its timeout keeps the
            // interpreter: what the session keeps then is the family's harness's rule (PyVision
            // and DeepEyesV2 keep their state, Thyme rolls the turn back, r1v4 and plain start
            // over), which the runner follows. Only a stop by the supervisor loses the session.
            counters.add(\.calls)
            return .ran(reply, outputs: outputs, restart: restart)
        case .stopped(let stop, _):
            counters.add(\.stops)
            interpreter.kill()
            session?.interpreter = nil
            session?.restart = .stopped(stop)
            return .stopped(stop, restart: restart)
        case .failed(let reason):
            counters.add(\.violations)
            let status = interpreter.kill()
            logger.warning("code: interpreter \(interpreter.pid) of session '\(interpreter.session)' broke the protocol (\(reason)); \(status); killed")
            session?.interpreter = nil
            session?.restart = .stopped(.crash(detail: "it broke the interpreter's protocol"))
            return .failed("the interpreter running this code misbehaved and was stopped; the session's variables are gone")
        }
    }

    /// One call on `interpreter`: send, receipt, reply, checks.
    private func exchange(_ call: CodeCall, with interpreter: Interpreter) -> CodeCallOutcome {
        let id = interpreter.takeID()
        var descriptors: [Int32] = []
        var keep: [AnyObject] = []
        var images: [CodeRunImage] = []
        for input in call.inputs {
            var image = CodeRunImage(index: input.index, handle: input.handle, width: input.layout.width,
                                     height: input.layout.height, bands: input.layout.bands, format: input.format, path: input.path)
            if !interpreter.knownHandles.contains(input.handle) {
                image.pixels = descriptors.count
                descriptors.append(input.pixels.descriptor.rawValue)
                image.encoded = descriptors.count
                descriptors.append(input.encoded.descriptor.rawValue)
                keep += [input.pixels, input.encoded]
            }
            images.append(image)
        }
        let arguments = call.arguments
        let request = CodeRunRequest(id: id, code: arguments.code, conventions: arguments.conventions, images: images,
                                     maxImages: arguments.maxImages, session: arguments.session, timeout: call.timeout,
                                     harness: harness)
        let scratch: [ScratchMemfd]
        let message: [UInt8]
        do {
            switch try request.encoded() {
            case .inline(let bytes):
                message = bytes
            case .separateCode(let bytes, let code, _):
                message = bytes
                let memfd = try code.withUnsafeBytes { try SealedMemfd.create(name: "fovea-code", copying: $0) }
                descriptors.append(memfd.descriptor.rawValue)
                keep.append(memfd)
            }
            scratch = try (0..<arguments.maxImages).map { _ in
                try ScratchMemfd(name: "fovea-code-output", capacity: configuration.outputBytes)
            }
        } catch {
            return .failed("the call could not be prepared: \(error)")
        }
        guard descriptors.count + scratch.count <= Interpreter.maximumDescriptors else {
            return .failed("too many new images at once (\(call.inputs.count)); give the session at most \((Interpreter.maximumDescriptors - scratch.count) / 2) new images per call")
        }
        let started = ContinuousClock.now
        let hardDeadline = started + .milliseconds(Int(call.timeout * 1000)) + Self.hardDeadlineGrace
        do {
            try interpreter.channel.sendBytes(message, descriptors: descriptors + scratch.map(\.descriptor.rawValue),
                                              until: started + Self.receiptTimeout)
        } catch {
            return .failed("the interpreter did not take the call (\(error))")
        }
        withExtendedLifetime(keep) {}

        func ended(_ error: Error) -> CodeCallOutcome {
            if case ChannelError.closed = error { return .stopped(stop(after: interpreter.kill()), restart: nil) }
            return .failed("\(error)")
        }
        // The receipt, then the reply.
        do {
            guard let receipt = try interpreter.channel.receive(until: min(hardDeadline, .now + Self.receiptTimeout)) else {
                return .failed("no receipt within \(Self.receiptTimeout)")
            }
            guard receipt.descriptors.isEmpty, receipt.json["type"] == "started", receipt.json["id"]?.intValue == Int(id) else {
                receipt.closeDescriptors()
                return .failed("expected the receipt of call \(id)")
            }
            guard let reply = try interpreter.channel.receive(until: hardDeadline) else {
                return .stopped(.deadline(seconds: call.timeout), restart: nil)
            }
            let parsed: CodeRunReply
            do {
                parsed = try CodeRunReply(json: reply.json, request: request, limits: limits)
            } catch {
                reply.closeDescriptors()
                return .failed("\(error)")
            }
            let outputs = try ReturnedMemfds.adopt(reply.descriptors, sizes: parsed.images.map(\.layout.byteCount), lent: scratch)
            interpreter.knownHandles.formUnion(call.inputs.map(\.handle))
            interpreter.calls += 1
            return .ran(parsed, outputs: outputs, restart: nil)
        } catch {
            return ended(error)
        }
    }

    /// What a dead interpreter's exit status means for the model.
    private func stop(after status: String) -> CodeStop {
        if status.contains("SIGSYS") { return .forbidden(syscall: nil) }
        return .crash(detail: status)
    }

    final class Counters: @unchecked Sendable {
        struct Snapshot: Sendable {
            var calls = 0
            var forks = 0
            var stops = 0
            var violations = 0
        }
        private let lock = NSLock()
        private var values = Snapshot()
        func add(_ field: WritableKeyPath<Snapshot, Int>) {
            lock.lock()
            values[keyPath: field] += 1
            lock.unlock()
        }
        var snapshot: Snapshot {
            lock.lock()
            defer { lock.unlock() }
            return values
        }
    }
}
