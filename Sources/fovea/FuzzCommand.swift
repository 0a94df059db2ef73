import ArgumentParser
import Foundation
import FoveaClient
import FoveaCodec
import FoveaBench
import FoveaProtocol
import FoveaServer

struct Fuzz: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hammer a running daemon with valid, mutated and hostile calls, and report.",
        discussion: """
            Each client sends one call at a time: valid tool calls (which must succeed), valid \
            calls with one argument made wrong (which must get a clear error), and broken lines \
            and damaged or forged images (which must get an error and never hurt the daemon), \
            and calls whose client leaves without reading the answer; \
            every 20 calls a ping. Exits 1 if anything a healthy daemon never does happened \
            (no answer, dropped connection, internal error, error without a message, a valid \
            call failing, a worker lost or restarted), printing up to 20 of them.
            """)

    @Option(help: "Socket of the daemon (default $XDG_RUNTIME_DIR/fovea.sock, else /tmp/fovea-$UID/fovea.sock).")
    var socket: String?

    @Option(help: "Concurrent clients.")
    var clients: Int = 4

    @Option(name: .customLong("in-flight"), help: "Requests each client keeps outstanding on its connection (answers are matched by id, as a pipelining agent server does).")
    var inFlight: Int = 4

    @Option(help: "How long to run.")
    var seconds: Double = 30

    @Option(help: "Calls each client sends before it stops, if --seconds does not end the run first (default: no limit).")
    var calls: Int?

    @Option(help: "Seed of the calls (the same seed and daemon settings give the same calls).")
    var seed: UInt64 = 1

    @Option(name: .customLong("answer-timeout"), help: "Seconds to wait for one answer before it counts as missing (keep it above the daemon's --deadline).")
    var answerTimeout: Double = 30

    enum CodeCalls: String, ExpressibleByArgument, CaseIterable {
        /// Code calls when the daemon lists the code tool.
        case auto
        /// Code calls; fail if the daemon has no code tool.
        case on
        case off
    }

    @Option(help: "Code tool calls (valid snippets, mutated code, hostile code): auto (when the daemon lists the tool), on, off.")
    var code: CodeCalls = .auto

    @Option(name: .customLong("code-share"), help: "Share of the calls that are code calls (0...1).")
    var codeShare: Double = 0.25

    @Option(name: .customLong("sample-errors"), help: "Print up to this many distinct error texts (what a model would read).")
    var sampleErrors: Int = 0

    @Option(help: "An image to fuzz with, beside the generated JPEG, PNG and WebP (repeatable).")
    var image: [String] = []

    func validate() throws {
        guard (1...256).contains(clients) else { throw ValidationError("--clients must be 1...256, got \(clients)") }
        guard (1...64).contains(inFlight) else { throw ValidationError("--in-flight must be 1...64 (the daemon's default --max-in-flight is 64), got \(inFlight)") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive, got \(seconds)") }
        if let calls { guard calls > 0 else { throw ValidationError("--calls must be positive, got \(calls)") } }
        guard answerTimeout > 0 else { throw ValidationError("--answer-timeout must be positive") }
        guard (0...1).contains(codeShare) else { throw ValidationError("--code-share must be 0...1, got \(codeShare)") }
    }

    func run() throws {
        try Codec.initialize()
        var images = try Self.generatedImages()
        for path in image {
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("--image \(path) cannot be read") }
            images.append(Array(data))
        }
        var fuzzer = Fuzzer(socketPath: socket ?? ServerConfiguration.defaultSocketPath, clients: clients, seconds: seconds,
                            seed: seed, answerTimeout: answerTimeout, cases: FuzzCases(images: images))
        fuzzer.errorSamples = sampleErrors
        fuzzer.inFlight = inFlight
        fuzzer.codeShare = codeShare
        fuzzer.callsPerClient = calls ?? .max
        if code != .off {
            let listed = (try? FoveaClient(socketPath: fuzzer.socketPath).call("tools/list"))?["tools"]?.arrayValue?
                .contains { $0["name"] == "code" } ?? false
            if listed {
                fuzzer.codeCases = FuzzCodeCases()
            } else if code == .on {
                print("fovea fuzz: cannot start: --code on, but the daemon at \(fuzzer.socketPath) lists no code tool")
                throw ExitCode(2)
            }
        }
        let report: Fuzzer.Report
        do {
            report = try fuzzer.run()
        } catch {
            print("fovea fuzz: cannot start: \(error)")
            throw ExitCode(2)
        }
        print(Self.text(report, clients: clients, inFlight: inFlight, seed: seed))
        if report.anomalyCount > 0 { throw ExitCode(1) }
    }

    /// Small photo-like images (``BenchFrame``) in the three common formats, grey and with alpha.
    static func generatedImages() throws -> [[UInt8]] {
        let variants: [(width: Int, height: Int, bands: Int, format: EncodeFormat)] = [
            (640, 480, 3, .jpeg), (333, 217, 4, .png), (200, 150, 3, .webp), (97, 61, 1, .png)]
        return try variants.map { variant in
            let pixels = BenchFrame.synthesize(width: variant.width, height: variant.height, bands: variant.bands)
            return try Codec.encode(pixels.view, format: variant.format).array
        }
    }

    static func text(_ report: Fuzzer.Report, clients: Int, inFlight: Int, seed: UInt64) -> String {
        var lines = [String(format: "fovea fuzz: %d clients × %d in flight, %.1f s, seed %llu: %d calls (%.0f/s), %d pings, %d reconnects",
                            clients, inFlight, report.elapsed, seed, report.calls, Double(report.calls) / max(report.elapsed, 0.001),
                            report.pings, report.reconnects)]
        for category in FuzzCategory.allCases {
            let outcomes = report.outcomes[category] ?? [:]
            let total = outcomes.values.reduce(0, +)
            let parts = outcomes.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }
            lines.append("  \(category.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(total): \(parts.joined(separator: ", "))")
        }
        lines.append("  code calls among them: \(report.codeCalls)")
        lines.append("  workers restarted: \(report.workerRestarts) (retired at their CPU limit: \(report.workerRetirements)); "
                     + "daemon answering at the end: \(report.aliveAtEnd ? "yes" : "no")")
        if let start = report.residentAtStart, let end = report.residentAtEnd, let peak = report.peakResident {
            func megabytes(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1e6) }
            let during = report.residentDuringRun.isEmpty ? ""
                : "; at each tenth of the run " + report.residentDuringRun.map(megabytes).joined(separator: ", ")
            func change(from before: Int) -> String { String(format: "%+.1f%%", (Double(end) / Double(before) - 1) * 100) }
            // The first tenth is the daemon warmed up (code pages touched, caches and pools
            // filled): growth after it is what a long run would keep adding.
            let sinceWarm = report.residentDuringRun.first.map { ", \(change(from: $0)) since the first tenth" } ?? ""
            lines.append("  daemon RSS (MB): \(megabytes(start)) at the start\(during); \(megabytes(end)) at the end "
                         + "(\(change(from: start))\(sinceWarm)); peak \(megabytes(peak))")
        }
        if !report.errorSamples.isEmpty {
            lines.append("error texts (\(report.errorSamples.count) distinct, as sampled):")
            lines += report.errorSamples.map { "  \($0)" }
        }
        if report.anomalyCount == 0 {
            lines.append("anomalies: none")
        } else {
            lines.append("anomalies: \(report.anomalyCount)\(report.anomalyCount > report.anomalies.count ? " (first \(report.anomalies.count))" : "")")
            for anomaly in report.anomalies {
                lines.append("  [\(anomaly.category.rawValue)] \(anomaly.problem)\n      request: \(anomaly.request)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
