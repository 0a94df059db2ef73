import Foundation
import FoveaClient
import FoveaCodec
import FoveaKernels
import FoveaProtocol
import Histogram
import Synchronization

/// `fovea bench latency`: warm zoom calls on a cached 8K image (about 0.75 MP JPEG out) through
/// the real socket from N clients for S seconds; calls/s and latency percentiles.
public enum LatencyBench {
    public struct Result: Sendable {
        public var clients: Int
        public var seconds: Double
        public var calls: Int
        public var errors: Int
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var max: Double
        public var outputSize: String
        /// CPU milliseconds per call of the daemon, its workers and the benchmark's clients
        /// (nil when the daemon's `/proc` could not be read).
        public var cpu: ProcessCPU?

        public var callsPerSecond: Double { Double(calls) / seconds }

        public var text: String {
            String(format: "%d client%@, %.1f s: %d calls (%d errors), %.0f calls/s; latency ms p50 %.2f, p90 %.2f, p99 %.2f, max %.2f; output %@",
                   clients, clients == 1 ? "" : "s", seconds, calls, errors, callsPerSecond, p50, p90, p99, max, outputSize)
                + (cpu.map {
                    String(format: "; CPU ms/call: daemon %.2f, workers %.2f, total %.2f; bench clients %.2f",
                           $0.daemon, $0.workers, $0.daemon + $0.workers, $0.client)
                } ?? "")
        }
    }

    /// A box of about 1000×750 pixels, moved around so calls are not identical; with qwen3-vl it
    /// comes back 992×736 (0.73 MP).
    static func box(_ index: Int, width: Int, height: Int) -> JSONValue {
        let x = (index * 389) % max(1, width - 1000), y = (index * 211) % max(1, height - 750)
        return .ints([x, y, x + 1000, y + 750])
    }

    /// `tools/call` params of the zoom on ``box(_:width:height:)`` number `index`, in pixels;
    /// with `binaryImages` the JPEG comes as bytes after the answer line (``BinaryImages``).
    static func zoomCall(_ handle: String, _ index: Int, width: Int, height: Int, binaryImages: Bool = false) -> JSONValue {
        var params: [String: JSONValue] = [
            "name": "zoom", "arguments": ["image": .string(handle), "bbox_2d": box(index, width: width, height: height), "coords": "pixel"],
        ]
        if binaryImages { params["_meta"] = [BinaryImages.requestKey: true] }
        return .object(params)
    }

    public static func run(daemon: BenchDaemon, jpeg: [UInt8], width: Int, height: Int, clients: Int, seconds: Double,
                           binaryImages: Bool = false) throws -> Result {
        let setup = try daemon.client()
        let handle = try setup.putImage(jpeg)
        // Warm up: decode cached, workers touched.
        for index in 0..<8 {
            _ = try setup.call("tools/call", params: zoomCall(handle, index, width: width, height: height))
        }
        let probe = try setup.call("tools/call", params: zoomCall(handle, 0, width: width, height: height))
        let outputSize = "\(probe["structuredContent"]?["width"]?.intValue ?? 0)x\(probe["structuredContent"]?["height"]?.intValue ?? 0) JPEG"
        let daemonPID = ProcessCPU.peer(of: setup)
        let cpuStart = daemonPID.flatMap { ProcessCPU.now(daemon: $0) }
        let recorder = Recorder()
        let failure = Mutex<Error?>(nil)
        let start = ContinuousClock.now
        let end = start + .milliseconds(Int(seconds * 1000))
        let threads = (0..<clients).map { client in
            Thread {
                do {
                    try zoomLoop(try daemon.client(), handle: handle, width: width, height: height, until: end,
                                 firstIndex: client * 1000, binaryImages: binaryImages, recorder: recorder)
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                }
            }
        }
        threads.forEach { $0.start() }
        while threads.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.01) }
        if let error = failure.withLock({ $0 }) { throw error }
        var result = recorder.result(clients: clients, since: start, outputSize: outputSize)
        if let daemonPID, let cpuStart, let cpuEnd = ProcessCPU.now(daemon: daemonPID) {
            result.cpu = cpuEnd.perCall(since: cpuStart, calls: result.calls)
        }
        return result
    }

    /// One client's zooms, one at a time, until `end`.
    public static func sequentialZooms(daemon: BenchDaemon, handle: String, width: Int, height: Int,
                                       until end: ContinuousClock.Instant, firstIndex: Int) throws -> Result {
        let recorder = Recorder()
        let start = ContinuousClock.now
        try zoomLoop(try daemon.client(), handle: handle, width: width, height: height, until: end,
                     firstIndex: firstIndex, binaryImages: false, recorder: recorder)
        return recorder.result(clients: 1, since: start, outputSize: "")
    }

    private static func zoomLoop(_ connection: FoveaClient, handle: String, width: Int, height: Int,
                                 until end: ContinuousClock.Instant, firstIndex: Int, binaryImages: Bool, recorder: Recorder) throws {
        var index = firstIndex
        while ContinuousClock.now < end {
            let callStart = ContinuousClock.now
            let params = zoomCall(handle, index, width: width, height: height, binaryImages: binaryImages)
            let (result, images) = try connection.callWithImages("tools/call", params: params)
            // A call counts as failed when the image is not there in the form asked for.
            let imageArrived = binaryImages ? images.count == 1 : result["content"]?.arrayValue?.first?["data"]?.stringValue != nil
            recorder.record(callStart.duration(to: .now), failed: result["isError"] != .bool(false) || !imageArrived)
            index += 1
        }
    }

    /// Latencies and counts, from any number of threads.
    final class Recorder: Sendable {
        private let histogram = Mutex(Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three))
        private let counts = Mutex((calls: 0, errors: 0))

        func record(_ elapsed: Duration, failed: Bool) {
            let micros = UInt64(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)
            histogram.withLock { _ = $0.record(micros) }
            counts.withLock { $0.calls += 1; if failed { $0.errors += 1 } }
        }

        func result(clients: Int, since start: ContinuousClock.Instant, outputSize: String) -> Result {
            let elapsed = start.duration(to: .now)
            let total = counts.withLock { $0 }
            return histogram.withLock { h in
                Result(clients: clients, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                       calls: total.calls, errors: total.errors,
                       p50: Double(h.valueAtPercentile(50)) / 1000, p90: Double(h.valueAtPercentile(90)) / 1000,
                       p99: Double(h.valueAtPercentile(99)) / 1000, max: Double(h.max) / 1000, outputSize: outputSize)
            }
        }
    }
}
