/// Bilinear sampling for the any-angle rotation, Pillow's `bilinear_filter8` /
/// `bilinear_filter32RGB` (`Geometry.c`) in integer arithmetic.
///
/// Pillow: `x = floor(xin − 0.5)`, `dx = xin − 0.5 − x` (likewise y); the taps `x, x + 1` and
/// `y, y + 1` are clamped to the image (`XCLIP`, `YCLIP`); `v = lerp(lerp(p00, p01, dx),
/// lerp(p10, p11, dx), dy)` in Double, then truncated to 8 bits (not rounded).
///
/// Here: `dx`, `dy` are the top 16 fraction bits `fx`, `fy` of the 32.32 position; the four
/// weights are the products `(1−dx)(1−dy) … dx·dy` rounded to 14 bits, `w00` taking the
/// remainder so that they sum to exactly 2^14 (flat areas come out exact); `v = Σ w·p >> 14`,
/// the same truncation. The sum is within ~0.03 of a level of Pillow's, so a sample differs
/// by one level only where Pillow's exact value lies that close to an integer.
///
/// Interior pixels (both taps inside in each axis, and for 3 bands one pixel to spare so
/// that an 8-byte load of two pixels stays inside the image) run unchecked, four at a time:
/// scalar weights (LLVM scalarised every SIMD formulation of them, badly), one `pmaddwd` per
/// tap row and pixel, four pixels packed and stored together; one band is scalar. Border
/// pixels and leftovers go through ``sampleClamped(_:columns:into:)``, the same arithmetic
/// with clamped taps.
struct BilinearRotation {
    let src: ImageView
    /// RGBA sampled as Pillow's RGBa (colour premultiplied by alpha, `MULDIV255`).
    let premultiplies: Bool

    static let weightBits: Int32 = 14

    /// The four weights for the 16-bit fractions `fx`, `fy`: the products `(1−dx)(1−dy) … dx·dy`
    /// rounded to 14 bits, `w00` taking the remainder (it can come out −1 next to a weight of
    /// 2^14; results are clamped at 0).
    @inline(__always)
    static func weights(_ fx: Int, _ fy: Int) -> (w00: Int, w01: Int, w10: Int, w11: Int) {
        let p = fx &* fy
        let w11 = (p &+ 0x20000) &>> 18
        let w01 = ((fx &<< 16) &- p &+ 0x20000) &>> 18
        let w10 = ((fy &<< 16) &- p &+ 0x20000) &>> 18
        return (16384 &- w01 &- w10 &- w11, w01, w10, w11)
    }

    /// Columns this kernel can sample without clamping taps.
    func interior(_ line: SourceLine, width: Int) -> Range<Int> {
        line.interior(width: width, sourceWidth: src.width, sourceHeight: src.height,
                      first: 0, last: 1, margin: src.bands == 3 ? 1 : 0)
    }

    /// Samples `columns` of the row (all inside the image, taps clamped to it) into `out`.
    func sampleClamped(_ line: SourceLine, columns: Range<Int>, into out: UnsafeMutablePointer<UInt8>) {
        let bands = src.bands, maxX = src.width - 1, maxY = src.height - 1
        var x = line.x &+ Int64(columns.lowerBound) &* line.dx
        var y = line.y &+ Int64(columns.lowerBound) &* line.dy
        for i in columns {
            let ix = Int(x &>> 32), iy = Int(y &>> 32)
            let (w00, w01, w10, w11) = Self.weights(Int(x &>> 16) & 0xFFFF, Int(y &>> 16) & 0xFFFF)
            let x0 = Swift.min(Swift.max(ix, 0), maxX) &* bands
            let x1 = Swift.min(Swift.max(ix &+ 1, 0), maxX) &* bands
            let row0 = src.row(Swift.min(Swift.max(iy, 0), maxY))
            let row1 = src.row(Swift.min(Swift.max(iy &+ 1, 0), maxY))
            let o = out + i &* bands
            for c in 0..<bands {
                let top = sample(row0, x0, c) &* w00 &+ sample(row0, x1, c) &* w01
                let bottom = sample(row1, x0, c) &* w10 &+ sample(row1, x1, c) &* w11
                o[c] = UInt8(Swift.min(255, Swift.max(0, (top &+ bottom) &>> Int(Self.weightBits))))
            }
            x &+= line.dx
            y &+= line.dy
        }
    }

