/// A point map computed instead of looked up: per band,
///
///     u = v ^ flip                      (v, or 255 − v for decreasing maps)
///     out = clamp(((u · K) >> 8 + C) >> b, 0, 255) + correction[v]
///
/// with `0 ≤ K ≤ 32767`, `C` an Int16 and one shift `b ≤ 7` shared by all bands, which is 16
/// samples in `pxor`, two `punpck`, two `pmulhuw`, two `paddw`, two `psraw`, the clamp and a
/// `packuswb`: about the speed of a memcpy.
///
/// Pillow's Float32 blends are not always the floor of a straight line: at brightness 1.3,
/// `1.3f · 80` rounds up to exactly 104 but `1.3f · 90` stays below 117, so no line gives
/// both. Such levels become corrections, `out += (v == level) & delta` (`pcmpeqb`, `pand`,
/// `paddb`), at most ``maximumCorrections`` of them. The form is found by search and kept only
/// if it reproduces every band's table at all 256 levels, so applying it is exactly the table.
struct AffinePointForm {
    struct Band: Equatable {
        var flip: UInt8
        var k: UInt16
        var c: Int16
        /// Levels `v` whose line value is off, and what to add (wrapping).
        var corrections: [Correction] = []
    }

    struct Correction: Hashable {
        var level: UInt8
        var delta: UInt8
    }

    /// Beyond this many distinct corrections the pair tables are as fast.
    static let maximumCorrections = 8

    let bands: [Band]
    let shift: Int16
    private let tail: ByteTableForm
    /// Lane constants for 48 consecutive samples: 3 flip masks, 6 K and 6 C half-vectors.
    private let flips: (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>)
    private let ks: (SIMD8<UInt16>, SIMD8<UInt16>, SIMD8<UInt16>, SIMD8<UInt16>, SIMD8<UInt16>, SIMD8<UInt16>)
    private let cs: (SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>, SIMD8<Int16>)
    /// Per correction: the level in every lane, and the delta in the lanes of the bands it
    /// applies to for each of the three vectors of a 48-sample block. Corrections with the same
    /// deltas are adjacent and share one `pand`/`paddb`: their masks are OR-ed, and the last
    /// of the group (`closesGroup`) applies them.
    private let corrections: [LaneCorrection]

    private struct LaneCorrection {
        var level: SIMD16<UInt8>
        var deltas: (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>)
        var closesGroup: Bool
    }

    /// `allowsCorrections: false` accepts only exact lines (the search with corrections takes
    /// up to ~1 ms).
    init?(_ map: PointMap, allowsCorrections: Bool = true) {
        // Identical tables (R, G and B of most operations) are searched once.
        var distinct: [[UInt8]] = []
        let tableIndex = (0..<map.bands).map { band -> Int in
            let table = Array(map.table(band))
            if let i = distinct.firstIndex(of: table) { return i }
            distinct.append(table)
            return distinct.count - 1
        }
        // Higher shifts keep more fraction bits: try them first; exact beats corrected.
        var best: (bands: [Band], shift: Int, corrections: Int)?
        for allowsCorrections in allowsCorrections ? [false, true] : [false] where best == nil {
            for shift in stride(from: 7, through: 0, by: -1) {
                let found = distinct.map {
                    AffinePointForm.search($0, shift: shift, allowsCorrections: allowsCorrections)
                }
                guard found.allSatisfy({ $0 != nil }) else { continue }
                let bands = tableIndex.map { found[$0]! }
                let count = Set(bands.flatMap(\.corrections)).count
                if count <= AffinePointForm.maximumCorrections && count < (best?.corrections ?? Int.max) {
                    best = (bands, shift, count)
                }
                // Exact, or the most precise shift that works with corrections: done.
                if count == 0 || (allowsCorrections && best != nil) { break }
            }
        }
        guard let best else { return nil }
        self.init(bands: best.bands, shift: Int16(best.shift), map: map)
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
        let all = Set(bands.flatMap(\.corrections))
        var lanes = all.map { correction in
            func deltaVector(_ offset: Int) -> SIMD16<UInt8> {
                SIMD16<UInt8>((0..<16).map {
                    bands[(offset + $0) % n].corrections.contains(correction) ? correction.delta : 0
                })
            }
            return LaneCorrection(level: SIMD16(repeating: correction.level),
                                  deltas: (deltaVector(0), deltaVector(16), deltaVector(32)), closesGroup: true)
        }
        // Group equal deltas together; only the last of each group applies them.
        func key(_ c: LaneCorrection) -> [UInt8] {
            (0..<16).flatMap { [c.deltas.0[$0], c.deltas.1[$0], c.deltas.2[$0]] }
        }
        lanes.sort { key($0).lexicographicallyPrecedes(key($1)) }
        for i in lanes.indices { lanes[i].closesGroup = i == lanes.count - 1 || key(lanes[i]) != key(lanes[i + 1]) }
        corrections = lanes
    }

