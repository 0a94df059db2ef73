import ExtrasBase64
import Foundation
import FoveaClient
import FoveaProtocol
import Testing

/// A real `fovea serve` started for a test: its own socket in a fresh directory, real worker
/// processes. Stopped (SIGTERM, then SIGKILL) when the test is done with it.
final class Daemon: @unchecked Sendable {
    let socketPath: String
    let directory: String
    let process: Process
    let stderrPipe = Pipe()

    /// The `fovea` binary built beside this test bundle.
    static var executable: String {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // SwiftPM on Linux runs `<pkg>PackageTests.xctest` from the build directory.
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("fovea").path),
              directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("fovea").path
    }

    /// Whether ``stop()`` removes ``directory`` (not when the caller chose the socket path).
    private let ownsDirectory: Bool

    /// `socketPath`: listen there (a successor of a stopped daemon, say) instead of in a fresh directory.
    /// `umask`: start the daemon under this umask (through `sh -c 'umask …; exec …'`: the test
    /// process's own umask is shared by every test running beside it).
    init(workers: Int = 2, arguments: [String] = [], testHooks: Bool = true, socketPath: String? = nil, umask: mode_t? = nil) throws {
        if let socketPath {
            self.socketPath = socketPath
            directory = (socketPath as NSString).deletingLastPathComponent
            ownsDirectory = false
        } else {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-e2e-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            self.socketPath = directory + "/fovea.sock"
            ownsDirectory = true
        }
        process = Process()
        let serve = ["serve", "--socket", self.socketPath, "--workers", String(workers), "--log-level", "warning"] + arguments
        if let umask {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "umask \(String(umask, radix: 8)) && exec \"$0\" \"$@\"", Self.executable] + serve
        } else {
            process.executableURL = URL(fileURLWithPath: Self.executable)
            process.arguments = serve
        }
        var environment = ProcessInfo.processInfo.environment
        environment["FOVEA_TEST_HOOKS"] = testHooks ? "1" : nil
        process.environment = environment
        process.standardError = stderrPipe
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if (try? FoveaClient(socketPath: self.socketPath)) != nil { return }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let log = String(decoding: stderrPipe.fileHandleForReading.availableData, as: UTF8.self)
        stop()
        throw FoveaClient.Failure("the daemon did not start listening on \(self.socketPath): \(log)")
    }

    func client() throws -> FoveaClient {
        let client = try FoveaClient(socketPath: socketPath)
        client.setReceiveTimeout(seconds: 60)
        return client
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) }
    }

    deinit { stop() }

    /// Everything the daemon has written to stderr so far (does not wait for more).
    func stderrSoFar() -> String {
        stderrLock.lock()
        defer { stderrLock.unlock() }
        stderrText += stderrPipe.textSoFar()
        return stderrText
    }
    private var stderrText = ""
    private let stderrLock = NSLock()

    /// Waits (up to 20 s) until every worker is started and idle and nothing is queued: after
    /// `images/put`, which answers once the header is read, the decode may still be running.
    func waitUntilIdle(_ client: FoveaClient) throws {
        for _ in 0..<400 {
            let stats = try client.call("server/stats")
            let workers = stats["workers"]?.arrayValue ?? []
            if stats["queue"]?["depth"] == 0, !workers.isEmpty,
               workers.allSatisfy({ $0["state"] == "idle" && $0["pid"]?.intValue != nil }) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw FoveaClient.Failure("the workers did not become idle")
    }

    /// Worker pids from `server/stats`.
    func workerPIDs(_ client: FoveaClient) throws -> [Int32] {
        let stats = try client.call("server/stats")
        return (stats["workers"]?.arrayValue ?? []).compactMap { $0["pid"]?.intValue.map(Int32.init) }
    }
}

extension FoveaClient {
    /// `images/put` of `bytes`; returns the handle.
    func put(_ bytes: [UInt8]) throws -> String {
        let result = try call("images/put", params: ["data": .string(Base64.encodeToString(bytes: bytes))])
        guard let handle = result["image"]?.stringValue else { throw Failure("images/put returned \(result)") }
        return handle
    }

    /// `tools/call`; returns the `CallToolResult`.
    func tool(_ name: String, _ arguments: JSONValue) throws -> JSONValue {
        try call("tools/call", params: ["name": .string(name), "arguments": arguments])
    }
}

extension JSONValue {
    /// The text block of a `CallToolResult`.
    var toolText: String? {
        self["content"]?.arrayValue?.first(where: { $0["type"] == "text" })?["text"]?.stringValue
    }

    /// The decoded bytes of a `CallToolResult`'s image block.
    var toolImageBytes: [UInt8]? {
        guard let data = self["content"]?.arrayValue?.first(where: { $0["type"] == "image" })?["data"]?.stringValue else {
            return nil
        }
        return try? Base64.decode(string: data)
    }
}

extension Pipe {
    /// Whatever has been written to the pipe so far (does not wait for more).
    func textSoFar() -> String {
        let fd = fileHandleForReading.fileDescriptor
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A child process run to its end.
enum Subprocess {
    /// Runs `executable` with `arguments`; its exit status and standard output and error together.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
