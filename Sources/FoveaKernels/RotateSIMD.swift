// SSE2 building blocks of the any-angle rotation kernels (`widenedLow` and `clamped` come from
// ResampleSIMD.swift). One output pixel of 3 or 4 bands is computed in one register: two horizontally neighbouring source pixels are read as one 8-byte word `w`,
// and `w` and `w >> (8·bands)` (the right neighbour moved onto the left one) are interleaved
// so that `pmaddwd` sees the pairs `(left.c, right.c)` of every band side by side.
//
// LLVM merges chains of shuffles into one and, without `pshufb`, often lowers the result to a
// long blend sequence; the spellings below were chosen by reading the release disassembly
// (e.g. a 64-bit word is splatted, `SIMD2(repeating:)`, rather than paired with zero).
// Conversions between vector widths are written lane by lane: the standard library's
// `init(truncatingIfNeeded:)` on whole vectors is a generic function that large kernels
// stopped inlining (a call per `pmaddwd` in the bicubic loop), while the lane-wise form
// always folds to the one instruction.

/// `pmaddwd`: `x0·k0 + x1·k1, x2·k2 + x3·k3, …` in Int32, exact.
@inline(__always)
func pairSums(_ x: SIMD8<Int16>, _ k: SIMD8<Int16>) -> SIMD4<Int32> {
    let a = SIMD8<Int32>(Int32(x[0]), Int32(x[1]), Int32(x[2]), Int32(x[3]),
                         Int32(x[4]), Int32(x[5]), Int32(x[6]), Int32(x[7]))
    let b = SIMD8<Int32>(Int32(k[0]), Int32(k[1]), Int32(k[2]), Int32(k[3]),
                         Int32(k[4]), Int32(k[5]), Int32(k[6]), Int32(k[7]))
    let p = a &* b
    return p.evenHalf &+ p.oddHalf
}

/// The low 16 bits of each lane of `a` then `b` (`pslld`, `psrad`, `packssdw`).
@inline(__always)
func narrowedWords(_ a: SIMD4<Int32>, _ b: SIMD4<Int32>) -> SIMD8<Int16> {
    SIMD8(Int16(truncatingIfNeeded: a[0]), Int16(truncatingIfNeeded: a[1]),
          Int16(truncatingIfNeeded: a[2]), Int16(truncatingIfNeeded: a[3]),
          Int16(truncatingIfNeeded: b[0]), Int16(truncatingIfNeeded: b[1]),
          Int16(truncatingIfNeeded: b[2]), Int16(truncatingIfNeeded: b[3]))
}

/// The low byte of each lane of `a` then `b`, lanes already in 0…255 (`packuswb`).
@inline(__always)
func narrowedBytes(_ a: SIMD8<Int16>, _ b: SIMD8<Int16>) -> SIMD16<UInt8> {
    func byte(_ v: Int16) -> UInt8 { UInt8(truncatingIfNeeded: v) }
    return SIMD16(byte(a[0]), byte(a[1]), byte(a[2]), byte(a[3]), byte(a[4]), byte(a[5]), byte(a[6]), byte(a[7]),
                  byte(b[0]), byte(b[1]), byte(b[2]), byte(b[3]), byte(b[4]), byte(b[5]), byte(b[6]), byte(b[7]))
}

/// Lanes `a0 b0 a1 b1 a2 b2 a3 b3`: the first four bytes of `a` and of `b`, zero-extended and
/// interleaved (`movq`, `punpcklbw` ×2, `punpcklwd`, `psrlw`).
@inline(__always)
func tapPairs(_ a: UInt64, _ b: UInt64) -> SIMD8<Int16> {
    let x = unsafeBitCast(SIMD2<UInt64>(repeating: a), to: SIMD16<UInt8>.self)
    let y = unsafeBitCast(SIMD2<UInt64>(repeating: b), to: SIMD16<UInt8>.self)
    let u = widenedLow(x), v = widenedLow(y)
    return SIMD8(u[0], v[0], u[1], v[1], u[2], v[2], u[3], v[3])
}

/// The pairs of two neighbouring pixels starting at `p`: `(p0.c, p1.c)` for c = 0…3.
@inline(__always)
func neighbourPairs(_ p: UnsafeRawPointer, bands: Int) -> SIMD8<Int16> {
    let word = p.loadUnaligned(as: UInt64.self)
    return tapPairs(word, word &>> UInt64(8 &* bands))
}

/// Pairs of two RGBA pixels (`r r g g b b a a`) premultiplied by their own alpha as Pillow's
/// RGBA → RGBa conversion does, `c·a/255` rounded (`MULDIV255`); alpha is kept.
@inline(__always)
func premultipliedPairs(_ x: SIMD8<Int16>) -> SIMD8<Int16> {
    let v = unsafeBitCast(x, to: SIMD8<UInt16>.self)
    // (a_left, a_right) in every 32-bit lane; 255 in the alpha lanes (a | 255 = 255).
    let alpha = unsafeBitCast(SIMD4(repeating: unsafeBitCast(v, to: SIMD4<UInt32>.self)[3]),
                              to: SIMD8<UInt16>.self) | SIMD8<UInt16>(0, 0, 0, 0, 0, 0, 255, 255)
    let t = v &* alpha &+ 128
    return unsafeBitCast((t &+ (t &>> 8)) &>> 8, to: SIMD8<Int16>.self)
}

/// The weight pair `(w0, w1)` in every 32-bit lane (`movd`, `pshufd`).
@inline(__always)
func weightPairs(_ w0: Int, _ w1: Int) -> SIMD8<Int16> {
    let pair = UInt32(truncatingIfNeeded: w0) & 0xFFFF | UInt32(truncatingIfNeeded: w1) &<< 16
    return unsafeBitCast(SIMD4<UInt32>(repeating: pair), to: SIMD8<Int16>.self)
}

/// Four pixels' band sums, each `floor(sum / 2^shift)` clamped to 0…255, as 16 bytes
/// (`psrad`, `packssdw`, `pmaxsw`/`pminsw`, `packuswb`).
@inline(__always)
func packedPixels(_ s0: SIMD4<Int32>, _ s1: SIMD4<Int32>, _ s2: SIMD4<Int32>, _ s3: SIMD4<Int32>,
                  shift: Int32) -> SIMD16<UInt8> {
    let k = SIMD4<Int32>(repeating: shift)
    let lo = narrowedWords(s0 &>> k, s1 &>> k), hi = narrowedWords(s2 &>> k, s3 &>> k)
    return narrowedBytes(clamped(lo, to: 255), clamped(hi, to: 255))
}

/// Stores four packed pixels of 3 or 4 bytes (lanes `RGBx RGBx …`) at `p`; for 3 bands the
/// fourth lane's stray byte lands on the pixel after the fourth.
@inline(__always)
func storeFourPixels(_ bytes: SIMD16<UInt8>, at p: UnsafeMutableRawPointer, bands: Int) {
    if bands == 4 {
        p.storeVector(bytes)
    } else {
        let words = unsafeBitCast(bytes, to: SIMD4<UInt32>.self)
        p.storeBytes(of: words[0], as: UInt32.self)
        p.storeBytes(of: words[1], toByteOffset: 3, as: UInt32.self)
        p.storeBytes(of: words[2], toByteOffset: 6, as: UInt32.self)
        p.storeBytes(of: words[3], toByteOffset: 9, as: UInt32.self)
    }
}

