import Foundation
import FoveaClient
import Glibc
import Testing

/// `--socket-mode`: the socket file's permissions (600 by default), and a directory the daemon
/// creates for it that the group can search when the group may connect.
@Suite struct SocketModeTests {
    static func mode(_ path: String) -> mode_t {
        var status = stat()
        return stat(path, &status) == 0 ? status.st_mode & 0o7777 : 0
    }

    @Test func theSocketTakesTheModeAndItsNewDirectoryLetsTheGroupIn() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-mode-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let socket = base + "/run/fovea.sock"
        let daemon = try Daemon(workers: 1, arguments: ["--no-code", "--socket-mode", "660"], socketPath: socket)
        defer { daemon.stop() }
        #expect(Self.mode(socket) == 0o660)
        #expect(Self.mode(base + "/run") == 0o710)
        #expect(try FoveaClient(socketPath: socket).call("ping") == [:])

        let byDefault = try Daemon(workers: 1, arguments: ["--no-code"])
        defer { byDefault.stop() }
        #expect(Self.mode(byDefault.socketPath) == 0o600)
    }

    @Test func aModeThatIsNotOctalPermissionsIsRefused() throws {
        for value in ["rw", "1777", "8", ""] {
            let run = try Subprocess.run(Daemon.executable, ["serve", "--socket", "/tmp/fovea-never-\(getpid()).sock", "--socket-mode", value])
            #expect(run.status != 0)
            #expect(run.output.contains("--socket-mode must be octal permissions from 000 to 777 (e.g. 600 or 660); received \"\(value)\""), "\(run.output)")
        }
    }

    @Test func aFileThatIsNotASocketIsNeitherReplacedNorServedOn() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-not-a-socket-\(UUID().uuidString.prefix(8))").path
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try Subprocess.run(Daemon.executable, ["serve", "--no-code", "--workers", "1", "--socket", path])
        #expect(run.status != 0)
        #expect(run.output.contains("\(path) exists and is not a socket; remove it or choose another --socket"), "\(run.output)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
    }

    @Test func aSocketPathTooLongForAUnixSocketIsRefusedInWords() throws {
        let path = "/tmp/" + String(repeating: "d", count: 140) + ".sock"
        let run = try Subprocess.run(Daemon.executable, ["serve", "--no-code", "--workers", "1", "--socket", path])
        #expect(run.status != 0)
        #expect(run.output.contains("the socket path \(path) is 150 bytes; Unix sockets allow at most 107"), "\(run.output)")
    }

    /// A daemon started under umask 077 (systemd's `UMask=0077`, a careful operator's shell):
    /// the socket and its new directory still get exactly their modes, and the code tool's
    /// interpreters (other uids) can still walk the private root built for them.
    @Test func underUmask077TheModesAreExactAndTheCodeToolWorks() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-umask-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let socket = base + "/run/fovea.sock"
        let daemon = try Daemon(workers: 1, arguments: ["--socket-mode", "660"], socketPath: socket, umask: 0o077)
        defer { daemon.stop() }
        #expect(Self.mode(socket) == 0o660)
        #expect(Self.mode(base + "/run") == 0o710)
        let answer = try CodeToolTests.code(try daemon.client(), "import numpy\nprint(numpy.arange(4).sum())")
        #expect(answer["isError"] == false, "\(answer)")
        #expect(answer["structuredContent"]?["stdout"] == "6\n", "\(answer)")
    }
}
