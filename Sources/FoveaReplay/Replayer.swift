import ExtrasBase64
import Foundation
import FoveaClient
import FoveaProtocol

/// Sends every replayable round's call to a daemon again and keeps what it answers: the text,
/// the images (by handle), the error state and the time the round trip took. A case's images
/// are put first; code sessions get fresh names (`replay-<token>-<recorded name>`) so a replay
/// never meets a live agent's session, and are closed after the case.
public final class Replayer {
    let client: FoveaClient
    let token: String

    /// Connects to the daemon at `socketPath`.
    public init(socketPath: String) throws {
        do {
            client = try FoveaClient(socketPath: socketPath)
        } catch {
            throw ReplayError("no daemon answers at \(socketPath) (\(error)); start one with `fovea serve --socket \(socketPath)` (with the options the recording daemon had) or pass --socket")
        }
        client.setReceiveTimeout(seconds: 300)
        token = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    }

    /// Replays `replayCase`'s rounds in order; `progress` hears one line per round.
    public func replay(_ replayCase: inout ReplayCase, progress: (String) -> Void = { _ in }) throws {
        var handles: [String: Result<String, ReplayError>] = [:]
        var sessions: Set<String> = []
        for index in replayCase.rounds.indices {
            guard let call = replayCase.rounds[index].replayCall else { continue }
            var missing: String?
            let arguments = TrajectoryImages.mapReferences(in: call.arguments) { reference in
                guard let image = replayCase.resources[reference] else { return reference }
                if handles[reference] == nil { handles[reference] = put(image, reference: reference) }
                switch handles[reference]! {
                case .success(let handle): return handle
                case .failure(let error):
                    missing = error.description
                    return reference
                }
            }
            var observation: ReplayObservation
            if let missing {
                observation = ReplayObservation(text: "", protocolError: missing)
            } else {
                let renamed = renameSession(arguments)
                if let session = renamed["session"]?.stringValue { sessions.insert(session) }
                observation = try send(call.tool, renamed)
            }
            observation.textKind = replayCase.rounds[index].recorded.textKind
            replayCase.rounds[index].replayed = observation
            let differences = replayCase.rounds[index].differences
            progress("\(replayCase.title) round \(index + 1) \(call.tool): " + (differences.isEmpty ? "same" : differences.joined(separator: "; ")))
        }
        for session in sessions { _ = try? client.call("sessions/close", params: ["session": .string(session)]) }
    }

    private func put(_ image: ReplayImage, reference: String) -> Result<String, ReplayError> {
        guard image.isDisplayable, !image.bytes.isEmpty else {
            return .failure(ReplayError("the input \(reference) is not an encoded image in the recording (\(image.mimeType.isEmpty ? "missing" : image.mimeType)), so the call cannot be sent again"))
        }
        do {
            let result = try client.call("images/put", params: ["data": .string(Base64.encodeToString(bytes: image.bytes))])
            guard let handle = result["image"]?.stringValue else { return .failure(ReplayError("images/put of \(reference) returned no handle")) }
            return .success(handle)
        } catch {
            return .failure(ReplayError("the input \(reference) could not be put: \(error)"))
        }
    }

    private func renameSession(_ arguments: JSONValue) -> JSONValue {
        guard case .object(var members) = arguments, case .string(let session)? = members["session"] else { return arguments }
        members["session"] = .string(String("replay-\(token)-\(session)".prefix(128)))
        return .object(members)
    }

    /// One `tools/call`, timed from sending to the whole answer.
    private func send(_ tool: String, _ arguments: JSONValue) throws -> ReplayObservation {
        let started = ContinuousClock.now
        let result: JSONValue
        do {
            result = try client.call("tools/call", params: ["name": .string(tool), "arguments": arguments])
        } catch let failure as RPCFailureResponse {
            return ReplayObservation(text: "", protocolError: "\(failure.code): \(failure.message)", elapsedMs: milliseconds(since: started))
        } catch {
            throw ReplayError("the daemon stopped answering during the replay: \(error)")
        }
        let elapsed = milliseconds(since: started)
        let blocks = result["content"]?.arrayValue ?? []
        let imageBlocks = blocks.filter { $0["type"] == "image" }
        let handles = TrajectoryImages.outputHandles(structuredContent: result["structuredContent"], imageCount: imageBlocks.count)
        let images = imageBlocks.enumerated().map { index, block in
            ReplayImage(bytes: (try? Base64.decode(string: block["data"]?.stringValue ?? "")) ?? [],
                        mimeType: block["mimeType"]?.stringValue ?? "", handle: index < handles.count ? handles[index] : nil,
                        label: "image \(index + 1)")
        }
        let familyText = result["structuredContent"]?["observation"]?.arrayValue.map { parts in
            parts.compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }.joined()
        }
        return ReplayObservation(text: blocks.first { $0["type"] == "text" }?["text"]?.stringValue ?? "", images: images,
                                 isError: result["isError"] == .bool(true), elapsedMs: elapsed, familyText: familyText)
    }

    private func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = start.duration(to: .now)
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }
}
