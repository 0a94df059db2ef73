import Foundation
import FoveaClient
import FoveaProtocol
import Testing

/// SIGTERM drains: no new connections or calls, the calls in flight answered, then exit 0.
@Suite struct DrainTests {
    @Test func sigtermAnswersTheCallInFlightRefusesNewWorkAndExits() throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let caller = try daemon.client(), other = try daemon.client()
        let handle = try caller.put(Sandbox.goodPNG)
        try daemon.waitUntilIdle(caller)
        let slow: JSONValue = ["image": .string(handle), "boxes": [["bbox_2d": [0, 0, 500, 500], "label": .string(TestHookMarker.slowRun)]]]
        let id = try caller.sendRequest("tools/call", params: ["name": "annotate", "arguments": slow])
        var worker: JSONValue = .null
        for _ in 0..<500 where worker["state"] != "busy" {
            worker = try other.call("server/stats")["workers"]?.arrayValue?.first ?? .null
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(worker["state"] == "busy", "\(worker)")

        kill(daemon.process.processIdentifier, SIGTERM)
        for _ in 0..<500 where FileManager.default.fileExists(atPath: daemon.socketPath) { Thread.sleep(forTimeInterval: 0.01) }
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath), "the socket file outlived the drain's start")
        #expect(throws: (any Error).self) { _ = try FoveaClient(socketPath: daemon.socketPath) }
        do {
            _ = try other.call("ping")
            Issue.record("a call read during the drain was served")
        } catch let failure as RPCFailureResponse {
            #expect(failure.code == -32001 && failure.message.contains("shutting down"), "\(failure.message)")
        }

        let answer = try caller.receive()  // the call in flight still gets its answer
        #expect(answer["id"] == .integer(id))
        #expect(answer["result"]?["isError"] == false, "\(answer)")
        let deadline = Date().addingTimeInterval(20)
        while daemon.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(!daemon.process.isRunning && daemon.process.terminationStatus == 0, "stderr: \(daemon.stderrSoFar())")
        if let pid = worker["pid"]?.intValue {
            #expect(kill(pid_t(pid), 0) == -1 && errno == ESRCH, "worker \(pid) outlived the daemon")
        }
    }

    @Test func aSecondSignalStopsWithoutWaiting() throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let caller = try daemon.client()
        let handle = try caller.put(Sandbox.goodPNG)
        let slow: JSONValue = ["image": .string(handle), "boxes": [["bbox_2d": [0, 0, 500, 500], "label": .string(TestHookMarker.slowRun)]]]
        try caller.sendRequest("tools/call", params: ["name": "annotate", "arguments": slow])
        let ping = try caller.sendRequest("ping")
        #expect(try caller.receive()["id"] == .integer(ping))  // so the call before it has been read
        kill(daemon.process.processIdentifier, SIGTERM)
        for _ in 0..<500 where FileManager.default.fileExists(atPath: daemon.socketPath) { Thread.sleep(forTimeInterval: 0.01) }
        kill(daemon.process.processIdentifier, SIGINT)
        #expect((try? caller.receiveLine()) == nil, "the call was answered: the second signal waited for it")
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationStatus == 0)
    }
}
