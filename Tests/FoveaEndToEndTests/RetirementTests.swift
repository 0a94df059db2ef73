import Foundation
import FoveaClient
import FoveaProtocol
import FoveaSandbox
import Testing

/// A worker near its `RLIMIT_CPU` is retired, a planned replacement: `server/stats` counts it
/// apart from restarts after failures, and `fovea fuzz` does not call it an anomaly.
@Suite struct RetirementTests {
    /// One call uses at most threads × deadline = 2 s of CPU; a worker retires at 6 − 2 − 1 = 3 s.
    /// Without decode isolation, so the fuzzer's decodes do not replace the worker first.
    static let arguments = ["--threads", "1", "--deadline", "2", "--worker-cpu-seconds", "6", "--no-decode-isolation"]

    @Test func aWorkerRetiredAtItsCPULimitIsNotARestartAndTheFuzzerAcceptsIt() throws {
        let daemon = try Daemon(workers: 1, arguments: Self.arguments, testHooks: false)
        defer { daemon.stop() }
        let client = try daemon.client()
        let handle = try client.put(try TestImages.encoded(width: 1920, height: 1080, format: .jpeg).bytes)
        let busy: JSONValue = ["image": .string(handle), "angle": 17, "interpolation": "bicubic", "format": "png"]
        let first = try Self.workerPID(client)

        var calls = 0
        while try Self.worker(client)["retirements"] == 0 && calls < 400 {
            let result = try client.tool("rotate", busy)
            #expect(result["isError"] == false, "\(result.toolText ?? "")")
            calls += 1
        }
        let worker = try Self.worker(client)
        #expect(worker["retirements"] == 1 && worker["restarts"] == 0, "after \(calls) calls: \(worker)")
        let second = try Self.workerPID(client)
        #expect(second != first)

        // Bring the new worker near its limit, so that it retires during the fuzz run.
        while (WorkerProcess.cpuSeconds(pid: second) ?? 0) < 2.5 && calls < 800 {
            _ = try client.tool("rotate", busy)
            calls += 1
        }
        let (status, output) = try FuzzCommandTests.fuzz(["--socket", daemon.socketPath, "--seconds", "3", "--clients", "2", "--seed", "9", "--code", "off"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("workers restarted: 0 (retired at their CPU limit: "), "\(output)")
        #expect(!output.contains("retired at their CPU limit: 0)"), "no retirement during the run: \(output)")
    }

    static func worker(_ client: FoveaClient) throws -> JSONValue {
        try #require(try client.call("server/stats")["workers"]?.arrayValue?.first)
    }

    /// The worker's pid, once it is running (a retired worker's successor may still be starting).
    static func workerPID(_ client: FoveaClient) throws -> pid_t {
        for _ in 0..<400 {
            if let pid = try worker(client)["pid"]?.intValue { return pid_t(pid) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw FoveaClient.Failure("the worker did not start")
    }
}
