import ExtrasBase64
import Foundation
import FoveaProtocol

/// Reads the R1V4 toolkit's result JSONL (`r1v4/batch_*.py`): one case per line,
/// `{"image": "<path>", "question": "…", "response": {"full_response": "…", "raw_response": …}}`
/// or `{"response": {"error": "…"}}`. Each `code` call is replayed in one session per case with
/// R1V4's conventions, on the case's image under the path the toolkit gave. A line written by
/// Fovea's reference agent loop also has `response.fovea.rounds`: its rounds are read from
/// there instead (``AgentLoopRounds``), any family's format.
public enum R1V4Results {
    /// `imageDirectory`: where relative image paths are resolved (default: the JSONL's directory,
    /// then the working directory, as the toolkit ran beside its images).
    public static func load(path: String, imageDirectory: String? = nil) throws -> [ReplayCase] {
        let lines = try ReplaySource.lines(of: path)
        let base = imageDirectory ?? (path as NSString).deletingLastPathComponent
        return lines.enumerated().map { index, line in
            guard let value = try? JSONParser.parse(line) else {
                return ReplayCase(title: "line \(index + 1)", notes: ["line \(index + 1) is not JSON; skipped"])
            }
            return caseFrom(value, number: index + 1, base: base)
        }
    }

    static func caseFrom(_ value: JSONValue, number: Int, base: String) -> ReplayCase {
        var result = ReplayCase(title: "case \(number)", question: value["question"]?.stringValue)
        let imagePath = value["image"]?.stringValue.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        if let imagePath {
            if let bytes = read(imagePath, base: base) {
                let image = ReplayImage(bytes: bytes, mimeType: TrajectoryLayout.sniffMimeType(bytes) ?? "application/octet-stream",
                                        label: imagePath)
                result.images = [image]
                result.resources[caseImage] = image
            } else {
                result.notes.append("the case's image \(imagePath) was not found (relative paths are read from \(base), then the working directory; pass --images DIR); its code calls run without it")
            }
        }
        if let error = value["response"]?["error"] {
            result.notes.append("the toolkit recorded an error instead of a response: \(error.stringValue ?? JSONWriter.string(error))")
            return result
        }
        guard let full = value["response"]?["full_response"]?.stringValue else {
            result.notes.append("the line has no response.full_response")
            return result
        }
        let transcript = R1V4Transcript(fullResponse: full)
        if let fovea = value["response"]?["fovea"],
           let rounds = AgentLoopRounds.rounds(fovea, transcript: transcript, caseImage: result.images.first, base: base,
                                               resources: &result.resources) {
            result.rounds = rounds
            let format = fovea["format"]?.stringValue.map { " in the \($0) format" } ?? ""
            result.notes.append("recorded by Fovea's reference agent loop\(format)" + (fovea["model"]?.stringValue.map { " with the model \($0)" } ?? ""))
        } else {
            let session = "case-\(number)"
            result.rounds = transcript.rounds.map { round in
                roundFrom(round, session: session, imagePath: result.resources[caseImage] != nil ? imagePath : nil)
            }
        }
        result.finalThinking = transcript.finalThinking.isEmpty ? nil : transcript.finalThinking
        result.answer = transcript.answer.isEmpty ? nil : transcript.answer
        return result
    }

    /// The reference the replayed calls use for the case's image.
    static let caseImage = "case-image:0"

    static func roundFrom(_ round: R1V4Transcript.Round, session: String, imagePath: String?) -> ReplayRound {
        let images = round.imageDataURLs.enumerated().compactMap { index, url -> ReplayImage? in
            guard let payload = TrajectoryImages.dataURLPayload(url), let bytes = try? Base64.decode(string: String(payload)) else { return nil }
            let mimeType = url.dropFirst("data:".count).prefix { $0 != ";" }
            return ReplayImage(bytes: bytes, mimeType: String(mimeType), label: "recorded image \(index + 1)")
        }
        let recorded = ReplayObservation(text: round.observation ?? "", images: images, textKind: .json)
        guard let call = try? JSONParser.parse(round.call), let name = call["name"]?.stringValue else {
            var unreadable = ReplayRound(thinking: round.thinking, tool: nil, arguments: nil, rawCall: round.call, recorded: recorded)
            unreadable.skipped = "the call is not a JSON object with a name, so it cannot be sent again"
            return unreadable
        }
        let arguments = call["arguments"] ?? [:]
        var result = ReplayRound(thinking: round.thinking, tool: name, arguments: arguments, recorded: recorded, session: session)
        if ToolCatalog.isCode(name) {
            var replayed = arguments.objectValue ?? [:]
            replayed["conventions"] = "r1v4"
            replayed["session"] = .string(session)
            if let imagePath, replayed["images"] == nil, replayed["image"] == nil {
                replayed["images"] = [["image": .string(caseImage), "path": .string(codePath(imagePath))]]
            }
            result.replayCall = ("code", .object(replayed))
        } else if ToolCatalog.imageTool(named: name) != nil {
            // An image tool given the case's path (or nothing) reads the case's image.
            var replayed = arguments.objectValue ?? [:]
            if replayed["image"] == nil || replayed["image"]?.stringValue == imagePath { replayed["image"] = .string(caseImage) }
            result.replayCall = (name, .object(replayed))
        } else {
            result.skipped = "\(name) is not a Fovea tool (Fovea replays code and its image tools)"
        }
        return result
    }

    /// The file name the code may open the image under: the toolkit's path without a leading
    /// `./`; just the file name when the path climbs out with `..`.
    static func codePath(_ path: String) -> String {
        var path = path
        while path.hasPrefix("./") { path.removeFirst(2) }
        if path.split(separator: "/").contains("..") || path.isEmpty { return (path as NSString).lastPathComponent }
        return path
    }

    static func read(_ path: String, base: String) -> [UInt8]? {
        let candidates = path.hasPrefix("/") ? [path] : [base + "/" + path, FileManager.default.currentDirectoryPath + "/" + path]
        for candidate in candidates {
            if let data = FileManager.default.contents(atPath: candidate) { return [UInt8](data) }
        }
        return nil
    }
}
