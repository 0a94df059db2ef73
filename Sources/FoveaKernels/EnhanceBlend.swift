/// Pillow's `Image.blend(degenerate, image, factor)` (`ImagingBlend` in `Blend.c`), the step
/// every `ImageEnhance` enhancer ends with, reproduced bit for bit.
///
/// Pillow computes in single precision: with `α = (float)factor`, `a` the degenerate sample and
/// `b` the image's, `t = (float)a + α·(float)(b − a)` (a rounded product, then a rounded sum),
/// and the output is `(UINT8)t` for `0 ≤ α ≤ 1`, else `t` clipped to `0…255` then truncated;
/// both are `clamp(floor(t), 0, 255)`. The rounding matters: at `α = 0.7`, `a + α(b − a)` in
/// exact arithmetic and Pillow's float disagree for 15 of the 65536 pairs, so both steps are
/// done here in Float32 too, never in Double or fixed point.
///
/// Factors beyond ±512 give the same output as ±512 (every `b ≠ a` already saturates), so they
/// are clamped there, which keeps `t` small enough for the rounding trick below.
struct PillowBlend: Sendable {
    let alpha: Float

    init(factor: Double) {
        precondition(factor.isFinite, "enhance factor \(factor) must be finite")
        alpha = Swift.max(-512, Swift.min(512, Float(factor)))
    }

    /// One sample, as Pillow computes it.
    @inline(__always)
    func blend(_ a: UInt8, _ b: UInt8) -> UInt8 {
        let t = Float(a) + alpha * Float(Int32(b) - Int32(a))
        if t <= 0 { return 0 }
        if t >= 255 { return 255 }
        return UInt8(t)
    }

    /// The table of `blend(constant, v)` for every level `v`: enhancers whose degenerate image
    /// is one colour (brightness: black, contrast: the mean grey) are point maps.
    func table(degenerate constant: UInt8) -> [UInt8] {
        (0..<256).map { blend(constant, UInt8($0)) }
    }

    /// `out[i] = blend(degenerate[i], image[i])` for `count` samples; `out` may be `image`.
    ///
    /// 16 samples at a time in Float32 lanes: bytes become floats through the exponent trick
    /// (`0x4B000000 | v` is `2^23 + v`), the product and sum round as Pillow's do, and the floor
    /// comes from round-to-nearest (`t + 1.5·2^23`) corrected by the sign of `t − round(t)`,
    /// avoiding Swift's slow Float → Int vector conversion.
    func blendRow(degenerate: UnsafePointer<UInt8>, image: UnsafePointer<UInt8>,
                  into out: UnsafeMutablePointer<UInt8>, count: Int) {
        let a = UnsafeRawPointer(degenerate), b = UnsafeRawPointer(image)
        let o = UnsafeMutableRawPointer(out)
        let alpha = SIMD4<Float>(repeating: self.alpha)
        let exponent = SIMD8<Int16>(repeating: 0x4B00)
        let two23 = SIMD4<Float>(repeating: 8_388_608)
        let magic = SIMD4<Float>(repeating: 12_582_912)
        let magicBits = SIMD4<Int32>(repeating: 0x4B40_0000)

        @inline(__always)
        func floats(_ words: SIMD8<Int16>) -> (SIMD4<Float>, SIMD4<Float>) {
            // 0x4B00_00vv as Float is 2^23 + v.
            let lo = unsafeBitCast(TonalSIMD.zipWordsLow(words, exponent), to: SIMD4<Float>.self)
            let hi = unsafeBitCast(TonalSIMD.zipWordsHigh(words, exponent), to: SIMD4<Float>.self)
            return (lo, hi)
        }
        @inline(__always)
        func four(_ fa: SIMD4<Float>, _ fb: SIMD4<Float>) -> SIMD4<Int32> {
            let d = fb - fa                      // exact: b − a
            let t = (fa - two23) + alpha * d     // Pillow: a + α·(b − a), two roundings
            let shifted = t + magic              // round to nearest integer
            let nearest = shifted - magic
            return (unsafeBitCast(shifted, to: SIMD4<Int32>.self) &- magicBits)
                &+ (unsafeBitCast(t - nearest, to: SIMD4<Int32>.self) &>> 31)
        }
        /// With |α| ≤ 127 every floor lies in −32386…32640 and narrows to Int16 as it is;
        /// larger factors clamp to 0…255 in Int32 first (8 more instructions per 16 samples).
        @inline(__always)
        func eight(_ wa: SIMD8<Int16>, _ wb: SIMD8<Int16>, wide: Bool) -> SIMD8<Int16> {
            let (a0, a1) = floats(wa), (b0, b1) = floats(wb)
            var lo = four(a0, b0), hi = four(a1, b1)
            if wide {
                lo = TonalSIMD.clampedToByte(lo)
                hi = TonalSIMD.clampedToByte(hi)
            }
            return TonalSIMD.clampedToByte(TonalSIMD.narrowed(lo, hi))
        }
        var i = 0
        @inline(__always)
        func run(wide: Bool) {
            while i &+ 16 <= count {
                let va = TonalSIMD.bytes(a, at: i)
                let vb = TonalSIMD.bytes(b, at: i)
                let lo = eight(TonalSIMD.zeroExtendedLow(va), TonalSIMD.zeroExtendedLow(vb), wide: wide)
                let hi = eight(TonalSIMD.zeroExtendedHigh(va), TonalSIMD.zeroExtendedHigh(vb), wide: wide)
                TonalSIMD.store(TonalSIMD.packedBytes(lo, hi), to: o, at: i)
                i &+= 16
            }
        }
        if abs(self.alpha) <= 127 { run(wide: false) } else { run(wide: true) }
        while i < count {
            out[i] = blend(degenerate[i], image[i])
            i &+= 1
        }
    }
}
