/// Tonal adjustments with Pillow's semantics: the `ImageEnhance` enhancers (brightness,
/// contrast, colour, sharpness), the `ImageOps` operations (autocontrast, equalize, invert,
/// grayscale) and a gamma curve.
///
/// Shared rules:
/// - Bands: 1 (grey, Pillow's `L`), 3 (`RGB`) and 4 (`RGBA`). On 4 bands every operation
///   changes R, G and B and copies alpha unchanged; each operation's documentation says how
///   that relates to Pillow, which keeps alpha in the enhancers and refuses RGBA in
///   `autocontrast`, `equalize` and `invert`.
/// - `dst` has the size and bands of `src` (``grayscale(_:into:threads:)``: 1 band). Either view
///   may be strided. Every operation except ``sharpness(_:factor:into:threads:)`` may run in
///   place (`dst` the same memory as `src`); otherwise the two must not overlap.
/// - Rows are split over up to `threads` threads; the output is byte-identical for every
///   thread count. Operations that need the whole image first (contrast's mean, the
///   histograms of autocontrast and equalize) gather it in one parallel pass, then map.
/// - Factors and gamma must be finite (a precondition: the protocol layer validates input).
///
/// ```swift
/// Enhance.contrast(frame.view, factor: 1.5, into: out.mutableView, threads: 2)
/// Enhance.invert(frame.view, into: frame.mutableView, threads: 2)   // in place
/// ```
public enum Enhance {
    /// Checks the shared preconditions; `inPlace` says whether `dst` may be `src`.
    static func check(_ name: String, _ src: ImageView, _ dst: MutableImageView,
                      dstBands: Int? = nil, inPlace: Bool = true) {
        precondition(PixelLayout.supportedBands.contains(src.bands),
                     "Enhance.\(name): \(src.bands) bands; supported are 1, 3 and 4")
        precondition(src.width == dst.width && src.height == dst.height,
                     "Enhance.\(name): source is \(src.width)x\(src.height), destination \(dst.width)x\(dst.height)")
        let wanted = dstBands ?? src.bands
        precondition(dst.bands == wanted,
                     "Enhance.\(name): destination has \(dst.bands) bands, needs \(wanted)")
        guard overlaps(src, dst) else { return }
        precondition(inPlace, "Enhance.\(name): destination overlaps the source")
        precondition(src.base == UnsafePointer(dst.base) && src.layout == dst.layout,
                     "Enhance.\(name): destination overlaps the source without being the same view")
    }

    /// Whether any sample of `dst` lies on a sample of `src`. Views with the same row stride
    /// (two crops of one buffer) are compared row by row, so side-by-side crops do not
    /// overlap; otherwise the spans from first to last sample are compared.
    static func overlaps(_ src: ImageView, _ dst: MutableImageView) -> Bool {
        let a = Int(bitPattern: src.base), b = Int(bitPattern: dst.base)
        let aLength = src.width * src.bands, bLength = dst.width * dst.bands
        guard a < b + dst.layout.byteCount && b < a + src.layout.byteCount else { return false }
        let stride = src.rowBytes
        guard stride == dst.rowBytes else { return true }
        // dst row y starts at src row y + q, byte m (0 ≤ m < stride).
        let difference = b - a
        let q = difference >= 0 ? difference / stride : -((-difference + stride - 1) / stride)
        let m = difference - q * stride
        func rowsMeet(_ shift: Int) -> Bool { shift > -dst.height && shift < src.height }
        return (rowsMeet(q) && m < aLength) || (rowsMeet(q + 1) && m + bLength > stride)
    }
}
