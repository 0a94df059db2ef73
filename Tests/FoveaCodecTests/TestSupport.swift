import CVips
import FoveaKernels
import Testing

@testable import FoveaCodec

#if canImport(Glibc)
import Glibc
#endif

/// The parent of every suite here, run one test at a time: libvips keeps one process-wide
/// error buffer, so tests that read libvips's error text must not fail concurrently.
@Suite(.serialized) struct FoveaCodecTests {}

/// Shared set-up and helpers: every test starts libvips (idempotent) and builds its images in
/// memory; there are no fixture files.
enum TestSupport {
    static func start() throws { try Codec.initialize() }

    /// A gradient with a distinct value per pixel (see `SampleImages.gradient`).
    static func gradient(_ width: Int, _ height: Int, bands: Int) -> PixelBuffer {
        SampleImages.gradient(width: width, height: height, bands: bands)
    }

    /// Runs `body` and returns the error it threw as a `CodecError`, failing the test otherwise.
    static func codecError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> CodecError? {
        do {
            try body()
            Issue.record("expected a CodecError, got success", sourceLocation: sourceLocation)
        } catch let error as CodecError {
            return error
        } catch {
            Issue.record("expected a CodecError, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    /// Peak-signal-to-noise ratio in dB between two same-layout images (infinity when equal).
    static func psnr(_ a: ImageView, _ b: ImageView) -> Double {
        precondition(a.width == b.width && a.height == b.height && a.bands == b.bands)
        var sum = 0.0
        for y in 0..<a.height {
            let ra = a.row(y), rb = b.row(y)
            for i in 0..<(a.width * a.bands) {
                let d = Double(ra[i]) - Double(rb[i])
                sum += d * d
            }
        }
        let mse = sum / Double(a.width * a.height * a.bands)
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }

    /// The samples of pixel (x, y).
    static func pixel(_ view: ImageView, _ x: Int, _ y: Int) -> [UInt8] {
        Array(UnsafeBufferPointer(start: view.row(y) + x * view.bands, count: view.bands))
    }

    /// Whether two views hold the same samples.
    static func equal(_ a: ImageView, _ b: ImageView) -> Bool {
        guard a.layout.packed == b.layout.packed else { return false }
        for y in 0..<a.height where memcmp(a.row(y), b.row(y), a.width * a.bands) != 0 { return false }
        return true
    }

    // Buffer overloads: they keep the memory alive while the views are read.
    static func psnr(_ a: PixelBuffer, _ b: PixelBuffer) -> Double {
        withExtendedLifetime((a, b)) { psnr(a.view, b.view) }
    }
    static func pixel(_ buffer: PixelBuffer, _ x: Int, _ y: Int) -> [UInt8] {
        withExtendedLifetime(buffer) { pixel(buffer.view, x, y) }
    }
    static func equal(_ a: PixelBuffer, _ b: PixelBuffer) -> Bool {
        withExtendedLifetime((a, b)) { equal(a.view, b.view) }
    }

    /// The process's peak resident size in MiB (`getrusage`).
    static func peakRSSMiB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss / 1024
    }

    // MARK: - Encoding with libvips directly (things Codec.encode does not offer)

    /// Saves `view` with `saver` after `prepare` may set metadata on a private copy.
    static func save(_ pixels: PixelBuffer, prepare: (UnsafeMutablePointer<VipsImage>) -> Void = { _ in },
                     _ saver: (UnsafeMutablePointer<VipsImage>, UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutablePointer<Int>) -> Int32) throws -> [UInt8] {
        try withExtendedLifetime(pixels) { try SampleImages.save(pixels.view, "test image", transform: { image in
            // A fresh image so metadata never lands on a shared one.
            let copy = try image.apply(.encodeFailed, "copy failed") {
                fovea_vips_copy_interpretation($0, $1, vips_image_guess_interpretation($0))
            }
            prepare(copy.pointer)
            return copy
        }, saver) }
    }

    /// A JPEG (q95, 4:4:4, metadata kept) whose EXIF orientation tag is `orientation`.
    static func jpeg(_ pixels: PixelBuffer, orientation: Int) throws -> [UInt8] {
        try save(pixels, prepare: { vips_image_set_int($0, "orientation", Int32(orientation)) }) {
            fovea_vips_jpegsave_buffer($0, $1, $2, 95, VIPS_FOREIGN_SUBSAMPLE_OFF, 0, 0, 0)
        }
    }

    /// An uncompressed TIFF whose Orientation tag is `orientation`.
    static func tiff(_ pixels: PixelBuffer, orientation: Int = 1) throws -> [UInt8] {
        try save(pixels, prepare: { vips_image_set_int($0, "orientation", Int32(orientation)) }) {
            fovea_vips_tiffsave_buffer($0, $1, $2, 0)
        }
    }

    static func gif(_ pixels: PixelBuffer) throws -> [UInt8] {
        try save(pixels) { fovea_vips_gifsave_buffer($0, $1, $2) }
    }

    /// An animated GIF whose frames are `frames` (same size), stacked as libvips expects.
    static func animatedGIF(_ frames: [PixelBuffer]) throws -> [UInt8] {
        let first = frames[0]
        let strip = PixelBuffer(width: first.width, height: first.height * frames.count, bands: first.bands)
        for (i, frame) in frames.enumerated() {
            for y in 0..<frame.height {
                strip.mutableView.row(i * frame.height + y).update(from: frame.view.row(y), count: frame.width * frame.bands)
            }
        }
        return try save(strip, prepare: { image in
            vips_image_set_int(image, "page-height", Int32(first.height))
        }) { fovea_vips_gifsave_buffer($0, $1, $2) }
    }

    static func heif(_ pixels: PixelBuffer, av1: Bool) throws -> [UInt8] {
        try save(pixels) {
            fovea_vips_heifsave_buffer($0, $1, $2, av1 ? VIPS_FOREIGN_HEIF_COMPRESSION_AV1 : VIPS_FOREIGN_HEIF_COMPRESSION_HEVC, 90)
        }
    }

    /// A solid `width` × `height` image of one colour.
    static func solid(_ width: Int, _ height: Int, _ colour: [UInt8]) -> PixelBuffer {
        let buffer = PixelBuffer(width: width, height: height, bands: colour.count)
        for y in 0..<height {
            for x in 0..<width {
                for b in 0..<colour.count { buffer.mutableView.row(y)[x * colour.count + b] = colour[b] }
            }
        }
        return buffer
    }
}

/// Hand-built headers that declare huge images in a few dozen bytes.
enum ForgedHeaders {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    static func le24(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF)] }
    static func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16) }

    static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(UInt32(data.count)) + body + be32(crc32(body))
    }

    /// A PNG whose valid IHDR (correct CRC) declares `width` × `height` RGB, with a token IDAT.
    static func png(width: Int, height: Int) -> [UInt8] {
        let ihdr = be32(UInt32(width)) + be32(UInt32(height)) + [8, 2, 0, 0, 0]
        // zlib stream of a few zero bytes (stored block).
        let idat: [UInt8] = [0x78, 0x01, 0x01, 0x04, 0x00, 0xFB, 0xFF, 0, 0, 0, 0, 0x00, 0x04, 0x00, 0x01]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + pngChunk("IHDR", ihdr)
            + pngChunk("IDAT", idat) + pngChunk("IEND", [])
    }

    /// A baseline JPEG whose SOF0 declares `width` × `height` grey, with tables and no data.
    static func jpeg(width: Int, height: Int) -> [UInt8] {
        func segment(_ marker: UInt8, _ data: [UInt8]) -> [UInt8] {
            [0xFF, marker, UInt8((data.count + 2) >> 8), UInt8((data.count + 2) & 0xFF)] + data
        }
        let dqt = segment(0xDB, [0] + [UInt8](repeating: 1, count: 64))
        let sof = segment(0xC0, [8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 1, 1, 0x11, 0])
        let dht = segment(0xC4, [0x00, 1] + [UInt8](repeating: 0, count: 15) + [0])
            + segment(0xC4, [0x10, 1] + [UInt8](repeating: 0, count: 15) + [0])
        let sos = segment(0xDA, [1, 1, 0, 0, 0x3F, 0])
        return [0xFF, 0xD8] + dqt + sof + dht + sos + [UInt8](repeating: 0, count: 32) + [0xFF, 0xD9]
    }

    static func riff(_ chunks: [UInt8]) -> [UInt8] {
        let body = Array("WEBP".utf8) + chunks
        return Array("RIFF".utf8) + le32(body.count) + body
    }

    static func webpChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        Array(type.utf8) + le32(data.count) + data + (data.count % 2 == 1 ? [0] : [])
    }

    /// A VP8L (lossless) header declaring `width` × `height` (each at most 16384).
    static func vp8l(width: Int, height: Int) -> [UInt8] {
        let bits = (width - 1) | (height - 1) << 14
        return [0x2F] + le32(bits) + [UInt8](repeating: 0, count: 16)
    }

    /// A WebP whose VP8X chunk declares a `width` × `height` animation canvas.
    static func webpCanvas(width: Int, height: Int) -> [UInt8] {
        let vp8x = webpChunk("VP8X", [0x02, 0, 0, 0] + le24(width - 1) + le24(height - 1))
        let anim = webpChunk("ANIM", [0, 0, 0, 0, 0, 0])
        let frame = le24(0) + le24(0) + le24(0) + le24(0) + le24(100) + [0] + webpChunk("VP8L", vp8l(width: 1, height: 1))
        return riff(vp8x + anim + webpChunk("ANMF", frame))
    }

    /// A simple-format WebP (one VP8L chunk) declaring `width` × `height`.
    static func webpLossless(width: Int, height: Int) -> [UInt8] {
        riff(webpChunk("VP8L", vp8l(width: width, height: height)))
    }

    /// A little-endian TIFF whose first IFD declares `width` × `height` 8-bit grey, one strip.
    static func tiff(width: Int, height: Int) -> [UInt8] {
        // tag, type (3 SHORT, 4 LONG), value
        let entries: [(Int, Int, Int)] = [
            (256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
            (273, 4, 8 + 2 + 10 * 12 + 4), (277, 3, 1), (278, 4, height), (279, 4, 16), (284, 3, 1),
        ]
        var bytes: [UInt8] = [0x49, 0x49, 0x2A, 0x00] + le32(8) + le16(entries.count)
        for (tag, type, value) in entries { bytes += le16(tag) + le16(type) + le32(1) + le32(value) }
        return bytes + le32(0) + [UInt8](repeating: 0, count: 16)
    }
}

extension ForgedHeaders {
    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return b << 16 | a
    }

    /// A zlib stream holding `data` in one stored (uncompressed) block.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        let n = data.count
        return [0x78, 0x01, 0x01] + le16(n) + le16(n ^ 0xFFFF) + data + be32(adler32(data))
    }

    /// A valid 8-bit palette PNG: `indices` row by row, `palette` RGB entries, optional `alpha`
    /// per entry (tRNS).
    static func palettePNG(width: Int, height: Int, indices: [UInt8], palette: [[UInt8]], alpha: [UInt8]? = nil) -> [UInt8] {
        var raw: [UInt8] = []
        for y in 0..<height { raw += [0] + indices[(y * width)..<((y + 1) * width)] }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += pngChunk("IHDR", be32(UInt32(width)) + be32(UInt32(height)) + [8, 3, 0, 0, 0])
        png += pngChunk("PLTE", palette.flatMap { $0 })
        if let alpha { png += pngChunk("tRNS", alpha) }
        return png + pngChunk("IDAT", zlibStored(raw)) + pngChunk("IEND", [])
    }
}