    /// The lane formula, as the kernel computes it (Int16 wrap-around included).
    static func evaluate(_ v: Int, _ band: Band, shift: Int16) -> UInt8 {
        let u = UInt16(UInt8(v) ^ band.flip)
        let p = UInt16(truncatingIfNeeded: (UInt32(u << 8) &* UInt32(band.k)) >> 16)
        let y = Int16(bitPattern: p) &+ band.c
        return UInt8(Swift.max(0, Swift.min(255, Int(y >> shift))))
    }

    /// Finds `flip`, `K`, `C` reproducing `table` with shift `b`, exactly or (when allowed) up
    /// to ``maximumCorrections`` corrected levels; nil if there is none.
    static func search(_ table: [UInt8], shift b: Int, allowsCorrections: Bool) -> Band? {
        let t = table.map(Int.init)
        let flip: UInt8 = t[255] < t[0] ? 255 : 0
        // The table as a function of u, which should be non-decreasing.
        let target = (0..<256).map { t[$0 ^ Int(flip)] }
        let unit = 1 << b
        // The range each u's value y = (u·K) >> 8 + C must fall in, before the shift.
        let lows = target.map { $0 == 0 ? Int.min : $0 * unit }
        let highs = target.map { $0 == 255 ? Int.max : ($0 + 1) * unit - 1 }
        let candidates: [Int]
        if !allowsCorrections {
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
            let first = Int(kLow.rounded(.up)), last = Int(kHigh.rounded(.down))
            guard first <= last else { return nil }
            // From the middle of the range outwards; a few thousand at most.
            let centre = (first + last) / 2
            candidates = (0...(2 * Swift.min((last - first) / 2 + 1, 2048)))
                .map { centre + ($0 % 2 == 0 ? $0 / 2 : -($0 + 1) / 2) }
                .filter { $0 >= first && $0 <= last }
        } else {
            // The slope between the outermost levels strictly inside 0…255, give or take.
            let interior = (0..<256).filter { target[$0] > 0 && target[$0] < 255 }
            guard let first = interior.first, let last = interior.last, last > first else { return nil }
            let k0 = Int((Double(target[last] - target[first]) / Double(last - first) * Double(256 * unit)).rounded())
            guard k0 <= 32767 + 32 else { return nil }
            candidates = (0...64).map { k0 + ($0 % 2 == 0 ? $0 / 2 : -($0 + 1) / 2) }.filter { $0 >= 0 && $0 <= 32767 }
        }
        var best: (band: Band, misses: Int)?
        for (index, k) in candidates.enumerated() {
            // With corrections, give up early when even the estimated slope misses by far.
            if allowsCorrections && index == 1 && (best?.misses ?? Int.max) > 3 * maximumCorrections { return nil }
            guard let (c, misses) = intercept(lows, highs, k: k, exact: !allowsCorrections),
                  misses < (best?.misses ?? Int.max)
            else { continue }
            best = (Band(flip: flip, k: UInt16(k), c: Int16(c)), misses)
            if misses == 0 { break }
        }
        guard var band = best?.band, best!.misses <= maximumCorrections else { return nil }
        for v in 0..<256 {
            let line = evaluate(v, band, shift: Int16(b))
            if line != table[v] { band.corrections.append(Correction(level: UInt8(v), delta: table[v] &- line)) }
        }
        guard band.corrections.count <= maximumCorrections,
              (0..<256).allSatisfy({ apply(UInt8($0), band, shift: Int16(b)) == table[$0] })
        else { return nil }
        return band
    }

