/// Bicubic sampling for the any-angle rotation, Pillow's `bicubic_filter8` /
/// `bicubic_filter32RGB` (`Geometry.c`) in integer arithmetic.
///
/// Pillow's transform bicubic is *not* its resize bicubic: it is cubic convolution with
/// a = −1 (`BICUBIC(v, v1, v2, v3, v4, d)`: `v2 + d(−v1 + v3) + d²(2v1 − 2v2 + v3 − v4) +
/// d³(−v1 + v2 − v3 + v4)`), i.e. tap weights `−d(1−d)²`, `1 − 2d² + d³`, `d + d² − d³`,
/// `−d²(1−d)`, over taps `x−1 … x+2` (`x = floor(xin − 0.5)`) clamped to the image; rows
/// first, then the column of row results, in Double; then clipped to 0…255 and truncated.
///
/// Here: weights in 14-bit fixed point from the top 16 fraction bits (summing to exactly 2^14);
/// each row's sum is rounded to 6 fraction bits (Int16, the vertical `pmaddwd` input); the
/// column sum is floored and clamped. The result is within ~0.05 of a level of Pillow's
/// Double value before truncation.
///
/// Interior pixels (all 16 taps inside, and for 3 bands one pixel to spare for the 8-byte
/// loads) run unchecked, four pixels at a time with one register per row of taps for 3 and
/// 4 bands, scalar with one 4-byte word per tap row for 1 band; the border goes through
/// ``sampleClamped(_:columns:into:)`` with the same arithmetic.
struct BicubicRotation {
    let src: ImageView
    let premultiplies: Bool

    /// The four tap weights of fraction `f / 65536`, 14-bit, summing to 2^14.
    @inline(__always)
    static func weights(_ f: Int) -> (Int, Int, Int, Int) {
        let g = 65536 &- f
        let round = 1 &<< 33
        let w0 = 0 &- ((f &* g &* g &+ round) &>> 34)                // −d(1−d)²
        let w3 = 0 &- ((f &* f &* g &+ round) &>> 34)                // −d²(1−d)
        let w2 = ((f &<< 32) &+ f &* f &* g &+ round) &>> 34         // d + d²(1−d)
        return (w0, 16384 &- w0 &- w2 &- w3, w2, w3)
    }

    func interior(_ line: SourceLine, width: Int) -> Range<Int> {
        line.interior(width: width, sourceWidth: src.width, sourceHeight: src.height,
                      first: -1, last: 2, margin: src.bands == 3 ? 1 : 0)
    }

    /// A row sum (14 fraction bits) rounded to the 6 fraction bits the column pass uses.
    @inline(__always)
    static func narrowed(_ h: Int) -> Int { (h &+ 128) &>> 8 }

    /// The column sum (6 + 14 fraction bits) truncated and clamped as Pillow does.
    @inline(__always)
    static func clamped(_ v: Int) -> UInt8 { UInt8(Swift.min(255, Swift.max(0, v &>> 20))) }

    func sampleClamped(_ line: SourceLine, columns: Range<Int>, into out: UnsafeMutablePointer<UInt8>) {
        let bands = src.bands, maxX = src.width - 1, maxY = src.height - 1
        var x = line.x &+ Int64(columns.lowerBound) &* line.dx
        var y = line.y &+ Int64(columns.lowerBound) &* line.dy
        for i in columns {
            let ix = Int(x &>> 32), iy = Int(y &>> 32)
            let wx = Self.weights(Int(x &>> 16) & 0xFFFF), wy = Self.weights(Int(y &>> 16) & 0xFFFF)
            let xs = (Swift.min(Swift.max(ix &- 1, 0), maxX) &* bands, Swift.min(Swift.max(ix, 0), maxX) &* bands,
                      Swift.min(Swift.max(ix &+ 1, 0), maxX) &* bands, Swift.min(Swift.max(ix &+ 2, 0), maxX) &* bands)
            let rows = (src.row(Swift.min(Swift.max(iy &- 1, 0), maxY)), src.row(Swift.min(Swift.max(iy, 0), maxY)),
                        src.row(Swift.min(Swift.max(iy &+ 1, 0), maxY)), src.row(Swift.min(Swift.max(iy &+ 2, 0), maxY)))
            let o = out + i &* bands
            for c in 0..<bands {
                func h(_ row: UnsafePointer<UInt8>) -> Int {
                    Self.narrowed(sample(row, xs.0, c) &* wx.0 &+ sample(row, xs.1, c) &* wx.1
                        &+ sample(row, xs.2, c) &* wx.2 &+ sample(row, xs.3, c) &* wx.3)
                }
                o[c] = Self.clamped(h(rows.0) &* wy.0 &+ h(rows.1) &* wy.1 &+ h(rows.2) &* wy.2 &+ h(rows.3) &* wy.3)
            }
            x &+= line.dx
            y &+= line.dy
        }
    }

