import CVips
import Glibc
import FoveaKernels

/// Encodes one JPEG as horizontal strips on several threads and joins them into one baseline
/// JPEG, byte for byte the file libjpeg (``Codec/encodeJPEG(_:quality:restartInterval:)``, and
/// libvips's jpegsave alike) writes in one pass with a restart marker after every row of 8×8
/// blocks (MCUs); why that works: ``JPEGRowRestarts``.
///
/// The cost is two bytes and at most one padding byte per MCU row (0.2 % on a 992×736 photo
/// at q95); every JPEG decoder handles restart markers.
enum JPEGStrips {
    /// Height of one MCU row with 4:4:4 sampling.
    static let mcuRows = JPEGRowRestarts.mcuRows

    /// Strips worth using for `view`, which has a restart marker after every MCU row, on
    /// `threads` threads: at most one per 256 K pixels and 4 MCU rows, so small images stay on
    /// one thread (where the hand-off to a second thread and a second set of headers would eat
    /// the gain).
    static func stripCount(for view: ImageView, threads: Int) -> Int {
        let byPixels = view.width * view.height / (256 << 10)
        let byRows = view.height / (4 * mcuRows)
        return Swift.max(1, Swift.min(threads, byPixels, byRows))
    }

    /// Whether `view` gets a restart marker after every MCU row (``JPEGRowRestarts/apply(width:height:)``),
    /// also when encoded in one pass on one thread. Optimised Huffman tables differ per strip.
    static func restartsEveryRow(_ view: ImageView) -> Bool {
        !EncodeSettings.jpegOptimizeCoding && JPEGRowRestarts.apply(width: view.width, height: view.height)
    }

    /// Restart interval (MCUs) that puts a marker after every MCU row of `view`.
    static func rowRestartInterval(_ view: ImageView) -> Int { JPEGRowRestarts.interval(width: view.width) }

    /// Encodes `view` as `strips` strips on ``RowBands/parallelFor`` and joins them.
    static func encode(_ view: ImageView, quality: Int, strips: Int) throws -> EncodedImage {
        let blockRows = (view.height + mcuRows - 1) / mcuRows
        let strips = Swift.max(1, Swift.min(strips, blockRows))
        let restartInterval = rowRestartInterval(view)
        let firstBlockRows = (0...strips).map { $0 * blockRows / strips }
        var parts = [Result<EncodedImage, Error>?](repeating: nil, count: strips)
        parts.withUnsafeMutableBufferPointer { parts in
            let parts = UncheckedBuffer(parts)
            RowBands.parallelFor(strips) { strip in
                let top = firstBlockRows[strip] * mcuRows
                let bottom = Swift.min(view.height, firstBlockRows[strip + 1] * mcuRows)
                let rows = view.cropped(to: PixelRect(x: 0, y: top, width: view.width, height: bottom - top))
                parts.base[strip] = Result {
                    try Codec.encodeJPEG(rows, quality: quality, restartInterval: restartInterval)
                }
            }
        }
        let encoded = try parts.map { try $0!.get() }
        if strips == 1 { return encoded[0] }
        return try join(encoded, height: view.height, firstBlockRows: firstBlockRows)
    }

    /// Joins strip files whose strip `k` starts at MCU row `firstBlockRows[k]`.
    static func join(_ strips: [EncodedImage], height: Int, firstBlockRows: [Int]) throws -> EncodedImage {
        let bands = strips.map(\.bytes)
        guard let pieces = JPEGRowRestarts.pieces(bands) else {
            throw CodecError(.encodeFailed, "JPEG strip join: a strip was written without the expected markers")
        }
        guard let memory = g_try_malloc(gsize(pieces.joinedCount)) else {
            throw CodecError(.encodeFailed, "JPEG output of \(pieces.joinedCount) bytes could not be allocated")
        }
        let out = UnsafeMutableRawBufferPointer(start: memory, count: pieces.joinedCount)
        guard JPEGRowRestarts.join(bands, pieces, height: height, firstBlockRows: firstBlockRows, into: out) else {
            g_free(memory)
            throw CodecError(.encodeFailed, "JPEG strip join: no frame header in the first strip")
        }
        return EncodedImage(format: .jpeg, adopting: memory, count: pieces.joinedCount)
    }
}

/// A buffer pointer the strip threads write disjoint elements of.
private struct UncheckedBuffer<Element>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<Element>
    init(_ base: UnsafeMutableBufferPointer<Element>) { self.base = base }
}
