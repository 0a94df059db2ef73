import CVips
import FoveaKernels

/// A libvips image that reads straight from an ``ImageView``'s memory (no copy).
///
/// `vips_image_new_from_memory` wants whole rows, so a view whose `rowBytes` is a multiple of
/// its bands is presented as a `rowBytes / bands`-wide image and cropped back with
/// `vips_extract_area`; libvips only ever reads inside that area. A view with any other stride
/// is copied to packed memory first. Interpretation: B_W for 1 and 2 bands, sRGB for 3 and 4.
enum VipsMemoryImage {
    /// Calls `body` with a libvips image of `view`; the image must not outlive the call.
    static func with<R>(_ view: ImageView, _ body: (VipsImageRef) throws -> R) throws -> R {
        guard (1...4).contains(view.bands) else {
            throw CodecError(.invalidArgument, "image has \(view.bands) bands; 1, 2, 3 or 4 are supported")
        }
        if view.rowBytes % view.bands != 0 {
            let packed = PixelBuffer.copy(of: view)
            return try withExtendedLifetime(packed) { try with(packed.view, body) }
        }
        let storedWidth = view.rowBytes / view.bands
        // The last row is not padded: the declared size reaches past the view by
        // rowBytes - width * bands bytes, which the crop below never reads.
        let declared = view.rowBytes * view.height
        guard let raw = vips_image_new_from_memory(
            view.base, declared, Int32(storedWidth), Int32(view.height), Int32(view.bands),
            VIPS_FORMAT_UCHAR)
        else {
            throw CodecError.withVipsDetail(.invalidArgument, "libvips could not wrap a \(view.layout) image")
        }
        var image = VipsImageRef(raw)
        let space = view.bands <= 2 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB
        image = try image.apply(.invalidArgument, "libvips could not tag a \(view.layout) image") {
            fovea_vips_copy_interpretation($0, $1, space)
        }
        if storedWidth != view.width {
            image = try image.apply(.invalidArgument, "libvips could not crop a \(view.layout) image") {
                fovea_vips_extract_area($0, $1, 0, 0, Int32(view.width), Int32(view.height))
            }
        }
        return try body(image)
    }
}
