extension Enhance {
    /// Pillow's `ImageEnhance.Brightness(image).enhance(factor)`: `Image.blend` of a black image
    /// and `src`, so each colour sample becomes `clamp(floor(factor · v), 0, 255)` with Pillow's
    /// Float32 rounding (``PillowBlend``). `factor` 0 is black, 1 a copy, above 1 brighter.
    ///
    /// Alpha: kept. Pillow (since 9.x) puts the image's alpha into the black degenerate image,
    /// and blending alpha with itself leaves it unchanged, which is what Fovea does too.
    ///
    /// A point map; bit-exact to Pillow. At ordinary factors it runs in the affine fixed-point
    /// form (about a memcpy's time), otherwise through tables (see ``PointMap``).
    public static func brightness(_ src: ImageView, factor: Double, into dst: MutableImageView,
                                  threads: Int = 1) {
        check("brightness", src, dst)
        let table = PillowBlend(factor: factor).table(degenerate: 0)
        PointMap(bands: src.bands, colour: table).apply(src, into: dst, threads: threads)
    }
}
