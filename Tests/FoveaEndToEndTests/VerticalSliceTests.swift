import FoveaClient
import FoveaCodec
import FoveaKernels
import FoveaProtocol
import Foundation
import Testing

/// The issue-2 acceptance path, end to end: a real daemon, real socket, real workers.
@Suite(.serialized) struct VerticalSliceTests {
    /// A generated 8K JPEG, made once for the suite.
    static let jpeg8K: [UInt8] = try! TestImages.encoded(width: 7680, height: 4320, format: .jpeg, quality: 90).bytes

    @Test func initializeListToolsPutAndZoomAn8KJPEG() throws {
        let daemon = try Daemon()
        defer { daemon.stop() }
        let client = try daemon.client()

        let initialized = try client.call("initialize", params: ["protocolVersion": "2025-06-18", "capabilities": [:],
                                                                "clientInfo": ["name": "test", "version": "1"]])
        #expect(initialized["serverInfo"]?["name"] == "fovea")
        #expect(initialized["capabilities"]?["tools"] != nil)
        try client.send(["jsonrpc": "2.0", "method": "notifications/initialized"])

        let tools = try client.call("tools/list")["tools"]?.arrayValue ?? []
        let names = tools.compactMap { $0["name"]?.stringValue }
        #expect(names.contains("zoom") && names.contains("crop") && names.contains("inspect"))
        for tool in tools {
            #expect(tool["inputSchema"]?["type"] == "object")
            #expect(tool["inputSchema"]?["properties"]?["image"] != nil)
        }

        let put = try client.call("images/put", params: ["data": .string("data:image/jpeg;base64," + base64(Self.jpeg8K))])
        #expect(put["width"] == 7680 && put["height"] == 4320 && put["format"] == "jpeg")
        let handle = try #require(put["image"]?.stringValue)
        #expect(handle.hasPrefix("img:") && handle.count == 68)

        let result = try client.tool("zoom", ["image": .string(handle), "bbox_2d": [412, 300, 530, 377], "label": "the sign"])
        #expect(result["isError"] == false, "\(result.toolText ?? "")")
        let structured = try #require(result["structuredContent"])
        let px = (structured["bbox_px"]?.arrayValue ?? []).compactMap { $0.intValue }
        #expect(px == [3164, 1296, 4070, 1629])
        let expected = try Preset.qwen3VL.resize.size(height: px[3] - px[1], width: px[2] - px[0])
        #expect(structured["width"]?.intValue == expected.width && structured["height"]?.intValue == expected.height)
        let header = try Codec.probe(try #require(result.toolImageBytes))
        #expect(header.format == .jpeg && header.width == expected.width && header.height == expected.height)
        #expect(result.toolText?.hasPrefix("Zoomed into [412, 300, 530, 377] (rel1000) = pixels [3164, 1296, 4070, 1629]") == true)

        // The result is itself an image: zoom into the zoom.
        let resultHandle = try #require(structured["image"]?.stringValue)
        let chained = try client.tool("zoom", ["image": .string(resultHandle), "bbox_2d": [0, 0, 500, 500]])
        #expect(chained["isError"] == false, "\(chained.toolText ?? "")")
        #expect(chained["structuredContent"]?["source"]?["width"]?.intValue == expected.width)
    }

    @Test func cropOfAPNGReturnedAsPNGAndRawIsByteIdenticalToTheSource() throws {
        try Codec.initialize()
        let source = TestImages.pixels(width: 301, height: 211, bands: 3, seed: 7)
        let png = try Codec.encode(source.view, format: .png).array
        let daemon = try Daemon()
        defer { daemon.stop() }
        let client = try daemon.client()
        let handle = try client.put(png)
        let box = PixelRect(x1: 17, y1: 33, x2: 250, y2: 200)
        let expected = PixelBuffer.copy(of: source.view.cropped(to: box)).packedBytes()

        let asPNG = try client.tool("crop", ["image": .string(handle), "bbox_2d": .ints(box.corners), "coords": "pixel", "format": "png"])
        #expect(asPNG["isError"] == false, "\(asPNG.toolText ?? "")")
        let decoded = try Codec.decode(try #require(asPNG.toolImageBytes))
        #expect(decoded.header.width == box.width && decoded.header.height == box.height)
        let pngMatches = decoded.pixels.packedBytes() == expected
        #expect(pngMatches, "PNG crop differs from the source pixels")

        let asRaw = try client.tool("crop", ["image": .string(handle), "bbox_2d": .ints(box.corners), "coords": "pixel", "format": "raw"])
        #expect(asRaw["structuredContent"]?["bands"] == 3)
        #expect(asRaw["content"]?.arrayValue?.first?["mimeType"] == "application/octet-stream")
        let rawMatches = try #require(asRaw.toolImageBytes) == expected
        #expect(rawMatches, "raw crop differs from the source pixels")
    }

    @Test func inspectReportsSizeBandsAndFormat() throws {
        let png = try TestImages.encoded(width: 64, height: 48, bands: 4, format: .png).bytes
        let daemon = try Daemon()
        defer { daemon.stop() }
        let client = try daemon.client()
        let handle = try client.put(png)
        let result = try client.tool("inspect", ["image": .string(handle)])
        #expect(result["structuredContent"]?["width"] == 64)
        #expect(result["structuredContent"]?["bands"] == 4)
        #expect(result.toolText?.hasPrefix("\(ImageReference.abbreviated(handle)) is 64×48 with 4 bands (RGBA), from PNG. Whole image: R mean ") == true,
                "\(result.toolText ?? "")")
        #expect(result["structuredContent"]?["channels"]?.arrayValue?.count == 4)
    }

    @Test func badInputGetsSpecificErrorsAndTheConnectionSurvives() throws {
        let daemon = try Daemon()
        defer { daemon.stop() }
        let client = try daemon.client()

        try client.sendRaw(Array("this is not json\n".utf8))
        let parseError = try client.receive()
        #expect(parseError["error"]?["code"] == -32700)
        #expect(parseError["id"] == .null)
        #expect(try client.call("ping") == [:])

        do {
            _ = try client.call("images/teleport")
            Issue.record("unknown method answered")
        } catch let error as RPCFailureResponse {
            #expect(error.code == -32601)
        }

        let png = try TestImages.encoded(width: 100, height: 100, format: .png).bytes
        let handle = try client.put(png)
        let inverted = try client.tool("zoom", ["image": .string(handle), "bbox_2d": [600, 40, 200, 90]])
        #expect(inverted["isError"] == true)
        #expect(inverted.toolText == "bbox_2d [600, 40, 200, 90] is invalid: x2 (200) must be greater than x1 (600)")

        let missing = try client.tool("zoom", ["bbox_2d": [1, 2, 3, 4]])
        #expect(missing["isError"] == true)
        #expect(missing.toolText?.hasPrefix("missing required argument image") == true)

        let unknownHandle = try client.tool("zoom", ["image": .string("img:" + String(repeating: "0", count: 64)), "bbox_2d": [1, 2, 3, 4]])
        #expect(unknownHandle["isError"] == true)
        #expect(unknownHandle.toolText?.contains("no image with this handle is stored") == true)
        #expect(try client.call("ping") == [:])
    }

    @Test func requestsOnOneConnectionAreAnsweredOutOfOrder() throws {
        let daemon = try Daemon(arguments: ["--threads", "1"])
        defer { daemon.stop() }
        let client = try daemon.client()
        let handle = try client.put(Self.jpeg8K)
        // A slow call (a 16 MP PNG encode) and then a ping: the ping's answer overtakes the crop's.
        let slow = try client.sendRequest("tools/call", params: ["name": "crop", "arguments": ["image": .string(handle), "bbox_2d": [0, 0, 4096, 4000], "coords": "pixel", "format": "png"]])
        let fast = try client.sendRequest("ping")
        let first = try client.receive()
        let second = try client.receive()
        #expect(first["id"] == .integer(fast))
        #expect(second["id"] == .integer(slow))
        #expect(second["result"]?["isError"] == false)
    }

    @Test func aKilledWorkerIsReplacedAndItsInFlightCallGetsAToolError() throws {
        let daemon = try Daemon(workers: 2)
        defer { daemon.stop() }
        let client = try daemon.client()
        let handle = try client.put(Self.jpeg8K)
        try daemon.waitUntilIdle(client)  // the decode done: the kill below hits an idle worker
        let before = try daemon.workerPIDs(client)
        #expect(before.count == 2)

        // Idle kill: the next calls succeed and the count is restored.
        kill(before[0], SIGKILL)
        for _ in 0..<4 {
            let result = try client.tool("zoom", ["image": .string(handle), "bbox_2d": [100, 100, 300, 300]])
            #expect(result["isError"] == false, "\(result.toolText ?? "")")
        }
        var after: [Int32] = []
        for _ in 0..<100 {
            after = try daemon.workerPIDs(client)
            if after.count == 2 && !after.contains(before[0]) { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(after.count == 2 && !after.contains(before[0]))

        // In-flight kill: a slow call (a 16 MP PNG) on a worker we kill mid-call.
        let id = try client.sendRequest("tools/call", params: ["name": "crop", "arguments": ["image": .string(handle), "bbox_2d": [0, 0, 4096, 4000], "coords": "pixel", "format": "png"]])
        var busy: Int32?
        for _ in 0..<200 where busy == nil {
            let stats = try FoveaClient(socketPath: daemon.socketPath).call("server/stats")
            busy = stats["workers"]?.arrayValue?.first(where: { $0["state"] == "busy" })?["pid"]?.intValue.map(Int32.init)
            if busy == nil { Thread.sleep(forTimeInterval: 0.01) }
        }
        let victim = try #require(busy)
        kill(victim, SIGKILL)
        let answer = try client.receive()
        #expect(answer["id"] == .integer(id))
        #expect(answer["result"]?["isError"] == true)
        #expect(answer["result"]?.toolText?.contains("killed by signal 9 (SIGKILL)") == true)
        let next = try client.tool("zoom", ["image": .string(handle), "bbox_2d": [0, 0, 100, 100]])
        #expect(next["isError"] == false)
        let stats = try client.call("server/stats")
        #expect(stats["workers"]?.arrayValue?.count == 2)
        #expect((stats["workers"]?.arrayValue ?? []).reduce(0) { $0 + ($1["restarts"]?.intValue ?? 0) } >= 2)
    }
}

func base64(_ bytes: [UInt8]) -> String {
    Data(bytes).base64EncodedString()
}
