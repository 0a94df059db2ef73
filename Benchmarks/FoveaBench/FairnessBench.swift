import Foundation
import FoveaClient
import FoveaProtocol
import Histogram
import Synchronization

/// `fovea bench fairness`: one rollout keeps a batch of zoom calls in flight on its connection
/// (an agent cropping many regions at once) while another makes single zooms one after the
/// other; the lone caller's latency, and the batch's throughput, on a cached 8K image.
public enum FairnessBench {
    public struct Result: Sendable {
        public var scheduling: String
        public var batch: Int
        public var lone: LatencyBench.Result
        public var batchCallsPerSecond: Double

        public var text: String {
            String(format: "%@: lone caller p50 %.1f ms, p90 %.1f, p99 %.1f (%d calls); batch of %d in flight: %.0f calls/s",
                   scheduling, lone.p50, lone.p90, lone.p99, lone.calls, batch, batchCallsPerSecond)
        }
    }

    public static func run(daemon: BenchDaemon, scheduling: String, jpeg: [UInt8], width: Int, height: Int,
                           batch: Int, seconds: Double) throws -> Result {
        let setup = try daemon.client()
        let handle = try setup.putImage(jpeg)
        for index in 0..<8 { _ = try setup.call("tools/call", params: LatencyBench.zoomCall(handle, index, width: width, height: height)) }

        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let batchCalls = Mutex(0)
        let failure = Mutex<Error?>(nil)
        let batcher = Thread {
            do {
                let connection = try daemon.client()
                var index = 0
                var inFlight = 0
                while true {
                    while inFlight < batch && ContinuousClock.now < end {
                        try connection.sendRequest("tools/call", params: LatencyBench.zoomCall(handle, index, width: width, height: height))
                        index += 1
                        inFlight += 1
                    }
                    guard inFlight > 0 else { break }
                    let answer = try connection.receive()
                    if answer["result"]?["isError"] != .bool(false) { throw BenchError("a batch call failed: \(JSONWriter.string(answer).prefix(300))") }
                    inFlight -= 1
                    batchCalls.withLock { $0 += 1 }
                }
            } catch {
                failure.withLock { $0 = $0 ?? error }
            }
        }
        batcher.start()
        Thread.sleep(forTimeInterval: 0.2)  // the batch is queued before the lone caller starts
        let lone = try LatencyBench.sequentialZooms(daemon: daemon, handle: handle, width: width, height: height,
                                                    until: end, firstIndex: 100_000)
        while !batcher.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        if let error = failure.withLock({ $0 }) { throw error }
        return Result(scheduling: scheduling, batch: batch, lone: lone,
                      batchCallsPerSecond: Double(batchCalls.withLock { $0 }) / seconds)
    }
}
