// SIMD building blocks of the tonal kernels (point maps, blends, luma, smoothing), each written
// so that LLVM lowers it to the SSE2 instructions named beside it on baseline x86-64 (checked
// in the disassembly of a release build).
//
// Conversions are spelled lane by lane or as shuffles of bit casts, never with
// `init(truncatingIfNeeded:)` on whole vectors: once a module has enough call sites of that
// generic initialiser, the inliner stops inlining it, and every kernel that uses it (ours and
// the resampler's) turns into calls and `pmuludq` sequences, 1.5–2× slower. The resampling
// helpers in ResampleSIMD.swift follow the same rule; these live in their own namespace so the
// two files can change independently.

enum TonalSIMD {
    /// 16 bytes from `base + offset` (`movdqu`).
    @inline(__always)
    static func bytes(_ base: UnsafeRawPointer, at offset: Int) -> SIMD16<UInt8> {
        base.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
    }

    /// 8 Int16 from `base + offset` (`movdqu`).
    @inline(__always)
    static func words(_ base: UnsafeRawPointer, at offset: Int) -> SIMD8<Int16> {
        base.loadUnaligned(fromByteOffset: offset, as: SIMD8<Int16>.self)
    }

    @inline(__always)
    static func store<V: SIMD>(_ value: V, to base: UnsafeMutableRawPointer, at offset: Int) {
        base.storeBytes(of: value, toByteOffset: offset, as: V.self)
    }

    /// `punpcklbw`: bytes `a0 b0 a1 b1 … a7 b7`.
    @inline(__always)
    static func zipBytesLow(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD16<UInt8> {
        SIMD16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3],
               a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
    }

    /// `punpckhbw`: bytes `a8 b8 a9 b9 … a15 b15`.
    @inline(__always)
    static func zipBytesHigh(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD16<UInt8> {
        SIMD16(a[8], b[8], a[9], b[9], a[10], b[10], a[11], b[11],
               a[12], b[12], a[13], b[13], a[14], b[14], a[15], b[15])
    }

    /// `punpcklwd`: `a0 b0 a1 b1 a2 b2 a3 b3`.
    @inline(__always)
    static func zipWordsLow(_ a: SIMD8<Int16>, _ b: SIMD8<Int16>) -> SIMD8<Int16> {
        SIMD8(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3])
    }

