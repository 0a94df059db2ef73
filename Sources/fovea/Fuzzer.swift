import ExtrasBase64
import Foundation
import FoveaClient
import FoveaProtocol
import Synchronization

/// `fovea fuzz`: clients that each send valid, mutated and hostile calls one at a time to a
/// running daemon and judge every answer. An anomaly is anything a healthy daemon never does:
/// no answer in time, a dropped connection, an answer that is not JSON-RPC, an internal error
/// (-32603), an error without a message, a valid call that fails, a worker lost, a ping left
/// unanswered, or workers restarting during the run.
struct Fuzzer {
    var socketPath: String
    var clients: Int
    var seconds: Double
    var seed: UInt64
    /// Longest wait for one answer before it counts as missing.
    var answerTimeout: Double
    var cases: FuzzCases
    /// Requests each client keeps outstanding on its connection.
    var inFlight = 1
    /// Code calls, when the daemon serves the code tool (``FuzzCodeCases``), and their share of all calls.
    var codeCases: FuzzCodeCases?
    var codeShare = 0.25
    /// Calls each client sends before it stops, if it does not reach the end of ``seconds`` first.
    var callsPerClient = Int.max

    /// One answer, classified.
    enum Outcome: Hashable, CustomStringConvertible {
        case ok
        case toolError
        case rpcError(Int)
        case noAnswer
        /// The image was no longer stored (evicted by a small cache, or released as another call's identical result) and was put again: not an anomaly.
        case evicted
        /// The client sent a call and closed its connection without waiting for the answer.
        case abandoned

        var description: String {
            switch self {
            case .ok: return "ok"
            case .toolError: return "tool error"
            case .rpcError(let code): return "rpc \(code)"
            case .noAnswer: return "no answer"
            case .evicted: return "released or evicted, put again"
            case .abandoned: return "left mid-call"
            }
        }
    }

    struct Anomaly {
        var category: FuzzCategory
        var request: String
        var problem: String
    }

    final class Report: @unchecked Sendable {
        let lock = NSLock()
        var outcomes: [FuzzCategory: [Outcome: Int]] = [:]
        var anomalies: [Anomaly] = []
        var anomalyCount = 0
        var pings = 0
        var reconnects = 0
        /// Calls of the code tool among the valid, mutated and hostile ones.
        var codeCalls = 0
        var workerRestarts = 0
        /// Workers replaced near their CPU limit: planned, not an anomaly.
        var workerRetirements = 0
        var aliveAtEnd = false
        var elapsed = 0.0
        /// The supervisor's resident memory (`server/stats` `memory`) when the clients start and
        /// after they end, and its peak.
        var residentAtStart: Int?
        /// Sampled at each tenth of the run: growth that stops is a cache filling, growth
        /// that goes on is a leak.
        var residentDuringRun: [Int] = []
        var residentAtEnd: Int?
        var peakResident: Int?
        /// Distinct error texts a model would read, up to ``errorSampleLimit``.
        var errorSamples: [String] = []
        var errorSampleLimit = 0

        func sampleError(_ text: String) {
            lock.withLock {
                if errorSamples.count < errorSampleLimit && !errorSamples.contains(text) { errorSamples.append(text) }
            }
        }

        func record(_ category: FuzzCategory, _ outcome: Outcome) {
            lock.withLock { outcomes[category, default: [:]][outcome, default: 0] += 1 }
        }

        func flag(_ anomaly: Anomaly) {
            lock.withLock {
                anomalyCount += 1
                if anomalies.count < 20 { anomalies.append(anomaly) }
            }
        }

        var calls: Int { outcomes.values.reduce(0) { $0 + $1.values.reduce(0, +) } }
    }

    /// Distinct error texts to keep for the report.
    var errorSamples = 0

