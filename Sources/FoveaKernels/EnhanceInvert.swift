extension Enhance {
    /// Pillow's `ImageOps.invert`: every colour sample `v` becomes `255 − v`.
    ///
    /// Alpha: kept. Pillow refuses RGBA here (`OSError: not supported for mode RGBA`); Fovea
    /// inverts R, G and B and copies alpha, so the colour equals
    /// `ImageOps.invert(image.convert("RGB"))`.
    ///
    /// One `pxor` per 16 samples: memory-bound, about a memcpy.
    public static func invert(_ src: ImageView, into dst: MutableImageView, threads: Int = 1) {
        check("invert", src, dst)
        let table = (0..<256).map { UInt8(255 - $0) }
        PointMap(bands: src.bands, colour: table).apply(src, into: dst, threads: threads)
    }
}