    @inline(__always)
    private func sample(_ row: UnsafePointer<UInt8>, _ x: Int, _ c: Int) -> Int {
        AlphaPremultiplication.sample(row, x, c, premultiplies: premultiplies)
    }

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
        default:
            interiorGrey(line, columns, out)
            return
        }
        sampleClamped(line, columns: vectorEnd..<columns.upperBound, into: out)
    }

    /// One band, scalar: each row of four taps read as one 4-byte word.
    private func interiorGrey(_ line: SourceLine, _ columns: Range<Int>, _ out: UnsafeMutablePointer<UInt8>) {
        let base = UnsafeRawPointer(src.base), rowBytes = src.rowBytes
        var x = line.x &+ Int64(columns.lowerBound) &* line.dx
        var y = line.y &+ Int64(columns.lowerBound) &* line.dy
        for i in columns {
            let wx = Self.weights(Int(UInt32(truncatingIfNeeded: x) &>> 16))
            let wy = Self.weights(Int(UInt32(truncatingIfNeeded: y) &>> 16))
            let offset = (Int(truncatingIfNeeded: y &>> 32) &- 1) &* rowBytes &+ Int(truncatingIfNeeded: x &>> 32) &- 1
            let p = base + offset
            @inline(__always)
            func h(_ r: Int) -> Int {
                let w = p.loadUnaligned(fromByteOffset: r &* rowBytes, as: UInt32.self)
                return Self.narrowed(Int(w & 0xFF) &* wx.0 &+ Int(w &>> 8 & 0xFF) &* wx.1
                    &+ Int(w &>> 16 & 0xFF) &* wx.2 &+ Int(w &>> 24) &* wx.3)
            }
            out[i] = Self.clamped(h(0) &* wy.0 &+ h(1) &* wy.1 &+ h(2) &* wy.2 &+ h(3) &* wy.3)
            x &+= line.dx
            y &+= line.dy
        }
    }

    /// `columns.count` is a multiple of 4.
    @inline(__always)
    private func interiorPixels(_ line: SourceLine, _ columns: Range<Int>, _ out: UnsafeMutablePointer<UInt8>,
                                bands: Int, premultiplies: Bool) {
        let base = UnsafeRawPointer(src.base), rowBytes = src.rowBytes
        let dst = UnsafeMutableRawPointer(out)
        let rounding = SIMD4<Int32>(repeating: 128)
        let low = SIMD4<Int32>(repeating: 0xFFFF)
        var x = line.x &+ Int64(columns.lowerBound) &* line.dx
        var y = line.y &+ Int64(columns.lowerBound) &* line.dy
        @inline(__always)
        func pixel() -> SIMD4<Int32> {
            let wx = Self.weights(Int(truncatingIfNeeded: x &>> 16) & 0xFFFF)
            let wy = Self.weights(Int(truncatingIfNeeded: y &>> 16) & 0xFFFF)
            let wx01 = weightPairs(wx.0, wx.1), wx23 = weightPairs(wx.2, wx.3)
            let offset = (Int(truncatingIfNeeded: y &>> 32) &- 1) &* rowBytes
                &+ (Int(truncatingIfNeeded: x &>> 32) &- 1) &* bands
            x &+= line.dx
            y &+= line.dy
            let p = base + offset
            /// One row of taps: pixels 0, 1 and 2, 3 as band pairs; 14 fraction bits, rounded.
            @inline(__always)
            func rowSum(_ q: UnsafeRawPointer) -> SIMD4<Int32> {
                var left = neighbourPairs(q, bands: bands), right = neighbourPairs(q + 2 &* bands, bands: bands)
                if premultiplies {
                    left = premultipliedPairs(left)
                    right = premultipliedPairs(right)
                }
                return pairSums(left, wx01) &+ pairSums(right, wx23) &+ rounding
            }
            // Rows to 6 fraction bits, paired (row 0, row 1) and (row 2, row 3) per band in
            // 32-bit lanes by shifts rather than shuffles.
            let h01 = unsafeBitCast(((rowSum(p) &>> 8) & low) | ((rowSum(p + rowBytes) &<< 8) & ~low),
                                    to: SIMD8<Int16>.self)
            let h23 = unsafeBitCast(((rowSum(p + 2 &* rowBytes) &>> 8) & low)
                                    | ((rowSum(p + 3 &* rowBytes) &<< 8) & ~low), to: SIMD8<Int16>.self)
            return pairSums(h01, weightPairs(wy.0, wy.1)) &+ pairSums(h23, weightPairs(wy.2, wy.3))
        }
        var i = columns.lowerBound
        while i < columns.upperBound {
            let s0 = pixel(), s1 = pixel(), s2 = pixel(), s3 = pixel()
            storeFourPixels(packedPixels(s0, s1, s2, s3, shift: 20), at: dst + i &* bands, bands: bands)
            i &+= 4
        }
    }
}
