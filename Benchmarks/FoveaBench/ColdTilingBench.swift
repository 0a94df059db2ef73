import Foundation
import FoveaClient
import FoveaCodec
import FoveaProtocol

/// `fovea bench tiling --cold`: put + 4×4 tile + JPEG through the daemon on an image it has
/// not seen, against the bare decode of the same file in this process, in one run.
///
/// Also the decode alone through the daemon (put + a 32×32 zoom of the last rows, which waits
/// for every row), and the CPU behind the tiling run (per run, from `/proc`): the daemon's,
/// its workers' and this process's (the client: base64 of the put, the 16 tiles' answer),
/// beside the bare decode's. On `C` cores no run can take less than total CPU / `C`: the
/// `bound` row, the best the cold path could do with perfect overlap on this machine.
public enum ColdTilingBench {
    public static func run(daemon: BenchDaemon, jpeg: [UInt8], width: Int, height: Int, repeat count: Int) throws -> [BenchRow] {
        var bareCPU = 0.0
        let bare = try Stopwatch.medianMilliseconds(repeat: count) {
            let start = EncodeBench.processCPUMilliseconds()
            _ = try jpeg.withUnsafeBytes { try Codec.decode($0, limits: ImageLimits()) }
            bareCPU += EncodeBench.processCPUMilliseconds() - start
        }
        bareCPU /= Double(count + 1)  // the warm-up run counts too
        let client = try daemon.client()
        // The decode alone through the daemon: a 32×32 zoom at the bottom-right corner needs
        // every row (and is too small a resize for shrink-on-load).
        let corner: JSONValue = ["name": "zoom", "arguments": ["bbox_2d": .ints([width - 32, height - 32, width, height]),
                                                               "coords": "pixel"]]
        let decodeOnly = try measure(client, jpeg: jpeg, call: corner, repeat: count) { result in
            result["isError"] == .bool(false)
        }
        let tile: JSONValue = ["name": "tile", "arguments": ["grid": [4, 4]]]
        let tiles = try measure(client, jpeg: jpeg, call: tile, repeat: count) { result in
            result["isError"] == .bool(false) && result["structuredContent"]?["tiles"]?.arrayValue?.count == 16
        }
        var rows = [
            BenchRow(name: "cold put + tile 4x4 + jpeg q95", foveaMilliseconds: tiles.wall,
                     referenceName: "bare decode (in process)", referenceMilliseconds: bare),
            BenchRow(name: "cold put + corner zoom (the decode)", foveaMilliseconds: decodeOnly.wall,
                     referenceName: "bare decode (in process)", referenceMilliseconds: bare),
        ]
        if let cpu = tiles.cpu, let decodeCPU = decodeOnly.cpu {
            let total = cpu.daemon + cpu.workers + cpu.client
            let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
            rows += [
                BenchRow(name: "  CPU: workers", foveaMilliseconds: cpu.workers, referenceName: "bare decode CPU", referenceMilliseconds: bareCPU),
                BenchRow(name: "  CPU: daemon", foveaMilliseconds: cpu.daemon, referenceName: "bare decode CPU", referenceMilliseconds: bareCPU),
                BenchRow(name: "  CPU: bench client", foveaMilliseconds: cpu.client, referenceName: "bare decode CPU", referenceMilliseconds: bareCPU),
                BenchRow(name: "  CPU of the corner run (decode), all", foveaMilliseconds: decodeCPU.daemon + decodeCPU.workers + decodeCPU.client,
                         referenceName: "bare decode CPU", referenceMilliseconds: bareCPU),
                // CPU against CPU: on a loaded machine the bare decode's wall time stretches too.
                BenchRow(name: "  bound: total CPU / \(Int(cores)) cores", foveaMilliseconds: total / cores,
                         referenceName: "bare decode CPU", referenceMilliseconds: bareCPU),
            ]
        }
        return rows
    }

    /// Median wall milliseconds of put + `call` (with the new handle as its image) + release,
    /// and the CPU per run of the daemon, its workers and this process (warm-up run excluded).
    static func measure(_ client: FoveaClient, jpeg: [UInt8], call: JSONValue, repeat count: Int,
                        succeeded: (JSONValue) -> Bool) throws -> (wall: Double, cpu: ProcessCPU?) {
        let daemonPID = ProcessCPU.peer(of: client)
        var cpuStart: ProcessCPU?
        var runs = 0
        let wall = try Stopwatch.medianMilliseconds(repeat: count) {
            if runs == 1, let daemonPID { cpuStart = ProcessCPU.now(daemon: daemonPID) }  // after the warm-up run
            let handle = try client.putImage(jpeg)
            var params = call
            if case .object(var fields) = params, case .object(var arguments)? = fields["arguments"] {
                arguments["image"] = .string(handle)
                fields["arguments"] = .object(arguments)
                params = .object(fields)
            }
            let result = try client.call("tools/call", params: params)
            guard succeeded(result) else { throw BenchError("cold call failed: \(result.description)") }
            _ = try client.call("images/release", params: ["image": .string(handle)])
            runs += 1
        }
        guard let daemonPID, let cpuStart, let cpuEnd = ProcessCPU.now(daemon: daemonPID) else { return (wall, nil) }
        return (wall, cpuEnd.perCall(since: cpuStart, calls: runs - 1))
    }
}

extension JSONValue: CustomStringConvertible {
    public var description: String { JSONWriter.string(self).prefix(300).description }
}