    func run() throws -> Report {
        let report = Report()
        report.errorSampleLimit = errorSamples
        let setup = try connect()
        let before = try Self.replacements(setup)
        var handles: [String] = []
        for image in cases.images {
            let answer = try setup.call("images/put", params: ["data": .string(Base64.encodeToString(bytes: image))])
            guard let handle = answer["image"]?.stringValue else { throw FoveaClient.Failure("images/put of a valid image returned \(JSONWriter.string(answer))") }
            handles.append(handle)
        }
        report.residentAtStart = (try? Self.memory(setup))??.resident
        let start = Date()
        let putHandles = handles
        let threads = (0..<clients).map { index in
            Thread { [self] in
                var random = FuzzRandom(seed: seed &+ UInt64(index) &* 0x1000_0000_01)
                runClient(&random, index: index, handles: putHandles, until: start.addingTimeInterval(seconds), report: report)
            }
        }
        threads.forEach { $0.start() }
        var nextSample = start.addingTimeInterval(seconds / 10)
        let sampler = try? connect()
        while threads.contains(where: { !$0.isFinished }) {
            Thread.sleep(forTimeInterval: 0.05)
            if Date() >= nextSample, report.residentDuringRun.count < 9, let sampler {
                if let memory = (try? Self.memory(sampler)) ?? nil { report.residentDuringRun.append(memory.resident) }
                nextSample = nextSample.addingTimeInterval(seconds / 10)
            }
        }
        report.elapsed = Date().timeIntervalSince(start)
        if let final = try? connect(), let after = try? Self.replacements(final) {
            report.aliveAtEnd = (try? final.call("ping")) != nil
            if let memory = (try? Self.memory(final)) ?? nil {
                report.residentAtEnd = memory.resident
                report.peakResident = memory.peak
            }
            report.workerRestarts = after.restarts - before.restarts
            report.workerRetirements = after.retirements - before.retirements
            if report.workerRestarts > 0 {
                report.flag(Anomaly(category: .hostile, request: "(the whole run)",
                                    problem: "workers restarted \(report.workerRestarts) times"))
            }
        }
        if !report.aliveAtEnd {
            report.flag(Anomaly(category: .hostile, request: "(the whole run)", problem: "the daemon did not answer ping at the end"))
        }
        return report
    }

    private func connect() throws -> FoveaClient {
        let client = try FoveaClient(socketPath: socketPath)
        client.setReceiveTimeout(seconds: answerTimeout)
        return client
    }

    /// The supervisor's resident memory now and at its peak.
    private static func memory(_ client: FoveaClient) throws -> (resident: Int, peak: Int)? {
        let memory = try client.call("server/stats")["memory"]
        guard let resident = memory?["rssBytes"]?.intValue, let peak = memory?["peakRssBytes"]?.intValue else { return nil }
        return (resident, peak)
    }

    /// Workers replaced so far: after failures, and retired near their CPU limit.
    private static func replacements(_ client: FoveaClient) throws -> (restarts: Int, retirements: Int) {
        let workers = try client.call("server/stats")["workers"]?.arrayValue ?? []
        func total(_ key: String) -> Int { workers.compactMap { $0[key]?.intValue }.reduce(0, +) }
        return (total("restarts"), total("retirements"))
    }

    /// A request sent and not yet answered.
    private struct Pending {
        enum Purpose { case fuzz, ping, release, putAgain }
        var fuzzCase: FuzzCase
        var request: String
        var purpose: Purpose
        /// The image a valid call used, put again if it was evicted.
        var handle: String?
    }

