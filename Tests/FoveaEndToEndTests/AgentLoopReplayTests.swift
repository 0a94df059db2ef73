import ExtrasBase64
import Foundation
import FoveaCodec
import FoveaProtocol
import Testing

/// `fovea replay` on the result JSONL of Fovea's reference agent loop (`fovea-agent`,
/// clients/python): the R1V4 toolkit's shape plus `response.fovea.rounds` and each round's
/// images in files beside it. The recording here is made the way the loop makes it — every
/// Fovea call through a real daemon, observations rendered as the R1V4 and Qwen3-VL formats
/// render them, the images the model was shown saved as `results.images/<case>/r<n>-<k>.<ext>`
/// — and replayed through another real daemon into a report headless Chromium renders.
@Suite struct AgentLoopReplayTests {
    /// One case's record and its images, built as `fovea_client.agent.Agent` builds them.
    struct Recording {
        let directory: String
        let caseID: String
        var transcript = ""
        var rounds: [JSONValue] = []

        /// Saves `result`'s images as the loop does and returns their paths relative to the JSONL.
        func save(_ result: JSONValue, round: Int) throws -> [JSONValue] {
            let folder = "results.images/\(caseID)"
            try FileManager.default.createDirectory(atPath: "\(directory)/\(folder)", withIntermediateDirectories: true)
            var paths: [JSONValue] = []
            for (index, block) in (result["content"]?.arrayValue ?? []).filter({ $0["type"] == "image" }).enumerated() {
                let bytes = try Base64.decode(string: block["data"]?.stringValue ?? "")
                let name = "\(folder)/r\(round)-\(index + 1).\(block["mimeType"] == "image/png" ? "png" : "jpg")"
                #expect(FileManager.default.createFile(atPath: "\(directory)/\(name)", contents: Data(bytes)))
                paths.append(.string(name))
            }
            return paths
        }

        /// A round whose Fovea call ran: the model's `turn`, its call, the Fovea call, and the
        /// observation text the family rendered from the daemon's `result`.
        mutating func round(turn: String, call: JSONValue, tool: String, arguments: JSONValue, result: JSONValue,
                            observation: String) throws {
            let number = rounds.count + 1
            transcript += turn + observation
            rounds.append(["round": .int(number), "turn": .int(number - 1), "call": call,
                           "fovea": ["tool": .string(tool), "arguments": arguments],
                           "is_error": .bool(result["isError"] == true), "observation": .string(observation),
                           "images": .array(try save(result, round: number))])
        }

        /// A round whose call never reached Fovea (the loop's `CallError`).
        mutating func unreadableRound(turn: String, call: JSONValue, observation: String) {
            let number = rounds.count + 1
            transcript += turn + observation
            rounds.append(["round": .int(number), "turn": .int(number - 1), "call": call, "fovea": .null,
                           "is_error": true, "observation": .string(observation), "images": []])
        }

        func record(image: String, question: String, format: String, answerTurn: String) -> JSONValue {
            ["image": .string(image), "question": .string(question),
             "response": ["full_response": .string(transcript + answerTurn),
                          "fovea": ["format": .string(format), "model": "scripted-vlm", "finish": "answer",
                                    "turns": .int(rounds.count + 1), "rounds": .array(rounds)]]]
        }
    }

    /// The code tool's observation as a family reads it: the text parts of
    /// `structuredContent.observation` (`fovea_client.formats.daemon_parts`).
    static func familyText(_ result: JSONValue) -> String {
        (result["structuredContent"]?["observation"]?.arrayValue ?? []).compactMap { $0["type"] == "image" ? nil : $0["text"]?.stringValue }.joined()
    }

