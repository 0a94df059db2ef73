import CJPEG
import CVips
import FoveaKernels

extension Codec {
    /// JPEG quality when the caller gives none.
    public static let defaultJPEGQuality = 95
    /// WebP quality when the caller gives none (lossy mode).
    public static let defaultWebPQuality = 90
    /// zlib level for PNG (1, with libpng's `sub` row filter); the measurements behind it
    /// are in `EncodeSettings`.
    public static let pngCompressionLevel = EncodeSettings.pngCompression

    /// Encodes `view` (1, 2, 3 or 4 bands) as `format`.
    ///
    /// - JPEG: baseline (not progressive), no chroma subsampling (4:4:4), standard Huffman
    ///   tables (optimising them doubled the time), metadata stripped; `quality` 1–100,
    ///   default 95. JPEG has no alpha: 2- and 4-band images are flattened onto white first.
    ///   Encoded by libjpeg-turbo directly (the library libvips itself encodes with), into the
    ///   bytes libvips's jpegsave would write; the other formats go through libvips.
    /// - PNG: lossless, alpha kept, zlib level ``pngCompressionLevel`` with the `sub` filter;
    ///   `quality` is ignored.
    /// - WebP: lossy with `quality` 1–100 (default 90, effort 2), or lossless when `lossless`
    ///   is true (effort 1); alpha kept. Lossy WebP is always 4:2:0.
    /// - raw: the packed samples (`width * bands` bytes per row, no padding).
    ///
    /// The view's memory is read in place (no copy unless its stride is not a whole number of
    /// pixels): keep its owner alive until this returns (`withExtendedLifetime`), or pass the
    /// ``PixelBuffer`` itself. Throws `invalidArgument` for a quality out of range, `encodeFailed` when
    /// libvips fails.
    ///
    /// A JPEG large enough to split (``JPEGStrips/restartsEveryRow(_:)``) has a restart marker
    /// after every row of blocks; with `threads` above 1 it is encoded as strips on
    /// ``RowBands/parallelFor`` and joined (``JPEGStrips``), byte for byte the same file.
    /// `bandOfLarger`: `view` is a band of a larger image, to be joined with its neighbours
    /// (``JPEGRowRestarts``): it gets the markers whatever its size.
    public static func encode(_ view: ImageView, format: EncodeFormat, quality: Int? = nil,
                              lossless: Bool = false, threads: Int = 1, bandOfLarger: Bool = false) throws -> EncodedImage {
        try requireInitialized()
        VipsErrorBuffer.clear()  // see `open`: only this encode's errors may explain its failure
        if let quality, !(1...100).contains(quality), format == .jpeg || format == .webp {
            throw CodecError(.invalidArgument, "quality \(quality) is invalid: it must be 1–100")
        }
        if format == .raw { return try encodeRaw(view) }
        if format == .jpeg {
            let quality = quality ?? defaultJPEGQuality
            if bandOfLarger && EncodeSettings.jpegOptimizeCoding {
                throw CodecError(.invalidArgument, "JPEG bands cannot be joined with optimised Huffman tables")
            }
            guard bandOfLarger || JPEGStrips.restartsEveryRow(view) else {
                return try encodeJPEG(view, quality: quality, restartInterval: 0)
            }
            return try JPEGStrips.encode(view, quality: quality, strips: JPEGStrips.stripCount(for: view, threads: threads))
        }

        return try VipsMemoryImage.with(view) { image in
            var buffer: UnsafeMutableRawPointer?
            var length = 0
            let status: Int32
            switch format {
            case .jpeg:
                preconditionFailure("JPEG is handled above")
            case .png:
                status = fovea_vips_pngsave_buffer(
                    image.pointer, &buffer, &length, Int32(pngCompressionLevel), EncodeSettings.pngFilter)
            case .webp:
                status = fovea_vips_webpsave_buffer(
                    image.pointer, &buffer, &length, Int32(quality ?? defaultWebPQuality),
                    lossless ? 1 : 0,
                    Int32(lossless ? EncodeSettings.webpLosslessEffort : EncodeSettings.webpEffort))
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

    /// One JPEG encode through CJPEG (Fovea's baseline coder, or libjpeg-turbo for optimised
    /// tables); `restartInterval` MCUs between restart markers (0: none). The same file
    /// libvips's jpegsave writes with the same settings
    /// (``encodeJPEGWithVips(_:quality:restartInterval:)``, byte for byte: `JPEGEncoderTests`),
    /// without libvips's per-call cost (its pipeline, thread pool and write-behind thread:
    /// ≈ 2.2 ms of worker CPU per warm zoom returning 992×736, docs/BENCHMARKS.md).
    /// `conversion`: who converts colour to YCbCr; `coder`: who transforms and codes (the same
    /// bytes whoever does).
    @_spi(Benchmarks)
    public static func encodeJPEG(_ view: ImageView, quality: Int, restartInterval: Int,
                                  conversion: JPEGColourConversion = .automatic,
                                  coder: JPEGCoder = .automatic) throws -> EncodedImage {
        guard (1...4).contains(view.bands) else {
            throw CodecError(.invalidArgument, "image has \(view.bands) bands; 1, 2, 3 or 4 are supported")
        }
        let settings = fovea_jpeg_settings(
            quality: Int32(quality), restart_interval: Int32(restartInterval),
            optimize_coding: EncodeSettings.jpegOptimizeCoding ? 1 : 0, progressive: 0,
            conversion: conversion.cValue, coder: coder.cValue)
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: Int(FOVEA_JPEG_MESSAGE_CAPACITY))
        let status = fovea_jpeg_encode(view.base, view.rowBytes, Int32(view.width), Int32(view.height),
                                       Int32(view.bands), settings, &output, &length, &message)
        guard status == 0, let output else {
            let detail = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CodecError(.encodeFailed, "JPEG encode of a \(view.layout) image failed: \(detail)")
        }
        return EncodedImage(format: .jpeg, adopting: output, count: length, allocator: .system)
    }

    /// The same encode through libvips's jpegsave: the reference ``encodeJPEG(_:quality:restartInterval:)``
    /// is tested against, and the "before" column of `fovea bench encode`.
    static func encodeJPEGWithVips(_ view: ImageView, quality: Int, restartInterval: Int) throws -> EncodedImage {
        try VipsMemoryImage.with(view) { image in
            var opaque = image
            if view.bands == 2 || view.bands == 4 {
                opaque = try image.apply(.encodeFailed, "JPEG encode could not flatten alpha") {
                    fovea_vips_flatten($0, $1, 255)
                }
            }
            var buffer: UnsafeMutableRawPointer?
            var length = 0
            let status = fovea_vips_jpegsave_buffer(
                opaque.pointer, &buffer, &length, Int32(quality), VIPS_FOREIGN_SUBSAMPLE_OFF,
                EncodeSettings.jpegOptimizeCoding ? 1 : 0, 1, Int32(restartInterval))
            guard status == 0, let buffer else {
                throw CodecError.withVipsDetail(.encodeFailed, "JPEG encode of a \(view.layout) image failed")
            }
            return EncodedImage(format: .jpeg, adopting: buffer, count: length)
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

/// Encoder settings chosen by measurement: 1155×866 RGB, libvips 8.14.1, release build, one
/// thread, on a photo-like image (upscaled photo + noise) and a screenshot-like one (flat panels,
/// grid lines, glyph-like text). Bytes returned to a model do not change its token count, and
/// they travel over a local socket, so latency wins over size.
enum EncodeSettings {
    /// zlib level for PNG. Level 1 against 6 (filter sub): photo 54 ms / 1.75 MB against
    /// 171 ms / 1.52 MB; screenshot 11 ms / 156 KB against 40 ms / 92 KB. Level 6 costs 3–4×
    /// the time for 13–40 % fewer bytes: not worth it here.
    static let pngCompression = 1
    /// libpng row filter. At level 1, `sub` was fastest or within 2 ms of fastest on both images
    /// (photo: none 72 ms / 2.11 MB, all 59 ms / 1.69 MB; screenshot: none 9 ms / 150 KB, all
    /// 29 ms / 169 KB).
    static let pngFilter = VIPS_FOREIGN_PNG_FILTER_SUB
    /// libwebp effort (method) for lossy WebP. Effort 2 against libvips's default 4: photo
    /// 52 ms against 88 ms at the same size and PSNR (101 KB, 38.4 dB at q90); screenshot
    /// about half the time for 5 % more bytes.
    static let webpEffort = 2
    /// libwebp effort for lossless WebP. Effort 1 against 4: photo 310 ms against 505 ms,
    /// 0.6 % larger; screenshot 118 ms against 145 ms, same size.
    static let webpLosslessEffort = 1
    /// Huffman optimisation for JPEG: off. On a 1 MP image at q95 4:4:4 it took 15 ms against
    /// 6 ms for 7 % (photo) to 17 % (screenshot) fewer bytes.
    static let jpegOptimizeCoding = false
}