    /// One client: keeps up to ``inFlight`` requests outstanding on its connection (answers come
    /// in any order, matched by id). Broken lines and abandoned calls need the window empty.
    private func runClient(_ random: inout FuzzRandom, index: Int, handles: [String], until deadline: Date, report: Report) {
        var handles = handles
        var client = try? connect()
        var pending: [Int64: Pending] = [:]
        /// Broken lines were sent on this connection: a late answer to one (ids 1 and 2 in
        /// ``FuzzCases``) may follow the ping that ended its exchange, as answers come in any order.
        var sentLines = false
        var count = 0

        func send(_ fuzzCase: FuzzCase, _ purpose: Pending.Purpose, handle: String? = nil, on connection: FoveaClient) {
            guard case .request(let method, let params) = fuzzCase.message else { return }
            let request = Self.abbreviated(JSONWriter.string(["method": .string(method), "params": params]))
            do {
                let id = try connection.sendRequest(method, params: params)
                pending[id] = Pending(fuzzCase: fuzzCase, request: request, purpose: purpose, handle: handle)
            } catch {
                judge(Pending(fuzzCase: fuzzCase, request: request + " (\(error))", purpose: purpose), .noAnswer, nil)
            }
        }

        /// Records and judges one answer; what follows from it (a handle kept, an image put again).
        func judge(_ sent: Pending, _ outcome: Outcome, _ answer: JSONValue?) {
            var outcome = outcome
            switch sent.purpose {
            case .ping:
                report.lock.withLock { report.pings += 1 }
                if outcome != .ok { report.flag(Anomaly(category: .valid, request: "ping", problem: "ping got \(outcome)")) }
                return
            case .fuzz where sent.fuzzCase.category == .valid:
                if outcome == .toolError || outcome == .rpcError(-32602), Self.errorText(answer).map(Self.saysEvicted) == true,
                   let handle = sent.handle, let index = handles.firstIndex(of: handle), index < cases.images.count, let connection = client {
                    // An image put at the start can be evicted (small --cache-bytes) or released (a client released
                    // a result with the same bytes, so the same handle): an agent puts it again.
                    outcome = .evicted
                    send(FuzzCase(category: .valid, message: .request(method: "images/put", params: [
                        "data": .string(Base64.encodeToString(bytes: cases.images[index]))])), .putAgain, on: connection)
                }
                if sent.fuzzCase.keepsHandle, outcome == .ok,
                   let new = answer?["result"]?["image"]?.stringValue ?? answer?["result"]?["structuredContent"]?["image"]?.stringValue {
                    handles.append(new)
                    if handles.count > 32 { handles.remove(at: cases.images.count) }
                }
            case .fuzz, .release, .putAgain:
                break
            }
            report.record(sent.fuzzCase.category, outcome)
            if let text = Self.errorText(answer) { report.sampleError(Self.abbreviated(text)) }
            if let problem = Self.judge(sent.fuzzCase.category, outcome, answer) {
                report.flag(Anomaly(category: sent.fuzzCase.category, request: sent.request, problem: problem))
            }
        }

        /// Waits for one answer; on a broken connection every outstanding request is missing.
        func receiveOne(on connection: FoveaClient) {
            do {
                guard let line = try connection.receiveLine() else { throw FoveaClient.Failure("the connection closed") }
                let answer = try JSONParser.parse(line)
                guard case .integer(let id)? = answer["id"], let sent = pending.removeValue(forKey: id) else {
                    if sentLines, answer["id"] == 1 || answer["id"] == 2 {
                        if let problem = Self.judge(.hostile, Self.outcome(of: answer), answer) {
                            report.flag(Anomaly(category: .hostile, request: "(a broken line sent earlier)", problem: problem))
                        }
                        return
                    }
                    report.flag(Anomaly(category: .hostile, request: "(none)", problem: "an answer to no outstanding request: \(Self.abbreviated(String(decoding: line, as: UTF8.self)))"))
                    return
                }
                judge(sent, Self.outcome(of: answer), answer)
            } catch {
                for sent in pending.values { judge(Pending(fuzzCase: sent.fuzzCase, request: sent.request + " (\(error))", purpose: sent.purpose), .noAnswer, nil) }
                pending = [:]
                client = try? connect()  // the connection is in an unknown state: start afresh
                sentLines = false
                report.lock.withLock { report.reconnects += 1 }
            }
        }

        var issued = 0
        func sending() -> Bool { Date() < deadline && issued < callsPerClient }
        while sending() || !pending.isEmpty {
            guard let connection = client else {
                report.flag(Anomaly(category: .valid, request: "(connect)", problem: "cannot connect to \(socketPath)"))
                return
            }
            guard sending() && pending.count < inFlight else {
                receiveOne(on: connection)
                continue
            }
            // Valid calls use the images put at the start (a result can be too thin or small for
            // a random box to be valid); mutated calls use results too, so calls chain.
            issued += 1
            let roll = random.int(0...99)
            let handle = random.pick(roll < 40 ? Array(handles.prefix(cases.images.count)) : handles)
            let fuzzCase: FuzzCase?
            if let code = codeCases, random.chance(codeShare) {
                let imageHandle = random.pick(Array(handles.prefix(cases.images.count)))
                fuzzCase = roll < 40 ? code.valid(&random, handle: imageHandle, client: index)
                    : roll < 75 ? code.mutated(&random, handle: imageHandle, client: index, hostileValue: cases.hostileValue)
                    : code.hostile(&random, handle: imageHandle, client: index)
                report.lock.withLock { report.codeCalls += 1 }
            } else {
                fuzzCase = roll < 40 ? cases.valid(&random, handle: handle)
                    : roll < 80 ? cases.mutated(&random, handle: handle) : roll < 98 ? cases.hostile(&random) : nil
            }
            if fuzzCase?.isLine ?? true {
                // Lines without an id, and leaving, wait until every answer is in.
                while !pending.isEmpty, let current = client { receiveOne(on: current) }
                guard let connection = client else { continue }
                if let fuzzCase {
                    sentLines = true
                    let (outcome, answer, request) = exchange(fuzzCase, on: connection)
                    judge(Pending(fuzzCase: fuzzCase, request: request, purpose: .fuzz), outcome, answer)
                    if outcome == .noAnswer {
                        client = try? connect()
                        sentLines = false
                        report.lock.withLock { report.reconnects += 1 }
                    }
                } else {  // an agent that times out: a call, then the connection closes unanswered
                    if case .request(let method, let params) = cases.valid(&random, handle: handle).message {
                        _ = try? connection.sendRequest(method, params: params)
                    }
                    client = try? connect()
                    sentLines = false
                    report.record(.hostile, .abandoned)
                }
                continue
            }
            send(fuzzCase!, .fuzz, handle: handle, on: connection)
            count += 1
            if count % 50 == 0, handles.count > cases.images.count {  // release this client's oldest result
                let result = handles.remove(at: cases.images.count)
                send(FuzzCase(category: .valid, message: .request(method: "images/release", params: ["image": .string(result)])),
                     .release, on: connection)
            }
            if count % 20 == 0 {  // the daemon stays responsive between calls
                send(FuzzCase(category: .valid, message: .request(method: "ping", params: [:])), .ping, on: connection)
            }
        }
    }

