import Foundation
import FoveaClient
import FoveaProtocol
import Testing

/// JSON-RPC batches (MCP 2025-03-26) through a real daemon: one line in, one array out with a
/// response per request in the batch (a tool call's included), errors for elements that are
/// not messages, nothing for notifications.
@Suite struct BatchTests {
    @Test func aBatchIsAnsweredInOneArrayWithAResponsePerRequest() throws {
        let daemon = try Daemon(workers: 1, arguments: ["--no-code"])
        defer { daemon.stop() }
        let client = try daemon.client()
        let image = try client.put(try TestImages.encoded(width: 320, height: 240, format: .png).bytes)
        let batch: JSONValue = [
            ["jsonrpc": "2.0", "id": 1, "method": "ping"],
            ["jsonrpc": "2.0", "method": "notifications/initialized"],
            ["jsonrpc": "2.0", "id": "crop", "method": "tools/call",
             "params": ["name": "crop", "arguments": ["image": .string(image), "bbox_2d": [0, 0, 500, 500]]]],
            7,
            ["jsonrpc": "2.0", "id": 3, "method": "no/such/method"],
        ]
        try client.send(batch)
        let answer = try client.receive()
        let responses = try #require(answer.arrayValue, "not an array: \(answer)")
        #expect(responses.count == 4, "\(answer)")
        let byID = Dictionary(responses.map { ($0["id"].map(JSONWriter.string) ?? "none", $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byID["1"]?["result"] == [:])
        #expect(byID["\"crop\""]?["result"]?["structuredContent"]?["width"]?.intValue == 160, "\(byID["\"crop\""] ?? .null)")
        #expect(byID["3"]?["error"]?["code"] == -32601)
        #expect(byID["null"]?["error"]?["code"] == -32600)
        #expect(byID["null"]?["error"]?["message"] == "a JSON-RPC message must be an object; received a number")

        // A batch of notifications only gets no answer: the next line's answer comes first.
        try client.send([["jsonrpc": "2.0", "method": "notifications/initialized"]])
        #expect(try client.call("ping") == [:])
        // An empty batch is one invalid request.
        try client.sendRaw(Array("[]\n".utf8))
        let empty = try client.receive()
        #expect(empty["error"]?["code"] == -32600 && empty["id"] == .null, "\(empty)")
    }
}
