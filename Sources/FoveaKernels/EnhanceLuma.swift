/// Pillow's RGB → L conversion (`rgb2l` in `Convert.c`, ITU-R 601-2 luma in 16-bit fixed
/// point): `L = (19595·R + 38470·G + 7471·B + 0x8000) >> 16`. RGBA → L uses the same formula
/// and ignores alpha (no premultiplication), as Pillow's `convert("L")` does.
///
/// The SIMD form rewrites the sum with weights that fit Int16 (the three add up to 65536):
/// `L = G + ((19595·(R − G) + 7471·(B − G) + 0x8000) >> 16)`, one `pmaddwd` per four pixels,
/// after splitting 16 interleaved pixels into R, G and B vectors with a network of byte
/// unpacks (SSE2 has no byte shuffle). The (R − G, B − G) pairs go through a small buffer in
/// L1: when they come straight from the unpacks, LLVM splits the multiply-add back into
/// separate 32-bit multiplies (`pmuludq`, 1.6× slower overall). About 26 ms for a
/// 7680×4320 RGB frame on one thread, ~2.8 memcpys.
enum Luma {
    /// One pixel.
    @inline(__always)
    static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (19595 &* UInt32(r) &+ 38470 &* UInt32(g) &+ 7471 &* UInt32(b) &+ 0x8000) &>> 16)
    }

    /// Pixels per pass through the pair buffer (4 bytes of pairs per pixel: 2 KB).
    private static let chunk = 512

    /// Writes the luma of `pixels` pixels of 3 or 4 bands into `out` (one byte per pixel).
    static func convertRow(_ src: UnsafePointer<UInt8>, bands: Int, into out: UnsafeMutablePointer<UInt8>,
                           pixels: Int) {
        precondition(bands == 3 || bands == 4, "Luma: \(bands) bands")
        let done = bands == 3 ? convertRGB(src, into: out, pixels: pixels) : convertRGBA(src, into: out, pixels: pixels)
        for p in done..<pixels {
            let q = src + bands &* p
            out[p] = luma(q[0], q[1], q[2])
        }
    }

    /// The SIMD part for RGB; returns how many pixels it converted (a multiple of 16).
    private static func convertRGB(_ src: UnsafePointer<UInt8>, into out: UnsafeMutablePointer<UInt8>,
                                   pixels: Int) -> Int {
        convertChunks(src, into: out, pixels: pixels, bands: 3) { s, at in
            deinterleave3(TonalSIMD.bytes(s, at: at), TonalSIMD.bytes(s, at: at &+ 16),
                          TonalSIMD.bytes(s, at: at &+ 32))
        }
    }

    /// The SIMD part for RGBA; returns how many pixels it converted (a multiple of 16).
    private static func convertRGBA(_ src: UnsafePointer<UInt8>, into out: UnsafeMutablePointer<UInt8>,
                                    pixels: Int) -> Int {
        convertChunks(src, into: out, pixels: pixels, bands: 4) { s, at in
            deinterleave4(TonalSIMD.bytes(s, at: at), TonalSIMD.bytes(s, at: at &+ 16),
                          TonalSIMD.bytes(s, at: at &+ 32), TonalSIMD.bytes(s, at: at &+ 48))
        }
    }

    /// Converts 16 pixels at a time, `chunk` pixels per pass over the pair buffer; `load`
    /// splits the 16 pixels at a byte offset into R, G and B.
    @inline(__always)
    private static func convertChunks(
        _ src: UnsafePointer<UInt8>, into out: UnsafeMutablePointer<UInt8>, pixels: Int, bands: Int,
        load: (UnsafeRawPointer, Int) -> (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>)
    ) -> Int {
        let s = UnsafeRawPointer(src), o = UnsafeMutableRawPointer(out)
        return withUnsafeTemporaryAllocation(byteCount: 4 * chunk, alignment: 64) { buffer in
            let pairs = buffer.baseAddress!
            var p = 0
            while p &+ 16 <= pixels {
                let n = Swift.min(chunk, (pixels &- p) & ~15)
                var q = 0
                while q < n {
                    let (r, g, b) = load(s, bands &* (p &+ q))
                    storePairs(r, g, b, into: pairs, at: 4 &* q)
                    TonalSIMD.store(g, to: o, at: p &+ q)
                    q &+= 16
                }
                finish(pairs, out + p, count: n)
                p &+= n
            }
            return p
        }
    }

    /// Pass 1: the (R − G, B − G) pairs of 16 pixels as Int16, 64 bytes at `offset`.
    @inline(__always)
    private static func storePairs(_ r: SIMD16<UInt8>, _ g: SIMD16<UInt8>, _ b: SIMD16<UInt8>,
                                   into pairs: UnsafeMutableRawPointer, at offset: Int) {
        let rb0 = TonalSIMD.zipBytesLow(r, b), rb1 = TonalSIMD.zipBytesHigh(r, b)
        let gg0 = TonalSIMD.zipBytesLow(g, g), gg1 = TonalSIMD.zipBytesHigh(g, g)
        TonalSIMD.store(TonalSIMD.zeroExtendedLow(rb0) &- TonalSIMD.zeroExtendedLow(gg0), to: pairs, at: offset)
        TonalSIMD.store(TonalSIMD.zeroExtendedHigh(rb0) &- TonalSIMD.zeroExtendedHigh(gg0), to: pairs, at: offset &+ 16)
        TonalSIMD.store(TonalSIMD.zeroExtendedLow(rb1) &- TonalSIMD.zeroExtendedLow(gg1), to: pairs, at: offset &+ 32)
        TonalSIMD.store(TonalSIMD.zeroExtendedHigh(rb1) &- TonalSIMD.zeroExtendedHigh(gg1), to: pairs, at: offset &+ 48)
    }

    /// Pass 2: `out[i] = G + (pairs · (19595, 7471) + 0x8000) >> 16`, `out` holding G.
    private static func finish(_ pairs: UnsafeMutableRawPointer, _ out: UnsafeMutablePointer<UInt8>, count: Int) {
        let weights = SIMD8<Int16>(19595, 7471, 19595, 7471, 19595, 7471, 19595, 7471)
        let half = SIMD4<Int32>(repeating: 0x8000)
        let from = UnsafeRawPointer(pairs), o = UnsafeMutableRawPointer(out)
        @inline(__always)
        func four(_ offset: Int) -> SIMD4<Int32> {
            TonalSIMD.pairSums(TonalSIMD.words(from, at: offset), weights) &+ half
        }
        var q = 0
        while q < count {
            let base = 4 &* q
            let g = TonalSIMD.bytes(UnsafeRawPointer(o), at: q)
            let lo = TonalSIMD.highHalves(four(base), four(base &+ 16)) &+ TonalSIMD.zeroExtendedLow(g)
            let hi = TonalSIMD.highHalves(four(base &+ 32), four(base &+ 48)) &+ TonalSIMD.zeroExtendedHigh(g)
            // Already 0…255; the clamp lets LLVM narrow with one packuswb.
            TonalSIMD.store(TonalSIMD.packedBytes(TonalSIMD.clampedToByte(lo), TonalSIMD.clampedToByte(hi)),
                            to: o, at: q)
            q &+= 16
        }
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
            (TonalSIMD.zipBytesLow(x, TonalSIMD.upperHalfRepeated(y)),
             TonalSIMD.zipBytesLow(TonalSIMD.upperHalfRepeated(x), z),
             TonalSIMD.zipBytesLow(y, TonalSIMD.upperHalfRepeated(z)))
        }
        let r1 = round(a, b, c)
        let r2 = round(r1.0, r1.1, r1.2)
        let r3 = round(r2.0, r2.1, r2.2)
        return round(r3.0, r3.1, r3.2)
    }

    /// 16 RGBA pixels (64 bytes) to planar R, G, B (alpha dropped): four rounds of unpacks.
    @inline(__always)
    static func deinterleave4(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>, _ c: SIMD16<UInt8>, _ d: SIMD16<UInt8>)
        -> (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>)
    {
        let v0 = TonalSIMD.zipBytesLow(a, c), v1 = TonalSIMD.zipBytesHigh(a, c)
        let v2 = TonalSIMD.zipBytesLow(b, d), v3 = TonalSIMD.zipBytesHigh(b, d)
        let u0 = TonalSIMD.zipBytesLow(v0, v2), u1 = TonalSIMD.zipBytesLow(v1, v3)
        let u2 = TonalSIMD.zipBytesHigh(v0, v2), u3 = TonalSIMD.zipBytesHigh(v1, v3)
        let w0 = TonalSIMD.zipBytesLow(u0, u1), w1 = TonalSIMD.zipBytesLow(u2, u3)
        let w2 = TonalSIMD.zipBytesHigh(u0, u1), w3 = TonalSIMD.zipBytesHigh(u2, u3)
        return (TonalSIMD.zipBytesLow(w0, w1), TonalSIMD.zipBytesHigh(w0, w1), TonalSIMD.zipBytesLow(w2, w3))
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
                let v = TonalSIMD.bytes(s, at: i)
                lanes &+= unsafeBitCast(TonalSIMD.zeroExtendedLow(v), to: SIMD8<UInt16>.self)
                    &+ unsafeBitCast(TonalSIMD.zeroExtendedHigh(v), to: SIMD8<UInt16>.self)
                i &+= 16
                n &+= 1
            }
            for lane in 0..<8 { total &+= Int(lanes[lane]) }
        }
        while i < count {
            total &+= Int(bytes[i])
            i &+= 1
        }
        return total
    }
}
