// SIMD building blocks of the resampling kernels, written so that LLVM lowers each one to the
// SSE2 instruction named beside it (checked in the disassembly of a release build). Other
// spellings of the same operations (`init(truncatingIfNeeded:)` on whole vectors, `clamped`,
// `init(clamping:)`) compiled to calls or to scalar loops.

/// `punpcklbw`: bytes `a0 b0 a1 b1 … a7 b7`.
@inline(__always)
func interleavedLow(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD16<UInt8> {
    SIMD16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3],
           a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
}

/// `punpckhbw`: bytes `a8 b8 a9 b9 … a15 b15`.
@inline(__always)
func interleavedHigh(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD16<UInt8> {
    SIMD16(a[8], b[8], a[9], b[9], a[10], b[10], a[11], b[11],
           a[12], b[12], a[13], b[13], a[14], b[14], a[15], b[15])
}

/// Bytes 0–7 zero-extended to Int16 (`punpcklbw` + `psrlw 8`; interleaving with a zero vector
/// instead is merged with neighbouring shuffles into a slow byte-by-byte sequence).
@inline(__always)
func widenedLow(_ a: SIMD16<UInt8>) -> SIMD8<Int16> {
    unsafeBitCast(unsafeBitCast(interleavedLow(a, a), to: SIMD8<UInt16>.self) &>> 8,
                  to: SIMD8<Int16>.self)
}

/// Bytes 8–15 zero-extended to Int16 (`punpckhbw` + `psrlw 8`).
@inline(__always)
func widenedHigh(_ a: SIMD16<UInt8>) -> SIMD8<Int16> {
    unsafeBitCast(unsafeBitCast(interleavedHigh(a, a), to: SIMD8<UInt16>.self) &>> 8,
                  to: SIMD8<Int16>.self)
}

/// `pmaddwd`: `x0*k0 + x1*k1, x2*k2 + x3*k3, …` in Int32, exact. (Widening with
/// `SIMD8<Int32>(truncatingIfNeeded:)` is not always inlined; lane by lane it always is.)
@inline(__always)
func multipliedPairSums(_ x: SIMD8<Int16>, _ k: SIMD8<Int16>) -> SIMD4<Int32> {
    let p = widened(x) &* widened(k)
    return p.evenHalf &+ p.oddHalf
}

/// `pmulhw`: `(x * k) >> 16` lane by lane (the high half of each Int32 product).
@inline(__always)
func multipliedHigh(_ x: SIMD8<Int16>, _ k: SIMD8<Int16>) -> SIMD8<Int16> {
    let p = (widened(x) &* widened(k)) &>> 16
    return SIMD8(Int16(truncatingIfNeeded: p[0]), Int16(truncatingIfNeeded: p[1]),
                 Int16(truncatingIfNeeded: p[2]), Int16(truncatingIfNeeded: p[3]),
                 Int16(truncatingIfNeeded: p[4]), Int16(truncatingIfNeeded: p[5]),
                 Int16(truncatingIfNeeded: p[6]), Int16(truncatingIfNeeded: p[7]))
}

/// `punpcklwd`: `a0 b0 a1 b1 a2 b2 a3 b3`.
@inline(__always)
func zippedLow(_ a: SIMD8<Int16>, _ b: SIMD8<Int16>) -> SIMD8<Int16> {
    SIMD8(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3])
}

/// `punpckhwd`: `a4 b4 a5 b5 a6 b6 a7 b7`.
@inline(__always)
func zippedHigh(_ a: SIMD8<Int16>, _ b: SIMD8<Int16>) -> SIMD8<Int16> {
    SIMD8(a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
}

@inline(__always)
func widened(_ x: SIMD8<Int16>) -> SIMD8<Int32> {
    SIMD8(Int32(x[0]), Int32(x[1]), Int32(x[2]), Int32(x[3]),
          Int32(x[4]), Int32(x[5]), Int32(x[6]), Int32(x[7]))
}

/// Fixed-point sums to Int16, `floor(sum / 2^(16 - up))`, taken as the high halves of
/// `sum << up` (`pslld`, `psrad 16`, `packssdw`; truncating conversions compile to calls).
@inline(__always)
func descaled(_ a: SIMD4<Int32>, _ b: SIMD4<Int32>, up: SIMD4<Int32>) -> SIMD8<Int16> {
    highHalves(a &<< up, b &<< up)
}

/// Fixed-point sums to Int16, `floor(sum / 2^(16 + down))` (`psrad`, `psrad 16`, `packssdw`).
@inline(__always)
func descaled(_ a: SIMD4<Int32>, _ b: SIMD4<Int32>, down: SIMD4<Int32>) -> SIMD8<Int16> {
    highHalves(a &>> down, b &>> down)
}

@inline(__always)
func highHalves(_ a: SIMD4<Int32>, _ b: SIMD4<Int32>) -> SIMD8<Int16> {
    let x = unsafeBitCast(a, to: SIMD8<Int16>.self), y = unsafeBitCast(b, to: SIMD8<Int16>.self)
    return SIMD8(x[1], x[3], x[5], x[7], y[1], y[3], y[5], y[7])
}

/// Clamps to `0 ... upper` (`pmaxsw`, `pminsw`).
@inline(__always)
func clamped(_ x: SIMD8<Int16>, to upper: Int16) -> SIMD8<Int16> {
    let positive = x & ~(x &>> 15)
    let headroom = SIMD8<Int16>(repeating: upper) &- positive
    return SIMD8<Int16>(repeating: upper) &- (headroom & ~(headroom &>> 15))
}

/// Two vectors of 0…255 to bytes (`packuswb`).
@inline(__always)
func narrowedToBytes(_ lo: SIMD8<Int16>, _ hi: SIMD8<Int16>) -> SIMD16<UInt8> {
    let x = unsafeBitCast(lo, to: SIMD16<UInt8>.self), y = unsafeBitCast(hi, to: SIMD16<UInt8>.self)
    return SIMD16(x[0], x[2], x[4], x[6], x[8], x[10], x[12], x[14],
                  y[0], y[2], y[4], y[6], y[8], y[10], y[12], y[14])
}

extension UnsafeRawPointer {
    @inline(__always)
    func loadVector<V: SIMD>(_ type: V.Type, at byteOffset: Int = 0) -> V {
        loadUnaligned(fromByteOffset: byteOffset, as: V.self)
    }
}

extension UnsafeMutableRawPointer {
    @inline(__always)
    func storeVector<V: SIMD>(_ value: V, at byteOffset: Int = 0) {
        storeBytes(of: value, toByteOffset: byteOffset, as: V.self)
    }
}
