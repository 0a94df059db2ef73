import Testing
@testable import FoveaProtocol

/// The trajectory log's records read back as written, and image references are found where
/// the tools take them.
@Suite struct TrajectoryRecordTests {
    let handle = "img:" + String(repeating: "ab", count: 32)

    @Test func aCallRecordReadsBackAsWritten() throws {
        let call = TrajectoryCall(
            connection: 3, id: 7, trajectory: "t-1", session: "s", time: "2026-12-06T10:00:00.123Z", elapsedMs: 12.5, tool: "zoom",
            arguments: ["image": .string(handle), "bbox_2d": [1, 2, 3, 4]], inputs: [handle],
            outcome: .result(TrajectoryResult(isError: false, text: "Zoomed", images: [.init(handle: handle, mimeType: "image/jpeg")],
                                              structuredContent: ["image": .string(handle)])))
        let line = JSONWriter.string(call.json)
        #expect(TrajectoryCall(json: try JSONParser.parse(line)) == call)
        let failed = TrajectoryCall(connection: 1, id: "x", trajectory: nil, session: nil, time: "t", elapsedMs: 0, tool: "nope",
                                    arguments: [:], inputs: [], outcome: .error(code: -32602, message: "Unknown tool: nope"))
        #expect(TrajectoryCall(json: try JSONParser.parse(JSONWriter.string(failed.json))) == failed)
        #expect(TrajectoryCall(json: ["type": "daemon"]) == nil)
    }

    @Test func imageReferencesAreTheImageAndImagesArguments() {
        let arguments: JSONValue = ["code": "data:image/png;base64,AAAA", "image": ["image": .string(handle), "path": "a.jpg"],
                                    "images": ["data:image/png;base64,QUJD", ["image": "/srv/x.jpg"], 5]]
        #expect(TrajectoryImages.references(in: arguments) == [handle, "data:image/png;base64,QUJD", "/srv/x.jpg"])
        let mapped = TrajectoryImages.mapReferences(in: arguments) { $0.hasPrefix("data:") ? "img:mapped" : $0 }
        #expect(mapped["images"]?.arrayValue?.first == "img:mapped")
        #expect(mapped["code"] == "data:image/png;base64,AAAA")
        #expect(mapped["image"]?["path"] == "a.jpg")
    }

    @Test func outputHandlesFollowTheImageBlocks() {
        #expect(TrajectoryImages.outputHandles(structuredContent: ["image": "img:a"], imageCount: 1) == ["img:a"])
        #expect(TrajectoryImages.outputHandles(structuredContent: ["image": "img:a"], imageCount: 0) == [])
        #expect(TrajectoryImages.outputHandles(structuredContent: ["tiles": [["image": "img:1"], ["image": "img:2"]]], imageCount: 2) == ["img:1", "img:2"])
        #expect(TrajectoryImages.outputHandles(structuredContent: ["images": [["image": "img:f"]], "image": "img:x"], imageCount: 1) == ["img:f"])
    }

    @Test func imageFilesAreNamedByHandleAndType() {
        #expect(TrajectoryLayout.imageFileName(handle: handle, mimeType: "image/jpeg") == String(repeating: "ab", count: 32) + ".jpg")
        #expect(TrajectoryLayout.sniffMimeType([0xFF, 0xD8, 0xFF, 0xE0]) == "image/jpeg")
        #expect(TrajectoryLayout.sniffMimeType(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)) == "image/webp")
        #expect(TrajectoryLayout.sniffMimeType([1, 2, 3]) == nil)
    }
}
