import Testing
@testable import FoveaProtocol

@Suite struct RPCMessageTests {
    func failure(_ line: String) -> RPCFailure? {
        if case .failure(let failure) = RPCMessage.parse(line) { return failure }
        return nil
    }

    @Test func nonJSONIsAParseError() {
        let failed = failure("this is not json")
        #expect(failed?.error.code == -32700)
        #expect(failed?.id == .null)
    }

    /// MCP 2025-03-26 requires receiving JSON-RPC batches: each element is read as a line
    /// would be; an element that is itself an array is not a message.
    @Test func aBatchParsesElementByElement() throws {
        guard case .success(.batch(let items)) = RPCMessage.parse(#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},[],7]"#) else {
            Issue.record("not a batch"); return
        }
        #expect(items.count == 4)
        guard case .success(.request(let ping)) = items[0], case .success(.request(let note)) = items[1] else {
            Issue.record("the first two are not requests"); return
        }
        #expect(ping.method == "ping" && ping.id == 1 && note.isNotification)
        for item in items[2...] {
            guard case .failure(let failure) = item else { Issue.record("\(item) is not a failure"); continue }
            #expect(failure.error.code == -32600 && failure.id == .null)
        }
    }

    @Test func anEmptyBatchIsAnInvalidRequest() {
        let failed = failure("[]")
        #expect(failed?.error.code == -32600)
        #expect(failed?.error.message == "an empty batch; a batch is an array of one or more JSON-RPC messages")
    }

    @Test func missingVersionOrMethodIsInvalidRequestAnsweredToTheId() {
        let noVersion = failure(#"{"id":5,"method":"ping"}"#)
        #expect(noVersion?.error.code == -32600)
        #expect(noVersion?.id == 5)
        let badMethod = failure(#"{"jsonrpc":"2.0","id":"x","method":42}"#)
        #expect(badMethod?.error.code == -32600)
        #expect(badMethod?.id == "x")
        #expect(badMethod?.error.message == "method must be a string; received a number")
    }

    @Test func objectIdsAreRefused() {
        #expect(failure(#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#)?.error.code == -32600)
    }

    @Test func requestsAndNotificationsParse() throws {
        guard case .success(.request(let request)) = RPCMessage.parse(#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#) else {
            Issue.record("not a request"); return
        }
        #expect(request.id == 3 && request.method == "tools/list" && !request.isNotification)
        guard case .success(.request(let note)) = RPCMessage.parse(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#) else {
            Issue.record("not a notification"); return
        }
        #expect(note.isNotification)
    }

    @Test func clientResponsesAreRecognisedAndDropped() {
        #expect(RPCMessage.parse(#"{"jsonrpc":"2.0","id":1,"result":{}}"#) == .success(.response))
    }

    @Test func paramsThatAreNotAnObjectAreInvalidParams() {
        let request = RPCRequest(id: 1, method: "tools/call", params: [1, 2])
        #expect(throws: RPCError(.invalidParams, "params of tools/call must be an object; received an array")) {
            try request.namedParams()
        }
    }
}
