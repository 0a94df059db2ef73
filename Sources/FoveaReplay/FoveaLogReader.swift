import Foundation
import FoveaProtocol

/// Reads Fovea's own trajectory log (`--trajectory-log`): a directory of segments, one segment
/// directory, or one segment's `calls.jsonl`. One case per trajectory: the calls that named a
/// trajectory id in `_meta`, else every call of one connection, within one daemon run. Each
/// call is replayed on its recorded inputs (the image files beside the log), so a difference
/// in one round never changes the rounds after it.
public enum FoveaLogReader {
    public static func load(path: String) throws -> [ReplayCase] {
        var cases: [String: ReplayCase] = [:]
        var order: [String] = []
        var clients: [String: String] = [:]
        for segment in try segments(at: path) {
            let images = imageFiles(in: segment + "/" + TrajectoryLayout.imagesDirectory)
            var run = "an unknown daemon run"
            var defaults = ""
            for line in try ReplaySource.lines(of: segment + "/" + TrajectoryLayout.callsFile) {
                guard let value = try? JSONParser.parse(line) else { continue }
                if let header = TrajectorySegmentHeader(json: value) {
                    run = header.run
                    defaults = describe(header.defaults)
                    continue
                }
                if value["type"] == "initialize", let connection = value["connection"]?.intValue {
                    let client = value["clientInfo"]
                    let name = [client?["name"]?.stringValue, client?["version"]?.stringValue].compactMap { $0 }.joined(separator: " ")
                    clients["\(run)/\(connection)"] = (name.isEmpty ? "a client" : name) + ", MCP \(value["protocolVersion"]?.stringValue ?? "?")"
                    continue
                }
                guard let call = TrajectoryCall(json: value) else { continue }
                let key = "\(run)/" + (call.trajectory.map { "trajectory \($0)" } ?? "connection \(call.connection)")
                if cases[key] == nil {
                    order.append(key)
                    let client = clients["\(run)/\(call.connection)"].map { " (\($0))" } ?? ""
                    let title = (call.trajectory.map { "trajectory \($0)" } ?? "connection \(call.connection)\(client)")
                    cases[key] = ReplayCase(title: title, notes: ["daemon run \(run)" + (defaults.isEmpty ? "" : "; its defaults: \(defaults)")])
                }
                var current = cases[key]!
                let next = round(call, images: images, resources: &current.resources)
                current.rounds.append(next)
                cases[key] = current
            }
        }
        return order.map { cases[$0]! }
    }

    static func round(_ call: TrajectoryCall, images: [String: String], resources: inout [String: ReplayImage]) -> ReplayRound {
        func image(_ handle: String, mimeType: String, label: String) -> ReplayImage {
            let hex = String(handle.dropFirst(ImageReference.handlePrefix.count))
            guard let file = images[hex], let data = FileManager.default.contents(atPath: file) else {
                return ReplayImage(bytes: [], mimeType: "", handle: handle, label: "\(label) (not in the log)")
            }
            let bytes = [UInt8](data)
            return ReplayImage(bytes: bytes, mimeType: mimeType.isEmpty ? (TrajectoryLayout.sniffMimeType(bytes) ?? "application/octet-stream") : mimeType,
                               handle: handle, label: label)
        }
        let recorded: ReplayObservation
        switch call.outcome {
        case .result(let result):
            recorded = ReplayObservation(text: result.text, images: result.images.enumerated().map { index, returned in
                image(returned.handle, mimeType: returned.mimeType, label: "image \(index + 1)")
            }, isError: result.isError, elapsedMs: call.elapsedMs)
        case .error(let code, let message):
            recorded = ReplayObservation(text: "", protocolError: "\(code): \(message)", elapsedMs: call.elapsedMs)
        }
        var round = ReplayRound(tool: call.tool, arguments: call.arguments, recorded: recorded, session: call.session)
        for (index, handle) in call.inputs.enumerated() where resources[handle] == nil {
            let input = image(handle, mimeType: "", label: "input \(index + 1)")
            if !input.bytes.isEmpty { resources[handle] = input }
        }
        round.replayCall = (call.tool, call.arguments)
        return round
    }

    /// The segment directories under `path`, oldest first.
    static func segments(at path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReplayError("\(path) does not exist")
        }
        if !isDirectory.boolValue { return [(path as NSString).deletingLastPathComponent] }
        if FileManager.default.fileExists(atPath: path + "/" + TrajectoryLayout.callsFile) { return [path] }
        let names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        let found = names.map { path + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0 + "/" + TrajectoryLayout.callsFile) }
        guard !found.isEmpty else {
            throw ReplayError("\(path) holds no trajectory-log segment (a directory with \(TrajectoryLayout.callsFile), as `fovea serve --trajectory-log DIR` writes)")
        }
        return found
    }

    /// Handle hex digits → file path.
    static func imageFiles(in directory: String) -> [String: String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return Dictionary(names.map { (String($0.prefix { $0 != "." }), directory + "/" + $0) }, uniquingKeysWith: { first, _ in first })
    }

    static func describe(_ defaults: JSONValue) -> String {
        (defaults.objectValue ?? [:]).keys.sorted().compactMap { key in
            guard let value = defaults[key], !value.isNull else { return nil }
            return "--\(key.replacingOccurrences(of: "_", with: "-")) \(value.stringValue ?? JSONWriter.string(value))"
        }.joined(separator: " ")
    }
}
