import Crypto
import Foundation
import FoveaProtocol

/// The rounds of a result line written by Fovea's reference agent loop (`fovea-agent`,
/// `clients/python/fovea_client/agent.py`): beside the R1V4 toolkit's `full_response` it
/// keeps `response.fovea.rounds`, one per tool call in call order —
///
/// ```json
/// {"round": 2, "turn": 1, "call": {"name": "image_zoom_in_tool", "arguments": {…}},
///  "fovea": {"tool": "zoom", "arguments": {"image": "img:…", "bbox_2d": […], "coords": "rel1000"}},
///  "is_error": false, "observation": "<tool_response>\n\n</tool_response>",
///  "images": ["results.images/00000/r2-1.jpg"]}
/// ```
///
/// — the call as the model wrote it, the Fovea call that ran it (null when the call never
/// reached Fovea), the observation's text as the family's harness rendered it, and the images
/// the model was shown, saved as files relative to the JSONL's directory. Each round replays
/// its Fovea call on the recorded inputs: the case's image, and earlier rounds' images under
/// their handles (`img:<sha256 of the file>`), so a difference in one round never changes
/// the rounds after it.
enum AgentLoopRounds {
    /// The rounds of `fovea` (`response.fovea`), nil when it has no `rounds` array. `transcript`
    /// gives each round its thinking (the *i*-th `<think>` of the `full_response`);
    /// `resources` receives the images the calls may name, by handle.
    static func rounds(_ fovea: JSONValue, transcript: R1V4Transcript, caseImage: ReplayImage?, base: String,
                       resources: inout [String: ReplayImage]) -> [ReplayRound]? {
        guard let recorded = fovea["rounds"]?.arrayValue else { return nil }
        if let caseImage { resources[handle(of: caseImage.bytes)] = caseImage }
        return recorded.enumerated().map { index, entry in
            let thinking = index < transcript.rounds.count ? transcript.rounds[index].thinking : nil
            return round(entry, number: index + 1, thinking: thinking, base: base, resources: &resources)
        }
    }

    static func round(_ entry: JSONValue, number: Int, thinking: String?, base: String,
                      resources: inout [String: ReplayImage]) -> ReplayRound {
        var images: [ReplayImage] = []
        var missing: [String] = []
        for (index, path) in (entry["images"]?.arrayValue ?? []).compactMap(\.stringValue).enumerated() {
            guard let bytes = R1V4Results.read(path, base: base) else {
                missing.append(path)
                continue
            }
            let image = ReplayImage(bytes: bytes, mimeType: TrajectoryLayout.sniffMimeType(bytes) ?? "application/octet-stream",
                                    handle: handle(of: bytes), label: "recorded image \(index + 1) (\(path))")
            images.append(image)
            if let handle = image.handle, resources[handle] == nil { resources[handle] = image }
        }
        let isError = entry["is_error"]?.boolValue ?? false
        let fovea = entry["fovea"]
        let foveaTool = fovea?["tool"]?.stringValue
        // Image tools are shown in each family's own words (Qwen-Agent's zoom shows the image
        // alone, verl's a sentence of its own); only the code tool's text and errors are Fovea's.
        let showsFoveaText = isError || foveaTool.map(ToolCatalog.isCode) ?? true
        let recorded = ReplayObservation(text: entry["observation"]?.stringValue ?? "", images: images, isError: isError,
                                         textKind: showsFoveaText ? .rendered : .notCompared)
        let call = entry["call"]
        var round = ReplayRound(thinking: thinking?.isEmpty == false ? thinking : nil, tool: call?["name"]?.stringValue,
                                arguments: call?["arguments"], recorded: recorded,
                                session: fovea?["arguments"]?["session"]?.stringValue)
        if call == nil || call?.isNull == true { round.rawCall = "(the model's call could not be read)" }
        if !missing.isEmpty {
            round.notes.append("recorded image\(missing.count == 1 ? "" : "s") not found: \(missing.joined(separator: ", ")) (read from \(base); pass --images DIR)")
        }
        guard let foveaTool, let arguments = fovea?["arguments"] else {
            round.skipped = "the call never reached Fovea (the agent loop answered it with the error shown)"
            return round
        }
        guard ToolCatalog.definition(named: foveaTool) != nil else {
            round.skipped = "\(foveaTool) is not a Fovea tool"
            return round
        }
        round.foveaCall = ["name": .string(foveaTool), "arguments": arguments]
        round.replayCall = (foveaTool, arguments)
        return round
    }

    /// `img:<sha256>` of encoded bytes: the handle the daemon gives them.
    static func handle(of bytes: [UInt8]) -> String {
        ImageReference.handle(forDigest: SHA256.hash(data: bytes))
    }
}
