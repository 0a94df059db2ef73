/// A point map computed instead of looked up: per band,
///
///     u = v ^ flip                      (v, or 255 − v for decreasing maps)
///     out = clamp(((u · K) >> 8 + C) >> b, 0, 255)
///
/// with `0 ≤ K ≤ 32767`, `C` an Int16 and one shift `b ≤ 7` shared by all bands, which is 16
/// samples in `pxor`, two `punpck`, two `pmulhuw`, two `paddw`, two `psraw`, the clamp and a
/// `packuswb`: about the speed of a memcpy. The form is found by search and kept only if it
/// reproduces every band's table at all 256 levels, so applying it is exactly the table.
struct AffinePointForm {
    struct Band: Equatable {
        var flip: UInt8
        var k: UInt16
        var c: Int16
    }

    let bands: [Band]
    let shift: Int16
    private let tail: ByteTableForm
    /// Lane constants for 48 consecutive samples: 3 flip masks, 6 K and 6 C half-vectors.
    private let flips: (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>)
    private let ks: (SIMD8<UInt16>, SIMD8<UInt16>, SIMD8<UInt16>, SIMD8<UInt16>, SIMD8<UInt16>, SIMD8<UInt16>)
    private let cs: (SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>)

    init?(_ map: PointMap) {
        // Higher shifts keep more fraction bits, so try them first.
        var found: [Band]?
        var shift = 7
        while shift >= 0 {
            found = (0..<map.bands).map { AffinePointForm.search(Array(map.table($0)), shift: shift) }
                .reduce([Band]?([])) { all, band in
                    guard let all, let band else { return nil }
                    return all + [band]
                }
            if found != nil { break }
            shift -= 1
        }
        guard let found else { return nil }
        self.init(bands: found, shift: Int16(shift), map: map)
    }

    private init(bands: [Band], shift: Int16, map: PointMap) {
        self.bands = bands
        self.shift = shift
        self.tail = ByteTableForm(map)
        let n = bands.count
        func flipVector(_ offset: Int) -> SIMD16<UInt8> {
            SIMD16<UInt8>((0..<16).map { bands[(offset + $0) % n].flip })
        }
        func kVector(_ offset: Int) -> SIMD8<UInt16> {
            SIMD8<UInt16>((0..<8).map { bands[(offset + $0) % n].k })
        }
        func cVector(_ offset: Int) -> SIMD8<Int16> {
            SIMD8<Int16>((0..<8).map { bands[(offset + $0) % n].c })
        }
        flips = (flipVector(0), flipVector(16), flipVector(32))
        ks = (kVector(0), kVector(8), kVector(16), kVector(24), kVector(32), kVector(40))
        cs = (cVector(0), cVector(8), cVector(16), cVector(24), cVector(32), cVector(40))
    }

    /// The lane formula, as the kernel computes it (Int16 wrap-around included).
    static func evaluate(_ v: Int, _ band: Band, shift: Int16) -> UInt8 {
        let u = UInt16(UInt8(v) ^ band.flip)
        let p = UInt16(truncatingIfNeeded: (UInt32(u << 8) &* UInt32(band.k)) >> 16)
        let y = Int16(bitPattern: p) &+ band.c
        return UInt8(Swift.max(0, Swift.min(255, Int(y >> shift))))
    }

