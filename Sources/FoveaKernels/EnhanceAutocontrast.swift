extension Enhance {
    /// Pillow's `ImageOps.autocontrast(image, cutoff=cutoff)`: per band, drop `cutoff` percent
    /// of the samples from each end of the band's histogram, then stretch the remaining range
    /// `lo…hi` to `0…255` with Pillow's table `int(v · 255/(hi − lo) − lo · 255/(hi − lo))`
    /// clipped to 0…255 (in double precision, so `hi` can land on 254, as in Pillow). A band
    /// with `hi ≤ lo` (flat, or everything cut) is left unchanged. RGB bands are stretched
    /// independently, as Pillow does, which can shift colours.
    ///
    /// Alpha: kept. Pillow refuses RGBA here (`OSError: not supported for mode RGBA`); Fovea
    /// stretches R, G and B over all pixels, transparent ones included, so the colour equals
    /// `ImageOps.autocontrast(image.convert("RGB"), cutoff)`.
    ///
    /// One parallel histogram pass, then a point map (usually the affine form). Bit-exact.
    public static func autocontrast(_ src: ImageView, cutoff: Double, into dst: MutableImageView,
                                    threads: Int = 1) {
        check("autocontrast", src, dst)
        precondition(cutoff.isFinite && cutoff >= 0,
                     "Enhance.autocontrast: cutoff \(cutoff) must be a finite percentage ≥ 0")
        let histograms = BandHistograms(src, threads: threads)
        let tables = (0..<Swift.min(src.bands, 3)).map {
            autocontrastTable(Array(histograms.band($0)), cutoff: cutoff)
        }
        PointMap(bands: src.bands, colourTables: tables).apply(src, into: dst, threads: threads)
    }

    /// Takes `count` pixels out of `h`, emptying levels in `levels` order (Pillow's cutoff loops).
    private static func removeCount(_ count: Int, from h: inout [Int], levels: some Sequence<Int>) {
        var remaining = count
        for level in levels {
            if remaining > h[level] {
                remaining -= h[level]
                h[level] = 0
            } else {
                h[level] -= remaining
                remaining = 0
            }
            if remaining <= 0 { break }
        }
    }

    /// `ImageOps.autocontrast`'s table for one band's histogram, step by step as Pillow's
    /// Python does it.
    static func autocontrastTable(_ histogram: [Int], cutoff: Double) -> [UInt8] {
        var h = histogram
        if cutoff != 0 {
            let n = h.reduce(0, +)
            // Python: cut = int(n * cutoff // 100), a float floor division.
            let cut = Int(pythonFloorDivide(Double(n) * cutoff, 100))
            removeCount(cut, from: &h, levels: 0..<256)
            removeCount(cut, from: &h, levels: (0..<256).reversed())
        }
        let lo = h.firstIndex { $0 != 0 } ?? 255
        let hi = h.lastIndex { $0 != 0 } ?? 0
        guard hi > lo else { return PointMap.identityTable }
        let scale = 255.0 / Double(hi - lo)
        let offset = Double(-lo) * scale
        return (0..<256).map { v in
            let level = Int(Double(v) * scale + offset)   // int() truncates toward zero
            return UInt8(Swift.max(0, Swift.min(255, level)))
        }
    }

    /// CPython's `float.__floordiv__` (`float_divmod` in `floatobject.c`): `fmod`, then snap the
    /// quotient to the nearest integer, which is not always `floor(a / b)`.
    static func pythonFloorDivide(_ a: Double, _ b: Double) -> Double {
        var mod = a.truncatingRemainder(dividingBy: b)
        var div = (a - mod) / b
        if mod != 0 {
            if (b < 0) != (mod < 0) {
                mod += b
                div -= 1
            }
        }
        guard div != 0 else { return (a / b).sign == .minus ? -0.0 : 0.0 }
        var floorDiv = div.rounded(.down)
        if div - floorDiv > 0.5 { floorDiv += 1 }
        return floorDiv
    }
}
