import Foundation
import FoveaClient
import Testing

/// The socket file: it exists exactly while a daemon listens on it, and a daemon removes only
/// its own.
@Suite(.serialized) struct SocketFileTests {
    /// Clients (scripts, the Python fixtures, agent servers started beside the daemon) wait for
    /// the file and connect: the moment it exists, a connection is accepted, not refused.
    @Test func theSocketFileAppearsOnlyOnceItAcceptsConnections() throws {
        let directory = try Self.freshDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/fovea.sock"
        let process = try Self.serveUntilTheSocketExists(path)
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        #expect(FileManager.default.fileExists(atPath: path), "the daemon never made its socket")
        let client = try FoveaClient(socketPath: path)  // at once: refused before it listened
        #expect(try client.call("ping") == [:])
        // No temporary name is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["fovea.sock"])
    }

    /// A successor started on the same path before the old daemon stops (a restart without a
    /// gap) replaces the socket file; the old daemon, stopping, leaves the successor's alone.
    @Test func aStoppingDaemonLeavesItsSuccessorsSocket() throws {
        let directory = try Self.freshDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/fovea.sock"
        let first = try Daemon(workers: 1, arguments: ["--no-code"], socketPath: path)
        defer { first.stop() }
        let firstInode = try #require(Self.inode(path))
        let second = try Daemon(workers: 1, arguments: ["--no-code"], socketPath: path)  // connects to either
        defer { second.stop() }
        let deadline = Date().addingTimeInterval(20)
        while Self.inode(path) == firstInode && Date() < deadline { usleep(1000) }
        #expect(Self.inode(path) != firstInode, "the successor never published its socket")
        first.stop()
        #expect(FileManager.default.fileExists(atPath: path), "the old daemon removed its successor's socket")
        #expect(try FoveaClient(socketPath: path).call("ping") == [:])
        second.stop()
        #expect(!FileManager.default.fileExists(atPath: path), "the daemon left its socket file behind")
    }

    /// `fovea serve` on `path` (1 worker, no code tool) as a bare process, watched from its start:
    /// returned the moment the socket file exists (or after 20 s, or when it ended).
    static func serveUntilTheSocketExists(_ path: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Daemon.executable)
        process.arguments = ["serve", "--socket", path, "--workers", "1", "--no-code", "--log-level", "warning"]
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: path) && Date() < deadline && process.isRunning { usleep(200) }
        return process
    }

    static func inode(_ path: String) -> ino_t? {
        var status = stat()
        return lstat(path, &status) == 0 ? status.st_ino : nil
    }

    static func freshDirectory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-socket-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }
}
