import ExtrasBase64
import FoveaClient
import FoveaCodec
import FoveaProtocol
import Foundation
import Testing
@testable import FoveaServer

/// Issue 5's cold path: `images/put` answers once the header is read, and a call on an image
/// still being decoded starts each job (or each band of a large JPEG job) as soon as the rows
/// it reads are decoded, on another worker, reading the pixels the decoder is still writing.
@Suite(.serialized) struct DecodeOverlapTests {
    /// The tile call is sent right behind the put, on its content address, so it arrives while
    /// the 8K JPEG is decoding (its first tile row is ready a quarter of the way through).
    @Test func tilesOfAnImageStillDecodingMatchTheTilesOfTheDecodedImage() throws {
        let daemon = try Daemon()
        defer { daemon.stop() }
        let client = try daemon.client()
        let jpeg = VerticalSliceTests.jpeg8K
        let handle = jpeg.withUnsafeBytes { ImageStore.handle(for: $0) }
        let putID = try client.sendRequest("images/put", params: ["data": .string(Base64.encodeToString(bytes: jpeg))])
        let tileID = try client.sendRequest("tools/call", params: ["name": "tile", "arguments": ["image": .string(handle), "grid": [4, 4]]])
        var answers: [Int: JSONValue] = [:]
        while answers.count < 2 {
            let message = try client.receive()
            answers[try #require(message["id"]?.intValue)] = message
        }
        #expect(answers[Int(putID)]?["result"]?["width"] == 7680)
        let cold = try #require(answers[Int(tileID)]?["result"])
        #expect(cold["isError"] == false, "\(cold.toolText ?? "")")

        let warm = try client.tool("tile", ["image": .string(handle), "grid": [4, 4]])
        func tileHandles(_ result: JSONValue) -> [String] {
            (result["structuredContent"]?["tiles"]?.arrayValue ?? []).compactMap { $0["image"]?.stringValue }
        }
        // Results are content-addressed: equal handles are byte-identical tiles.
        #expect(tileHandles(cold).count == 16)
        #expect(tileHandles(cold) == tileHandles(warm))

        let cache = try client.call("server/stats")["cache"]
        #expect(cache?["decodes"] == 1)
        #expect((cache?["jobsBeforeDecodeEnded"]?.intValue ?? 0) > 0, "\(cache ?? .null)")
        // Tiles planned while the image decoded were made in bands (ImagePlan.bands), joined
        // by the supervisor into the very files the warm call's whole-tile jobs made.
        #expect((cache?["jobsInBands"]?.intValue ?? 0) > 0, "\(cache ?? .null)")
    }

    /// A release while the decode runs drops the image, but the calls already waiting on its
    /// rows (full or reduced scale) still get their answer.
    @Test func callsWaitingOnADecodeFinishWhenTheImageIsReleased() throws {
        let daemon = try Daemon(arguments: ["--model-max-pixels", "262144"])
        defer { daemon.stop() }
        let client = try daemon.client()
        let jpeg = VerticalSliceTests.jpeg8K
        let handle = jpeg.withUnsafeBytes { ImageStore.handle(for: $0) }
        _ = try client.sendRequest("images/put", params: ["data": .string(Base64.encodeToString(bytes: jpeg))])
        let tileID = try client.sendRequest("tools/call", params: ["name": "tile", "arguments": ["image": .string(handle), "grid": [2, 2]]])
        let zoomID = try client.sendRequest("tools/call", params: ["name": "zoom", "arguments": ["image": .string(handle), "bbox_2d": [0, 0, 1000, 1000]]])
        _ = try client.sendRequest("images/release", params: ["image": .string(handle)])
        var answers: [Int: JSONValue] = [:]
        while answers.count < 4 {
            let message = try client.receive()
            answers[try #require(message["id"]?.intValue)] = message
        }
        for id in [tileID, zoomID] {
            let result = try #require(answers[Int(id)]?["result"])
            // Both calls were read before the release, so both wait on the decode and are answered
            // from its pixels: a call stranded or refused by the release fails here.
            #expect(result["isError"] == false, "\(result.toolText ?? "")")
        }
        // The release did drop the image: a new call on the handle finds nothing.
        let after = try client.tool("zoom", ["image": .string(handle), "bbox_2d": [0, 0, 1000, 1000]])
        #expect(after.toolText?.contains("no image with this handle is stored") == true, "\(after.toolText ?? "")")
        #expect(try client.call("ping") == [:])
    }

    @Test func aJPEGCorruptPastItsHeaderFailsTheCallNotThePut() throws {
        let daemon = try Daemon()
        defer { daemon.stop() }
        let client = try daemon.client()
        let jpeg = try TestImages.encoded(width: 2000, height: 1500, format: .jpeg).bytes
        let truncated = Array(jpeg.prefix(jpeg.count / 3))
        let handle = try client.put(truncated)
        let result = try client.tool("tile", ["image": .string(handle), "grid": [2, 2]])
        #expect(result["isError"] == true)
        #expect(result.toolText?.contains("could not be decoded") == true, "\(result.toolText ?? "")")
        // After the decode failed, putting the bytes again still answers from the header (a
        // busy supervisor could see the failure before it answered the first put).
        let again = try client.call("images/put", params: ["data": .string(Base64.encodeToString(bytes: truncated))])
        #expect(again["image"] == .string(handle) && again["width"] == 2000 && again["height"] == 1500, "\(again)")
        #expect(try client.tool("zoom", ["image": .string(handle), "bbox_2d": [0, 0, 500, 500]]).toolText?.contains("could not be decoded") == true)
        #expect(try client.call("ping") == [:])
    }
}
