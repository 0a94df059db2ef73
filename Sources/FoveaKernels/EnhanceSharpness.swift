extension Enhance {
    /// Pillow's `ImageEnhance.Sharpness(image).enhance(factor)`: `Image.blend` of
    /// `image.filter(ImageFilter.SMOOTH)` and `src` with Pillow's Float32 rounding
    /// (``PillowBlend``). `factor` 0 is the smoothed image, 1 a copy, 2 sharper (an unsharp
    /// mask with SMOOTH as the blur).
    ///
    /// SMOOTH is the 3×3 kernel `[1 1 1; 1 5 1; 1 1 1] / 13` (``Smooth3x3``). Edges as Pillow's
    /// `ImagingFilter3x3`: the first and last row and column are not filtered (they keep the
    /// source's samples), so they come out unchanged at every factor; an image narrower or
    /// shorter than 3 pixels is copied.
    ///
    /// Alpha: kept. Pillow smooths all four bands but then puts the image's own alpha into the
    /// degenerate image, so alpha comes out unchanged; Fovea copies it.
    ///
    /// Not in place: `dst` must not overlap `src` (the filter reads neighbouring rows). Compute-
    /// bound (filter and Float32 blend), so it scales with threads. Bit-exact.
    public static func sharpness(_ src: ImageView, factor: Double, into dst: MutableImageView,
                                 threads: Int = 1) {
        check("sharpness", src, dst, inPlace: false)
        let blend = PillowBlend(factor: factor)
        let bands = src.bands, width = src.width, height = src.height
        let count = width * bands
        let filters = width >= 3 && height >= 3 && blend.alpha != 1
        RowBands.run(rows: height, threads: threads, minimumRows: 8) { rows in
            let smooth = Smooth3x3(width: width, bands: bands)
            let smoothed = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
            defer { smoothed.deallocate() }
            for y in rows {
                guard filters && y > 0 && y < height - 1 else {
                    dst.row(y).update(from: src.row(y), count: count)
                    continue
                }
                let row = src.row(y)
                smooth.filterRow(above: src.row(y - 1), row: row, below: src.row(y + 1), into: smoothed)
                if bands == 4 {
                    // Pillow's degenerate image carries the source's alpha.
                    for x in 0..<width { smoothed[4 &* x &+ 3] = row[4 &* x &+ 3] }
                }
                blend.blendRow(degenerate: smoothed, image: row, into: dst.row(y), count: count)
            }
        }
    }
}

/// Pillow's `ImageFilter.SMOOTH` on one row: `(sum of the 8 neighbours + 5 · centre) / 13`
/// rounded (`ImagingFilter3x3` adds 0.5 and truncates a Float32 sum).
///
/// In integers that is `(S + 6) / 13` exactly: `S/13 + 0.5` is never closer than 1/26 to an
/// integer, far beyond Float32's error, so Pillow's float sum always truncates to the same
/// value. The division is `((S + 6) · 5042) >> 16` (`pmulhuw`), exact for `S + 6 < 6553`
/// (`S ≤ 13 · 255`). On 4 bands alpha is filtered too; sharpness then replaces it.
struct Smooth3x3 {
    let width: Int
    let bands: Int

    /// Filters the interior samples of `row`; the first and last pixel keep `row`'s samples.
    func filterRow(above: UnsafePointer<UInt8>, row: UnsafePointer<UInt8>, below: UnsafePointer<UInt8>,
                   into out: UnsafeMutablePointer<UInt8>) {
        let count = width * bands
        out.update(from: row, count: bands)
        (out + count - bands).update(from: row + count - bands, count: bands)
        let a = UnsafeRawPointer(above), m = UnsafeRawPointer(row), b = UnsafeRawPointer(below)
        let o = UnsafeMutableRawPointer(out)
        let six = SIMD8<UInt16>(repeating: 6), reciprocal = SIMD8<UInt16>(repeating: 5042)

        /// Column sums (above + row + below) of the 16 samples starting at sample `i`.
        @inline(__always)
        func columns(_ i: Int) -> (SIMD8<UInt16>, SIMD8<UInt16>) {
            let va = TonalSIMD.bytes(a, at: i)
            let vm = TonalSIMD.bytes(m, at: i)
            let vb = TonalSIMD.bytes(b, at: i)
            let lo = TonalSIMD.zeroExtendedLow(va) &+ TonalSIMD.zeroExtendedLow(vm) &+ TonalSIMD.zeroExtendedLow(vb)
            let hi = TonalSIMD.zeroExtendedHigh(va) &+ TonalSIMD.zeroExtendedHigh(vm) &+ TonalSIMD.zeroExtendedHigh(vb)
            return (unsafeBitCast(lo, to: SIMD8<UInt16>.self), unsafeBitCast(hi, to: SIMD8<UInt16>.self))
        }
        // Interior samples bands ..< count - bands, 16 at a time; vectors read from
        // i - bands to i + bands + 15, inside the row.
        var i = bands
        while i &+ 16 &+ bands <= count {
            let centre = TonalSIMD.bytes(m, at: i)
            let left = columns(i &- bands), middle = columns(i), right = columns(i &+ bands)
            let sums = (left.0 &+ middle.0 &+ right.0, left.1 &+ middle.1 &+ right.1)
            let c0 = unsafeBitCast(TonalSIMD.zeroExtendedLow(centre), to: SIMD8<UInt16>.self)
            let c1 = unsafeBitCast(TonalSIMD.zeroExtendedHigh(centre), to: SIMD8<UInt16>.self)
            let lo = TonalSIMD.multipliedHigh(sums.0 &+ (c0 &<< 2) &+ six, reciprocal)
            let hi = TonalSIMD.multipliedHigh(sums.1 &+ (c1 &<< 2) &+ six, reciprocal)
            TonalSIMD.store(TonalSIMD.packedBytes(TonalSIMD.clampedToByte(unsafeBitCast(lo, to: SIMD8<Int16>.self)),
                                                  TonalSIMD.clampedToByte(unsafeBitCast(hi, to: SIMD8<Int16>.self))),
                            to: o, at: i)
            i &+= 16
        }
        while i < count - bands {
            var s = 4 * Int(row[i])
            for j in stride(from: i - bands, through: i + bands, by: bands) {
                s += Int(above[j]) + Int(row[j]) + Int(below[j])
            }
            out[i] = UInt8((s + 6) / 13)
            i &+= 1
        }
    }
}
