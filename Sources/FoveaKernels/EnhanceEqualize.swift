extension Enhance {
    /// Pillow's `ImageOps.equalize`: per band, with `h` the band's histogram and `step =
    /// (count − count of the highest occupied level) // 255`, level `i` becomes
    /// `(step // 2 + h[0] + … + h[i − 1]) // step`, clipped to 255 (Pillow's `point` clips). A
    /// band with one occupied level, or `step` 0, is left unchanged. RGB bands are equalised
    /// independently, as Pillow does.
    ///
    /// Alpha: kept. Pillow refuses RGBA here (`OSError: not supported for mode RGBA`); Fovea
    /// equalises R, G and B over all pixels, transparent ones included, so the colour equals
    /// `ImageOps.equalize(image.convert("RGB"))`.
    ///
    /// One parallel histogram pass, then a point map through pair tables. Bit-exact.
    public static func equalize(_ src: ImageView, into dst: MutableImageView, threads: Int = 1) {
        check("equalize", src, dst)
        let histograms = BandHistograms(src, threads: threads)
        let tables = (0..<Swift.min(src.bands, 3)).map { equalizeTable(Array(histograms.band($0))) }
        PointMap(bands: src.bands, colourTables: tables).apply(src, into: dst, threads: threads)
    }

    /// `ImageOps.equalize`'s table for one band's histogram (integer arithmetic throughout).
    static func equalizeTable(_ h: [Int]) -> [UInt8] {
        let occupied = h.filter { $0 != 0 }
        guard occupied.count > 1 else { return PointMap.identityTable }
        let step = (occupied.reduce(0, +) - occupied.last!) / 255
        guard step != 0 else { return PointMap.identityTable }
        var n = step / 2
        var table = [UInt8](repeating: 0, count: 256)
        for i in 0..<256 {
            table[i] = UInt8(Swift.min(255, n / step))
            n += h[i]
        }
        return table
    }
}
