/// Pillow's RGB → L conversion (`rgb2l` in `Convert.c`, ITU-R 601-2 luma in 16-bit fixed
/// point): `L = (19595·R + 38470·G + 7471·B + 0x8000) >> 16`. RGBA → L uses the same formula
/// and ignores alpha (no premultiplication), as Pillow's `convert("L")` does.
///
/// The SIMD form rewrites the sum with weights that fit Int16 (the three add up to 65536):
/// `L = G + ((19595·(R − G) + 7471·(B − G) + 0x8000) >> 16)`, one `pmaddwd` per four pixels,
/// after splitting 16 interleaved pixels into R, G and B vectors with a network of byte
/// unpacks (SSE2 has no byte shuffle).
enum Luma {
    /// One pixel.
    @inline(__always)
    static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (19595 &* UInt32(r) &+ 38470 &* UInt32(g) &+ 7471 &* UInt32(b) &+ 0x8000) &>> 16)
    }

    /// Writes the luma of `pixels` pixels of 3 or 4 bands into `out` (one byte per pixel).
    static func convertRow(_ src: UnsafePointer<UInt8>, bands: Int, into out: UnsafeMutablePointer<UInt8>,
                           pixels: Int) {
        let s = UnsafeRawPointer(src), o = UnsafeMutableRawPointer(out)
        var p = 0
        if bands == 3 {
            while p &+ 16 <= pixels {
                let (r, g, b) = deinterleave3(s.loadVector(SIMD16<UInt8>.self, at: 3 &* p),
                                              s.loadVector(SIMD16<UInt8>.self, at: 3 &* p &+ 16),
                                              s.loadVector(SIMD16<UInt8>.self, at: 3 &* p &+ 32))
                o.storeVector(sixteen(r, g, b), at: p)
                p &+= 16
            }
        } else {
            precondition(bands == 4, "Luma: \(bands) bands")
            while p &+ 16 <= pixels {
                let (r, g, b) = deinterleave4(s.loadVector(SIMD16<UInt8>.self, at: 4 &* p),
                                              s.loadVector(SIMD16<UInt8>.self, at: 4 &* p &+ 16),
                                              s.loadVector(SIMD16<UInt8>.self, at: 4 &* p &+ 32),
                                              s.loadVector(SIMD16<UInt8>.self, at: 4 &* p &+ 48))
                o.storeVector(sixteen(r, g, b), at: p)
                p &+= 16
            }
        }
        while p < pixels {
            let q = src + bands &* p
            out[p] = luma(q[0], q[1], q[2])
            p &+= 1
        }
    }

    @inline(__always)
    private static func sixteen(_ r: SIMD16<UInt8>, _ g: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD16<UInt8> {
        let lo = eight(TonalSIMD.zeroExtendedLow(r), TonalSIMD.zeroExtendedLow(g), TonalSIMD.zeroExtendedLow(b))
        let hi = eight(TonalSIMD.zeroExtendedHigh(r), TonalSIMD.zeroExtendedHigh(g), TonalSIMD.zeroExtendedHigh(b))
        return narrowedToBytes(lo, hi)
    }

    @inline(__always)
    private static func eight(_ r: SIMD8<Int16>, _ g: SIMD8<Int16>, _ b: SIMD8<Int16>) -> SIMD8<Int16> {
        let dr = r &- g, db = b &- g
        let weights = SIMD8<Int16>(19595, 7471, 19595, 7471, 19595, 7471, 19595, 7471)
        let half = SIMD4<Int32>(repeating: 0x8000)
        let lo = (multipliedPairSums(TonalSIMD.interleavedWordsLow(dr, db), weights) &+ half) &>> 16
        let hi = (multipliedPairSums(TonalSIMD.interleavedWordsHigh(dr, db), weights) &+ half) &>> 16
        return TonalSIMD.narrowed(lo, hi) &+ g
    }

    /// 16 RGB pixels (48 bytes) to planar R, G, B: four rounds of `punpcklbw` against the other
    /// half of a neighbour (the SSE2 network OpenCV's `v_load_deinterleave` uses).
    @inline(__always)
    static func deinterleave3(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>, _ c: SIMD16<UInt8>)
        -> (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>)
    {
        @inline(__always)
        func round(_ x: SIMD16<UInt8>, _ y: SIMD16<UInt8>, _ z: SIMD16<UInt8>)
            -> (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>)
        {
            (interleavedLow(x, TonalSIMD.upperHalfRepeated(y)),
             interleavedLow(TonalSIMD.upperHalfRepeated(x), z),
             interleavedLow(y, TonalSIMD.upperHalfRepeated(z)))
        }
        let r1 = round(a, b, c)
        let r2 = round(r1.0, r1.1, r1.2)
        let r3 = round(r2.0, r2.1, r2.2)
        return round(r3.0, r3.1, r3.2)
    }

    /// 16 RGBA pixels (64 bytes) to planar R, G, B (alpha dropped): three rounds of unpacks.
    @inline(__always)
    static func deinterleave4(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>, _ c: SIMD16<UInt8>, _ d: SIMD16<UInt8>)
        -> (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>)
    {
        let v0 = interleavedLow(a, c), v1 = interleavedHigh(a, c)
        let v2 = interleavedLow(b, d), v3 = interleavedHigh(b, d)
        let u0 = interleavedLow(v0, v2), u1 = interleavedLow(v1, v3)
        let u2 = interleavedHigh(v0, v2), u3 = interleavedHigh(v1, v3)
        let w0 = interleavedLow(u0, u1), w1 = interleavedLow(u2, u3)
        let w2 = interleavedHigh(u0, u1), w3 = interleavedHigh(u2, u3)
        return (interleavedLow(w0, w1), interleavedHigh(w0, w1), interleavedLow(w2, w3))
    }

    /// The sum of the luma of every pixel of `view` (3 or 4 bands), or of its samples (1 band),
    /// exactly; rows split over `threads`.
    static func sum(_ view: ImageView, threads: Int) -> Int {
        let total = PartialSums()
        RowBands.run(rows: view.height, threads: threads) { rows in
            let width = view.width
            let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: width)
            defer { scratch.deallocate() }
            var sum = 0
            for y in rows {
                if view.bands == 1 {
                    sum += byteSum(view.row(y), count: width)
                } else {
                    convertRow(view.row(y), bands: view.bands, into: scratch, pixels: width)
                    sum += byteSum(scratch, count: width)
                }
            }
            total.add(sum)
        }
        return total.value
    }

    /// The sum of `count` bytes: UInt16 lane sums of up to 128 vectors at a time.
    static func byteSum(_ bytes: UnsafePointer<UInt8>, count: Int) -> Int {
        let s = UnsafeRawPointer(bytes)
        var total = 0
        var i = 0
        while i &+ 16 <= count {
            var lanes = SIMD8<UInt16>()
            var n = 0
            while i &+ 16 <= count && n < 128 {
                let v = s.loadVector(SIMD16<UInt8>.self, at: i)
                lanes &+= unsafeBitCast(TonalSIMD.zeroExtendedLow(v), to: SIMD8<UInt16>.self)
                    &+ unsafeBitCast(TonalSIMD.zeroExtendedHigh(v), to: SIMD8<UInt16>.self)
                i &+= 16
                n &+= 1
            }
            total &+= Int(SIMD8<UInt32>(truncatingIfNeeded: lanes).wrappedSum())
        }
        while i < count {
            total &+= Int(bytes[i])
            i &+= 1
        }
        return total
    }
}
