extension Enhance {
    /// Pillow's `ImageEnhance.Contrast(image).enhance(factor)`: `Image.blend` of a grey image and
    /// `src`, the grey being `int(mean + 0.5)` of the image's luma (`convert("L")`, see
    /// ``Luma``; for 1 band the band itself), so each colour sample becomes
    /// `clamp(floor(m + factor · (v − m)), 0, 255)` with Pillow's Float32 rounding. `factor` 0
    /// is flat grey, 1 a copy.
    ///
    /// Alpha: kept, as Pillow does (it puts the image's alpha into the degenerate image). The
    /// mean is over every pixel, transparent ones included, as in Pillow.
    ///
    /// One parallel pass sums the luma (exact integers), then a point map (see ``PointMap``);
    /// bit-exact to Pillow.
    public static func contrast(_ src: ImageView, factor: Double, into dst: MutableImageView,
                                threads: Int = 1) {
        check("contrast", src, dst)
        let blend = PillowBlend(factor: factor)
        let grey = contrastGrey(src, threads: threads)
        PointMap(bands: src.bands, colour: blend.table(degenerate: grey))
            .apply(src, into: dst, threads: threads)
    }

    /// `int(ImageStat.Stat(image.convert("L")).mean[0] + 0.5)`: Python divides the exact integer
    /// sum by the count in double precision, as here.
    static func contrastGrey(_ src: ImageView, threads: Int) -> UInt8 {
        let sum = Luma.sum(src, threads: threads)
        let mean = Double(sum) / Double(src.width * src.height)
        return UInt8(Int(mean + 0.5))
    }
}
