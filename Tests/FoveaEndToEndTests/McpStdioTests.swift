import ExtrasBase64
import Foundation
import FoveaClient
import FoveaCodec
import FoveaKernels
import FoveaProtocol
import Testing

/// `fovea mcp`: the socket's protocol on standard input and output, for MCP clients that launch
/// their servers; and the end of a client's input on either transport.
@Suite struct McpStdioTests {
    @Test func anMCPClientOverStdioIsServedAndTheServerExitsWhenItsInputEnds() throws {
        try Codec.initialize()
        let source = TestImages.pixels(width: 301, height: 211, bands: 3, seed: 11)
        let png = try Codec.encode(source.view, format: .png).array
        let box = PixelRect(x1: 17, y1: 33, x2: 250, y2: 200)
        let session = try StdioSession(arguments: ["mcp", "--workers", "1", "--log-level", "warning"])
        defer { session.stop() }

        try session.send(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": [
            "protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "test", "version": "1"]]])
        try session.send(["jsonrpc": "2.0", "method": "notifications/initialized"])
        try session.send(["jsonrpc": "2.0", "id": 2, "method": "tools/list"])
        try session.send(["jsonrpc": "2.0", "id": 3, "method": "images/put", "params": ["data": .string(Base64.encodeToString(bytes: png))]])
        var answers: [Int: JSONValue] = [:]
        while answers.count < 3 {
            let message = try session.receive()
            answers[try #require(message["id"]?.intValue)] = message
        }
        #expect(answers[1]?["result"]?["serverInfo"]?["name"] == "fovea")
        let names = answers[2]?["result"]?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(names.contains("zoom") && names.contains("crop"))
        let handle = try #require(answers[3]?["result"]?["image"]?.stringValue)

        func crop(id: Int) -> JSONValue {
            ["jsonrpc": "2.0", "id": .int(id), "method": "tools/call", "params": ["name": "crop", "arguments": [
                "image": .string(handle), "bbox_2d": .ints(box.corners), "coords": "pixel", "format": "png"]]]
        }
        try session.send(crop(id: 4))
        // The first crop is answered before the stats are asked for: the put's worker decoded
        // the image and is being replaced (decode isolation), and until its successor is ready
        // the slot has no worker to show. The crop ran on the successor, which stays.
        let firstCrop = try session.receive()
        try session.send(["jsonrpc": "2.0", "id": 5, "method": "server/stats"])
        try session.send(crop(id: 6))
        session.endInput()  // the answers still come, then the server exits
        var rest: [Int: JSONValue] = [4: firstCrop]
        while let line = try session.receiveLine() {
            let message = try JSONParser.parse(line)  // stdout carries protocol lines only
            rest[try #require(message["id"]?.intValue)] = message
        }
        let expected = PixelBuffer.copy(of: source.view.cropped(to: box)).packedBytes()
        for id in [4, 6] {
            let answer = try #require(rest[id]?["result"], "call \(id) was not answered")
            #expect(answer["isError"] == false, "\(answer.toolText ?? "")")
            #expect(try Codec.decode(try #require(answer.toolImageBytes)).pixels.packedBytes() == expected)
        }
        let workers = rest[5]?["result"]?["workers"]?.arrayValue ?? []
        let workerPIDs = workers.compactMap { $0["pid"]?.intValue }
        #expect(workerPIDs.count == 1, "\(workers)")

        #expect(session.waitForExit(seconds: 20) == 0, "stderr: \(session.stderrText())")
        for pid in workerPIDs { #expect(kill(pid_t(pid), 0) == -1 && errno == ESRCH, "worker \(pid) outlived the server") }
    }

    @Test func sigtermAnswersTheCallInFlightThenExits() throws {
        let session = try StdioSession(arguments: ["mcp", "--workers", "1", "--log-level", "warning"], testHooks: true)
        defer { session.stop() }
        try session.send(["jsonrpc": "2.0", "id": 1, "method": "images/put", "params": ["data": .string(Base64.encodeToString(bytes: Sandbox.goodPNG))]])
        let handle = try #require(try session.receive()["result"]?["image"]?.stringValue)
        try session.send(["jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": ["name": "annotate", "arguments": [
            "image": .string(handle), "boxes": [["bbox_2d": [0, 0, 500, 500], "label": .string(TestHookMarker.slowRun)]]]]])
        try session.send(["jsonrpc": "2.0", "id": 3, "method": "ping"])
        #expect(try session.receive()["id"] == 3)  // so the call before it has been read
        kill(session.process.processIdentifier, SIGTERM)
        let answer = try session.receive()
        #expect(answer["id"] == 2 && answer["result"]?["isError"] == false, "\(answer)")
        #expect(session.waitForExit(seconds: 20) == 0, "stderr: \(session.stderrText())")
    }

    @Test func aSocketClientThatEndsItsInputGetsItsAnswersAndThenTheEnd() throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let client = try daemon.client()
        let handle = try client.put(try TestImages.encoded(width: 640, height: 480, format: .jpeg).bytes)
        try client.sendRequest("tools/call", params: ["name": "zoom", "arguments": ["image": .string(handle), "bbox_2d": [0, 0, 500, 500]]])
        try client.sendRequest("ping")
        #expect(shutdown(client.descriptor, Int32(SHUT_WR)) == 0)
        var answered = 0
        while let line = try client.receiveLine() {
            #expect(try JSONParser.parse(line)["result"] != nil)
            answered += 1
        }
        #expect(answered == 2)
    }
}

/// A `fovea` child process spoken to over its standard input and output.
final class StdioSession {
    let process = Process()
    private let input = Pipe(), output = Pipe(), errors = Pipe()
    private var buffer: [UInt8] = []

    init(arguments: [String], testHooks: Bool = false) throws {
        process.executableURL = URL(fileURLWithPath: Daemon.executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FOVEA_TEST_HOOKS"] = testHooks ? "1" : nil
        process.environment = environment
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
    }

    func send(_ message: JSONValue) throws {
        try input.fileHandleForWriting.write(contentsOf: JSONWriter.bytes(message) + [0x0A])
    }

    func endInput() { try? input.fileHandleForWriting.close() }

    /// The next line of standard output, or nil at its end.
    func receiveLine() throws -> [UInt8]? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                defer { buffer.removeFirst(newline + 1) }
                return Array(buffer[..<newline])
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = chunk.withUnsafeMutableBytes { read(output.fileHandleForReading.fileDescriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return buffer.isEmpty ? nil : { defer { buffer = [] }; return buffer }() }
            buffer += chunk[0..<count]
        }
    }

    func receive() throws -> JSONValue {
        guard let line = try receiveLine() else { throw FoveaClient.Failure("fovea mcp closed its output: \(stderrText())") }
        return try JSONParser.parse(line)
    }

    /// The exit status, or nil if the process is still running after `seconds`.
    func waitForExit(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return process.isRunning ? nil : process.terminationStatus
    }

    func stderrText() -> String { errors.textSoFar() }

    func stop() {
        endInput()
        if waitForExit(seconds: 5) == nil { process.terminate() }
        process.waitUntilExit()
    }
}
