import ExtrasBase64
import Foundation
import FoveaProtocol
import Testing

/// `--trajectory-log`: what a real daemon records of real calls, and that the directory stays
/// within its budget with every segment replayable alone.
@Suite struct TrajectoryLogTests {
    @Test func everyCallIsRecordedWithItsArgumentsResultImagesAndTiming() throws {
        let recorded = try RecordedTrajectory.shared.get()
        #expect(recorded.statistics["records"]?.intValue == RecordedTrajectory.records, "\(recorded.statistics)")
        #expect(recorded.statistics["dropped"] == 0 && recorded.statistics["failed"] == 0 && recorded.statistics["segments"] == 1)
        let lines = try recorded.lines()
        let header = try #require(TrajectorySegmentHeader(json: lines[0]))
        #expect(header.defaults["preset"] == "qwen3-vl" && header.defaults["code_conventions"] == "r1v4")
        #expect(lines[1]["type"] == "initialize" && lines[1]["clientInfo"]?["name"] == "replay-test-agent" && lines[1]["protocolVersion"] == "2025-11-25")
        let calls = lines.compactMap(TrajectoryCall.init(json:))
        #expect(calls.count == RecordedTrajectory.calls)
        #expect(calls.map(\.tool) == ["zoom", "crop", "rotate", "enhance", "tile", "annotate", "inspect", "pipeline", "crop", "zoom",
                                      "code", "code", "code", "nope", "zoom", "zoom"])
        let images = Set(try FileManager.default.contentsOfDirectory(atPath: try recorded.segment() + "/images").map { String($0.prefix(64)) })
        for call in calls {
            #expect(call.elapsedMs > 0 && call.time.hasSuffix("Z"), "\(call.tool)")
            // Every input and every returned image is a file of the segment, named by its handle.
            for handle in call.inputs { #expect(images.contains(String(handle.dropFirst(4))), "\(call.tool) input \(handle)") }
            if case .result(let result) = call.outcome {
                for image in result.images { #expect(images.contains(String(image.handle.dropFirst(4))), "\(call.tool) output") }
            }
        }
        // An inline image is recorded as its handle; tiles return four images; a tool error and a
        // protocol error are recorded as such; code calls keep their session; _meta names a trajectory.
        #expect(calls[8].arguments["image"]?.stringValue?.hasPrefix("img:") == true && calls[8].inputs.count == 1)
        guard case .result(let tiles) = calls[4].outcome, case .result(let failed) = calls[9].outcome,
              case .result(let figure) = calls[11].outcome, case .error(let code, _) = calls[13].outcome else {
            Issue.record("outcomes of the wrong kind"); return
        }
        #expect(tiles.images.count == 4 && !tiles.isError)
        #expect(failed.isError && failed.text == "bbox_2d [600, 40, 200, 90] is invalid: x2 (200) must be greater than x1 (600)")
        #expect(figure.images.count == 1 && figure.images[0].mimeType == "image/png" && calls[11].session == "t1")
        #expect(code == -32602)
        #expect(calls[14].trajectory == "traj-2" && calls[15].trajectory == "traj-2" && calls[0].trajectory == nil)
        #expect(calls[14].connection != calls[0].connection)
    }

    /// With an 8 MiB budget, segments rotate at 1 MiB and the oldest go; what remains is
    /// within the budget, and each segment holds every image its records name.
    @Test func theDirectoryStaysWithinItsBudgetAndEverySegmentStandsAlone() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-budget-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let daemon = try Daemon(workers: 1, arguments: ["--trajectory-log", directory, "--trajectory-log-bytes", "8M", "--no-code"])
        defer { daemon.stop() }
        let client = try daemon.client()
        let image = try client.put(try TestImages.encoded(width: 1200, height: 1200, format: .png).bytes)
        for index in 0..<12 {
            let result = try client.tool("crop", ["image": .string(image), "bbox_2d": .ints([index, 0, 1200, 1200 - index]),
                                                  "coords": "pixel", "format": "png"])
            #expect(result["isError"] == false)
        }
        var statistics: JSONValue = .null
        for _ in 0..<400 {
            statistics = try client.call("server/stats")["trajectoryLog"] ?? .null
            if statistics["records"] == 12 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(statistics["records"] == 12 && statistics["dropped"] == 0, "\(statistics)")
        let segments = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        var total = 0, records = 0
        for segment in segments {
            let path = directory + "/" + segment
            let files = try FileManager.default.contentsOfDirectory(atPath: path + "/images")
            total += try files.reduce(0) { $0 + (try FileManager.default.attributesOfItem(atPath: path + "/images/" + $1)[.size] as? Int ?? 0) }
            let log = try #require(FileManager.default.contents(atPath: path + "/calls.jsonl"))
            total += log.count
            let calls = try String(decoding: log, as: UTF8.self).split(separator: "\n").compactMap { TrajectoryCall(json: try JSONParser.parse(String($0))) }
            records += calls.count
            let names = Set(files.map { String($0.prefix(64)) })
            for call in calls {
                for handle in call.inputs { #expect(names.contains(String(handle.dropFirst(4))), "\(segment) lacks its input") }
            }
        }
        #expect(segments.count >= 2 && records < 12, "segments \(segments), \(records) records kept")
        #expect(total <= 8 << 20, "\(total) bytes kept")
        #expect(statistics["bytes"]?.intValue == total)
    }

    /// A directory the daemon cannot make, and a budget too small to rotate in, stop it at
    /// start-up with a sentence naming the option, what it got and what it needs.
    @Test func anUnusableDirectoryOrBudgetIsRefusedAtStartUp() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-badlog-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(FileManager.default.createFile(atPath: directory + "/file", contents: Data("x".utf8)))
        let socket = directory + "/never.sock"
        let underAFile = try Subprocess.run(Daemon.executable, ["serve", "--socket", socket, "--no-code", "--trajectory-log", directory + "/file/log"])
        #expect(underAFile.status != 0)
        #expect(underAFile.output.contains("--trajectory-log \(directory)/file/log cannot be created: mkdir \(directory)/file/log: Not a directory; give a directory the daemon (uid \(getuid())) can create and write"),
                "\(underAFile.output)")
        let tooSmall = try Subprocess.run(Daemon.executable, ["serve", "--socket", socket, "--trajectory-log", directory + "/log", "--trajectory-log-bytes", "1M"])
        #expect(tooSmall.status != 0)
        #expect(tooSmall.output.contains("--trajectory-log-bytes must be at least 8M (a segment is an eighth of it), got 1048576 bytes"), "\(tooSmall.output)")
    }

    /// `fovea mcp --trajectory-log`: an MCP client over stdio is recorded like a socket's, and
    /// everything is on disk once the server has exited at the end of its input.
    @Test func anMcpStdioSessionIsRecordedByTheTimeTheServerExits() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-mcplog-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let png = try TestImages.encoded(width: 200, height: 100, format: .png, seed: 3).bytes
        let session = try StdioSession(arguments: ["mcp", "--workers", "1", "--log-level", "warning", "--no-code", "--trajectory-log", directory])
        defer { session.stop() }
        try session.send(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": [
            "protocolVersion": "2025-03-26", "capabilities": [:], "clientInfo": ["name": "stdio-agent", "version": "2"]]])
        try session.send(["jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": ["name": "crop", "arguments": [
            "image": .string("data:image/png;base64," + Base64.encodeToString(bytes: png)), "bbox_2d": [0, 0, 500, 500]]]])
        session.endInput()
        var answers = 0
        while let line = try session.receiveLine() {
            if (try JSONParser.parse(line))["id"] != nil { answers += 1 }
        }
        #expect(answers == 2)
        #expect(session.waitForExit(seconds: 20) == 0, "stderr: \(session.stderrText())")

        let segments = try FileManager.default.contentsOfDirectory(atPath: directory)
        try #require(segments.count == 1, "\(segments)")
        let segment = directory + "/" + segments[0]
        let log = String(decoding: try #require(FileManager.default.contents(atPath: segment + "/calls.jsonl")), as: UTF8.self)
        let lines = try log.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(lines.count == 3, "\(log)")
        #expect(lines.first?["type"] == "daemon")
        #expect(lines.dropFirst().first?["clientInfo"]?["name"] == "stdio-agent" && lines.dropFirst().first?["protocolVersion"] == "2025-03-26")
        let call = try #require(lines.last.flatMap(TrajectoryCall.init(json:)))
        #expect(call.tool == "crop" && call.inputs.count == 1 && call.arguments["image"]?.stringValue == call.inputs.first)
        guard case .result(let result) = call.outcome else { Issue.record("the crop was not recorded as a result"); return }
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: segment + "/images"))
        #expect(files == [TrajectoryLayout.imageFileName(handle: call.inputs[0], mimeType: "image/png"),
                          TrajectoryLayout.imageFileName(handle: try #require(result.images.first?.handle), mimeType: "image/jpeg")])
    }
}
