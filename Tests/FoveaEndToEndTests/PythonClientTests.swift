import Foundation
import Testing

/// `clients/python/fovea_client.py` against a real daemon: its own checks, with Pillow as the
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
        Thread.sleep(forTimeInterval: 2)  // calls are flowing
        kill(first.process.processIdentifier, SIGTERM)
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
