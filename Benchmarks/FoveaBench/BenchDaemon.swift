import ExtrasBase64
import Foundation
import FoveaClient
import FoveaProtocol

/// A `fovea serve` started by a benchmark on a private socket (or an already running daemon
/// when a socket is given), so numbers come through the real socket, workers and sandbox.
public final class BenchDaemon: @unchecked Sendable {
    public let socketPath: String
    private var process: Process?
    private var directory: String?

    /// The daemon's pid, when it was started here.
    public var processID: Int32? { process?.processIdentifier }

    /// Uses the daemon at `socket`, or starts this binary's own with `arguments` (on a socket in
    /// a directory named after this process and `directoryName`, for several daemons at once).
    public init(socket: String?, arguments: [String], directoryName: String = "") throws {
        if let socket {
            socketPath = socket
            return
        }
        let directory = NSTemporaryDirectory() + "fovea-bench-\(getpid())\(directoryName.isEmpty ? "" : "-" + directoryName)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.directory = directory
        socketPath = directory + "/fovea.sock"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["serve", "--socket", socketPath, "--log-level", "warning"] + arguments
        try process.run()
        self.process = process
        for _ in 0..<400 {
            if (try? FoveaClient(socketPath: socketPath)) != nil { return }
            Thread.sleep(forTimeInterval: 0.025)
        }
        stop()
        throw BenchError("the daemon did not start on \(socketPath)")
    }

    public func client() throws -> FoveaClient {
        let client = try FoveaClient(socketPath: socketPath)
        client.setReceiveTimeout(seconds: 120)
        return client
    }

    public func stop() {
        if let process, process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        process = nil
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    deinit { stop() }
}

extension FoveaClient {
    /// `images/put` of `bytes`; returns the handle.
    func putImage(_ bytes: [UInt8]) throws -> String {
        try putImage(params: ["data": .string(Base64.encodeToString(bytes: bytes))])
    }

    /// `images/put {path}` of a file in a directory the daemon allows (`--allow-dir`).
    func putImage(path: String) throws -> String {
        try putImage(params: ["path": .string(path)])
    }

    private func putImage(params: JSONValue) throws -> String {
        let result = try call("images/put", params: params)
        guard let handle = result["image"]?.stringValue else { throw BenchError("images/put returned \(JSONWriter.string(result))") }
        return handle
    }
}
