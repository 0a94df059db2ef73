import Foundation
import FoveaClient
import FoveaCodec
import FoveaProtocol

/// `fovea bench shrink`: a zoom on the whole image to a small model size through two daemons,
/// one reading reduced-scale JPEG decodes (shrink-on-load) and one `--no-shrink-on-load`,
/// cold (put + zoom) and warm, beside the bare full decode in this process.
public enum ShrinkBench {
    public static func run(jpeg: [UInt8], threads: Int, modelMaxPixels: Int, repeat count: Int) throws -> [BenchRow] {
        let bare = try Stopwatch.medianMilliseconds(repeat: count) {
            _ = try jpeg.withUnsafeBytes { try Codec.decode($0, limits: ImageLimits()) }
        }
        var cold: [Bool: Double] = [:], warm: [Bool: Double] = [:]
        for shrinks in [true, false] {
            let daemon = try BenchDaemon(socket: nil, arguments: [
                "--workers", "2", "--threads", String(threads), "--preset", "qwen2.5-vl",
                "--model-max-pixels", String(modelMaxPixels)] + (shrinks ? [] : ["--no-shrink-on-load"]))
            defer { daemon.stop() }
            let client = try daemon.client()
            func zoom(_ handle: String) throws {
                let result = try client.call("tools/call", params: ["name": "zoom", "arguments": [
                    "image": .string(handle), "bbox_2d": [0, 0, 1, 1], "coords": "norm"]])
                guard result["isError"] == .bool(false) else { throw BenchError("zoom failed: \(result.description)") }
            }
            cold[shrinks] = try Stopwatch.medianMilliseconds(repeat: count) {
                let handle = try client.putImage(jpeg)
                try zoom(handle)
                _ = try client.call("images/release", params: ["image": .string(handle)])
            }
            let handle = try client.putImage(jpeg)
            warm[shrinks] = try Stopwatch.medianMilliseconds(repeat: count * 4) { try zoom(handle) }
            let stats = try client.call("server/stats")["cache"]
            guard (stats?["reducedDecodes"]?.intValue ?? 0 > 0) == shrinks else {
                throw BenchError("the daemon \(shrinks ? "did not use" : "used") reduced decodes: \(stats?.description ?? "")")
            }
        }
        return [
            BenchRow(name: "cold put + whole-image zoom, shrink-on-load", foveaMilliseconds: cold[true]!,
                     referenceName: "bare full decode (in process)", referenceMilliseconds: bare),
            BenchRow(name: "cold put + whole-image zoom, --no-shrink-on-load", foveaMilliseconds: cold[false]!,
                     referenceName: "bare full decode (in process)", referenceMilliseconds: bare),
            BenchRow(name: "warm whole-image zoom, shrink-on-load", foveaMilliseconds: warm[true]!,
                     referenceName: "the same, --no-shrink-on-load", referenceMilliseconds: warm[false]!),
        ]
    }
}
