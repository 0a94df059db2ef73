// SIMD building blocks of the tonal kernels (point operations, blends, luma), in addition to
// the resampling ones in ResampleSIMD.swift (`interleavedLow`, `widenedLow`,
// `multipliedPairSums`, `narrowedToBytes`, `loadVector`, `storeVector`). Each is written so
// that LLVM lowers it to the SSE2 instructions named beside it on baseline x86-64.

enum TonalSIMD {
    /// Bytes 0–7 as UInt16 lanes holding `v << 8` (`punpcklbw zero, v`).
    @inline(__always)
    static func shiftedIntoHighByteLow(_ v: SIMD16<UInt8>) -> SIMD8<UInt16> {
        unsafeBitCast(interleavedLow(SIMD16<UInt8>(), v), to: SIMD8<UInt16>.self)
    }

    /// Bytes 8–15 as UInt16 lanes holding `v << 8` (`punpckhbw zero, v`).
    @inline(__always)
    static func shiftedIntoHighByteHigh(_ v: SIMD16<UInt8>) -> SIMD8<UInt16> {
        unsafeBitCast(interleavedHigh(SIMD16<UInt8>(), v), to: SIMD8<UInt16>.self)
    }

    /// `pmulhuw`: `(a · b) >> 16` per UInt16 lane.
    @inline(__always)
    static func multipliedHigh(_ a: SIMD8<UInt16>, _ b: SIMD8<UInt16>) -> SIMD8<UInt16> {
        let p = SIMD8<UInt32>(truncatingIfNeeded: a) &* SIMD8<UInt32>(truncatingIfNeeded: b)
        return SIMD8<UInt16>(truncatingIfNeeded: p &>> 16)
    }

    /// Clamps Int16 lanes to `0 ... 255` (`psraw`, `pandn`, `psubw`), ready for
    /// ``narrowedToBytes(_:_:)``.
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

    /// Two vectors of Int32 lanes in `-32768 ... 32767` to Int16 lanes (`pslld`, `psrad`,
    /// `packssdw`: the sign extension in register lets LLVM pack instead of shuffling).
    @inline(__always)
    static func narrowed(_ a: SIMD4<Int32>, _ b: SIMD4<Int32>) -> SIMD8<Int16> {
        let lo = (a &<< 16) &>> 16
        let hi = (b &<< 16) &>> 16
        return SIMD8<Int16>(truncatingIfNeeded: SIMD8<Int32>(lowHalf: lo, highHalf: hi))
    }

    /// Int16 lanes 0–3 of `a` and `b` interleaved (`punpcklwd`).
    @inline(__always)
    static func interleavedWordsLow(_ a: SIMD8<Int16>, _ b: SIMD8<Int16>) -> SIMD8<Int16> {
        SIMD8(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3])
    }

    /// Int16 lanes 4–7 of `a` and `b` interleaved (`punpckhwd`).
    @inline(__always)
    static func interleavedWordsHigh(_ a: SIMD8<Int16>, _ b: SIMD8<Int16>) -> SIMD8<Int16> {
        SIMD8(a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
    }

    /// Bytes 0–7 zero-extended to Int16 (`punpcklbw v, zero`).
    @inline(__always)
    static func zeroExtendedLow(_ v: SIMD16<UInt8>) -> SIMD8<Int16> {
        unsafeBitCast(interleavedLow(v, SIMD16<UInt8>()), to: SIMD8<Int16>.self)
    }

    /// Bytes 8–15 zero-extended to Int16 (`punpckhbw v, zero`).
    @inline(__always)
    static func zeroExtendedHigh(_ v: SIMD16<UInt8>) -> SIMD8<Int16> {
        unsafeBitCast(interleavedHigh(v, SIMD16<UInt8>()), to: SIMD8<Int16>.self)
    }

    /// The upper 8 bytes repeated (`punpckhqdq v, v`).
    @inline(__always)
    static func upperHalfRepeated(_ a: SIMD16<UInt8>) -> SIMD16<UInt8> {
        SIMD16(a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15],
               a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15])
    }
}
