import Foundation
import FoveaProtocol
import Glibc
import FoveaSandbox
import Logging
import Synchronization

/// Routes one request to its method and answers through `reply` (on any thread). Notifications
/// get no answer.
final class RPCDispatcher: @unchecked Sendable {
    typealias Reply = @Sendable (JSONValue) -> Void

    let tools: ToolService
    /// The code tool, when the daemon has a Python to run it in.
    let code: CodeService?
    let stats = ServerStats()
    let activity = RequestActivity()
    let configuration: ServerConfiguration
    let logger: Logger
    /// Set once by the server, for `server/stats`.
    var connections: ConnectionLimiter?
    /// Set once by the server when `--trajectory-log` is given.
    var trajectoryLog: TrajectoryLog?

    init(tools: ToolService, code: CodeService? = nil, configuration: ServerConfiguration, logger: Logger) {
        self.tools = tools
        self.code = code
        self.configuration = configuration
        self.logger = logger
    }

    /// Answers `request` from `connection` (nil: no connection, e.g. a test).
    func handle(_ request: RPCRequest, connection: ConnectionID? = nil, reply: @escaping @Sendable (JSONValue) -> Void) {
        guard let id = request.id else { return handleNotification(request) }
        let method = request.method
        let stats = self.stats
        let started = ContinuousClock.now
        let tool = method == "tools/call" ? request.params?["name"]?.stringValue.flatMap { ToolCatalog.definition(named: $0)?.name } : nil
        let log = method == "tools/call" ? trajectoryLog : nil
        let wallStart = log != nil ? Date() : nil
        let answer: @Sendable (Result<JSONValue, RPCError>) -> Void = { [callParams = request.params] result in
            let elapsed = started.duration(to: .now)
            if let log, let wallStart {
                log.recordCall(params: callParams, result: result, connection: connection, id: id, started: wallStart, elapsed: elapsed)
            }
            switch result {
            case .success(let value):
                stats.record(method: method, tool: tool, failed: value["isError"] == .bool(true), elapsed: elapsed)
                reply(RPCMessage.response(id: id, result: value))
            case .failure(let error):
                stats.record(method: method, tool: tool, failed: true, elapsed: elapsed)
                reply(RPCMessage.errorResponse(id: id, error: error))
            }
        }
        let params: [String: JSONValue]
        do {
            params = try request.namedParams()
        } catch {
            return answer(.failure(error))
        }
        switch method {
        case "initialize":
            let result = MCP.initializeResult(params: params)
            trajectoryLog?.recordInitialize(params: params, result: result, connection: connection, started: Date())
            answer(.success(result))
        case "ping": answer(.success([:]))
        case "tools/list": answer(.success(ToolCatalog.listResult(includingCode: code?.isAvailable ?? false)))
        case "tools/call":
            if let code, let name = params["name"]?.stringValue, ToolCatalog.isCode(name) {
                code.call(params: params, connection: connection, reply: answer)
            } else {
                tools.call(params: params, connection: connection, reply: answer)
            }
        case "sessions/close":
            if let code { answer(code.closeSession(params: params)) } else {
                answer(.failure(RPCError(.methodNotFound, "sessions/close belongs to the code tool, which this server does not serve (no Python environment)")))
            }
        case "images/put": tools.put(params: params, connection: connection, reply: answer)
        case "images/get": tools.get(params: params, reply: answer)
        case "images/release": answer(tools.release(params: params, connection: connection))
        case "server/stats": answer(.success(statistics()))
        case "debug/sandbox_probe" where configuration.testHooks: probe(params: params, reply: answer)
        default:
            answer(.failure(RPCError(.methodNotFound, "method \(method) does not exist; methods are initialize, ping, tools/list, tools/call, images/put, images/get, images/release, sessions/close, server/stats")))
        }
    }

    /// A connection opened: it may hold images from now on.
    func connectionOpened(_ connection: ConnectionID) {
        tools.store.holderOpened(connection)
    }

    /// A connection closed: its holds on images go (the images stay until evicted or released).
    func connectionClosed(_ connection: ConnectionID) {
        tools.store.dropHolds(of: connection)
    }

