// SSE2 building blocks of the any-angle rotation kernels (see ResampleSIMD.swift for the
// widening, `pmaddwd` and packing helpers they share). One output pixel of 3 or 4 bands is
// computed in one register: two neighbouring source pixels are loaded as 8 bytes, widened to
// Int16, and interleaved with themselves shifted by one pixel so that `pmaddwd` sees the
// pairs `(p0.c, p1.c)` of every band next to each other.

/// Lanes `bands ... 7` moved down to `0 ...`, zeros above (`psrldq` by 6 or 8 bytes).
@inline(__always)
func shiftedByOnePixel(_ v: SIMD8<Int16>, bands: Int) -> SIMD8<Int16> {
    bands == 3 ? SIMD8(v[3], v[4], v[5], v[6], v[7], 0, 0, 0)
               : SIMD8(v[4], v[5], v[6], v[7], 0, 0, 0, 0)
}

/// `punpcklwd`: `a0 b0 a1 b1 a2 b2 a3 b3`.
@inline(__always)
func interleavedLanesLow(_ a: SIMD8<Int16>, _ b: SIMD8<Int16>) -> SIMD8<Int16> {
    SIMD8(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3])
}

/// `(p0.c, p1.c)` pairs for every band from a widened pair of pixels `p0 p1`.
@inline(__always)
func bandPairs(_ v: SIMD8<Int16>, bands: Int) -> SIMD8<Int16> {
    interleavedLanesLow(v, shiftedByOnePixel(v, bands: bands))
}

/// The weight pair `(w0, w1)` in every 32-bit lane (`movd`, `pshufd`).
@inline(__always)
func weightPairs(_ w0: Int, _ w1: Int) -> SIMD8<Int16> {
    let pair = UInt32(truncatingIfNeeded: w0) & 0xFFFF | UInt32(truncatingIfNeeded: w1) &<< 16
    return unsafeBitCast(SIMD4<UInt32>(repeating: pair), to: SIMD8<Int16>.self)
}

/// Two 8-byte loads as one vector of 16 bytes (`movq`, `movhps` / `punpcklqdq`).
@inline(__always)
func loadPair(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer) -> SIMD16<UInt8> {
    unsafeBitCast(SIMD2<UInt64>(a.loadUnaligned(as: UInt64.self), b.loadUnaligned(as: UInt64.self)),
                  to: SIMD16<UInt8>.self)
}

/// Two widened RGBA pixels premultiplied by their alpha as Pillow's RGBA → RGBa conversion
/// does, `c·a/255` rounded (`MULDIV255`); alpha is kept (multiplied by 255/255).
@inline(__always)
func premultipliedRGBA(_ x: SIMD8<Int16>) -> SIMD8<Int16> {
    let v = unsafeBitCast(x, to: SIMD8<UInt16>.self)
    let alpha = SIMD8(v[3], v[3], v[3], v[3], v[7], v[7], v[7], v[7])
        | SIMD8<UInt16>(0, 0, 0, 255, 0, 0, 0, 255)
    let t = v &* alpha &+ 128
    return unsafeBitCast((t &+ (t &>> 8)) &>> 8, to: SIMD8<Int16>.self)
}

/// `floor(sum / 2^shift)` of one pixel's band sums as 4 bytes, clamped to 0…255
/// (`pslld`/`psrad`, `packssdw`, `pmaxsw`, `pminsw`, `packuswb`, `movd`).
@inline(__always)
func pixelBytes(_ sum: SIMD4<Int32>, shift: Int32) -> UInt32 {
    let narrowed = shift < 16 ? descaled(sum, sum, up: SIMD4(repeating: 16 &- shift))
                              : descaled(sum, sum, down: SIMD4(repeating: shift &- 16))
    let words = clamped(narrowed, to: 255)
    return unsafeBitCast(narrowedToBytes(words, words), to: SIMD4<UInt32>.self)[0]
}

/// Stores the low `bands` bytes of `pixel` at `p`: one 4-byte store when the byte after a
/// 3-byte pixel may be overwritten (`spill`), else 2 + 1 bytes.
@inline(__always)
func storePixel(_ pixel: UInt32, at p: UnsafeMutableRawPointer, bands: Int, spill: Bool) {
    if bands == 4 || spill {
        p.storeBytes(of: pixel, as: UInt32.self)
    } else {
        p.storeBytes(of: UInt16(truncatingIfNeeded: pixel), as: UInt16.self)
        p.storeBytes(of: UInt8(truncatingIfNeeded: pixel &>> 16), toByteOffset: 2, as: UInt8.self)
    }
}
