import FoveaCodec
import FoveaKernels
import Foundation

/// The frame a benchmark runs on: a decoded file, or a synthetic 8K photo-like frame
/// (gradients, hard edges and mild noise) when no file is given.
public enum BenchFrame {
    public static func load(path: String?, width: Int = 7680, height: Int = 4320) throws -> (pixels: PixelBuffer, label: String) {
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw BenchError("cannot read \(path)")
            }
            let decoded = try [UInt8](data).withUnsafeBytes { try Codec.decode($0, limits: ImageLimits()) }
            return (decoded.pixels, "\(decoded.header.width)x\(decoded.header.height) \((path as NSString).lastPathComponent)")
        }
        return (synthesize(width: width, height: height), "\(width)x\(height) synthetic")
    }

    /// The encoded bytes of `path`, or `frame` encoded as JPEG quality 90 when there is no file.
    public static func jpeg(path: String?, frame: PixelBuffer) throws -> [UInt8] {
        if let path, let data = FileManager.default.contents(atPath: path) { return [UInt8](data) }
        return try Codec.encode(frame, format: .jpeg, quality: 90).array
    }

    /// A deterministic photo-like RGB frame.
    public static func synthesize(width: Int, height: Int, bands: Int = 3) -> PixelBuffer {
        let buffer = PixelBuffer(width: width, height: height, bands: bands)
        RowBands.run(rows: height, threads: 4) { rows in
            for y in rows {
                var state = UInt32(truncatingIfNeeded: y &* 2_654_435_761) | 1
                let row = buffer.mutableView.row(y)
                let fy = Double(y) / Double(height)
                for x in 0..<width {
                    state ^= state << 13; state ^= state >> 17; state ^= state << 5
                    let fx = Double(x) / Double(width)
                    let wave = sin(fx * 40) * cos(fy * 25) * 80
                    let edge = ((x / 240) + (y / 180)) % 2 == 0 ? 24.0 : 0
                    let noise = Double(state & 15) - 7.5
                    for band in 0..<bands {
                        let shade = band == 0 ? 128 + wave : band == 1 ? 128 - wave * 0.5 + fx * 40 : 100 + fy * 90 - wave * 0.3
                        row[x * bands + band] = UInt8(max(0, min(255, shade + edge + noise)))
                    }
                }
            }
        }
        return buffer
    }
}

public struct BenchError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