    /// `punpckhwd`: `a4 b4 a5 b5 a6 b6 a7 b7`.
    @inline(__always)
    static func zipWordsHigh(_ a: SIMD8<Int16>, _ b: SIMD8<Int16>) -> SIMD8<Int16> {
        SIMD8(a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
    }

    /// The upper 8 bytes repeated (`punpckhqdq v, v` or `pshufd`).
    @inline(__always)
    static func upperHalfRepeated(_ a: SIMD16<UInt8>) -> SIMD16<UInt8> {
        SIMD16(a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15],
               a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15])
    }

    /// Bytes 0–7 zero-extended to Int16 (`punpcklbw v, zero`).
    @inline(__always)
    static func zeroExtendedLow(_ v: SIMD16<UInt8>) -> SIMD8<Int16> {
        unsafeBitCast(zipBytesLow(v, SIMD16<UInt8>()), to: SIMD8<Int16>.self)
    }

    /// Bytes 8–15 zero-extended to Int16 (`punpckhbw v, zero`).
    @inline(__always)
    static func zeroExtendedHigh(_ v: SIMD16<UInt8>) -> SIMD8<Int16> {
        unsafeBitCast(zipBytesHigh(v, SIMD16<UInt8>()), to: SIMD8<Int16>.self)
    }

    /// Bytes 0–7 as UInt16 lanes holding `v << 8` (`punpcklbw zero, v`).
    @inline(__always)
    static func shiftedIntoHighByteLow(_ v: SIMD16<UInt8>) -> SIMD8<UInt16> {
        unsafeBitCast(zipBytesLow(SIMD16<UInt8>(), v), to: SIMD8<UInt16>.self)
    }

    /// Bytes 8–15 as UInt16 lanes holding `v << 8` (`punpckhbw zero, v`).
    @inline(__always)
    static func shiftedIntoHighByteHigh(_ v: SIMD16<UInt8>) -> SIMD8<UInt16> {
        unsafeBitCast(zipBytesHigh(SIMD16<UInt8>(), v), to: SIMD8<UInt16>.self)
    }

    /// `pmaddwd`: `x0·k0 + x1·k1, x2·k2 + x3·k3, …` in Int32, exact.
    @inline(__always)
    static func pairSums(_ x: SIMD8<Int16>, _ k: SIMD8<Int16>) -> SIMD4<Int32> {
        let p = widened(x) &* widened(k)
        return p.evenHalf &+ p.oddHalf
    }

    @inline(__always)
    static func widened(_ x: SIMD8<Int16>) -> SIMD8<Int32> {
        SIMD8(Int32(x[0]), Int32(x[1]), Int32(x[2]), Int32(x[3]),
              Int32(x[4]), Int32(x[5]), Int32(x[6]), Int32(x[7]))
    }

    /// `pmulhuw`: `(a · b) >> 16` per UInt16 lane.
    @inline(__always)
    static func multipliedHigh(_ a: SIMD8<UInt16>, _ b: SIMD8<UInt16>) -> SIMD8<UInt16> {
        let wa = SIMD8(UInt32(a[0]), UInt32(a[1]), UInt32(a[2]), UInt32(a[3]),
                       UInt32(a[4]), UInt32(a[5]), UInt32(a[6]), UInt32(a[7]))
        let wb = SIMD8(UInt32(b[0]), UInt32(b[1]), UInt32(b[2]), UInt32(b[3]),
                       UInt32(b[4]), UInt32(b[5]), UInt32(b[6]), UInt32(b[7]))
        let p = (wa &* wb) &>> 16
        return SIMD8(UInt16(truncatingIfNeeded: p[0]), UInt16(truncatingIfNeeded: p[1]),
                     UInt16(truncatingIfNeeded: p[2]), UInt16(truncatingIfNeeded: p[3]),
                     UInt16(truncatingIfNeeded: p[4]), UInt16(truncatingIfNeeded: p[5]),
                     UInt16(truncatingIfNeeded: p[6]), UInt16(truncatingIfNeeded: p[7]))
    }

    /// The high halves of Int32 lanes as Int16, i.e. `x >> 16` narrowed (`psrad 16`,
    /// `packssdw`).
    @inline(__always)
    static func highHalves(_ a: SIMD4<Int32>, _ b: SIMD4<Int32>) -> SIMD8<Int16> {
        let x = unsafeBitCast(a, to: SIMD8<Int16>.self), y = unsafeBitCast(b, to: SIMD8<Int16>.self)
        return SIMD8(x[1], x[3], x[5], x[7], y[1], y[3], y[5], y[7])
    }

    /// Int32 lanes in `-32768 ... 32767` narrowed to Int16 (`pslld 16`, `psrad 16`, `packssdw`).
    @inline(__always)
    static func narrowed(_ a: SIMD4<Int32>, _ b: SIMD4<Int32>) -> SIMD8<Int16> {
        highHalves(a &<< 16, b &<< 16)
    }

    /// Clamps Int16 lanes to `0 ... 255` (`pmaxsw`, `pminsw`), ready for
    /// ``packedBytes(_:_:)``.
    @inline(__always)
    static func clampedToByte(_ x: SIMD8<Int16>) -> SIMD8<Int16> {
        let positive = x & ~(x &>> 15)
        let headroom = SIMD8<Int16>(repeating: 255) &- positive
        return SIMD8<Int16>(repeating: 255) &- (headroom & ~(headroom &>> 15))
    }

    /// Clamps Int32 lanes to `0 ... 255` (`psrad`, `pandn`, `psubd`).
    @inline(__always)
    static func clampedToByte(_ x: SIMD4<Int32>) -> SIMD4<Int32> {
        let positive = x & ~(x &>> 31)
        let headroom = SIMD4<Int32>(repeating: 255) &- positive
        return SIMD4<Int32>(repeating: 255) &- (headroom & ~(headroom &>> 31))
    }

    /// Two vectors of Int16 lanes in `0 ... 255` to bytes (`packuswb`).
    @inline(__always)
    static func packedBytes(_ lo: SIMD8<Int16>, _ hi: SIMD8<Int16>) -> SIMD16<UInt8> {
        let x = unsafeBitCast(lo, to: SIMD16<UInt8>.self), y = unsafeBitCast(hi, to: SIMD16<UInt8>.self)
        return SIMD16(x[0], x[2], x[4], x[6], x[8], x[10], x[12], x[14],
                      y[0], y[2], y[4], y[6], y[8], y[10], y[12], y[14])
    }

    /// All-ones bytes where `a == b` (`pcmpeqb`).
    @inline(__always)
    static func equalMask(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD16<UInt8> {
        unsafeBitCast(a .== b, to: SIMD16<UInt8>.self)
    }
}