    /// Sample `c` of the pixel at byte offset `x` of `row`, premultiplied when RGBA is.
    @inline(__always)
    private func sample(_ row: UnsafePointer<UInt8>, _ x: Int, _ c: Int) -> Int {
        AlphaPremultiplication.sample(row, x, c, premultiplies: premultiplies)
    }

    /// Samples the interior `columns` into `out`; `spill` allows a 3-band store to write one
    /// byte past the last pixel (it belongs to a pixel written afterwards).
    func sampleInterior(_ line: SourceLine, columns: Range<Int>, into out: UnsafeMutablePointer<UInt8>,
                        spill: Bool) {
        guard !columns.isEmpty else { return }
        // Four at a time; without `spill` the last pixel is left to the scalar path.
        let groups = (columns.count &- (spill || src.bands != 3 ? 0 : 1)) / 4
        let vectorEnd = columns.lowerBound &+ 4 &* groups
        switch (src.bands, premultiplies) {
        case (3, _): interiorPixels(line, columns.lowerBound..<vectorEnd, out, bands: 3, premultiplies: false)
        case (4, false): interiorPixels(line, columns.lowerBound..<vectorEnd, out, bands: 4, premultiplies: false)
        case (4, true): interiorPixels(line, columns.lowerBound..<vectorEnd, out, bands: 4, premultiplies: true)
        default: interiorGrey(line, columns.lowerBound..<vectorEnd, out)
        }
        sampleClamped(line, columns: vectorEnd..<columns.upperBound, into: out)
    }

    /// `columns.count` is a multiple of 4.
    @inline(__always)
    private func interiorPixels(_ line: SourceLine, _ columns: Range<Int>, _ out: UnsafeMutablePointer<UInt8>,
                                bands: Int, premultiplies: Bool) {
        let base = UnsafeRawPointer(src.base), rowBytes = src.rowBytes
        let dst = UnsafeMutableRawPointer(out)
        var x = line.x &+ Int64(columns.lowerBound) &* line.dx
        var y = line.y &+ Int64(columns.lowerBound) &* line.dy
        var i = columns.lowerBound
        while i < columns.upperBound {
            @inline(__always)
            func pixel() -> SIMD4<Int32> {
                let (w00, w01, w10, w11) = Self.weights(Int(UInt32(truncatingIfNeeded: x) &>> 16),
                                                        Int(UInt32(truncatingIfNeeded: y) &>> 16))
                let offset = Int(truncatingIfNeeded: y &>> 32) &* rowBytes &+ Int(truncatingIfNeeded: x &>> 32) &* bands
                x &+= line.dx
                y &+= line.dy
                let p = base + offset
                var upper = neighbourPairs(p, bands: bands)
                var lower = neighbourPairs(p + rowBytes, bands: bands)
                if premultiplies {
                    upper = premultipliedPairs(upper)
                    lower = premultipliedPairs(lower)
                }
                return pairSums(upper, weightPairs(w00, w01)) &+ pairSums(lower, weightPairs(w10, w11))
            }
            let s0 = pixel(), s1 = pixel(), s2 = pixel(), s3 = pixel()
            storeFourPixels(packedPixels(s0, s1, s2, s3, shift: Self.weightBits), at: dst + i &* bands, bands: bands)
            i &+= 4
        }
    }

    private func interiorGrey(_ line: SourceLine, _ columns: Range<Int>, _ out: UnsafeMutablePointer<UInt8>) {
        let base = src.base, rowBytes = src.rowBytes
        var x = line.x &+ Int64(columns.lowerBound) &* line.dx
        var y = line.y &+ Int64(columns.lowerBound) &* line.dy
        for i in columns {
            let (w00, w01, w10, w11) = Self.weights(Int(truncatingIfNeeded: x &>> 16) & 0xFFFF,
                                                    Int(truncatingIfNeeded: y &>> 16) & 0xFFFF)
            let offset = Int(truncatingIfNeeded: y &>> 32) &* rowBytes &+ Int(truncatingIfNeeded: x &>> 32)
            let p = base + offset
            let top = Int(p[0]) &* w00 &+ Int(p[1]) &* w01
            let bottom = Int(p[rowBytes]) &* w10 &+ Int(p[rowBytes &+ 1]) &* w11
            out[i] = UInt8(truncatingIfNeeded: Swift.max(0, (top &+ bottom) &>> Int(Self.weightBits)))
            x &+= line.dx
            y &+= line.dy
        }
    }
}
