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

    @Test func batchesAreRefusedAsInvalidRequests() {
        let failed = failure(#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#)
        #expect(failed?.error.code == -32600)
        #expect(failed?.error.message.contains("batch") == true)
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
