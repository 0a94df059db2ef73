import Foundation
import FoveaKernels
import FoveaProtocol
import FoveaSandbox
import Logging

/// The `code` tool (SPEC §3.1): validates the call, resolves its images to the store's decoded
/// pixels and encoded files, queues it in its session (``CodeSessions``, ``CodeSlots``), and
/// turns what the interpreter returned into the family's observation: the images it showed,
/// encoded by a worker and stored (so their handles work in later calls), and the text its
/// harness would have written.
final class CodeService: @unchecked Sendable {
    let configuration: CodeConfiguration
    let defaults: CodeDefaults
    private let tools: ToolService
    private let factory: InterpreterFactory
    private let queue: JobQueue<CodeCall>
    private let sessions: CodeSessions
    private let slots: CodeSlots
    private let logger: Logger
    private var sweeper: Thread?

    init(configuration: CodeConfiguration, tools: ToolService, fair: Bool, logger: Logger) {
        self.configuration = configuration
        self.tools = tools
        self.logger = logger
        defaults = CodeDefaults(conventions: CodeConventions(rawValue: configuration.conventions) ?? .r1v4,
                                deadline: configuration.deadlineSeconds,
                                harness: CodeHarnessOptions(deepEyesV2Variant: DeepEyesV2Variant(rawValue: configuration.deepEyesV2Variant) ?? .rl))
        factory = InterpreterFactory(configuration: configuration, logger: logger)
        queue = JobQueue<CodeCall>(capacity: configuration.maxQueue, fair: fair)
        sessions = CodeSessions(queue: queue, maximum: configuration.maxSessions, idleSeconds: configuration.sessionIdleSeconds)
        slots = CodeSlots(configuration: configuration, harness: defaults.harness, queue: queue, sessions: sessions,
                          interpreters: factory, limits: tools.configuration.limits, logger: logger)
    }

    /// Starts the template (in the background), the slots and the idle-session sweep.
    func start() {
        factory.start()
        slots.start()
        let sweeper = Thread { [self] in
            while !queue.isClosed {
                Thread.sleep(forTimeInterval: min(5, configuration.sessionIdleSeconds / 4))
                sessions.sweepIdle()
            }
        }
        sweeper.name = "fovea-code-sweep"
        sweeper.start()
        self.sweeper = sweeper
    }

    func shutdown() {
        for call in queue.close() { call.completion(.failed("the server is shutting down")) }
        sessions.closeAll()
        factory.stop()
    }

    /// Whether `tools/list` shows the tool: not once the template failed to start.
    var isAvailable: Bool {
        if case .failed = factory.currentState { return false }
        return true
    }

    // MARK: tools/call

    func call(params: [String: JSONValue], connection: ConnectionID?, reply: @escaping ToolService.Reply) {
        let arguments: CodeArguments
        do throws(ToolError) {
            guard let value = params["arguments"], case .object(let members) = value else {
                throw ToolError("code needs arguments: an object with code (the Python source) and, optionally, images, session and conventions")
            }
            arguments = try CodeArguments.parse(members, defaults: defaults)
        } catch {
            return reply(.success(ToolResult.failure(error)))
        }
        if case .failed(let reason) = factory.currentState {
            return reply(.success(ToolResult.failure(ToolError("the code tool is not available on this server: \(reason)"))))
        }
        resolveImages(arguments.images, holder: connection) { [self] resolved in
            switch resolved {
            case .failure(let error):
                reply(.success(ToolResult.failure(error)))
            case .success(let inputs):
                let started = ContinuousClock.now
                let call = CodeCall(owner: connection.map(WorkerJob.Owner.connection) ?? .shared, arguments: arguments,
                                    inputs: inputs, timeout: min(arguments.timeout, configuration.deadlineSeconds)) { [self] outcome in
                    finish(arguments, inputs: inputs, outcome: outcome, started: started, holder: connection, reply: reply)
                }
                switch sessions.submit(call) {
                case .queued: break
                case .overloaded:
                    reply(.failure(RPCError(.overloaded, "the server is overloaded (\(configuration.maxQueue) code calls queued); retry shortly")))
                case .otherConventions(let conventions):
                    reply(.success(ToolResult.failure(ToolError.invalid("conventions", .string(arguments.conventions.rawValue),
                        "session \(arguments.session ?? "") runs the \(conventions.rawValue) conventions, set by its first call; give conventions \(conventions.rawValue) (or leave it out when that is the server's default), or use another session"))))
                case .full:
                    reply(.success(ToolResult.failure(ToolError("all \(configuration.maxSessions) code sessions are running calls; retry shortly, or close sessions you no longer need with sessions/close"))))
                }
            }
        }
    }

    /// The store's pixels and encoded bytes of each image, in order (a data URL is put first).
    private func resolveImages(_ images: [CodeImageArgument], holder: ConnectionID?,
                               completion: @escaping @Sendable (Result<[CodeInput], ToolError>) -> Void) {
        guard !images.isEmpty else { return completion(.success([])) }
        let gather = OrderedGather<CodeInput, ToolError>(count: images.count) { results in
            var inputs: [CodeInput] = []
            for result in results {
                switch result {
                case .success(let input): inputs.append(input)
                case .failure(let error): return completion(.failure(error))
                }
            }
            completion(.success(inputs))
        }
        for (index, image) in images.enumerated() {
            let argument = images.count == 1 ? "image" : "images[\(index)]"
            tools.resolve(image.reference, holder: holder) { [self] resolved in
                switch resolved {
                case .failure(let error):
                    gather.finish(index, .failure(ToolError("\(argument): \(error.message)")))
                case .success(let handle):
                    tools.store.decoded(handle) { [self] decoded in
                        switch decoded {
                        case .success(let pixels):
                            guard let encoded = tools.store.encoded(handle) else {
                                return gather.finish(index, .failure(ImageStore.unknownHandle(handle)))
                            }
                            gather.finish(index, .success(CodeInput(index: index, handle: handle, pixels: pixels.memfd,
                                                                    layout: pixels.layout, encoded: encoded,
                                                                    format: pixels.format, path: image.path)))
                        case .failure(.tool(let error)):
                            gather.finish(index, .failure(ToolError("\(argument): \(error.message)")))
                        case .failure(.worker(let failure)):
                            gather.finish(index, .failure(ToolError("\(argument): \(failure.toolMessage)")))
                        }
                    }
                }
            }
        }
    }

