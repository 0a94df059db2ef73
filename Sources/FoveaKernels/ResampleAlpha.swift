/// Pillow's RGBA ⇄ RGBa conversions (`rgbA2rgba`, `rgba2rgbA` in `Convert.c`), which
/// `Image.resize` wraps around every filter but nearest so that transparent pixels' colours do
/// not bleed into their neighbours.
///
/// Premultiply: `c' = MULDIV255(c, a)`, i.e. `t = c·a + 128; c' = (t + (t >> 8)) >> 8` (c·a/255
/// rounded). Unpremultiply: `c = min(255, 255·c' / a)` (integer division) for `0 < a < 255`;
/// `a == 0` and `a == 255` keep `c'`. Alpha itself is unchanged by both.
enum AlphaPremultiplication {
    /// Premultiplies `pixels` RGBA pixels from `src` into `dst`.
    static func premultiply(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<UInt8>,
                            pixels: Int) {
        let n = pixels &* 4
        let from = UnsafeRawPointer(src), to = UnsafeMutableRawPointer(dst)
        // Alpha's own lane is multiplied by 255, which MULDIV255 maps back to alpha.
        let alphaLane = SIMD8<UInt16>(0, 0, 0, 255, 0, 0, 0, 255)
        var s = 0
        while s &+ 16 <= n {
            let v = from.loadVector(SIMD16<UInt8>.self, at: s)
            let lo = unsafeBitCast(widenedLow(v), to: SIMD8<UInt16>.self)
            let hi = unsafeBitCast(widenedHigh(v), to: SIMD8<UInt16>.self)
            let outLo = mulDiv255(lo, broadcastAlpha(lo) | alphaLane)
            let outHi = mulDiv255(hi, broadcastAlpha(hi) | alphaLane)
            to.storeVector(narrowedToBytes(unsafeBitCast(outLo, to: SIMD8<Int16>.self),
                                           unsafeBitCast(outHi, to: SIMD8<Int16>.self)), at: s)
            s &+= 16
        }
        while s < n {
            let a = UInt32(src[s &+ 3])
            for c in 0..<3 { dst[s &+ c] = UInt8(mulDiv255(UInt32(src[s &+ c]), a)) }
            dst[s &+ 3] = src[s &+ 3]
            s &+= 4
        }
    }

    /// Unpremultiplies `pixels` RGBa pixels in place.
    static func unpremultiply(_ row: UnsafeMutablePointer<UInt8>, pixels: Int) {
        unpremultiplied.withUnsafeBufferPointer { table in
            var p = row
            for _ in 0..<pixels {
                let colours = table.baseAddress! + Int(p[3]) &<< 8
                p[0] = colours[Int(p[0])]
                p[1] = colours[Int(p[1])]
                p[2] = colours[Int(p[2])]
                p += 4
            }
        }
    }

    /// `unpremultiplied[a << 8 | c]`: colour `c` of a premultiplied pixel with alpha `a`, as
    /// `rgba2rgbA` computes it (64 KB, built on first use).
    private static let unpremultiplied: [UInt8] = (0..<65536).map { i in
        let a = i >> 8, c = i & 255
        return a == 0 || a == 255 ? UInt8(c) : UInt8(Swift.min(255, 255 * c / a))
    }

    @inline(__always)
    private static func mulDiv255(_ c: UInt32, _ a: UInt32) -> UInt32 {
        let t = c &* a &+ 128
        return (t &+ (t &>> 8)) &>> 8
    }

    /// Sample `c` of the pixel at byte offset `x` of `row`, premultiplied by the pixel's alpha
    /// (byte 3) when `premultiplies` and `c` is a colour: how the rotate kernels read RGBA.
    @inline(__always)
    static func sample(_ row: UnsafePointer<UInt8>, _ x: Int, _ c: Int, premultiplies: Bool) -> Int {
        let v = UInt32(row[x &+ c])
        guard premultiplies && c < 3 else { return Int(v) }
        return Int(mulDiv255(v, UInt32(row[x &+ 3])))
    }

    @inline(__always)
    private static func mulDiv255(_ c: SIMD8<UInt16>, _ a: SIMD8<UInt16>) -> SIMD8<UInt16> {
        let t = c &* a &+ 128
        return (t &+ (t &>> 8)) &>> 8
    }

    /// `a0 a0 a0 a0 a1 a1 a1 a1` from `r0 g0 b0 a0 r1 g1 b1 a1` (`pshuflw`, `pshufhw`).
    @inline(__always)
    private static func broadcastAlpha(_ x: SIMD8<UInt16>) -> SIMD8<UInt16> {
        SIMD8(x[3], x[3], x[3], x[3], x[7], x[7], x[7], x[7])
    }
}