    private func handleNotification(_ request: RPCRequest) {
        // notifications/initialized, notifications/cancelled and unknown notifications: nothing to do.
        logger.trace("notification \(request.method)")
    }

    func statistics() -> JSONValue {
        let pool = tools.pool
        let cache = tools.store.snapshot
        let workers: [JSONValue] = pool.snapshots.map { slot in
            ["index": .int(slot.index), "pid": slot.pid.map { .int(Int($0)) } ?? .null, "state": .string(slot.state),
             "restarts": .int(slot.restarts), "retirements": .int(slot.retirements), "recycled": .int(slot.recycled),
             "jobs": .int(slot.jobs)]
        }
        return [
            "workers": .array(workers),
            "queue": ["depth": .int(pool.queueDepth), "capacity": .int(configuration.maxQueue)],
            "connections": ["open": .int(connections?.openConnections ?? 0), "limit": .int(configuration.maxConnections)],
            "cache": ["entries": .int(cache.entries), "decodedEntries": .int(cache.decodedEntries),
                      "bytes": .int(cache.bytes), "capacityBytes": .int(cache.capacityBytes),
                      "hits": .int(cache.counters.hits), "misses": .int(cache.counters.misses),
                      "decodes": .int(cache.counters.decodes), "evictions": .int(cache.counters.evictions),
                      "jobsBeforeDecodeEnded": .int(cache.counters.jobsBeforeDecodeEnded),
                      "jobsInBands": .int(tools.bandedJobs.load(ordering: .relaxed)),
                      "reducedDecodes": .int(cache.counters.reducedDecodes),
                      "shmemHugePages": HugePages.shmemSetting().map(JSONValue.string) ?? .null],
            "poisonedInputs": .int(pool.poison.poisonedCount),
            "memory": DaemonMemory.current()?.json ?? .null,
            "code": code?.statistics ?? ["state": "off"],
            "trajectoryLog": trajectoryLog?.statistics ?? ["state": "off"],
            "methods": stats.methodsJSON,
            "tools": stats.toolsJSON,
            "uptime_s": .double(Double(stats.started.duration(to: .now).components.seconds)),
        ]
    }

    /// `debug/sandbox_probe {action}` → `{outcome: denied|killed|allowed, detail}`.
    private func probe(params: [String: JSONValue], reply: @escaping @Sendable (Result<JSONValue, RPCError>) -> Void) {
        guard case .string(let action)? = params["action"], SandboxProbe.actions.contains(action) else {
            return reply(.failure(RPCError(.invalidParams, "action must be one of \(SandboxProbe.actions.joined(separator: ", "))")))
        }
        let job = WorkerJob(request: .probe(id: 0, action: action), descriptors: [],
                            deadlineSeconds: configuration.deadlineSeconds, poisonKey: nil) { outcome in
            switch outcome {
            case .success(let response):
                if case .probed(_, let outcome, let detail) = response.reply {
                    reply(.success(["action": .string(action), "outcome": .string(outcome), "detail": .string(detail)]))
                } else if case .failed(_, _, let message) = response.reply {
                    reply(.failure(RPCError(.internalError, message)))
                }
            case .failure(.workerDied(let status)):
                var result: [String: JSONValue] = ["action": .string(action), "outcome": "killed", "detail": .string("worker \(status)")]
                if case .signaled(let signal) = status { result["signal"] = .string(signalName(signal)) }
                reply(.success(.object(result)))
            case .failure(let failure) where failure.isDeadline:
                // The supervisor killed it: a probe's answer, not a protocol error.
                reply(.success(["action": .string(action), "outcome": "killed", "signal": "SIGKILL",
                                "reason": "deadline", "detail": .string(failure.toolMessage)]))
            case .failure(let failure):
                reply(.failure(failure.rpcError(handle: "")))
            }
        }
        tools.pool.submit(job)
    }
}

extension WorkerJobFailure {
    var isDeadline: Bool {
        if case .deadlineExceeded = self { return true }
        return false
    }
}
