import CVips

/// Owns one reference to a `VipsImage` and drops it (`g_object_unref`) when freed.
///
/// libvips images are lazy pipelines: holding the last operation's image keeps every input it
/// reads from alive, so one `VipsImageRef` per step is all the bookkeeping a chain needs.
final class VipsImageRef {
    let pointer: UnsafeMutablePointer<VipsImage>

    init(_ pointer: UnsafeMutablePointer<VipsImage>) { self.pointer = pointer }

    deinit { g_object_unref(pointer) }

    var width: Int { Int(pointer.pointee.Xsize) }
    var height: Int { Int(pointer.pointee.Ysize) }
    var bands: Int { Int(pointer.pointee.Bands) }
    var format: VipsBandFormat { pointer.pointee.BandFmt }
    var interpretation: VipsInterpretation { vips_image_guess_interpretation(pointer) }
    var hasAlpha: Bool { vips_image_hasalpha(pointer) != 0 }

    /// Runs one operation that writes a new image to its `out` argument.
    ///
    /// On failure throws `code` with `message` and libvips's reason.
    func apply(
        _ code: CodecError.Code, _ message: @autoclosure () -> String,
        _ operation: (UnsafeMutablePointer<VipsImage>, UnsafeMutablePointer<UnsafeMutablePointer<VipsImage>?>) -> Int32
    ) throws -> VipsImageRef {
        var out: UnsafeMutablePointer<VipsImage>?
        guard operation(pointer, &out) == 0, let out else {
            throw CodecError.withVipsDetail(code, message())
        }
        return VipsImageRef(out)
    }
}
