import CVips

/// Turns whatever a loader produced into Fovea's pixel contract: 8-bit samples, 1 band (grey),
/// 3 (RGB) or 4 (RGBA). All steps are lazy libvips operations; nothing runs until decode pulls
/// rows.
///
/// | source | result |
/// |---|---|
/// | 8-bit grey, RGB, RGBA | unchanged (1, 3, 4 bands) |
/// | grey + alpha (2 bands) | RGBA: grey copied to R, G and B, alpha kept |
/// | palette (PNG, GIF) | expanded by the loader to RGB, or RGBA when it has transparency; GIF always arrives as RGBA (libvips 8.14's GIF loader) |
/// | 1/2/4-bit grey | 8-bit grey (the loader scales to 0–255) |
/// | 16-bit grey or RGB(A) | 8-bit by `vips_colourspace` (value >> 8), alpha kept |
/// | CMYK (JPEG, TIFF) | sRGB through the embedded ICC profile, or libvips's built-in CMYK profile; a fifth (alpha) band is kept |
/// | Lab, XYZ, scRGB (float, linear), other colour spaces | sRGB (or grey for one band) by `vips_colourspace` |
/// | other 32-bit integer samples | top 8 bits (`vips_cast` with shift) |
/// | float samples not tagged scRGB | clipped to 0–255 (libvips's convention for float sRGB/grey), rounded |
/// | more than 4 bands | the first 3 (colour), plus band 4 when libvips says it is alpha |
///
/// Alpha is straight (not premultiplied) and never flattened here. Embedded ICC profiles of RGB
/// and grey images are not applied: samples are taken as sRGB, as PIL does.
enum PixelNormalisation {
    static func apply(to loaded: VipsImageRef, format: ImageFormat) throws -> VipsImageRef {
        var image = loaded
        let message = "\(format.displayName) pixels could not be converted to 8-bit RGB"

        switch image.interpretation {
        case VIPS_INTERPRETATION_CMYK, VIPS_INTERPRETATION_RGB16:
            image = try image.apply(.corrupt, message) { fovea_vips_colourspace($0, $1, VIPS_INTERPRETATION_sRGB) }
        case VIPS_INTERPRETATION_GREY16:
            image = try image.apply(.corrupt, message) { fovea_vips_colourspace($0, $1, VIPS_INTERPRETATION_B_W) }
        case VIPS_INTERPRETATION_LAB, VIPS_INTERPRETATION_LABQ, VIPS_INTERPRETATION_LABS,
             VIPS_INTERPRETATION_LCH, VIPS_INTERPRETATION_CMC, VIPS_INTERPRETATION_XYZ,
             VIPS_INTERPRETATION_YXY, VIPS_INTERPRETATION_scRGB, VIPS_INTERPRETATION_HSV:
            let target = image.bands <= 2 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB
            image = try image.apply(.corrupt, message) { fovea_vips_colourspace($0, $1, target) }
        default:
            break
        }

        if image.format != VIPS_FORMAT_UCHAR {
            let wideInteger = [VIPS_FORMAT_USHORT, VIPS_FORMAT_SHORT, VIPS_FORMAT_UINT, VIPS_FORMAT_INT]
                .contains(image.format)
            image = try image.apply(.corrupt, message) {
                fovea_vips_cast($0, $1, VIPS_FORMAT_UCHAR, wideInteger ? 1 : 0)
            }
        }

        switch image.bands {
        case 1, 3, 4:
            return image
        case 2:
            // Grey + alpha → RGBA: [g, g, g, a].
            let grey = try image.apply(.corrupt, message) { fovea_vips_extract_band($0, $1, 0, 1) }
            let alpha = try image.apply(.corrupt, message) { fovea_vips_extract_band($0, $1, 1, 1) }
            var inputs: [UnsafeMutablePointer<VipsImage>?] = [grey.pointer, grey.pointer, grey.pointer, alpha.pointer]
            var out: UnsafeMutablePointer<VipsImage>?
            guard fovea_vips_bandjoin(&inputs, &out, 4) == 0, let out else {
                throw CodecError.withVipsDetail(.corrupt, message)
            }
            return VipsImageRef(out)
        default:
            let keep = image.hasAlpha ? 4 : 3
            return try image.apply(.corrupt, message) { fovea_vips_extract_band($0, $1, 0, Int32(keep)) }
        }
    }
}
