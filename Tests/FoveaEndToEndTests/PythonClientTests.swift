import Foundation
import FoveaProtocol
import Testing

/// `clients/python`'s client (`fovea_client`) against a real daemon: its own checks, with Pillow as the
/// oracle (blocking and asyncio clients, pixel-exact crops, errors, chaining).
@Suite struct PythonClientTests {
    static let clientDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("clients/python")

    @Test func thePythonClientPassesItsChecks() throws {
        let daemon = try Daemon(workers: 2)
        defer { daemon.stop() }
        let (status, text) = try Subprocess.run("/usr/bin/env", [
            "python3", Self.clientDirectory.appendingPathComponent("test_fovea_client.py").path, daemon.socketPath])
        #expect(status == 0, "\(text)")
        #expect(text.contains("checks passed (16 concurrent crops on one connection)"), "\(text)")
    }
}

/// A rolling restart loses no call: SIGTERM drains the daemon while the Python clients keep
/// calling; they retry on its successor at the same socket path.
@Suite struct RollingRestartTests {
    @Test func clientsThatRetryLoseNoCallWhenTheDaemonIsReplaced() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-restart-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/fovea.sock"
        let first = try Daemon(workers: 1, socketPath: socketPath)
        defer { first.stop() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", PythonClientTests.clientDirectory.appendingPathComponent("test_fovea_client.py").path,
                             "--rolling-restart", socketPath, "6"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Calls are flowing: the first daemon has served some of the client's crops.
        let watcher = try first.client()
        func served() throws -> Int { try watcher.call("server/stats")["tools"]?["crop"]?["calls"]?.intValue ?? 0 }
        for _ in 0..<600 where try served() < 5 { Thread.sleep(forTimeInterval: 0.02) }
        #expect(try served() >= 5, "the client's calls did not reach the first daemon")
        // A call certainly in flight at SIGTERM: a 3 s run (test hook) that the worker has started.
        let handle = try watcher.put(Sandbox.goodPNG)
        let slowID = try watcher.sendRequest("tools/call", params: ["name": "annotate", "arguments": [
            "image": .string(handle), "boxes": [["bbox_2d": [0, 0, 500, 500], "label": .string(TestHookMarker.slowRun)]]]])
        // A connection's requests are read in order: once the ping behind it is answered, the
        // daemon has read the annotate, which runs for 3 s more.
        let pingID = try watcher.sendRequest("ping")
        #expect(try watcher.receive()["id"]?.intValue == Int(pingID))
        kill(first.process.processIdentifier, SIGTERM)
        let slow = try watcher.receive()
        #expect(slow["id"]?.intValue == Int(slowID))
        #expect(slow["result"]?["isError"] == false, "the call in flight at SIGTERM was not answered: \(slow)")
        first.process.waitUntilExit()
        #expect(first.process.terminationStatus == 0)
        let second = try Daemon(workers: 1, socketPath: socketPath)
        defer { second.stop() }

        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("none failed"), "\(text)")
        let served = try second.client().call("server/stats")["tools"]?["crop"]?["calls"]?.intValue ?? 0
        #expect(served > 0, "the successor served no call: \(text)")
    }
}
