import Foundation
import FoveaClient
import FoveaProtocol
import Testing

/// `--allow-dir`: `images/put {path}` and path arguments read only regular files strictly inside
/// an allowed directory (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), never block the
/// event loop (a FIFO is refused at once while other requests are answered), and every refusal
/// reads the same, so a caller cannot probe the host's file system.
@Suite struct AllowedDirectoryTests {
    /// A directory with a good image, a link to it, a link out, a FIFO and a subdirectory.
    static func makeDirectory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-allow-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: true)
        try Data(Sandbox.goodPNG).write(to: URL(fileURLWithPath: directory + "/good.png"))
        try Data(Sandbox.goodPNG).write(to: URL(fileURLWithPath: directory + "/sub/nested.png"))
        try FileManager.default.createSymbolicLink(atPath: directory + "/link.png", withDestinationPath: directory + "/good.png")
        try FileManager.default.createSymbolicLink(atPath: directory + "/passwd", withDestinationPath: "/etc/passwd")
        guard mkfifo(directory + "/fifo.png", 0o600) == 0 else { throw FoveaClient.Failure("mkfifo failed") }
        return directory
    }

    @Test func onlyRegularFilesInsideTheDirectoryAreReadAndEveryRefusalReadsTheSame() throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let daemon = try Daemon(workers: 1, arguments: ["--allow-dir", directory])
        defer { daemon.stop() }
        let client = try daemon.client()

        let good = try client.call("images/put", params: ["path": .string(directory + "/good.png")])
        #expect(good["width"] == 320 && good["height"] == 240, "\(good)")
        let nested = try client.call("images/put", params: ["path": .string(directory + "/sub/nested.png")])
        #expect(nested["image"] == good["image"])
        let zoom = try client.tool("zoom", ["image": .string(directory + "/good.png"), "bbox_2d": [0, 0, 500, 500]])
        #expect(zoom["isError"] == false, "\(zoom.toolText ?? "")")

        let refused = ["/link.png", "/passwd", "/fifo.png", "/sub", "/missing.png", "/../../../etc/passwd", "/sub/../good.png/.."]
            .map { directory + $0 } + ["/etc/passwd", "relative/good.png", directory]
        var texts: Set<String> = []
        for path in refused {
            do {
                let result = try client.call("images/put", params: ["path": .string(path)])
                Issue.record("\(path) was read: \(result)")
            } catch let error as RPCFailureResponse {
                #expect(error.code == -32602, "\(path)")
                texts.insert(error.message.replacingOccurrences(of: "\"\(path)\"", with: "PATH"))
            }
            let result = try client.tool("zoom", ["image": .string(path), "bbox_2d": [0, 0, 500, 500]])
            #expect(result["isError"] == true, "\(path) was read as an image argument")
        }
        #expect(texts.count == 1, "refusals differ: \(texts.sorted())")
        #expect(texts.first?.contains("no readable image file at this path inside the allowed directories") == true, "\(texts)")
    }

    /// A FIFO nobody writes to would block a plain open or read for ever; the daemon answers
    /// other requests meanwhile and refuses it at once.
    @Test func aFIFONeverHoldsTheEventLoop() throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let daemon = try Daemon(workers: 1, arguments: ["--allow-dir", directory])
        defer { daemon.stop() }
        let client = try daemon.client()
        let putID = try client.sendRequest("images/put", params: ["path": .string(directory + "/fifo.png")])
        let pingID = try client.sendRequest("ping")
        var answered: Set<Int64> = []
        for _ in 0..<2 { answered.insert(Int64(try #require(try client.receive()["id"]?.intValue))) }
        #expect(answered == [Int64(putID), Int64(pingID)])
    }

    @Test func imageLimitsOutOfRangeAreRefusedAtStart() throws {
        for (option, value) in [("--max-pixels", "0"), ("--max-pixels", "9000000000"), ("--max-side", "0"),
                                ("--max-side", "99999999"), ("--max-image-bytes", "2G")] {
            let run = try Subprocess.run(Daemon.executable, ["serve", "--socket", "/tmp/fovea-never-\(getpid()).sock", option, value])
            #expect(run.status != 0, "\(option) \(value) was accepted")
            #expect(run.output.contains("\(option) must be"), "\(option) \(value): \(run.output)")
        }
    }
}
