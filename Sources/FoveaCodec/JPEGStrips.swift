import CVips
import Glibc
import FoveaKernels

/// Encodes one JPEG as horizontal strips on several threads and joins them into one baseline
/// JPEG, byte for byte the file libjpeg (``Codec/encodeJPEG(_:quality:restartInterval:)``, and
/// libvips's jpegsave alike) writes in one pass with a restart marker after every row of 8×8
/// blocks (MCUs).
///
/// Why it works: with restart markers every MCU row, each row's entropy-coded data starts
/// from reset DC predictors and a byte boundary, so it does not depend on the rows before it.
/// Strips cut at MCU rows, encoded with the same quality and the standard Huffman tables,
/// carry identical headers (but for the height in SOF) and the same bytes for each row; only
/// the marker numbers RST0…RST7 restart at 0 in each strip. Joining keeps the first strip's
/// header with the full height, renumbers each later strip's markers from its first row and
/// puts the marker that ends the previous strip's last row between them.
///
/// The cost is two bytes and at most one padding byte per MCU row (0.2 % on a 992×736 photo
/// at q95); every JPEG decoder handles restart markers.
enum JPEGStrips {
    /// Height of one MCU row with 4:4:4 sampling.
    static let mcuRows = 8

    /// Strips worth using for `view` on `threads` threads: at most one per 64 MCU rows' worth of
    /// 256 K pixels, so small images stay on one thread (where the hand-off to a second thread
    /// and a second set of headers would eat the gain).
    static func stripCount(for view: ImageView, threads: Int) -> Int {
        // Optimised Huffman tables differ per strip; past 65535 rows JPEG cannot say the height
        // (the one-pass encoder then reports the error).
        guard threads > 1, !EncodeSettings.jpegOptimizeCoding, view.height <= Int(UInt16.max) else { return 1 }
        let byPixels = view.width * view.height / (256 << 10)
        let byRows = view.height / (4 * mcuRows)
        return Swift.max(1, Swift.min(threads, byPixels, byRows))
    }

    /// Whether `view` is large enough to be encoded in strips. Such images always get a restart
    /// marker after every MCU row, also when encoded in one pass on one thread, so a result's
    /// bytes (and so its handle) never depend on how many threads were free to encode it.
    static func restartsEveryRow(_ view: ImageView) -> Bool {
        stripCount(for: view, threads: 2) > 1
    }

    /// Restart interval (MCUs) that puts a marker after every MCU row of `view`.
    static func rowRestartInterval(_ view: ImageView) -> Int { (view.width + mcuRows - 1) / mcuRows }

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
        var pieces: [(header: Range<Int>, scan: Range<Int>)] = []
        for strip in strips {
            guard let piece = scanLayout(strip.bytes) else {
                throw CodecError(.encodeFailed, "JPEG strip join: a strip was written without the expected markers")
            }
            pieces.append(piece)
        }
        let total = pieces[0].header.count + pieces.reduce(0) { $0 + $1.scan.count + 2 } + 2
        guard let memory = g_try_malloc(gsize(total)) else {
            throw CodecError(.encodeFailed, "JPEG output of \(total) bytes could not be allocated")
        }
        let out = memory.assumingMemoryBound(to: UInt8.self)
        var length = 0
        func append(_ bytes: UnsafeRawBufferPointer) {
            (out + length).update(from: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), count: bytes.count)
            length += bytes.count
        }
        append(UnsafeRawBufferPointer(rebasing: strips[0].bytes[pieces[0].header]))
        guard setFrameHeight(UInt16(height), in: UnsafeMutableRawBufferPointer(start: out, count: length)) else {
            g_free(memory)
            throw CodecError(.encodeFailed, "JPEG strip join: no frame header in the first strip")
        }
        for (index, strip) in strips.enumerated() {
            if index > 0 {
                out[length] = 0xFF
                out[length + 1] = 0xD0 | UInt8((firstBlockRows[index] - 1) & 7)
                length += 2
            }
            let scanStart = length
            append(UnsafeRawBufferPointer(rebasing: strip.bytes[pieces[index].scan]))
            renumberRestarts(UnsafeMutableBufferPointer(start: out + scanStart, count: length - scanStart),
                             by: firstBlockRows[index])
        }
        out[length] = 0xFF
        out[length + 1] = 0xD9
        length += 2
        return EncodedImage(format: .jpeg, adopting: memory, count: length)
    }

    /// The header (SOI up to and including the SOS segment) and the entropy-coded data after
    /// it up to EOI, or nil when the file is not laid out that way.
    static func scanLayout(_ bytes: UnsafeRawBufferPointer) -> (header: Range<Int>, scan: Range<Int>)? {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8,
              bytes[bytes.count - 2] == 0xFF, bytes[bytes.count - 1] == 0xD9 else { return nil }
        var at = 2
        while at + 4 <= bytes.count, bytes[at] == 0xFF {
            let marker = bytes[at + 1]
            let segmentLength = Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            let end = at + 2 + segmentLength
            guard end <= bytes.count - 2 else { return nil }
            if marker == 0xDA { return (0..<end, end..<(bytes.count - 2)) }
            at = end
        }
        return nil
    }

    /// Writes `height` into the first SOF0/SOF1 segment of `header`; false if there is none.
    static func setFrameHeight(_ height: UInt16, in header: UnsafeMutableRawBufferPointer) -> Bool {
        var at = 2
        while at + 9 <= header.count, header[at] == 0xFF {
            let marker = header[at + 1]
            if marker == 0xC0 || marker == 0xC1 {
                header[at + 5] = UInt8(height >> 8)
                header[at + 6] = UInt8(height & 0xFF)
                return true
            }
            at += 2 + (Int(header[at + 2]) << 8 | Int(header[at + 3]))
        }
        return false
    }

    /// Adds `offset` (mod 8) to every RSTn marker in entropy-coded data, where a 0xFF byte of
    /// data is always followed by a stuffed 0x00.
    static func renumberRestarts(_ scan: UnsafeMutableBufferPointer<UInt8>, by offset: Int) {
        guard offset & 7 != 0, scan.count >= 2, let base = scan.baseAddress else { return }
        let last = base + scan.count - 1  // a marker's 0xFF is never the final byte
        var at = base
        while at < last, let hit = memchr(at, 0xFF, last - at) {
            let next = hit.assumingMemoryBound(to: UInt8.self) + 1
            if next.pointee & 0xF8 == 0xD0 {
                next.pointee = 0xD0 | UInt8((Int(next.pointee & 7) + offset) & 7)
            }
            at = next + 1
        }
    }
}

/// A buffer pointer the strip threads write disjoint elements of.
private struct UncheckedBuffer<Element>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<Element>
    init(_ base: UnsafeMutableBufferPointer<Element>) { self.base = base }
}
