import Foundation
import FoveaClient
import FoveaProtocol
import Testing

/// `deploy/systemd`: the units pass `systemd-analyze verify`, and `systemd-socket-activate`
/// listening where `fovea.socket` says (the path moved into a temporary directory) starts the
/// daemon as `fovea.service`'s `ExecStart` says on the first connection; calls succeed
/// through the passed socket, and SIGTERM drains and stops it.
@Suite struct SocketActivationTests {
    static let units = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/systemd").path

    /// The value of `key=` in a unit file (the last one wins, as in systemd).
    static func setting(_ key: String, in unit: String) throws -> String {
        let text = try #require(FileManager.default.contents(atPath: "\(units)/\(unit)").map { String(decoding: $0, as: UTF8.self) })
        let lines = text.split(separator: "\n").filter { $0.hasPrefix(key + "=") }
        return String(try #require(lines.last, "\(unit) has no \(key)=").dropFirst(key.count + 1))
    }

    @Test func theUnitsVerify() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-units-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // systemd-analyze checks that ExecStart's binary exists: point it at the one built here.
        for unit in ["fovea.socket", "fovea.service"] {
            let text = String(decoding: try #require(FileManager.default.contents(atPath: "\(Self.units)/\(unit)")), as: UTF8.self)
            #expect(FileManager.default.createFile(atPath: "\(directory)/\(unit)",
                                                  contents: Data(text.replacingOccurrences(of: "/usr/local/bin/fovea", with: Daemon.executable).utf8)))
        }
        let (status, output) = try Subprocess.run("/usr/bin/systemd-analyze", ["verify", "--man=no", "\(directory)/fovea.socket", "\(directory)/fovea.service"])
        #expect(status == 0 && output.isEmpty, "\(output)")
    }

    @Test func aCallSucceedsThroughTheSocketSystemdPasses() throws {
        #expect(try Self.setting("ListenStream", in: "fovea.socket") == "/run/fovea/fovea.sock")
        #expect(try Self.setting("Accept", in: "fovea.socket") == "no")
        let execStart = try Self.setting("ExecStart", in: "fovea.service")
        var command = execStart.split(separator: " ").map(String.init).filter { $0 != "$FOVEA_OPTIONS" }  // /etc/default/fovea: empty
        #expect(command.first == "/usr/local/bin/fovea" && command.dropFirst().first == "serve", "\(execStart)")
        command[0] = Daemon.executable
        command += ["--workers", "1", "--no-code"]  // small for the test (later options win)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-activate-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/fovea.sock"  // ListenStream, moved for the test
        let activator = Process()
        activator.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-socket-activate")
        activator.arguments = ["--listen=\(socketPath)", "--"] + command
        let errors = Pipe()
        activator.standardError = errors
        activator.standardOutput = errors
        try activator.run()
        defer {
            if activator.isRunning { kill(activator.processIdentifier, SIGKILL) }
            activator.waitUntilExit()
        }
        for _ in 0..<400 where !FileManager.default.fileExists(atPath: socketPath) { Thread.sleep(forTimeInterval: 0.05) }
        // The first connection starts the daemon (systemd-socket-activate execs it, fd 3 = the socket).
        let client = try FoveaClient(socketPath: socketPath)
        client.setReceiveTimeout(seconds: 60)
        let stats = try client.call("server/stats")
        #expect(stats["workers"]?.arrayValue?.count == 1, "\(stats)")
        let handle = try client.put(try TestImages.encoded(width: 640, height: 480, format: .jpeg).bytes)
        let zoom = try client.tool("zoom", ["image": .string(handle), "bbox_2d": [100, 100, 600, 600]])
        #expect(zoom["isError"] == false && zoom.toolImageBytes != nil, "\(zoom)")
        // The daemon is the activator's process (it exec'd), and it serves a second connection too.
        #expect(try FoveaClient(socketPath: socketPath).call("ping") == [:])
        kill(activator.processIdentifier, SIGTERM)
        activator.waitUntilExit()
        let log = errors.textSoFar()
        #expect(log.contains("listening on the socket systemd passed (fd 3)"), "\(log)")
        #expect(activator.terminationStatus == 0, "\(log)")
    }
}