    /// The line value with the band's corrections, as the kernel computes it.
    static func apply(_ v: UInt8, _ band: Band, shift: Int16) -> UInt8 {
        var out = evaluate(Int(v), band, shift: shift)
        for correction in band.corrections where correction.level == v { out &+= correction.delta }
        return out
    }

    /// The intercept `C` satisfying the most levels' ranges `lows[u]…highs[u]` (before the
    /// shift) for slope `K`, without leaving Int16, and how many levels it misses; with `exact`,
    /// only an intercept that misses none.
    private static func intercept(_ lows: [Int], _ highs: [Int], k: Int, exact: Bool) -> (Int, Int)? {
        // Int16 bounds hold for every level; p(u) = (u·K) >> 8 grows with u.
        let hardLow = Int(Int16.min), hardHigh = Int(Int16.max) - (255 * k) >> 8
        var low = hardLow, high = hardHigh
        var starts: [Int] = [], ends: [Int] = []
        if !exact {
            starts.reserveCapacity(256)
            ends.reserveCapacity(256)
        }
        for u in 0..<256 {
            let p = (u * k) >> 8
            let lo = lows[u] == Int.min ? hardLow : Swift.max(hardLow, lows[u] - p)
            let hi = highs[u] == Int.max ? hardHigh : Swift.min(hardHigh, highs[u] - p)
            if exact {
                low = Swift.max(low, lo)
                high = Swift.min(high, hi)
                if low > high { return nil }
            } else if lo <= hi {
                starts.append(lo)
                ends.append(hi + 1)
            }
        }
        if exact { return (low, 0) }
        // The point covered by most ranges: sweep the sorted ends, removals first.
        starts.sort()
        ends.sort()
        var covered = 0, most = 0, at = hardLow
        var e = 0
        for start in starts {
            while e < ends.count && ends[e] <= start {
                covered -= 1
                e += 1
            }
            covered += 1
            if covered > most {
                most = covered
                at = start
            }
        }
        return (at, 256 - most)
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
            return TonalSIMD.packedBytes(TonalSIMD.clampedToByte(lo &>> b), TonalSIMD.clampedToByte(hi &>> b))
        }
        var i = 0
        corrections.withUnsafeBufferPointer { corrections in
            while i &+ 48 <= count {
                let a = TonalSIMD.bytes(from, at: i)
                let c = TonalSIMD.bytes(from, at: i &+ 16)
                let e = TonalSIMD.bytes(from, at: i &+ 32)
                var outA = sixteen(a, flips.0, ks.0, cs.0, ks.1, cs.1)
                var outC = sixteen(c, flips.1, ks.2, cs.2, ks.3, cs.3)
                var outE = sixteen(e, flips.2, ks.4, cs.4, ks.5, cs.5)
                var maskA = SIMD16<UInt8>(), maskC = SIMD16<UInt8>(), maskE = SIMD16<UInt8>()
                for correction in corrections {
                    maskA |= TonalSIMD.equalMask(a, correction.level)
                    maskC |= TonalSIMD.equalMask(c, correction.level)
                    maskE |= TonalSIMD.equalMask(e, correction.level)
                    if correction.closesGroup {
                        outA &+= maskA & correction.deltas.0
                        outC &+= maskC & correction.deltas.1
                        outE &+= maskE & correction.deltas.2
                        maskA = SIMD16<UInt8>()
                        maskC = SIMD16<UInt8>()
                        maskE = SIMD16<UInt8>()
                    }
                }
                TonalSIMD.store(outA, to: to, at: i)
                TonalSIMD.store(outC, to: to, at: i &+ 16)
                TonalSIMD.store(outE, to: to, at: i &+ 32)
                i &+= 48
            }
        }
        if i < count { tail.mapTail(src, into: dst, from: i, count: count) }
    }
}
