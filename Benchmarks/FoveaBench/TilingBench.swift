import Dispatch
import Synchronization
import FoveaCodec
import FoveaKernels
import FoveaProtocol

/// `fovea bench tiling`: an 8K frame cut into a 4×4 grid and encoded as JPEG, in process, beside
/// libvips doing the same crops (and resizes) and encodes in the same run.
public enum TilingBench {
    public static func run(frame: PixelBuffer, threads: Int, repeat count: Int) throws -> [BenchRow] {
        let w = frame.width, h = frame.height
        let tiles = (0..<16).map { index -> PixelRect in
            let row = index / 4, column = index % 4
            return PixelRect(x1: column * w / 4, y1: row * h / 4, x2: (column + 1) * w / 4, y2: (row + 1) * h / 4)
        }
        let sizes = try tiles.map { try Preset.qwen3VL.resize.size(height: $0.height, width: $0.width) }
        let view = frame.view
        // Plain tiles, as peers.py times them: crop and encode at quality 90.
        let plain = try Stopwatch.medianMilliseconds(repeat: count) {
            try forEachTile(threads: threads) { index in
                _ = try Codec.encode(view.cropped(to: tiles[index]), format: .jpeg, quality: 90)
            }
        }
        let vipsPlain = try Stopwatch.medianMilliseconds(repeat: count) {
            for rect in tiles {
                let crop = try VipsReference.crop(view, to: rect)
                _ = try withExtendedLifetime(crop) { try VipsReference.jpegsave(crop.view, quality: 90) }
            }
        }
        // The tile tool: each tile resized to smart_resize (qwen3-vl) and encoded at quality 95.
        let tool = try Stopwatch.medianMilliseconds(repeat: count) {
            try forEachTile(threads: threads) { index in
                let size = sizes[index]
                let out = resample(view.cropped(to: tiles[index]), width: size.width, height: size.height, filter: .bicubic)
                _ = try Codec.encode(out, format: .jpeg, quality: 95)
            }
        }
        let vipsTool = try Stopwatch.medianMilliseconds(repeat: count) {
            for (rect, size) in zip(tiles, sizes) {
                let out = try VipsReference.resize(view, crop: rect, width: size.width, height: size.height, kernel: .cubic)
                _ = try withExtendedLifetime(out) { try VipsReference.jpegsave(out.view, quality: 95) }
            }
        }
        return [
            BenchRow(name: "tile 4x4 + jpeg q90", foveaMilliseconds: plain, referenceName: "libvips crop+jpegsave", referenceMilliseconds: vipsPlain),
            BenchRow(name: "tile tool 4x4 (smart_resize, q95)", foveaMilliseconds: tool, referenceName: "libvips resize+jpegsave", referenceMilliseconds: vipsTool),
        ]
    }

    /// Runs the 16 tiles on `threads` threads (libvips encodes are thread-safe).
    static func forEachTile(threads: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
        if threads <= 1 {
            for index in 0..<16 { try body(index) }
            return
        }
        let failure = FirstError()
        DispatchQueue.concurrentPerform(iterations: threads) { lane in
            for index in stride(from: lane, to: 16, by: threads) {
                do { try body(index) } catch { failure.record(error) }
            }
        }
        if let error = failure.error { throw error }
    }
}

/// The first error thrown by any of several threads.
final class FirstError: Sendable {
    private let stored = Mutex<Error?>(nil)
    var error: Error? { stored.withLock { $0 } }
    func record(_ error: Error) { stored.withLock { if $0 == nil { $0 = error } } }
}