    /// Sends one case and reads its answer. A raw line is followed by a ping so that a line
    /// which gets no answer (an empty line) still ends the exchange.
    private func exchange(_ fuzzCase: FuzzCase, on client: FoveaClient) -> (outcome: Outcome, answer: JSONValue?, request: String) {
        do {
            switch fuzzCase.message {
            case .request(let method, let params):
                let id = try client.sendRequest(method, params: params)
                let request = Self.abbreviated(JSONWriter.string(["method": .string(method), "params": params]))
                while true {
                    guard let line = try client.receiveLine() else { return (.noAnswer, nil, request + " (connection closed)") }
                    let answer = try JSONParser.parse(line)
                    guard answer["id"] == .integer(id) else { continue }
                    return (Self.outcome(of: answer), answer, request)
                }
            case .line(let bytes):
                let request = Self.abbreviated(String(decoding: bytes, as: UTF8.self))
                try client.sendRaw(bytes + [0x0A])
                let pingID = try client.sendRequest("ping")
                var answerToLine: JSONValue?
                while true {
                    guard let line = try client.receiveLine() else { return (.noAnswer, nil, request + " (connection closed)") }
                    let answer = try JSONParser.parse(line)
                    if answer["id"] == .integer(pingID) { break }
                    // A line that is a JSON array is a batch (`[1,2]`): judged by its first
                    // error element, which must carry a message like any other.
                    answerToLine = answer.arrayValue.map { elements in elements.first { $0["error"] != nil } ?? elements.first ?? answer } ?? answer
                }
                return (answerToLine.map(Self.outcome(of:)) ?? .ok, answerToLine, request)
            }
        } catch {
            return (.noAnswer, nil, "\(fuzzCase.message) (\(error))")
        }
    }

    /// The sentence a model would read for an error answer.
    static func errorText(_ answer: JSONValue?) -> String? {
        if let message = answer?["error"]?["message"]?.stringValue { return message }
        guard answer?["result"]?["isError"] == .bool(true) else { return nil }
        // The text block: a code call that raised may show images before it.
        return answer?["result"]?["content"]?.arrayValue?.first { $0["type"] == "text" }?["text"]?.stringValue
    }

    static func outcome(of answer: JSONValue) -> Outcome {
        if let error = answer["error"] { return .rpcError(error["code"]?.intValue ?? 0) }
        if answer["result"]?["isError"] == .bool(true) { return .toolError }
        return .ok
    }

    /// What is wrong with this answer, if anything.
    static func judge(_ category: FuzzCategory, _ outcome: Outcome, _ answer: JSONValue?) -> String? {
        switch outcome {
        case .noAnswer: return "no answer"
        case .rpcError(-32603): return "internal error: \(answer?["error"]?["message"]?.stringValue ?? "")"
        case .rpcError(-32003): return "worker lost: \(answer?["error"]?["message"]?.stringValue ?? "")"
        case .rpcError(let code):
            if answer?["error"]?["message"]?.stringValue?.isEmpty ?? true { return "error \(code) without a message" }
            if category == .valid && code != -32001 { return "a valid call got error \(code): \(answer?["error"]?["message"]?.stringValue ?? "")" }
        case .toolError:
            let text = Self.errorText(answer) ?? ""
            if text.isEmpty { return "a tool error without text" }
            if category == .valid { return "a valid call failed: \(text)" }
        case .ok, .evicted, .abandoned:
            break
        }
        return nil
    }

    /// Whether an error says the image is no longer stored (evicted or released).
    static func saysEvicted(_ text: String) -> Bool {
        text.contains("no image with") && text.contains("is stored")
    }

    static func abbreviated(_ text: String) -> String {
        text.count <= 300 ? text : String(text.prefix(300)) + "… (\(text.utf8.count) bytes)"
    }
}