    /// Records one R1V4 case with three code calls (a print, a figure, an error) and one
    /// Qwen3-VL case with two zooms (the second on the first's output) and a call the loop
    /// refused; returns the JSONL's path.
    static func record(in directory: String, daemon: Daemon) throws -> String {
        try Codec.initialize()
        let png = try TestImages.encoded(width: 640, height: 480, format: .png, seed: 11).bytes
        let imagePath = directory + "/photo.png"
        #expect(FileManager.default.createFile(atPath: imagePath, contents: Data(png)))
        let client = try daemon.client()
        let handle = try client.put(png)

        var r1v4 = Recording(directory: directory, caseID: "00000")
        let session = "run1-00000"
        let codes = ["w, h = image.size\nprint(w, h)", "left = image.crop((0, 0, w // 2, h))\nplt.imshow(left)\nplt.show()\nprint(left.size)",
                     "print(skirt_colour)"]
        for (index, code) in codes.enumerated() {
            let call: JSONValue = ["name": "code", "arguments": ["code": .string(code)]]
            let arguments: JSONValue = ["code": .string(code), "images": [["image": .string(handle), "path": "photo.png"]],
                                        "conventions": "r1v4", "session": .string(session)]
            let result = try client.tool("code", arguments)
            #expect((result["isError"] == true) == (index == 2), "\(result)")
            try r1v4.round(turn: "<think>\nStep \(index + 1).\n</think>\n<tool_call>\(JSONWriter.string(call))</tool_call>", call: call,
                           tool: "code", arguments: arguments, result: result,
                           observation: "\n<observation>" + familyText(result) + "</observation>\n")
        }
        _ = try client.call("sessions/close", params: ["session": .string(session)])

        var qwen = Recording(directory: directory, caseID: "00001")
        var zoomed = handle
        for (index, box) in [[100, 100, 600, 700], [0, 0, 500, 500]].enumerated() {
            let bbox = JSONValue.array(box.map { .int($0) })
            let call: JSONValue = ["name": "image_zoom_in_tool", "arguments": ["bbox_2d": bbox, "label": "the sign", "img_idx": .int(index)]]
            let arguments: JSONValue = ["image": .string(zoomed), "bbox_2d": bbox, "coords": "rel1000", "label": "the sign"]
            let result = try client.tool("zoom", arguments)
            zoomed = try #require(result["structuredContent"]?["image"]?.stringValue, "\(result)")
            try qwen.round(turn: "<think>\nZoom \(index + 1).\n</think>\n\n<tool_call>\n\(JSONWriter.string(call))\n</tool_call>", call: call,
                           tool: "zoom", arguments: arguments, result: result, observation: "<tool_response>\n\n</tool_response>")
        }
        qwen.unreadableRound(turn: "<think>\nOne more.\n</think>\n\n<tool_call>\n{\"name\": \"image_zoom_in_tool\", \"arguments\": {\"bbox_2d\": [0, 0, 10, 10], \"img_idx\": 7}}\n</tool_call>",
                             call: ["name": "image_zoom_in_tool", "arguments": ["bbox_2d": [0, 0, 10, 10], "img_idx": 7]],
                             observation: "<tool_response>\nimg_idx 7 is out of range: the conversation has 3 images (0 to 2)\n</tool_response>")

        let lines = [r1v4.record(image: imagePath, question: "What colour is the skirt?", format: "r1v4",
                                 answerTurn: "<think>\nThe left half is reddish.\n</think>\n<answer>\nred\n</answer>"),
                     qwen.record(image: imagePath, question: "What does the sign say?", format: "qwen3-vl",
                                 answerTurn: "<think>\nNow I can read it.\n</think>\n<answer>Hop Inn</answer>")]
        let results = directory + "/results.jsonl"
        try Data((lines.map(JSONWriter.string).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: results))
        return results
    }

    @Test func theReferenceAgentLoopsRoundsReplayTheSameWithEveryRoundsImages() throws {
        let directory = try ReplayRun.temporaryDirectory("agent-loop")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recorder = try Daemon(workers: 1)
        let results = try Self.record(in: directory, daemon: recorder)
        recorder.stop()

        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let report = directory + "/report.html"
        let (status, output) = try ReplayRun.replay(results, report: report, daemon: daemon, ["--fail-on-difference"])
        #expect(status == 0, "\(output)")
        #expect(output.hasPrefix("2 cases, 5 rounds replayed: 5 the same, 0 different; 1 not replayed"), "\(output)")
        let page = String(decoding: try #require(FileManager.default.contents(atPath: report)), as: UTF8.self)
        for text in ["What colour is the skirt?", "Step 2.", "Zoom 2.", "Hop Inn", "Fovea call", "&quot;coords&quot;: &quot;rel1000&quot;",
                     "recorded by Fovea&#39;s reference agent loop in the qwen3-vl format with the model scripted-vlm",
                     "the family showed its own words for this tool, so its text is not compared",
                     "the call never reached Fovea", "img_idx 7 is out of range"] {
            #expect(page.contains(text), "\(text)")
        }
        try ReplayRun.checkRendering(report, expected: [
            "1/0/input": 1, "2/0/input": 1, "1/2/recorded": 1, "1/2/replayed": 1,
            "2/1/recorded": 1, "2/1/replayed": 1, "2/2/recorded": 1, "2/2/replayed": 1,
        ])
    }

    /// A saved image that is not what the daemon returns, and a code observation the model
    /// was shown differently, are each marked on their own round.
    @Test func aChangedImageOrCodeObservationIsMarkedOnItsRound() throws {
        let directory = try ReplayRun.temporaryDirectory("agent-loop-changed")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let results = try Self.record(in: directory, daemon: daemon)
        // The second zoom's file now holds the first zoom; the first code call printed other numbers.
        let images = directory + "/results.images/00001"
        try FileManager.default.removeItem(atPath: images + "/r2-1.jpg")
        try FileManager.default.copyItem(atPath: images + "/r1-1.jpg", toPath: images + "/r2-1.jpg")
        let text = String(decoding: try #require(FileManager.default.contents(atPath: results)), as: UTF8.self)
        let changed = text.replacingOccurrences(of: #"{\"result\": \"640 480\""#, with: #"{\"result\": \"641 480\""#)
        #expect(changed != text, "the first code call's observation was not found in \(text.prefix(2000))")
        try Data(changed.utf8).write(to: URL(fileURLWithPath: results))

        let report = directory + "/report.html"
        let (status, output) = try ReplayRun.replay(results, report: report, daemon: daemon, ["--fail-on-difference"])
        #expect(status == 3, "\(output)")
        #expect(output.contains("5 rounds replayed: 3 the same, 2 different"), "\(output)")
        let dom = try Chromium.dumpDOM(report)
        let marked = dom.components(separatedBy: "<article ").filter { $0.contains("data-state=\"differs\"") }
        #expect(marked.count == 2)
        #expect(marked.first?.contains("data-case=\"1\" data-round=\"1\"") == true && marked.first?.contains("the text differs") == true,
                "\(marked.map { $0.prefix(600) })")
        #expect(marked.last?.contains("data-case=\"2\" data-round=\"2\"") == true && marked.last?.contains("1 of the 1 image differs") == true,
                "\(marked.map { $0.prefix(600) })")
    }
}
