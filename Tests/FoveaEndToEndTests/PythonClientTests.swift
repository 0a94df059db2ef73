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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.clientDirectory.appendingPathComponent("test_fovea_client.py").path, daemon.socketPath]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("checks passed (16 concurrent crops on one connection)"), "\(text)")
    }
}
