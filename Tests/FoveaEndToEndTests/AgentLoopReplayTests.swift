import Foundation
import FoveaProtocol
import Testing

/// `fovea replay` on the output of Fovea's reference agent loop (`fovea-agent`, clients/python),
/// run for real by `Python/agent_loop_record.py` against scripted model turns and a real
/// daemon: an R1V4 case with three code calls and a Qwen3-VL case with two zooms and a call the
/// loop refused. The R1V4 toolkit's result shape plus `response.fovea.rounds` and each round's
/// images in files beside it, replayed through another real daemon into a report headless
/// Chromium renders.
@Suite struct AgentLoopReplayTests {
    /// Runs the agent loop against a daemon of its own; returns the combined JSONL's path.
    static func record(in directory: String) throws -> String {
        let python = try TestPython.python.get()
        let png = try TestImages.encoded(width: 640, height: 480, format: .png, seed: 11).bytes
        #expect(FileManager.default.createFile(atPath: directory + "/photo.png", contents: Data(png)))
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let (status, output) = try Subprocess.run(python, [TestPython.scripts + "/agent_loop_record.py", TestPython.repository,
                                                           daemon.socketPath, directory])
        try #require(status == 0 && output.hasSuffix("recorded 2 cases\n"), "\(output)")
        return directory + "/results.jsonl"
    }

    @Test func theReferenceAgentLoopsOutputReplaysTheSameWithEveryRoundsImages() throws {
        let directory = try ReplayRun.temporaryDirectory("agent-loop")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let results = try Self.record(in: directory)

        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let report = directory + "/report.html"
        let (status, output) = try ReplayRun.replay(results, report: report, daemon: daemon, ["--fail-on-difference"])
        #expect(status == 0, "\(output)")
        #expect(output.hasPrefix("2 cases, 5 rounds replayed: 5 the same, 0 different; 1 not replayed"), "\(output)")
        let page = String(decoding: try #require(FileManager.default.contents(atPath: report)), as: UTF8.self)
        for text in ["Which half is darker?", "Now the left half, shown.", "NameError", "Closer, on the zoomed image.", "Hop Inn",
                     "Fovea call", "&quot;coords&quot;: &quot;rel1000&quot;",
                     "recorded by Fovea&#39;s reference agent loop in the qwen3-vl format with the model scripted-vlm",
                     "the family showed its own words for this tool, so its text is not compared",
                     "the call never reached Fovea", "img_idx 7 is out of range"] {
            #expect(page.contains(text), "\(text)")
        }
        // The case's image; the figure of the second code call; each zoom's image.
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
        let results = try Self.record(in: directory)
        // The second zoom's file now holds the first zoom; the first code call printed other numbers.
        let lines = String(decoding: try #require(FileManager.default.contents(atPath: results)), as: UTF8.self)
            .split(separator: "\n").map { try? JSONParser.parse(String($0)) }
        let zooms = try #require(lines.last??["response"]?["fovea"]?["rounds"]?.arrayValue).compactMap { $0["images"]?[0]?.stringValue }
        try #require(zooms.count == 2, "\(zooms)")
        try FileManager.default.removeItem(atPath: directory + "/" + zooms[1])
        try FileManager.default.copyItem(atPath: directory + "/" + zooms[0], toPath: directory + "/" + zooms[1])
        let text = String(decoding: try #require(FileManager.default.contents(atPath: results)), as: UTF8.self)
        let changed = text.replacingOccurrences(of: #"{\"result\": \"640 480\""#, with: #"{\"result\": \"641 480\""#)
        #expect(changed != text, "the first code call's observation was not found in \(text.prefix(2000))")
        try Data(changed.utf8).write(to: URL(fileURLWithPath: results))

        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
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
