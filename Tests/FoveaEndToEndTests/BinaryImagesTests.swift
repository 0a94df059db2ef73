import Crypto
import ExtrasBase64
import FoveaClient
import FoveaProtocol
import Foundation
import Testing

/// Binary images (docs/PROTOCOL.md): a tool call that asks gets its images as bytes after the
/// answer line, the same bytes the base64 answer carries, and the stream stays in step.
@Suite(.serialized) struct BinaryImagesTests {
    static let binary: JSONValue = ["fovea/binary": true]

    static func params(_ name: String, _ arguments: JSONValue, binary: Bool) -> JSONValue {
        var params: [String: JSONValue] = ["name": .string(name), "arguments": arguments]
        if binary { params["_meta"] = Self.binary }
        return .object(params)
    }

    @Test func aZoomAndATileGridComeAsTheSameBytesAfterTheLine() throws {
        let daemon = try Daemon(workers: 1, arguments: ["--no-code"])
        defer { daemon.stop() }
        let client = try daemon.client()
        let handle = try client.put(ImageToolsTests.png)
        for (name, arguments) in [("zoom", ["image": .string(handle), "bbox_2d": [10, 20, 150, 120], "coords": "pixel"]),
                                  ("tile", ["image": .string(handle), "grid": [2, 3]] as JSONValue)] as [(String, JSONValue)] {
            let base64 = try client.call("tools/call", params: Self.params(name, arguments, binary: false))
            let (result, images) = try client.callWithImages("tools/call", params: Self.params(name, arguments, binary: true))
            let blocks = try #require(result["content"]?.arrayValue).filter { $0["type"] == "image" }
            let base64Blocks = try #require(base64["content"]?.arrayValue).filter { $0["type"] == "image" }
            #expect(images.count == base64Blocks.count && images.count == (name == "tile" ? 6 : 1))
            for (index, block) in blocks.enumerated() {
                #expect(block["data"] == nil, "block \(index) kept its base64")
                #expect(block["_meta"]?[BinaryImages.lengthKey]?.intValue == images[index].count)
                #expect(block["mimeType"] == base64Blocks[index]["mimeType"])
                #expect(try Base64.decode(string: #require(base64Blocks[index]["data"]?.stringValue)) == images[index])
            }
            // The bytes are the stored result's: their SHA-256 is the handle the result names.
            let handles = TrajectoryImages.outputHandles(structuredContent: result["structuredContent"], imageCount: images.count)
            #expect(handles == images.map { ImageReference.handle(forDigest: SHA256.hash(data: $0)) })
            #expect(result["structuredContent"] == base64["structuredContent"])
        }
    }

    /// The code tool's figures are stored results too: they come as bytes, equal to the base64 ones.
    @Test func theCodeToolsImagesComeAsBytes() throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let client = try daemon.client()
        let arguments: JSONValue = ["code": "plt.figure(figsize=(2, 1))\nplt.plot([0, 1], [1, 0])\nplt.show()", "conventions": "pyvision"]
        let base64 = try client.call("tools/call", params: Self.params("code", arguments, binary: false))
        let (result, images) = try client.callWithImages("tools/call", params: Self.params("code", arguments, binary: true))
        #expect(result["isError"] == false, "\(result)")
        let expected = try #require(base64.toolImageBytes)
        #expect(images == [expected], "\(result)")
        #expect(result["content"]?.arrayValue?.first?["_meta"]?[BinaryImages.lengthKey]?.intValue == expected.count)
    }

    /// Several binary calls in flight on one connection, answered in any order, each line
    /// followed by its own bytes: the reader never loses its place.
    @Test func pipelinedBinaryAnswersKeepTheStreamInStep() throws {
        let daemon = try Daemon(workers: 2, arguments: ["--no-code"])
        defer { daemon.stop() }
        let client = try daemon.client()
        let handle = try client.put(ImageToolsTests.png)
        var calls: [Int64: (box: JSONValue, binary: Bool)] = [:]
        for index in 0..<12 {
            let box: JSONValue = .ints([index * 7, index * 3, 60 + index * 9, 50 + index * 6])
            let binary = index % 3 != 0
            let id = try client.sendRequest("tools/call", params: Self.params("crop", ["image": .string(handle), "bbox_2d": box, "coords": "pixel"], binary: binary))
            calls[id] = (box, binary)
        }
        // A failing call asks too: its answer has no image and nothing follows the line.
        let failing = try client.sendRequest("tools/call", params: Self.params("crop", ["image": .string(handle), "bbox_2d": [5, 5, 5, 5], "coords": "pixel"], binary: true))
        var answers: [Int64: (result: JSONValue, images: [[UInt8]])] = [:]
        for _ in 0...calls.count {
            let (message, images) = try client.receiveWithImages()
            let id = try #require(message["id"]?.intValue.map(Int64.init))
            answers[id] = (try #require(message["result"]), images)
        }
        #expect(answers.count == calls.count + 1)
        #expect(answers[failing]?.result["isError"] == true && answers[failing]?.images == [])
        for (id, call) in calls {
            let answer = try #require(answers[id])
            let expected = try client.call("tools/call", params: Self.params("crop", ["image": .string(handle), "bbox_2d": call.box, "coords": "pixel"], binary: false))
            #expect(answer.images.count == (call.binary ? 1 : 0), "call \(id)")
            #expect((call.binary ? answer.images.first : answer.result.toolImageBytes) == expected.toolImageBytes, "call \(id)")
        }
        #expect(try client.call("ping") == [:])
    }
}
