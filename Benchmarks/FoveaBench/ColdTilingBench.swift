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
    /// How the image reaches the daemon: its bytes as base64 in the `images/put` line, or the
    /// path of a file in a directory the daemon allows (`--allow-dir`), as a sidecar on the
    /// same host can send it.
    public enum Transport: Sendable {
        case base64
        case path(String)
    }

    public static func run(daemon: BenchDaemon, jpeg: [UInt8], width: Int, height: Int, repeat count: Int,
                           transport: Transport = .base64) throws -> [BenchRow] {
        let client = try daemon.client()
        // The decode alone through the daemon: a 32×32 zoom at the bottom-right corner needs
        // every row (and is too small a resize for shrink-on-load).
        let corner: JSONValue = ["name": "zoom", "arguments": ["bbox_2d": .ints([width - 32, height - 32, width, height]),
                                                               "coords": "pixel"]]
        // The bare decode runs right before each cold run, so both sample the same minutes of a
        // shared machine: measured first and apart, a neighbour's burst moved the ratio ±30%.
        var bare = BareDecodes(jpeg: jpeg)
        let decodeOnly = try measure(client, jpeg: jpeg, transport: transport, call: corner, repeat: count, bare: &bare) { result in
            result["isError"] == .bool(false)
        }
        let tile: JSONValue = ["name": "tile", "arguments": ["grid": [4, 4]]]
        let tiles = try measure(client, jpeg: jpeg, transport: transport, call: tile, repeat: count, bare: &bare) { result in
            result["isError"] == .bool(false) && result["structuredContent"]?["tiles"]?.arrayValue?.count == 16
        }
        let bareMilliseconds = bare.medianMilliseconds, bareCPU = bare.meanCPUMilliseconds
        let put: String
        if case .path = transport { put = "put by path" } else { put = "put" }
        var rows = [
            BenchRow(name: "cold \(put) + tile 4x4 + jpeg q95", foveaMilliseconds: tiles.wall,
                     referenceName: "bare decode (in process)", referenceMilliseconds: bareMilliseconds),
            BenchRow(name: "cold \(put) + corner zoom (the decode)", foveaMilliseconds: decodeOnly.wall,
                     referenceName: "bare decode (in process)", referenceMilliseconds: bareMilliseconds),
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

    /// Waits (up to 3 s) until the daemon and its workers used no CPU for 50 ms, so that work
    /// left from a run (a spare worker's start) is not timed inside the next bare decode.
    static func waitUntilIdle(daemon: pid_t) {
        guard var last = ProcessCPU.now(daemon: daemon) else { return }
        for _ in 0..<60 {
            Thread.sleep(forTimeInterval: 0.05)
            guard let now = ProcessCPU.now(daemon: daemon) else { return }
            if now.daemon + now.workers == last.daemon + last.workers { return }
            last = now
        }
    }

    /// The in-process decodes of `jpeg` the cold runs are compared with: wall and CPU of each.
    struct BareDecodes {
        let jpeg: [UInt8]
        var wall: [Double] = []
        var cpu: [Double] = []

        /// Decodes once; returns the CPU milliseconds it took, kept with its wall time when `recording`.
        mutating func run(recording: Bool) throws -> Double {
            let start = ContinuousClock.now, cpuStart = EncodeBench.processCPUMilliseconds()
            _ = try jpeg.withUnsafeBytes { try Codec.decode($0, limits: ImageLimits()) }
            let used = EncodeBench.processCPUMilliseconds() - cpuStart
            let elapsed = Stopwatch.milliseconds(since: start)
            if recording {
                cpu.append(used)
                wall.append(elapsed)
            }
            return used
        }

        var medianMilliseconds: Double { Stopwatch.median(wall) }
        var meanCPUMilliseconds: Double { cpu.reduce(0, +) / Double(max(1, cpu.count)) }
    }

    /// Median wall milliseconds of put + `call` (with the new handle as its image) + release,
    /// each run after one bare decode (into `bare`), and the CPU per run of the daemon, its
    /// workers and this process (warm-up run excluded; this process's CPU without the bare
    /// decodes).
    static func measure(_ client: FoveaClient, jpeg: [UInt8], transport: Transport, call: JSONValue, repeat count: Int,
                        bare: inout BareDecodes, succeeded: (JSONValue) -> Bool) throws -> (wall: Double, cpu: ProcessCPU?) {
        let daemonPID = ProcessCPU.peer(of: client)
        var cpuStart: ProcessCPU?
        var bareCPUSinceStart = 0.0
        var runs = 0
        var samples: [Double] = []
        for _ in 0...max(1, count) {  // the first run warms up
            if let daemonPID { waitUntilIdle(daemon: daemonPID) }  // e.g. a spare warming up after the last run
            if runs == 1, let daemonPID { cpuStart = ProcessCPU.now(daemon: daemonPID) }
            let bareCPU = try bare.run(recording: runs >= 1)
            if runs >= 1 { bareCPUSinceStart += bareCPU }
            let start = ContinuousClock.now
            let handle: String
            switch transport {
            case .base64: handle = try client.putImage(jpeg)
            case .path(let path): handle = try client.putImage(path: path)
            }
            var params = call
            if case .object(var fields) = params, case .object(var arguments)? = fields["arguments"] {
                arguments["image"] = .string(handle)
                fields["arguments"] = .object(arguments)
                params = .object(fields)
            }
            let result = try client.call("tools/call", params: params)
            guard succeeded(result) else { throw BenchError("cold call failed: \(result.description)") }
            _ = try client.call("images/release", params: ["image": .string(handle)])
            if runs >= 1 { samples.append(Stopwatch.milliseconds(since: start)) }
            runs += 1
        }
        let wall = Stopwatch.median(samples)
        guard let daemonPID, let cpuStart, var cpuEnd = ProcessCPU.now(daemon: daemonPID) else { return (wall, nil) }
        cpuEnd.client -= bareCPUSinceStart / 1000
        return (wall, cpuEnd.perCall(since: cpuStart, calls: runs - 1))
    }
}

extension JSONValue: CustomStringConvertible {
    public var description: String { JSONWriter.string(self).prefix(300).description }
}
