/// Reverses the order of the pixels of one row (the inner loop of ``flip(_:_:into:threads:)``
/// horizontally and of the half turn): `dst` pixel `i` = `src` pixel `count − 1 − i`.
///
/// 1 and 4 bands reverse 16 bytes per step with SSE2 shuffles (`pshufd`, `pshuflw`,
/// `pshufhw`, and a 16-bit rotate for single bytes). 3-byte pixels use overlapping 4-byte
/// moves: pixel `i` is read with the byte before it and written with the byte before its
/// destination, which the next step (the destination's left neighbour) overwrites; the two end
/// pixels are copied byte by byte so that nothing outside either row is read or written.
/// `src` and `dst` must not overlap.
enum FlipPixels {
    static func reverse(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<UInt8>,
                        count: Int, bands: Int) {
        switch bands {
        case 1: reverseBytes(src, into: dst, count: count)
        case 3: reverseTriples(src, into: dst, count: count)
        case 4: reverseQuads(src, into: dst, count: count)
        default:
            for i in 0..<count {
                (dst + (count &- 1 &- i) &* bands).update(from: src + i &* bands, count: bands)
            }
        }
    }

    private static func reverseBytes(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<UInt8>,
                                     count: Int) {
        let from = UnsafeRawPointer(src), to = UnsafeMutableRawPointer(dst)
        var i = 0
        while i &+ 16 <= count {
            let v = from.loadVector(SIMD16<UInt8>.self, at: i)
            to.storeVector(reversedBytes(v), at: count &- 16 &- i)
            i &+= 16
        }
        while i < count {
            dst[count &- 1 &- i] = src[i]
            i &+= 1
        }
    }

    private static func reverseQuads(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<UInt8>,
                                     count: Int) {
        let from = UnsafeRawPointer(src), to = UnsafeMutableRawPointer(dst)
        var i = 0
        while i &+ 4 <= count {
            let v = from.loadVector(SIMD4<UInt32>.self, at: 4 &* i)
            to.storeVector(SIMD4(v[3], v[2], v[1], v[0]), at: 4 &* (count &- 4 &- i))
            i &+= 4
        }
        while i < count {
            let p = from.loadUnaligned(fromByteOffset: 4 &* i, as: UInt32.self)
            to.storeBytes(of: p, toByteOffset: 4 &* (count &- 1 &- i), as: UInt32.self)
            i &+= 1
        }
    }

    private static func reverseTriples(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<UInt8>,
                                       count: Int) {
        func copyPixel(_ i: Int) {
            let s = 3 &* i, d = 3 &* (count &- 1 &- i)
            dst[d] = src[s]
            dst[d &+ 1] = src[s &+ 1]
            dst[d &+ 2] = src[s &+ 2]
        }
        guard count > 2 else {
            for i in 0..<count { copyPixel(i) }
            return
        }
        copyPixel(0)
        // Reads bytes 3i−1 … 3i+2 and writes 3j−1 … 3j+2 (j = count−1−i): the stray first byte
        // lands on pixel j−1's last byte, which step i+1 writes next.
        let from = UnsafeRawPointer(src) - 1, to = UnsafeMutableRawPointer(dst) - 1
        var i = 1, j = count &- 2
        while i &+ 4 <= count &- 1 {
            let p0 = from.loadUnaligned(fromByteOffset: 3 &* i, as: UInt32.self)
            let p1 = from.loadUnaligned(fromByteOffset: 3 &* i &+ 3, as: UInt32.self)
            let p2 = from.loadUnaligned(fromByteOffset: 3 &* i &+ 6, as: UInt32.self)
            let p3 = from.loadUnaligned(fromByteOffset: 3 &* i &+ 9, as: UInt32.self)
            to.storeBytes(of: p0, toByteOffset: 3 &* j, as: UInt32.self)
            to.storeBytes(of: p1, toByteOffset: 3 &* j &- 3, as: UInt32.self)
            to.storeBytes(of: p2, toByteOffset: 3 &* j &- 6, as: UInt32.self)
            to.storeBytes(of: p3, toByteOffset: 3 &* j &- 9, as: UInt32.self)
            i &+= 4
            j &-= 4
        }
        while i < count &- 1 {
            let p = from.loadUnaligned(fromByteOffset: 3 &* i, as: UInt32.self)
            to.storeBytes(of: p, toByteOffset: 3 &* j, as: UInt32.self)
            i &+= 1
            j &-= 1
        }
        copyPixel(count &- 1)
    }

    /// The 16 bytes in reverse order: dwords reversed (`pshufd`), words swapped within each
    /// dword (`pshuflw`, `pshufhw`), then the two bytes of each word (`psllw`, `psrlw`, `por`).
    @inline(__always)
    static func reversedBytes(_ v: SIMD16<UInt8>) -> SIMD16<UInt8> {
        let d = unsafeBitCast(v, to: SIMD4<UInt32>.self)
        let dr = SIMD4(d[3], d[2], d[1], d[0])
        let w = unsafeBitCast(dr, to: SIMD8<UInt16>.self)
        let wr = SIMD8(w[1], w[0], w[3], w[2], w[5], w[4], w[7], w[6])
        return unsafeBitCast((wr &<< 8) | (wr &>> 8), to: SIMD16<UInt8>.self)
    }
}
