import ExtrasBase64
import Foundation
import FoveaProtocol
import FoveaSandbox
import Logging

/// The template interpreter: one CPython per daemon that imported NumPy, PIL, matplotlib,
/// OpenCV, SciPy, scikit-image and scikit-learn once, confined itself under
/// `policies/code-template.policy`, and forks one interpreter per session (``Interpreter``).
/// It never runs model code. Requests to it are serialised: one question, one answer.
///
/// Started as root in the daemon's PID namespace (so the pids it reports are the daemon's), with
/// a clean environment and its channel on descriptor 3; docs/CODE-RUNNER.md has the messages.
final class CodeTemplate: @unchecked Sendable {
    /// What the template reports once it has imported everything and confined itself.
    struct Hello: Sendable {
        var pid: Int32
        var python: String
        var versions: [String: String]
        var importSeconds: Double
    }

    let configuration: CodeConfiguration
    private let logger: Logger
    private let lock = NSLock()
    private var process: WorkerProcess?
    private var home: TemplateHomes.Home?
    private var nextRequest: Int64 = 1

    init(configuration: CodeConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    deinit { stop() }

    /// Starts the template and waits (up to `timeoutSeconds`: importing SciPy and friends takes
    /// seconds) for its hello.
    func start(timeoutSeconds: Double = 180) throws -> Hello {
        lock.lock()
        defer { lock.unlock() }
        let stale = TemplateHomes.removeThoseOfStoppedDaemons()
        if !stale.isEmpty { logger.info("removed \(stale.count) code template homes of daemons no longer running: \(stale.prefix(3).joined(separator: ", "))\(stale.count > 3 ? ", …" : "")") }
        let home = try TemplateHomes.make()
        self.home = home
        let bootstrap = "import sys; sys.path.insert(0, sys.argv[1]); from fovea_runner.template import main; main()"
        let process = try WorkerProcess.spawn(executable: configuration.python,
                                              arguments: ["-I", "-B", "-c", bootstrap, configuration.runnerDirectory],
                                              environment: configuration.templateEnvironment(home: home.path),
                                              ownPIDNamespace: false, maximumDescriptors: 1)
        self.process = process
        do {
            let templateProgram = try CodePolicy.templateFilter(pid: process.pid).exportBPF()
            let childProgram = try CodePolicy.childFilter().exportBPF()
            try process.channel.send([
                "type": "configure", "templateFilter": .string(Base64.encodeToString(bytes: templateProgram)),
                "childFilter": .string(Base64.encodeToString(bytes: childProgram)), "child": configuration.childSettings,
                "preload": .array(configuration.preload.map(JSONValue.string)),
            ], until: .now + .seconds(5))
            guard let message = try process.channel.receive(timeoutMilliseconds: Int32(timeoutSeconds * 1000)) else {
                throw CodeTemplateError("the template did not report within \(Int(timeoutSeconds)) s")
            }
            message.closeDescriptors()
            if let error = message.json["error"]?.stringValue { throw CodeTemplateError("the template failed: \(error)") }
            guard message.json["type"] == "hello", let pid = message.json["pid"]?.intValue, Int32(pid) == process.pid else {
                throw CodeTemplateError("the template's first message was not its hello: \(JSONWriter.string(message.json).prefix(200))")
            }
            var versions: [String: String] = [:]
            for (name, value) in message.json["versions"]?.objectValue ?? [:] { versions[name] = value.stringValue ?? "\(value)" }
            return Hello(pid: process.pid, python: message.json["python"]?.stringValue ?? "?", versions: versions,
                         importSeconds: message.json["importSeconds"]?.doubleValue ?? 0)
        } catch {
            process.kill()
            process.waitForExit()
            self.process = nil
            throw error
        }
    }

    /// Forks an interpreter for `session` running as `uid`, with `paths` (absolute input paths
    /// known at its start) made in its private root, and waits for the interpreter's own hello.
    func fork(session: String, uid: UInt32, paths: [String]) throws -> Interpreter {
        let (supervisorEnd, interpreterEnd) = try ChannelSocket.pair(maximumDescriptors: Interpreter.maximumDescriptors)
        let pid: Int32
        do {
            var request: [String: JSONValue] = ["type": "fork", "session": .string(session), "uid": .int(Int(uid))]
            if !paths.isEmpty { request["paths"] = .array(paths.map(JSONValue.string)) }
            let answer = try ask(request, descriptors: [interpreterEnd.descriptor.rawValue])
            guard answer["type"] == "forked", let forked = answer["pid"]?.intValue, forked > 1 else {
                throw CodeTemplateError("the template could not fork an interpreter: \(answer["message"]?.stringValue ?? JSONWriter.string(answer))")
            }
            pid = Int32(forked)
        }
        withExtendedLifetime(interpreterEnd) {}  // the template has its copy; this one closes now
        return Interpreter(pid: pid, channel: supervisorEnd, session: session, uid: uid, template: self)
    }

    /// Reaps interpreter `pid` after the supervisor killed it (an unreaped pid cannot be reused,
    /// so the kill reached the right process); the exit status, as text.
    @discardableResult
    func reap(_ pid: Int32) -> String {
        (try? ask(["type": "reap", "pid": .int(Int(pid))]))?["status"]?.stringValue ?? "unknown (the template is gone)"
    }

    /// The template's pid while it runs.
    var pid: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return process?.pid
    }

    func stop() {
        lock.lock()
        defer { lock.unlock() }
        if let process {
            process.kill()
            process.waitForExit()
        }
        process = nil
        home?.release()
        home = nil
    }

    /// One request and its answer, under the lock (the template answers in order).
    private func ask(_ request: [String: JSONValue], descriptors: [Int32] = []) throws -> JSONValue {
        lock.lock()
        defer { lock.unlock() }
        guard let process else { throw CodeTemplateError("the template is not running") }
        var request = request
        request["id"] = .integer(nextRequest)
        nextRequest += 1
        try process.channel.send(.object(request), descriptors: descriptors, until: .now + .seconds(10))
        guard let answer = try process.channel.receive(timeoutMilliseconds: 30_000) else {
            throw CodeTemplateError("the template did not answer within 30 s")
        }
        answer.closeDescriptors()
        return answer.json
    }
}

/// The template could not start, fork or reap.
struct CodeTemplateError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
