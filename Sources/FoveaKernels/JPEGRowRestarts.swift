import Glibc

/// The byte layout of a baseline JPEG with a restart marker after every row of 8×8 blocks (MCU
/// row), and how such files, encoded as horizontal bands, join into one.
///
/// Why it works: with restart markers every MCU row, each row's entropy-coded data starts
/// from reset DC predictors and a byte boundary, so it does not depend on the rows before it.
/// Bands cut at MCU rows, encoded with the same quality and the standard Huffman tables, carry
/// identical headers (but for the height in SOF) and the same bytes for each row; only the
/// marker numbers RST0…RST7 restart at 0 in each band. Joining keeps the first band's header
/// with the full height, renumbers each later band's markers from its first row and puts the
/// marker that ends the previous band's last row between them.
///
/// Pure byte work, memory-safe on any input: the supervisor joins bands that workers encoded
/// (`BandedJob`), a worker joins strips it encoded on several threads (`JPEGStrips`).
public enum JPEGRowRestarts {
    /// Height of one MCU row with 4:4:4 sampling (and for one band).
    public static let mcuRows = 8

    /// Whether a `width` × `height` JPEG is written with a restart marker after every MCU row:
    /// those at least two strips' worth (2 × 256 K pixels and 64 rows), so a result's bytes
    /// (and its handle) never depend on how it was cut up to be encoded. Past 65535 rows JPEG
    /// cannot say the height.
    public static func apply(width: Int, height: Int) -> Bool {
        width * height >= 2 * (256 << 10) && height >= 8 * mcuRows && height <= Int(UInt16.max)
    }

    /// Restart interval (MCUs) that puts a marker after every MCU row of a `width`-wide image.
    public static func interval(width: Int) -> Int { (width + mcuRows - 1) / mcuRows }

    /// The header (SOI up to and including the SOS segment) and the entropy-coded data after
    /// it up to EOI, or nil when the file is not laid out that way.
    public static func scanLayout(_ bytes: UnsafeRawBufferPointer) -> (header: Range<Int>, scan: Range<Int>)? {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8,
              bytes[bytes.count - 2] == 0xFF, bytes[bytes.count - 1] == 0xD9 else { return nil }
        var at = 2
        while at + 4 <= bytes.count, bytes[at] == 0xFF {
            let marker = bytes[at + 1]
            let segmentLength = Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            let end = at + 2 + segmentLength
            guard segmentLength >= 2, end <= bytes.count - 2 else { return nil }
            if marker == 0xDA { return (0..<end, end..<(bytes.count - 2)) }
            at = end
        }
        return nil
    }

    /// Files laid out as ``scanLayout(_:)`` expects, ready to be joined.
    public struct Pieces {
        let layouts: [(header: Range<Int>, scan: Range<Int>)]
        /// Bytes of the joined file.
        public let joinedCount: Int
    }

    /// The layouts of `bands`, or nil when one is not a JPEG laid out as expected.
    public static func pieces(_ bands: [UnsafeRawBufferPointer]) -> Pieces? {
        var layouts: [(header: Range<Int>, scan: Range<Int>)] = []
        for band in bands {
            guard let layout = scanLayout(band) else { return nil }
            layouts.append(layout)
        }
        guard let first = layouts.first else { return nil }
        // The first header, every scan, a marker between each two, and EOI.
        let count = first.header.count + layouts.reduce(0) { $0 + $1.scan.count } + 2 * (layouts.count - 1) + 2
        return Pieces(layouts: layouts, joinedCount: count)
    }

    /// Joins `bands` (laid out as `pieces` found), band `k` starting at MCU row
    /// `firstBlockRows[k]`, into `out` (`pieces.joinedCount` bytes); false when the first band
    /// has no frame header to take the full `height`.
    public static func join(_ bands: [UnsafeRawBufferPointer], _ pieces: Pieces, height: Int, firstBlockRows: [Int],
                            into out: UnsafeMutableRawBufferPointer) -> Bool {
        precondition(out.count == pieces.joinedCount && bands.count == pieces.layouts.count && firstBlockRows.count >= bands.count,
                     "JPEGRowRestarts.join: \(out.count) bytes for \(pieces.joinedCount), \(bands.count) bands")
        var length = 0
        func append(_ bytes: UnsafeRawBufferPointer) {
            UnsafeMutableRawBufferPointer(rebasing: out[length..<(length + bytes.count)]).copyMemory(from: bytes)
            length += bytes.count
        }
        append(UnsafeRawBufferPointer(rebasing: bands[0][pieces.layouts[0].header]))
        guard setFrameHeight(UInt16(height), in: UnsafeMutableRawBufferPointer(rebasing: out[0..<length])) else { return false }
        for (index, band) in bands.enumerated() {
            if index > 0 {
                out[length] = 0xFF
                out[length + 1] = 0xD0 | UInt8((firstBlockRows[index] - 1) & 7)
                length += 2
            }
            let scanStart = length
            append(UnsafeRawBufferPointer(rebasing: band[pieces.layouts[index].scan]))
            renumberRestarts(UnsafeMutableRawBufferPointer(rebasing: out[scanStart..<length]), by: firstBlockRows[index])
        }
        out[length] = 0xFF
        out[length + 1] = 0xD9
        return true
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
    static func renumberRestarts(_ scan: UnsafeMutableRawBufferPointer, by offset: Int) {
        guard offset & 7 != 0, scan.count >= 2 else { return }
        let base = scan.baseAddress!.assumingMemoryBound(to: UInt8.self)
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