    /// Finds `flip`, `K`, `C` reproducing `table` with shift `b`, or nil.
    static func search(_ table: [UInt8], shift b: Int) -> Band? {
        let t = table.map(Int.init)
        let flip: UInt8 = t[255] < t[0] ? 255 : 0
        // The table as a function of u, which should be non-decreasing.
        let target = (0..<256).map { t[$0 ^ Int(flip)] }
        let unit = 1 << b
        // The range each u's value y = (u·K) >> 8 + C must fall in, before the shift.
        let lows = target.map { $0 == 0 ? Int.min : $0 * unit }
        let highs = target.map { $0 == 255 ? Int.max : ($0 + 1) * unit - 1 }
        // Pairs bound the slope: K·(u2 − u1)/256 differs from y(u2) − y(u1) by less than 1.
        var kLow = 0.0, kHigh = 32767.0
        for u2 in 1..<256 {
            for u1 in 0..<u2 {
                let span = Double(u2 - u1) / 256
                if lows[u2] != Int.min && highs[u1] != Int.max {
                    kLow = Swift.max(kLow, Double(lows[u2] - highs[u1] - 1) / span)
                }
                if highs[u2] != Int.max && lows[u1] != Int.min {
                    kHigh = Swift.min(kHigh, Double(highs[u2] - lows[u1] + 1) / span)
                }
            }
            if kLow > kHigh { return nil }
        }
        // Candidates from the middle of the range outwards; a few thousand at most.
        let first = Int(kLow.rounded(.up)), last = Int(kHigh.rounded(.down))
        guard first <= last else { return nil }
        let centre = (first + last) / 2
        let reach = Swift.min((last - first) / 2 + 1, 2048)
        for step in 0...(2 * reach) {
            let k = centre + (step % 2 == 0 ? step / 2 : -(step + 1) / 2)
            guard k >= first && k <= last else { continue }
            if let c = intercept(target, k: k, shift: b) {
                let band = Band(flip: flip, k: UInt16(k), c: Int16(c))
                if (0..<256).allSatisfy({ evaluate($0, band, shift: Int16(b)) == UInt8(t[$0]) }) {
                    return band
                }
            }
        }
        return nil
    }

    /// The smallest `C` such that `clamp(((u·K) >> 8 + C) >> b)` equals `target[u]` for every
    /// `u` without leaving Int16, or nil.
    private static func intercept(_ target: [Int], k: Int, shift b: Int) -> Int? {
        var low = Int(Int16.min), high = Int(Int16.max)
        let unit = 1 << b
        for u in 0..<256 {
            let p = (u * k) >> 8
            low = Swift.max(low, Int(Int16.min) - p)
            high = Swift.min(high, Int(Int16.max) - p)
            switch target[u] {
            case 0: high = Swift.min(high, unit - 1 - p)
            case 255: low = Swift.max(low, 255 * unit - p)
            case let level:
                low = Swift.max(low, level * unit - p)
                high = Swift.min(high, (level + 1) * unit - 1 - p)
            }
            if low > high { return nil }
        }
        return low
    }

    func map(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<UInt8>, count: Int) {
        let from = UnsafeRawPointer(src), to = UnsafeMutableRawPointer(dst)
        let b = SIMD8<Int16>(repeating: shift)
        @inline(__always)
        func sixteen(_ v: SIMD16<UInt8>, _ flip: SIMD16<UInt8>, _ k0: SIMD8<UInt16>, _ c0: SIMD8<Int16>,
                     _ k1: SIMD8<UInt16>, _ c1: SIMD8<Int16>) -> SIMD16<UInt8> {
            let u = v ^ flip
            let lo = unsafeBitCast(TonalSIMD.multipliedHigh(TonalSIMD.shiftedIntoHighByteLow(u), k0),
                                   to: SIMD8<Int16>.self) &+ c0
            let hi = unsafeBitCast(TonalSIMD.multipliedHigh(TonalSIMD.shiftedIntoHighByteHigh(u), k1),
                                   to: SIMD8<Int16>.self) &+ c1
            return narrowedToBytes(TonalSIMD.clampedToByte(lo &>> b), TonalSIMD.clampedToByte(hi &>> b))
        }
        var i = 0
        while i &+ 48 <= count {
            let a = from.loadVector(SIMD16<UInt8>.self, at: i)
            let c = from.loadVector(SIMD16<UInt8>.self, at: i &+ 16)
            let e = from.loadVector(SIMD16<UInt8>.self, at: i &+ 32)
            to.storeVector(sixteen(a, flips.0, ks.0, cs.0, ks.1, cs.1), at: i)
            to.storeVector(sixteen(c, flips.1, ks.2, cs.2, ks.3, cs.3), at: i &+ 16)
            to.storeVector(sixteen(e, flips.2, ks.4, cs.4, ks.5, cs.5), at: i &+ 32)
            i &+= 48
        }
        if i < count { tail.mapTail(src, into: dst, from: i, count: count) }
    }
}
