import Foundation
import FoveaClient
import FoveaProtocol
import Synchronization

/// `fovea bench code`: the code tool through the real socket on a cached 8K JPEG, beside the
/// same code in a fresh Python process per call and in a warm in-process `exec`
/// (Benchmarks/code_peers.py), in one run; then what a session costs: `print(1)` warm, a new
/// session's first call, eight sessions in parallel, a new session's private memory.
public enum CodeBench {
    public struct Snippet: Sendable {
        public var name: String
        public var conventions: String
        public var code: String
        /// The image's `path` argument (Thyme opens it by name).
        public var path: String?
    }

    /// The same snippets as code_peers.py.
    public static let snippets = [
        Snippet(name: "pyvision", conventions: "pyvision",
                code: "import numpy as np\na = np.array(image_clue_0)\nregion = a[1000:1600, 2000:3000]\nplt.imshow(region)\nplt.title('region')\nplt.show()\n"),
        Snippet(name: "thyme", conventions: "thyme",
                code: "from PIL import Image\nimage = Image.open(image_path)\ncrop = image.crop((2000, 1000, 3000, 1600))\nbig = crop.resize((2000, 1200))\nprocessed_path = 'processed.png'\nbig.save(processed_path)\nprint(processed_path)\n",
                path: "photo.jpg"),
        Snippet(name: "print1", conventions: "plain", code: "print(1)\n"),
    ]

    public struct Row: Sendable {
        public var name: String
        public var fovea: Double
        public var warm: Double?
        public var fresh: Double?
    }

    public struct Result: Sendable {
        public var rows: [Row]
        public var newSessionFirstCall: Double
        public var warmPrint: Double
        public var parallelCallsPerSecond: Double
        public var newSessionPrivateBytes: Int

        public var text: String {
            var lines = ["snippet (p50 ms)             fovea   warm exec   fresh process   warm/fovea   fresh/fovea"]
            for row in rows {
                lines.append(String(format: "%-26@ %8.2f %11@ %15@ %12@ %13@", row.name as NSString, row.fovea,
                                    (row.warm.map { String(format: "%.2f", $0) } ?? "-") as NSString,
                                    (row.fresh.map { String(format: "%.1f", $0) } ?? "-") as NSString,
                                    (row.warm.map { String(format: "%.2fx", $0 / row.fovea) } ?? "-") as NSString,
                                    (row.fresh.map { String(format: "%.1fx", $0 / row.fovea) } ?? "-") as NSString))
            }
            lines.append(String(format: "print(1) in a warm session p50 %.2f ms; a new session's first call p50 %.2f ms (+%.2f ms)",
                                warmPrint, newSessionFirstCall, newSessionFirstCall - warmPrint))
            lines.append(String(format: "8 sessions in parallel: %.0f trivial calls/s", parallelCallsPerSecond))
            lines.append(String(format: "a new session's private memory after its first call: %.1f MB", Double(newSessionPrivateBytes) / 1e6))
            return lines.joined(separator: "\n")
        }
    }

    public static func run(daemon: BenchDaemon, jpeg: [UInt8], python: String, peers: String, calls: Int,
                           freshCalls: Int, seconds: Double) throws -> Result {
        let client = try daemon.client()
        let handle = try client.putImage(jpeg)
        let image = NSTemporaryDirectory() + "fovea-bench-code-\(getpid()).jpg"
        FileManager.default.createFile(atPath: image, contents: Data(jpeg))
        defer { try? FileManager.default.removeItem(atPath: image) }

        var rows: [Row] = []
        for snippet in snippets {
            var argument: JSONValue = ["image": .string(handle)]
            if let path = snippet.path { argument = ["image": .string(handle), "path": .string(path)] }
            let arguments: JSONValue = ["code": .string(snippet.code), "conventions": .string(snippet.conventions),
                                        "session": .string("bench-\(snippet.name)"), "images": [argument]]
            var times: [Double] = []
            for index in 0..<(calls + 2) {
                let start = ContinuousClock.now
                let result = try client.call("tools/call", params: ["name": "code", "arguments": arguments])
                guard result["isError"] == .bool(false) else { throw BenchError("\(snippet.name): \(result.description)") }
                if index >= 2 { times.append(milliseconds(start.duration(to: .now))) }  // the first call starts the session
            }
            let warm = try peer(python: python, script: peers, image: image, snippet: snippet.name, mode: "warm", calls: calls)
            let fresh = try peer(python: python, script: peers, image: image, snippet: snippet.name, mode: "fresh", calls: freshCalls)
            rows.append(Row(name: snippet.name, fovea: median(times), warm: warm, fresh: fresh))
        }

        // print(1): warm, and a new session's first call.
        let print1: JSONValue = ["code": "print(1)", "conventions": "plain"]
        func callPrint(session: String) throws -> Double {
            var arguments = print1.objectValue!
            arguments["session"] = .string(session)
            let start = ContinuousClock.now
            let result = try client.call("tools/call", params: ["name": "code", "arguments": .object(arguments)])
            guard result["isError"] == .bool(false) else { throw BenchError("print(1): \(result.description)") }
            return milliseconds(start.duration(to: .now))
        }
        _ = try callPrint(session: "warm")
        let warm = try median((0..<max(calls, 20)).map { _ in try callPrint(session: "warm") })
        var firsts: [Double] = []
        var privateBytes: [Int] = []
        for index in 0..<max(10, calls / 2) {
            let session = "fresh-\(index)"
            firsts.append(try callPrint(session: session))
            let sessions = try client.call("server/stats")["code"]?["sessions"]?.arrayValue ?? []
            if let bytes = sessions.first(where: { $0["id"]?.stringValue == session })?["private_bytes"]?.intValue { privateBytes.append(bytes) }
            _ = try client.call("sessions/close", params: ["session": .string(session)])
        }

        // Eight sessions in parallel.
        let total = Atomic<Int>(0)
        let failures = Atomic<Int>(0)
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let threads = (0..<8).map { index in
            Thread {
                do {
                    let connection = try daemon.client()
                    let arguments: JSONValue = ["code": "print(1)", "conventions": "plain", "session": .string("parallel-\(index)")]
                    _ = try connection.call("tools/call", params: ["name": "code", "arguments": arguments])
                    while ContinuousClock.now < end {
                        _ = try connection.call("tools/call", params: ["name": "code", "arguments": arguments])
                        total.add(1, ordering: .relaxed)
                    }
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
        }
        let started = ContinuousClock.now
        threads.forEach { $0.start() }
        while threads.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.02) }
        let elapsed = milliseconds(started.duration(to: .now)) / 1000
        guard failures.load(ordering: .relaxed) == 0 else { throw BenchError("parallel sessions failed") }

        return Result(rows: rows, newSessionFirstCall: median(firsts), warmPrint: warm,
                      parallelCallsPerSecond: Double(total.load(ordering: .relaxed)) / elapsed,
                      newSessionPrivateBytes: Stopwatch.median(privateBytes))
    }

    /// p50 ms of a peer (code_peers.py) run.
    static func peer(python: String, script: String, image: String, snippet: String, mode: String, calls: Int) throws -> Double? {
        guard calls > 0 else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--image", image, "--snippet", snippet, "--mode", mode, "--calls", String(calls)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let line = String(data: data, encoding: .utf8),
              let value = try? JSONParser.parse(Array(line.utf8)) else {
            throw BenchError("code_peers.py \(snippet) \(mode) failed")
        }
        return value["p50_ms"]?.doubleValue
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
}
