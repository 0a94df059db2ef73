import FoveaClient
import FoveaCodec
import FoveaKernels
import FoveaProtocol
import Foundation
import Synchronization
import Testing

/// Issue 5's soak: 64 clients with mixed calls for 30 seconds against one daemon. Every answer
/// is checked, the only errors are the deliberate ones, and memory stays bounded.
@Suite(.serialized) struct SoakTests {
    static let clients = 64
    static let seconds = 30.0
    static let budget = 512 << 20

    /// 30 s of load: run with FOVEA_SOAK=1 (`.ci/run` sets it), not on every local test run.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["FOVEA_SOAK"] == "1", "set FOVEA_SOAK=1 to run the 30 s soak"))
    func sixtyFourClientsWithMixedCallsForThirtySeconds() throws {
        let daemon = try Daemon(arguments: ["--cache-bytes", String(Self.budget)])
        defer { daemon.stop() }
        let setup = try daemon.client()
        let big = try setup.put(VerticalSliceTests.jpeg8K)
        try Codec.initialize()
        let small = TestImages.pixels(width: 301, height: 211, bands: 3, seed: 3)
        let smallHandle = try setup.put(try Codec.encode(small.view, format: .png).array)

        let failures = Mutex<[String]>([])
        let counts = Mutex([String: Int]())
        let peakMemory = Mutex(0)
        let end = ContinuousClock.now + .seconds(Self.seconds)
        let sampler = Thread {
            while ContinuousClock.now < end {
                let total = ProcessMemory.snapshot(daemon: daemon.process.processIdentifier).total
                peakMemory.withLock { $0 = max($0, total) }
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
        let workers = (0..<Self.clients).map { client in
            Thread {
                do {
                    let connection = try daemon.client()
                    var generator = SystemRandomNumberGenerator()
                    var round = 0
                    while ContinuousClock.now < end {
                        round += 1
                        let kind = (client + round) % 5
                        let outcome = try Self.check(kind: kind, connection: connection, big: big, small: small,
                                                     smallHandle: smallHandle, random: &generator)
                        counts.withLock { $0[outcome.name, default: 0] += 1 }
                        if let problem = outcome.problem { failures.withLock { $0.append(problem) } }
                    }
                } catch {
                    failures.withLock { $0.append("client \(client): \(error)") }
                }
            }
        }
        sampler.start()
        workers.forEach { $0.start() }
        while workers.contains(where: { !$0.isFinished }) || !sampler.isFinished { Thread.sleep(forTimeInterval: 0.05) }

        let problems = failures.withLock { $0 }
        #expect(problems.isEmpty, "\(problems.count) wrong answers, first: \(problems.prefix(3))")
        let total = counts.withLock { $0 }
        #expect(total.values.reduce(0, +) > 500, "\(total)")
        // Cache budget, plus what two workers and the supervisor need of their own.
        let peak = peakMemory.withLock { $0 }
        #expect(peak <= Self.budget + 3 * (256 << 20), "peak memory \(peak >> 20) MiB")
        let stats = try setup.call("server/stats")
        #expect(stats["cache"]?["decodes"]?.intValue ?? 0 <= 4, "\(stats["cache"] ?? .null)")
    }

    struct Outcome {
        var name: String
        var problem: String?
    }

    static func check(kind: Int, connection: FoveaClient, big: String, small: PixelBuffer, smallHandle: String,
                      random: inout SystemRandomNumberGenerator) throws -> Outcome {
        switch kind {
        case 0:
            let x = Int.random(in: 0..<7000, using: &random), y = Int.random(in: 0..<3900, using: &random)
            let w = Int.random(in: 8...680, using: &random), h = Int.random(in: 8...420, using: &random)
            let box = [Double(x), Double(y), Double(x + w), Double(y + h)]
            let result = try connection.tool("zoom", ["image": .string(big), "bbox_2d": .array(box.map(JSONValue.number)), "coords": "pixel"])
            let resolved = try resolveBox(box, coords: .pixel, width: 7680, height: 4320, minimumSide: 32)
            let size = try Preset.qwen3VL.resize.size(height: resolved.pixels.height, width: resolved.pixels.width)
            let ok = result["isError"] == false && result["structuredContent"]?["bbox_px"] == .ints(resolved.pixels.corners)
                && result["structuredContent"]?["width"]?.intValue == size.width && result["structuredContent"]?["height"]?.intValue == size.height
            return Outcome(name: "zoom", problem: ok ? nil : "zoom \(box): \(result.toolText ?? "?")")
        case 1:
            let x = Int.random(in: 0..<250, using: &random), y = Int.random(in: 0..<160, using: &random)
            let rect = PixelRect(x: x, y: y, width: Int.random(in: 1...(301 - x), using: &random), height: Int.random(in: 1...(211 - y), using: &random))
            let result = try connection.tool("crop", ["image": .string(smallHandle), "bbox_2d": .ints(rect.corners), "coords": "pixel", "format": "raw"])
            let expected = PixelBuffer.copy(of: small.view.cropped(to: rect)).packedBytes()
            let ok = result.toolImageBytes == expected
            return Outcome(name: "crop", problem: ok ? nil : "crop \(rect): \(result.toolText ?? "?")")
        case 2:
            let result = try connection.tool("inspect", ["image": .string(big)])
            let ok = result["structuredContent"]?["width"] == 7680 && result["structuredContent"]?["height"] == 4320
                && result["structuredContent"]?["channels"]?.arrayValue?.count == 3
            return Outcome(name: "inspect", problem: ok ? nil : "inspect: \(result.toolText ?? "?")")
        case 3:
            let result = try connection.tool("zoom", ["image": .string(big), "bbox_2d": [600, 40, 200, 90]])
            let ok = result["isError"] == true
                && result.toolText == "bbox_2d [600, 40, 200, 90] is invalid: x2 (200) must be greater than x1 (600)"
            return Outcome(name: "deliberate error", problem: ok ? nil : "bad box answered \(result.toolText ?? "?")")
        default:
            let ok = try connection.call("ping") == [:]
            return Outcome(name: "ping", problem: ok ? nil : "ping")
        }
    }
}
