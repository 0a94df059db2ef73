import Foundation
import FoveaClient
import FoveaProtocol

/// `fovea bench isolation`: what decode isolation (a fresh worker for every decode, a warm spare
/// per slot) costs a cold 8K zoom: `images/put` of an unseen JPEG + a zoom + `images/release`,
/// against two daemons started side by side — the default and `--no-decode-isolation` —
/// alternating call by call, in wall time and in CPU time of the daemon and its workers (reaped
/// workers included, from `/proc`).
public enum IsolationBench {
    public struct Result: Sendable {
        public var isolated: [Double]
        public var shared: [Double]
        public var isolatedCPU: Double
        public var sharedCPU: Double

        public var text: String {
            func line(_ name: String, _ values: [Double], cpu: Double) -> String {
                let sorted = values.sorted()
                return String(format: "%-34@ p50 %7.1f ms  p90 %7.1f ms  CPU %6.1f ms/call", name as NSString,
                              sorted[sorted.count / 2], sorted[min(sorted.count - 1, sorted.count * 9 / 10)], cpu)
            }
            let ratio = Stopwatch.median(isolated) / Stopwatch.median(shared)
            return [line("decode isolation (default)", isolated, cpu: isolatedCPU),
                    line("--no-decode-isolation", shared, cpu: sharedCPU),
                    String(format: "cold zoom p50, isolated / shared: %.3fx; CPU %+.1f ms per call", ratio, isolatedCPU - sharedCPU)]
                .joined(separator: "\n")
        }
    }

    /// `calls` cold zooms per daemon; `gap` seconds between calls (a rollout's pace: a spare
    /// warms up in the gap; 0 measures back-to-back decodes, which outrun the spares).
    public static func run(jpeg: [UInt8], width: Int, height: Int, calls: Int, gap: Double,
                           workers: Int, threads: Int) throws -> Result {
        let common = ["--workers", String(workers), "--threads", String(threads)]
        let isolated = try BenchDaemon(socket: nil, arguments: common, directoryName: "isolated")
        defer { isolated.stop() }
        let shared = try BenchDaemon(socket: nil, arguments: common + ["--no-decode-isolation"], directoryName: "shared")
        defer { shared.stop() }
        let daemons = [isolated, shared]
        let clients = try daemons.map { try $0.client() }
        let box: JSONValue = [.int(width * 3 / 8), .int(height * 3 / 8), .int(width * 5 / 8), .int(height * 5 / 8)]
        func coldZoom(_ client: FoveaClient) throws -> Double {
            let start = ContinuousClock.now
            let handle = try client.putImage(jpeg)
            let result = try client.call("tools/call", params: ["name": "zoom", "arguments": [
                "image": .string(handle), "bbox_2d": box, "coords": "pixel"]])
            guard result["isError"] == .bool(false) else { throw BenchError("zoom failed: \(result.description)") }
            _ = try client.call("images/release", params: ["image": .string(handle)])
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        }
        // One untimed call each: workers and spares start.
        for client in clients { _ = try coldZoom(client) }
        Thread.sleep(forTimeInterval: max(gap, 1))
        var times: [[Double]] = [[], []]
        let before = daemons.map(Self.cpuMilliseconds)
        for call in 0..<calls {
            for offset in 0..<2 {
                let which = (call + offset) % 2  // alternate which daemon goes first
                times[which].append(try coldZoom(clients[which]))
                if gap > 0 { Thread.sleep(forTimeInterval: gap) }
            }
        }
        Thread.sleep(forTimeInterval: 2)  // the last spares finish warming up: their CPU counts too
        let cpu = zip(daemons, before).map { (Self.cpuMilliseconds($0) - $1) / Double(calls) }
        return Result(isolated: times[0], shared: times[1], isolatedCPU: cpu[0], sharedCPU: cpu[1])
    }

    /// CPU milliseconds of `daemon` and its workers, reaped ones included (``ProcessCPU``).
    static func cpuMilliseconds(_ daemon: BenchDaemon) -> Double {
        guard let pid = daemon.processID, let cpu = ProcessCPU.now(daemon: pid) else { return 0 }
        return (cpu.daemon + cpu.workers) * 1000
    }
}
