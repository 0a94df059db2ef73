@testable import FoveaProtocol
import Testing

/// ``BinaryImages/detach(_:bytes:)``: which blocks leave the JSON, and which stay base64.
@Suite struct BinaryImagesDetachTests {
    static let first = "img:" + String(repeating: "1", count: 64)
    static let second = "img:" + String(repeating: "2", count: 64)

    static func response(handles: [String], data: [String]) -> JSONValue {
        let blocks: [JSONValue] = data.map { ["type": "image", "data": .string($0), "mimeType": "image/jpeg"] }
        let structured: JSONValue = handles.count == 1
            ? ["image": .string(handles[0])]
            : ["tiles": .array(handles.map { ["image": .string($0)] })]
        return ["jsonrpc": "2.0", "id": 7,
                "result": ["content": .array(blocks + [["type": "text", "text": "two tiles"]]), "structuredContent": structured]]
    }

    @Test func knownBlocksLeaveInOrderAndTheRestOfTheAnswerStays() {
        let response = Self.response(handles: [Self.first, Self.second], data: ["QUJD", "REVGRw=="])
        let stored = [Self.first: Array("ABC".utf8), Self.second: Array("DEFG".utf8)]
        let (detached, attachments) = BinaryImages.detach(response) { stored[$0] }
        #expect(attachments == [Array("ABC".utf8), Array("DEFG".utf8)])
        let blocks = detached["result"]?["content"]?.arrayValue ?? []
        #expect(blocks[0] == ["type": "image", "mimeType": "image/jpeg", "_meta": ["fovea/bytes": 3]])
        #expect(blocks[1] == ["type": "image", "mimeType": "image/jpeg", "_meta": ["fovea/bytes": 4]])
        #expect(blocks[2] == response["result"]?["content"]?.arrayValue?[2])
        #expect(detached["id"] == 7 && detached["result"]?["structuredContent"] == response["result"]?["structuredContent"])
        #expect(BinaryImages.attachmentLengths(of: detached) == [3, 4] && BinaryImages.attachmentLengths(of: response) == [])
    }

    @Test func aBlockWhoseBytesAreGoneOrDoNotMatchStaysBase64() {
        let response = Self.response(handles: [Self.first, Self.second], data: ["QUJD", "REVGRw=="])
        // The first image was evicted; the second's stored bytes are not what its base64 holds.
        let (detached, attachments) = BinaryImages.detach(response) { $0 == Self.second ? Array("DEFGHIJ".utf8) : nil }
        #expect(attachments.isEmpty && detached == response)
        let (partly, some) = BinaryImages.detach(response) { $0 == Self.second ? Array("DEFG".utf8) : nil }
        #expect(some == [Array("DEFG".utf8)])
        #expect(partly["result"]?["content"]?.arrayValue?[0] == response["result"]?["content"]?.arrayValue?[0])
        #expect(partly["result"]?["content"]?.arrayValue?[1]["data"] == nil)
    }

    @Test func answersWithoutHandlesForEveryImageOrWithoutImagesAreUnchanged() {
        // Two image blocks but one handle: which bytes belong where is not known.
        let mismatched = Self.response(handles: [Self.first], data: ["QUJD", "REVGRw=="])
        #expect(BinaryImages.detach(mismatched) { _ in Array("ABC".utf8) }.attachments.isEmpty)
        let failure: JSONValue = ["jsonrpc": "2.0", "id": 1, "result": ["content": [["type": "text", "text": "no"]], "isError": true]]
        #expect(BinaryImages.detach(failure) { _ in [] }.response == failure)
        let error: JSONValue = ["jsonrpc": "2.0", "id": 1, "error": ["code": -32602, "message": "no"]]
        #expect(BinaryImages.detach(error) { _ in [] }.response == error)
    }

    @Test func onlyToolCallsThatSayTrueAsk() {
        let asking = RPCRequest(id: 1, method: "tools/call", params: ["name": "zoom", "_meta": ["fovea/binary": true]])
        #expect(BinaryImages.isRequested(asking))
        #expect(!BinaryImages.isRequested(RPCRequest(id: 1, method: "tools/call", params: ["_meta": ["fovea/binary": "yes"]])))
        #expect(!BinaryImages.isRequested(RPCRequest(id: 1, method: "images/get", params: ["_meta": ["fovea/binary": true]])))
        #expect(!BinaryImages.isRequested(RPCRequest(id: 1, method: "tools/call", params: ["name": "zoom"])))
    }
}
