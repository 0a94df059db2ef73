import CVips
import FoveaKernels

/// Small synthetic images encoded in every allowed format and pixel variant; used by
/// ``Codec/warmUp()`` and by tests. Not for production output.
enum SampleImages {
    /// A smooth gradient with a distinct value in every pixel of a small image.
    static func gradient(width: Int, height: Int, bands: Int) -> PixelBuffer {
        let buffer = PixelBuffer(width: width, height: height, bands: bands)
        for y in 0..<height {
            let row = buffer.mutableView.row(y)
            for x in 0..<width {
                for b in 0..<bands {
                    let v = b == 3 ? 128 + (x + y) % 128 : (x * 7 + y * 13 + b * 61) % 256
                    row[x * bands + b] = UInt8(v)
                }
            }
        }
        return buffer
    }

    /// What ``Codec/warmUp()`` decodes for `format`, by name: files made by the encoders a
    /// worker also uses for answers (JPEG, PNG, WebP), so those start too, and ``SampleFiles``
    /// for the formats it only reads (GIF, TIFF, HEIC, AVIF).
    static func warmUpInputs(for format: ImageFormat) -> [(String, (ImageView) throws -> [UInt8])] {
        switch format {
        case .jpeg, .png, .webp: encoders(for: format)
        case .gif: [("gif", { _ in SampleFiles.gif })]
        case .tiff: [("tiff", { _ in SampleFiles.tiff })]
        case .heif: [("heic", { _ in SampleFiles.heic }), ("avif", { _ in SampleFiles.avif })]
        }
    }

    /// Encoders for `format`, by name (HEIF has two: HEVC and AV1).
    static func encoders(for format: ImageFormat) -> [(String, (ImageView) throws -> [UInt8])] {
        switch format {
        case .jpeg: [("jpeg", { try Codec.encode($0, format: .jpeg).array })]
        case .png: [("png", { try Codec.encode($0, format: .png).array })]
        case .webp:
            [("webp", { try Codec.encode($0, format: .webp).array }),
             ("webp lossless", { try Codec.encode($0, format: .webp, lossless: true).array })]
        case .gif: [("gif", { try save($0, "GIF") { fovea_vips_gifsave_buffer($0, $1, $2) } })]
        case .tiff: [("tiff", { try save($0, "TIFF") { fovea_vips_tiffsave_buffer($0, $1, $2, 1) } })]
        case .heif:
            [("heic", { try save($0, "HEIC") { fovea_vips_heifsave_buffer($0, $1, $2, VIPS_FOREIGN_HEIF_COMPRESSION_HEVC, 50) } }),
             ("avif", { try save($0, "AVIF") { fovea_vips_heifsave_buffer($0, $1, $2, VIPS_FOREIGN_HEIF_COMPRESSION_AV1, 50) } })]
        }
    }

    /// A CMYK JPEG made by converting `view` (RGB) through libvips's built-in CMYK profile.
    static func cmykJPEG(_ view: ImageView) throws -> [UInt8] {
        try save(view, "CMYK JPEG", transform: { image in
            try image.apply(.encodeFailed, "CMYK conversion failed") {
                fovea_vips_colourspace($0, $1, VIPS_INTERPRETATION_CMYK)
            }
        }) { fovea_vips_jpegsave_buffer($0, $1, $2, 95, VIPS_FOREIGN_SUBSAMPLE_OFF, 0, 1, 0) }
    }

    /// A 16-bit PNG whose samples are `view`'s × 257 (so >> 8 gives `view` back).
    static func png16(_ view: ImageView) throws -> [UInt8] {
        try save(view, "16-bit PNG", transform: { image in
            let n = view.bands
            let scale = [Double](repeating: 257, count: n), offset = [Double](repeating: 0, count: n)
            let scaled = try image.apply(.encodeFailed, "scale failed") {
                fovea_vips_linear($0, $1, scale, offset, Int32(n), 0)
            }
            let wide = try scaled.apply(.encodeFailed, "cast failed") { fovea_vips_cast($0, $1, VIPS_FORMAT_USHORT, 0) }
            let space = view.bands <= 2 ? VIPS_INTERPRETATION_GREY16 : VIPS_INTERPRETATION_RGB16
            return try wide.apply(.encodeFailed, "tag failed") { fovea_vips_copy_interpretation($0, $1, space) }
        }) { fovea_vips_pngsave_buffer($0, $1, $2, 1, VIPS_FOREIGN_PNG_FILTER_NONE) }
    }

    /// A grey+alpha (2-band) PNG from `view`'s first and last band.
    static func greyAlphaPNG(_ view: ImageView) throws -> [UInt8] {
        try save(view, "grey+alpha PNG", transform: { image in
            let grey = try image.apply(.encodeFailed, "band failed") { fovea_vips_extract_band($0, $1, 0, 1) }
            let alpha = try image.apply(.encodeFailed, "band failed") { fovea_vips_extract_band($0, $1, Int32(view.bands - 1), 1) }
            var inputs: [UnsafeMutablePointer<VipsImage>?] = [grey.pointer, alpha.pointer]
            var out: UnsafeMutablePointer<VipsImage>?
            guard fovea_vips_bandjoin(&inputs, &out, 2) == 0, let out else {
                throw CodecError.withVipsDetail(.encodeFailed, "bandjoin failed")
            }
            return try VipsImageRef(out).apply(.encodeFailed, "tag failed") {
                fovea_vips_copy_interpretation($0, $1, VIPS_INTERPRETATION_B_W)
            }
        }) { fovea_vips_pngsave_buffer($0, $1, $2, 1, VIPS_FOREIGN_PNG_FILTER_NONE) }
    }

    /// Runs a saver on `view` (after `transform`) and returns the bytes.
    static func save(
        _ view: ImageView, _ name: String, transform: (VipsImageRef) throws -> VipsImageRef = { $0 },
        _ saver: (UnsafeMutablePointer<VipsImage>, UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutablePointer<Int>) -> Int32
    ) throws -> [UInt8] {
        try VipsMemoryImage.with(view) { image in
            let ready = try transform(image)
            var buffer: UnsafeMutableRawPointer?
            var length = 0
            guard saver(ready.pointer, &buffer, &length) == 0, let buffer else {
                throw CodecError.withVipsDetail(.encodeFailed, "\(name) encode failed")
            }
            return EncodedImage(format: .raw, adopting: buffer, count: length).array
        }
    }
}
