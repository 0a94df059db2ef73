import Foundation
import FoveaClient
import FoveaCodec
import FoveaProtocol

/// `fovea bench tiling --cold`: put + 4×4 tile + JPEG through the daemon on an image it has
/// not seen, against the bare decode of the same file in this process, in one run.
public enum ColdTilingBench {
    public static func run(daemon: BenchDaemon, jpeg: [UInt8], repeat count: Int) throws -> [BenchRow] {
        let bare = try Stopwatch.medianMilliseconds(repeat: count) {
            _ = try jpeg.withUnsafeBytes { try Codec.decode($0, limits: ImageLimits()) }
        }
        let client = try daemon.client()
        let cold = try Stopwatch.medianMilliseconds(repeat: count) {
            let handle = try client.putImage(jpeg)
            let result = try client.call("tools/call", params: ["name": "tile", "arguments": ["image": .string(handle), "grid": [4, 4]]])
            guard result["isError"] == .bool(false), result["structuredContent"]?["tiles"]?.arrayValue?.count == 16 else {
                throw BenchError("tile failed: \(result.description)")
            }
            _ = try client.call("images/release", params: ["image": .string(handle)])
        }
        return [BenchRow(name: "cold put + tile 4x4 + jpeg q95", foveaMilliseconds: cold,
                         referenceName: "bare decode (in process)", referenceMilliseconds: bare)]
    }
}

extension JSONValue: CustomStringConvertible {
    public var description: String { JSONWriter.string(self).prefix(300).description }
}
