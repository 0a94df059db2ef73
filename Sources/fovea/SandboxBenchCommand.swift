import ArgumentParser
import ExtrasBase64
import Foundation
import FoveaBench
import FoveaClient
import FoveaCodec
import FoveaProtocol

/// `fovea bench sandbox`: what the seccomp filter costs a warm zoom call, measured through the
/// socket against two daemons started side by side, one with `--unsafe-no-sandbox`.
struct SandboxBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Warm zoom-call latency with and without the workers' seccomp filter (use a release build).",
        discussion: """
            Starts two daemons from this binary, identical but for --unsafe-no-sandbox on one \
            (it logs loudly that its workers run without their filter), puts the same image in \
            both (cached after the first decode), and times zoom calls through the socket, \
            alternating between the daemons, so drift and background load hit both alike; each \
            round starts fresh daemons in alternating order. The \
            overhead is the median of paired ratios with its 95% confidence interval. Every \
            other sandbox step (rlimits, uid, namespaces, no-new-privs) applies to both. \
            --control starts both with the filter to show the noise floor.
            """)

    @Option(help: "Image to zoom into (default: a synthetic 8K JPEG).")
    var image: String?

    @Option(help: "Timed calls per mode (with and without the filter).")
    var calls: Int = 500

    @Option(name: .customLong("warm-up"), help: "Untimed calls per daemon before each round.")
    var warmUp: Int = 50

    @Option(help: "Calls per block; blocks alternate between the daemons (1: strictly alternating calls).")
    var block: Int = 1

    @Option(help: "Rounds, each with two freshly started daemons (start order alternates).")
    var rounds: Int = 4

    @Option(help: "Worker processes per daemon.")
    var workers: Int = 1

    @Option(help: "Kernel threads per worker.")
    var threads: Int = 1

    @Flag(name: .customLong("control"),
          help: "Start both daemons with the filter (an A/A run): the differences it shows are the noise floor.")
    var control = false

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        guard calls >= 10, block >= 1, warmUp >= 0, rounds >= 1, calls >= rounds else {
            throw ValidationError("need --calls ≥ 10 and ≥ --rounds, --block ≥ 1, --warm-up ≥ 0, --rounds ≥ 1")
        }
    }

    func run() throws {
        let bytes = try imageBytes()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let names = ["seccomp filter", control ? "seccomp filter (control)" : "--unsafe-no-sandbox"]
        var samples: [[Double]] = [[], []]
        for round in 0..<rounds {
            // Fresh daemons each round, started in alternating order: which one starts first
            // (and where its memory lands) must not decide the comparison.
            var daemons: [BenchDaemon?] = [nil, nil]
            for mode in (round % 2 == 0 ? [0, 1] : [1, 0]) {
                daemons[mode] = try BenchDaemon(socket: directory + "/\(mode).sock", arguments: daemonArguments(unsafe: mode == 1 && !control))
            }
            defer { daemons.forEach { $0?.stop() } }
            let clients = daemons.map { $0!.client }
            var handles: [String] = []
            for client in clients {
                let put = try client.call("images/put", params: ["data": .string(Base64.encodeToString(bytes: bytes))])
                guard let handle = put["image"]?.stringValue else { throw BenchError("images/put failed: \(put)") }
                handles.append(handle)
                for index in 0..<warmUp { _ = try zoom(client, handle, index) }
            }
            let target = calls * (round + 1) / rounds
            var index = 0
            while samples[1].count < target {
                for mode in 0..<2 {
                    for offset in 0..<min(block, target - samples[mode].count) {
                        samples[mode].append(try zoom(clients[mode], handles[mode], index + offset))
                    }
                }
                index += block
            }
        }
        report(samples, names: names)
    }

    private func daemonArguments(unsafe: Bool) -> [String] {
        ["--workers", String(workers), "--threads", String(threads), "--log-level", "warning"]
            + (unsafe ? ["--unsafe-no-sandbox"] : [])
    }

    private func imageBytes() throws -> [UInt8] {
        if let image {
            guard let data = FileManager.default.contents(atPath: image) else { throw BenchError("cannot read \(image)") }
            return [UInt8](data)
        }
        try Codec.initialize()
        let frame = BenchFrame.synthesize(width: 7680, height: 4320)
        return try Codec.encode(frame.view, format: .jpeg, quality: 90).array
    }

    /// One zoom call, in milliseconds; boxes cycle through eight so no two neighbours match.
    private func zoom(_ client: FoveaClient, _ handle: String, _ index: Int) throws -> Double {
        let shift = (index % 8) * 20
        let arguments: JSONValue = ["image": .string(handle), "bbox_2d": [.int(300 + shift), 250, .int(520 + shift), 400]]
        let start = ContinuousClock.now
        let result = try client.call("tools/call", params: ["name": "zoom", "arguments": arguments])
        let elapsed = ContinuousClock.now - start
        guard result["isError"] == false else {
            throw BenchError("zoom failed: \(result["content"]?.arrayValue?.last?["text"]?.stringValue ?? "\(result)")")
        }
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    /// Medians and p90s per daemon, and the overhead as the median of paired ratios: call i
    /// of one daemon against call i of the other, made moments apart, so load that comes and
    /// goes cancels out. Its 95% confidence interval is the usual order-statistic interval of
    /// a median (ranks n/2 ± 0.98·√n).
    private func report(_ samples: [[Double]], names: [String]) {
        let sorted = samples.map { $0.sorted() }
        func percentile(_ values: [Double], _ p: Double) -> Double { values[min(values.count - 1, Int(Double(values.count) * p))] }
        let stats = sorted.map { (median: percentile($0, 0.5), p90: percentile($0, 0.9), mean: $0.reduce(0, +) / Double($0.count)) }
        let ratios = zip(samples[0], samples[1]).map { $0 / $1 }.sorted()
        let n = Double(ratios.count)
        let low = ratios[max(0, Int((n / 2 - 0.98 * n.squareRoot()).rounded(.down)))]
        let high = ratios[min(ratios.count - 1, Int((n / 2 + 0.98 * n.squareRoot()).rounded(.up)))]
        let paired = (percentile(ratios, 0.5) - 1) * 100
        let overheadP90 = (stats[0].p90 / stats[1].p90 - 1) * 100
        let context = "\(image ?? "synthetic 8K JPEG"); \(calls) warm zoom calls per mode over \(rounds) rounds, blocks of \(block); workers=\(workers) threads=\(threads)"
            + (control ? "; CONTROL: both daemons filtered" : "")
        if json {
            let rows: [JSONValue] = zip(names, stats).map { name, s in
                ["mode": .string(name), "medianMs": .number(s.median), "p90Ms": .number(s.p90), "meanMs": .number(s.mean)]
            }
            print(JSONWriter.string(["context": .string(context), "results": .array(rows),
                                     "pairedOverheadPercent": .number(paired),
                                     "pairedOverhead95": .array([.number((low - 1) * 100), .number((high - 1) * 100)]),
                                     "p90OverheadPercent": .number(overheadP90)]))
            return
        }
        print(context)
        print("mode                         median ms   p90 ms   mean ms")
        for (name, s) in zip(names, stats) {
            print(name.padding(toLength: 28, withPad: " ", startingAt: 0)
                  + String(format: " %9.3f %8.3f %9.3f", s.median, s.p90, s.mean))
        }
        print((control ? "difference (noise floor): " : "filter overhead: ")
              + String(format: "%+.1f%% median of paired ratios (95%% CI %+.1f%% … %+.1f%%); p90 %+.1f%%",
                       paired, (low - 1) * 100, (high - 1) * 100, overheadP90))
    }
}

/// A `fovea serve` started by the benchmark from this binary.
private final class BenchDaemon {
    let process = Process()
    let client: FoveaClient

    init(socket: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["serve", "--socket", socket] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FOVEA_TEST_HOOKS"] = nil
        process.environment = environment
        try process.run()
        var connected: FoveaClient?
        for _ in 0..<400 where connected == nil {
            connected = try? FoveaClient(socketPath: socket)
            if connected == nil { Thread.sleep(forTimeInterval: 0.025) }
        }
        guard let connected else {
            process.terminate()
            throw BenchError("the daemon did not start listening on \(socket)")
        }
        connected.setReceiveTimeout(seconds: 60)
        client = connected
        // Wait until every worker has said hello.
        for _ in 0..<400 {
            let workers = try client.call("server/stats")["workers"]?.arrayValue ?? []
            if workers.allSatisfy({ $0["state"] == "idle" }) { break }
            Thread.sleep(forTimeInterval: 0.025)
        }
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
