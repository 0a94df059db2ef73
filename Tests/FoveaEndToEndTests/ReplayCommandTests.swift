import ExtrasBase64
import Foundation
import FoveaCodec
import FoveaKernels
import FoveaProtocol
import Testing

/// `fovea replay`: a trajectory recorded by a real daemon, and an R1V4-toolkit result file,
/// replayed through another real daemon into an HTML report that headless Chromium renders
/// with every round's images; a changed recording is marked as different.
@Suite struct ReplayCommandTests {
    @Test func aRecordedTrajectoryReplaysTheSameAndItsReportShowsEveryRoundsImages() throws {
        let recorded = try RecordedTrajectory.shared.get()
        let directory = try ReplayRun.temporaryDirectory("replay")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let daemon = try Daemon(workers: 2)
        defer { daemon.stop() }
        let report = directory + "/report.html"
        let (status, output) = try ReplayRun.replay(recorded.directory, report: report, daemon: daemon, ["--fail-on-difference"])
        #expect(status == 0, "\(output)")
        #expect(output.hasPrefix("2 cases, \(RecordedTrajectory.calls) rounds replayed: \(RecordedTrajectory.calls) the same, 0 different; 0 not replayed"), "\(output)")

        // Each round shows its recorded and its replayed images (the same ones).
        let calls = try recorded.lines().compactMap(TrajectoryCall.init(json:))
        var expected: [String: Int] = [:]
        for (caseNumber, group) in [(1, Array(calls[0..<14])), (2, Array(calls[14...]))] {
            for (index, call) in group.enumerated() {
                guard case .result(let result) = call.outcome else { continue }
                for side in ["recorded", "replayed"] { expected["\(caseNumber)/\(index + 1)/\(side)"] = result.images.count }
            }
        }
        #expect(expected.values.reduce(0, +) == 2 * 14)
        let page = String(decoding: try #require(FileManager.default.contents(atPath: report)), as: UTF8.self)
        #expect(page.contains("connection") && page.contains("replay-test-agent 1, MCP 2025-11-25") && page.contains("trajectory traj-2"))
        #expect(page.components(separatedBy: "data-state=\"same\"").count - 1 == RecordedTrajectory.calls)
        try ReplayRun.checkRendering(report, expected: expected)
    }

    /// A recording whose inspect text was changed replays as different, and the report marks
    /// exactly that round; `--fail-on-difference` exits 3.
    @Test func aChangedObservationIsMarkedAsDifferent() throws {
        let recorded = try RecordedTrajectory.shared.get()
        let directory = try ReplayRun.temporaryDirectory("changed")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let segment = directory + "/segment"
        try FileManager.default.copyItem(atPath: try recorded.segment(), toPath: segment)
        var lines = try recorded.lines()
        let inspect = try #require(lines.firstIndex { $0["tool"] == "inspect" })
        var call = try #require(TrajectoryCall(json: lines[inspect]))
        guard case .result(var result) = call.outcome else { Issue.record("inspect failed"); return }
        result.text = "A picture of a cat."
        call.outcome = .result(result)
        lines[inspect] = call.json
        let text = lines.map(JSONWriter.string).joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: segment + "/calls.jsonl"))

        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let report = directory + "/report.html"
        let (status, output) = try ReplayRun.replay(segment + "/calls.jsonl", report: report, daemon: daemon, ["--fail-on-difference"])
        #expect(status == 3, "\(output)")
        #expect(output.contains("\(RecordedTrajectory.calls - 1) the same, 1 different"), "\(output)")
        let dom = try Chromium.dumpDOM(report)
        let marked = dom.components(separatedBy: "<article ").filter { $0.contains("data-state=\"differs\"") }
        #expect(marked.count == 1)
        #expect(marked.first?.contains("<code>inspect</code>") == true)
        #expect(marked.first?.contains("✗ The replayed observation differs: the text differs.") == true, "\(marked.map { $0.prefix(400) })")
    }

    /// The R1V4 toolkit's result shape: code rounds replayed in one session per case on the
    /// case's image (its recorded images shown beside the replayed ones), a search round shown
    /// and not replayed, an observation that differs marked, a failed case shown with its error.
    @Test func r1v4ToolkitResultsReplayThroughTheCodeTool() throws {
        let directory = try ReplayRun.temporaryDirectory("r1v4")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Codec.initialize()
        try FileManager.default.createDirectory(atPath: directory + "/demo_image", withIntermediateDirectories: true)
        let source = TestImages.pixels(width: 640, height: 480, bands: 3, seed: 4)
        // The views point into `source`: it must outlive both encodes.
        let (png, recordedCrop) = try withExtendedLifetime(source) {
            (try Codec.encode(source.view, format: .png).array,
             try Codec.encode(source.view.cropped(to: PixelRect(x1: 0, y1: 0, x2: 320, y2: 240)), format: .png).array)
        }
        #expect(FileManager.default.createFile(atPath: directory + "/demo_image/demo_1.png", contents: Data(png)))
        let dataURL = "data:image/png;base64," + Base64.encodeToString(bytes: recordedCrop)
        func observation(_ result: String, images: [String] = []) -> String {
            var object: [String: JSONValue] = ["result": .string(result), "type": "code"]
            if !images.isEmpty { object["images"] = .array(images.map(JSONValue.string)) }
            return JSONWriter.string(.object(object))
        }
        func call(_ name: String, _ arguments: JSONValue) -> String { JSONWriter.string(["name": .string(name), "arguments": arguments]) }
        let first = """
            <think>First I check the image's size.</think>
            <tool_call>\(call("code", ["code": "print(image.size)"]))</tool_call>
            <observation>\(observation("(640, 480)"))</observation>
            <think>Now the top-left quarter, shown.</think>
            <tool_call>\(call("code", ["code": "crop = image.crop((0, 0, 320, 240))\nplt.imshow(crop)\nplt.axis('off')\nplt.show()"]))</tool_call>
            <observation>\(observation("", images: [dataURL]))</observation>
            <think>The quarter is a gradient.</think>
            <answer>640×480</answer>
            """
        let second = """
            <think>Search first.</think>
            <tool_call>\(call("text_search", ["queries": ["what is this"]]))</tool_call>
            <observation>1. A result</observation>
            <think>Compute.</think>
            <tool_call>\(call("code", ["code": "print(1 + 1)"]))</tool_call>
            <observation>\(observation("3"))</observation>
            <tool_call>not json at all</tool_call>
            <answer>2</answer>
            """
        let lines: [JSONValue] = [
            ["image": "./demo_image/demo_1.png", "question": "How large is the image?", "response": ["full_response": .string(first), "raw_response": [:]]],
            ["image": "./demo_image/demo_1.png", "question": "What is one plus one?", "response": ["full_response": .string(second)]],
            ["image": "./demo_image/demo_2.jpg", "question": "Where is this?", "response": ["error": "请求失败: 500"]],
        ]
        let results = directory + "/result_nonstream.jsonl"
        try Data((lines.map(JSONWriter.string).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: results))

        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let report = directory + "/report.html"
        let (status, output) = try ReplayRun.replay(results, report: report, daemon: daemon)
        #expect(status == 0, "\(output)")
        #expect(output.hasPrefix("3 cases, 3 rounds replayed: 2 the same, 1 different; 2 not replayed"), "\(output)")
        let page = String(decoding: try #require(FileManager.default.contents(atPath: report)), as: UTF8.self)
        for text in ["How large is the image?", "First I check the image&#39;s size.", "640×480", "text_search is not a Fovea tool",
                     "not json at all", "the toolkit recorded an error instead of a response: 请求失败: 500",
                     "the case&#39;s image ./demo_image/demo_2.jpg was not found"] {
            #expect(page.contains(text), "\(text)")
        }
        try ReplayRun.checkRendering(report, expected: ["1/0/input": 1, "2/0/input": 1, "1/2/recorded": 1, "1/2/replayed": 1])
    }

    /// A FILE that is missing or of neither kind, and a socket nobody serves, are refused with
    /// what was given and what replay reads.
    @Test func aMissingOrUnknownFileOrAnAbsentDaemonIsRefused() throws {
        let directory = try ReplayRun.temporaryDirectory("replay-errors")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let report = directory + "/report.html"
        func replay(_ file: String, socket: String = directory + "/none.sock") throws -> (status: Int32, output: String) {
            try Subprocess.run(Daemon.executable, ["replay", file, "--html", report, "--socket", socket])
        }
        let missing = try replay(directory + "/results.jsonl")
        #expect(missing.status != 0)
        #expect(missing.output.contains("FILE \(directory)/results.jsonl does not exist; give the R1V4 toolkit's result JSONL"), "\(missing.output)")
        #expect(FileManager.default.createFile(atPath: directory + "/other.jsonl", contents: Data(#"{"prompt": "hello"}"#.utf8)))
        let other = try replay(directory + "/other.jsonl")
        #expect(other.status != 0)
        #expect(other.output.contains("its first line is neither a Fovea trajectory-log record (with \"type\") nor an R1V4 toolkit result (with \"response\")"),
                "\(other.output)")
        #expect(FileManager.default.createFile(atPath: directory + "/results.jsonl", contents: Data(#"{"question": "q", "response": {"full_response": ""}}"#.utf8)))
        let noDaemon = try replay(directory + "/results.jsonl")
        #expect(noDaemon.status != 0)
        #expect(noDaemon.output.contains("no daemon answers at \(directory)/none.sock"), "\(noDaemon.output)")
        #expect(!FileManager.default.fileExists(atPath: report))
    }
}