    /// Encodes the images the code showed, builds the family's observation and answers.
    private func finish(_ arguments: CodeArguments, inputs: [CodeInput], outcome: CodeCallOutcome, started: ContinuousClock.Instant,
                        holder: ConnectionID?, reply: @escaping ToolService.Reply) {
        let earlierImages = sessions.imagesShown(arguments.session)
        @Sendable func answer(_ observationOutcome: CodeObservation.Outcome, images: [ProducedImage], restart: CodeSessionRestart?) {
            let context = CodeObservation.Context(
                returnedImages: images.count, firstImageClue: inputs.count + earlierImages,
                imageFiles: images.map { CodeObservation.sketchpadFileName(handle: $0.handle, directory: configuration.workDirectory) },
                restart: restart, maxImages: arguments.maxImages, harness: defaults.harness)
            let observation = CodeObservation(conventions: arguments.conventions, outcome: observationOutcome, context: context)
            sessions.addImagesShown(arguments.session, images.count)
            let elapsed = seconds(started.duration(to: .now)) * 1000
            if case .replied(let runReply) = observationOutcome {
                logger.debug("code call: \(String(format: "%.1f", elapsed)) ms in all, \(String(format: "%.1f", runReply.elapsedMs)) ms in the interpreter, \(images.count) images")
            }
            reply(.success(CodeToolResult.result(conventions: arguments.conventions, session: arguments.session,
                                                 outcome: observationOutcome, observation: observation, images: images,
                                                 elapsedMs: elapsed, freshSession: restart != nil ? true : nil)))
        }
        switch outcome {
        case .failed(let sentence):
            reply(.success(ToolResult.failure(ToolError(sentence))))
        case .stopped(let stop, let restart):
            answer(.stopped(stop), images: [], restart: restart)
        case .ran(let runReply, let outputs, let restart):
            guard !outputs.isEmpty else { return answer(.replied(runReply), images: [], restart: restart) }
            let plan = ImagePlan(steps: [], output: arguments.output)
            let gather = OrderedGather<ProducedImage, ToolError>(count: outputs.count) { results in
                var images: [ProducedImage] = []
                for result in results {
                    switch result {
                    case .success(let image): images.append(image)
                    case .failure(let error):
                        return reply(.success(ToolResult.failure(ToolError("an image the code showed could not be encoded: \(error.message)"))))
                    }
                }
                answer(.replied(runReply), images: images, restart: restart)
            }
            for (index, (memfd, shown)) in zip(outputs, runReply.images).enumerated() {
                let source = SourcePixels(memfd: memfd, layout: shown.layout)
                tools.execute(plan, on: source, inputKey: "code-output:\(memfd.inode)", holder: holder) { output in
                    switch output {
                    case .success(.image(let image)): gather.finish(index, .success(image))
                    case .success(.statistics): gather.finish(index, .failure(ToolError("the worker measured instead of encoding")))
                    case .failure(.tool(let error)): gather.finish(index, .failure(error))
                    case .failure(.rpc(let error)): gather.finish(index, .failure(ToolError(error.message)))
                    }
                }
            }
        }
    }

    // MARK: sessions/close, server/stats

    /// `sessions/close {session}` → `{session, closed}`.
    func closeSession(params: [String: JSONValue]) -> Result<JSONValue, RPCError> {
        guard case .string(let id)? = params["session"], CodeArguments.isSessionID(id) else {
            return .failure(RPCError(.invalidParams, "sessions/close needs session: the id given to the code tool (1 to \(CodeLimits.maximumSessionLength) letters, digits, \".\", \"_\", \":\" or \"-\")"))
        }
        return .success(["session": .string(id), "closed": .bool(sessions.close(id))])
    }

    var statistics: JSONValue {
        let state: String
        var templatePID: JSONValue = .null
        switch factory.currentState {
        case .starting: state = "starting"
        case .ready(let hello):
            state = "ready"
            templatePID = .int(Int(hello.pid))
        case .failed(let reason): state = "failed: \(reason)"
        }
        let counters = slots.statistics
        let list: [JSONValue] = sessions.snapshots.sorted { $0.id < $1.id }.map { session in
            ["id": .string(session.id), "age_s": .number((session.ageSeconds * 10).rounded() / 10),
             "idle_s": .number((session.idleSeconds * 10).rounded() / 10), "calls": .int(session.calls),
             "busy": .bool(session.busy), "pid": session.pid.map { .int(Int($0)) } ?? .null,
             "private_bytes": session.privateBytes.map { .int($0) } ?? .null]
        }
        return [
            "state": .string(state), "python": .string(configuration.python), "template_pid": templatePID, "queue": .int(queue.count),
            "calls": .int(counters.calls), "interpreters_started": .int(counters.forks), "stopped": .int(counters.stops),
            "misbehaved": .int(counters.violations), "max_sessions": .int(configuration.maxSessions),
            "sessions": .array(list),
        ]
    }
}
