import Foundation
import FoveaClient
import FoveaCodec
import FoveaProtocol

/// `fovea bench tiling --cold`: put + 4×4 tile + JPEG through the daemon on an image it has
/// not seen, against the bare decode of the same file in this process, in one run.
///
/// Also the CPU behind it (per run, from `/proc`): the daemon's, its workers' and this
/// process's (the client: base64 of the put, the 16 tiles' answer), beside the bare decode's.
/// On `C` cores no run can take less than total CPU / `C`: the `bound` row, the best the
/// cold path could do with perfect overlap on this machine.
public enum ColdTilingBench {
    public static func run(daemon: BenchDaemon, jpeg: [UInt8], repeat count: Int) throws -> [BenchRow] {
        var bareCPU = 0.0
        let bare = try Stopwatch.medianMilliseconds(repeat: count) {
            let start = EncodeBench.processCPUMilliseconds()
            _ = try jpeg.withUnsafeBytes { try Codec.decode($0, limits: ImageLimits()) }
            bareCPU += EncodeBench.processCPUMilliseconds() - start
        }
        bareCPU /= Double(count + 1)  // the warm-up run counts too
        let client = try daemon.client()
        let daemonPID = ProcessCPU.peer(of: client)
        var cpuStart: ProcessCPU?
        var runs = 0
        let cold = try Stopwatch.medianMilliseconds(repeat: count) {
            if runs == 1, let daemonPID { cpuStart = ProcessCPU.now(daemon: daemonPID) }  // after the warm-up run
            let handle = try client.putImage(jpeg)
            let result = try client.call("tools/call", params: ["name": "tile", "arguments": ["image": .string(handle), "grid": [4, 4]]])
            guard result["isError"] == .bool(false), result["structuredContent"]?["tiles"]?.arrayValue?.count == 16 else {
                throw BenchError("tile failed: \(result.description)")
            }
            _ = try client.call("images/release", params: ["image": .string(handle)])
            runs += 1
        }
        var rows = [BenchRow(name: "cold put + tile 4x4 + jpeg q95", foveaMilliseconds: cold,
                             referenceName: "bare decode (in process)", referenceMilliseconds: bare)]
        if let daemonPID, let cpuStart, let cpuEnd = ProcessCPU.now(daemon: daemonPID) {
            // The warm-up run happened before cpuStart: `runs - 1` runs were measured.
            let cpu = cpuEnd.perCall(since: cpuStart, calls: runs - 1)
            let total = cpu.daemon + cpu.workers + cpu.client
            let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
            rows += [
                BenchRow(name: "  CPU: workers", foveaMilliseconds: cpu.workers, referenceName: "bare decode CPU", referenceMilliseconds: bareCPU),
                BenchRow(name: "  CPU: daemon", foveaMilliseconds: cpu.daemon, referenceName: "bare decode CPU", referenceMilliseconds: bareCPU),
                BenchRow(name: "  CPU: bench client", foveaMilliseconds: cpu.client, referenceName: "bare decode CPU", referenceMilliseconds: bareCPU),
                BenchRow(name: "  bound: total CPU / \(Int(cores)) cores", foveaMilliseconds: total / cores,
                         referenceName: "bare decode (in process)", referenceMilliseconds: bare),
            ]
        }
        return rows
    }
}

extension JSONValue: CustomStringConvertible {
    public var description: String { JSONWriter.string(self).prefix(300).description }
}
