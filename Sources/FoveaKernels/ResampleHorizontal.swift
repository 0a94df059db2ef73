/// The horizontal pass of ``resample(_:into:filter:threads:)``: four source rows at a time
/// (they share the weights), each into an Int16 row in 1/2^`intermediateBits` level units.
///
/// A source row is first *expanded* to Int16 so that one unaligned load gives `pmaddwd` a tap
/// pair for every band. For 3 and 4 bands sample `s` becomes `src[s], src[s + bands]`, so the
/// 8 lanes loaded at pixel `p` are `c0(p) c0(p+1) c1(p) c1(p+1) …` (for 3 bands the last two
/// lanes belong to the next pixel and their sum is dropped). For 1 band the row is just widened
/// and one load is an octet of taps. Expanded rows end in zeros, so windows padded to a whole
/// number of groups read zeros with weight 0 past the image.
///
/// Where the CPU has AVX2 or AVX-512, 3 and 4 bands go through CResampleAVX2 instead
/// (`ResampleHorizontal+AVX2.swift`): the same sums, two or four rows per instruction, the same
/// Int16s.
struct HorizontalPass {
    let plan: ResamplePlan
    /// The instructions the rows go through: SSE2 here, AVX2 or AVX-512 in
    /// ``filterInC(rows:_:scratch:into:)``.
    let instructions: ResampleInstructions

    /// `instructions` must be ones the CPU has (``ResampleInstructions/available``); 1 band
    /// always takes the SSE2 pass.
    init(plan: ResamplePlan, instructions: ResampleInstructions = .fastest) {
        precondition(instructions <= .fastest, "HorizontalPass: the CPU has no \(instructions)")
        self.plan = plan
        self.instructions = plan.bands == 1 ? .sse2 : instructions
    }

    /// Int16 of scratch ``filter(rows:_:scratch:into:)`` needs, zeroed once by the caller.
    var scratchLength: Int { instructions == .sse2 ? 4 * expandedLength : stripsLength }

    /// Filters source rows `0 ..< count` (1 to 4; `source(i)` gives row `i`'s pixels, which stay
    /// valid until this call returns) into four intermediate rows; the rows of `out` past `count`
    /// get values nothing may read.
    func filter(rows count: Int, _ source: (Int) -> UnsafePointer<UInt8>, scratch: UnsafeMutablePointer<Int16>,
                into out: FourRows<UnsafeMutablePointer<Int16>>) {
        if instructions != .sse2 {
            filterInC(rows: count, source, scratch: scratch, into: out)
            return
        }
        func expanded(_ i: Int) -> UnsafePointer<Int16> {
            let e = scratch + Swift.min(i, count - 1) * expandedLength
            if i < count { expand(source(i), into: e) }
            return UnsafePointer(e)
        }
        filter(FourRows(a: expanded(0), b: expanded(1), c: expanded(2), d: expanded(3)), into: out)
    }

    /// Int16 per expanded row, with the zero tail the padded windows read.
    var expandedLength: Int {
        let groupPixels = plan.bands == 1 ? 8 : 2
        let entry = plan.bands == 1 ? 1 : 2 * plan.bands
        return (plan.inWidth + plan.groupsPerPixel * groupPixels + 2) * entry + 16
    }

    /// Int16 per intermediate row, with room for the 8-byte store of the last 3-band pixel.
    var rowLength: Int { (plan.outSamples + 8 + 31) & ~31 }

    /// Expands `src` (one row of `inWidth` pixels) into `out`, leaving its zero tail alone.
    func expand(_ src: UnsafePointer<UInt8>, into out: UnsafeMutablePointer<Int16>) {
        let n = plan.inWidth &* plan.bands
        let raw = UnsafeRawPointer(src)
        let dst = UnsafeMutableRawPointer(out)
        var s = 0
        if plan.bands == 1 {
            while s &+ 16 <= n {
                let v = raw.loadVector(SIMD16<UInt8>.self, at: s)
                dst.storeVector(widenedLow(v), at: 2 &* s)
                dst.storeVector(widenedHigh(v), at: 2 &* s &+ 16)
                s &+= 16
            }
            while s < n {
                out[s] = Int16(src[s])
                s &+= 1
            }
            return
        }
        let bands = plan.bands
        while s &+ 16 &+ bands <= n {
            let v = raw.loadVector(SIMD16<UInt8>.self, at: s)
            let w = raw.loadVector(SIMD16<UInt8>.self, at: s &+ bands)
            let lo = interleavedLow(v, w), hi = interleavedHigh(v, w)
            dst.storeVector(widenedLow(lo), at: 4 &* s)
            dst.storeVector(widenedHigh(lo), at: 4 &* s &+ 16)
            dst.storeVector(widenedLow(hi), at: 4 &* s &+ 32)
            dst.storeVector(widenedHigh(hi), at: 4 &* s &+ 48)
            s &+= 16
        }
        while s < n {
            out[2 &* s] = Int16(src[s])
            out[2 &* s &+ 1] = s &+ bands < n ? Int16(src[s &+ bands]) : 0
            s &+= 1
        }
    }

    /// The identity pass (the width does not change): `src`'s samples into `out` in the plan's
    /// units, exactly what filtering with a single weight of 1 gives.
    func widen(_ src: UnsafePointer<UInt8>, into out: UnsafeMutablePointer<Int16>) {
        let n = plan.outSamples
        let raw = UnsafeRawPointer(src)
        let dst = UnsafeMutableRawPointer(out)
        let shift = Int16(plan.intermediateBits)
        var s = 0
        while s &+ 16 <= n {
            let v = raw.loadVector(SIMD16<UInt8>.self, at: s)
            dst.storeVector(widenedLow(v) &<< shift, at: 2 &* s)
            dst.storeVector(widenedHigh(v) &<< shift, at: 2 &* s &+ 16)
            s &+= 16
        }
        while s < n {
            out[s] = Int16(src[s]) &<< shift
            s &+= 1
        }
    }

    /// Filters four expanded rows into four intermediate rows, in the plan's units, rounded to
    /// `horizontalRoundingBits` and clamped to 0…255 as Pillow's `clip8` does.
    private func filter(_ rows: FourRows<UnsafePointer<Int16>>, into out: FourRows<UnsafeMutablePointer<Int16>>) {
        if plan.bands == 1 {
            filterOneBand(rows.a, rows.b, into: out.a, out.b)
            filterOneBand(rows.c, rows.d, into: out.c, out.d)
        } else {
            filterPixels(rows, into: out)
        }
    }

    struct FourRows<Pointer> {
        var a: Pointer, b: Pointer, c: Pointer, d: Pointer
    }

    private func filterPixels(_ rows: FourRows<UnsafePointer<Int16>>,
                              into out: FourRows<UnsafeMutablePointer<Int16>>) {
        let step = 8 &* plan.bands  // bytes from one tap pair to the next in an expanded row
        switch plan.groupsPerPixel {
        case 1:
            forEachPixel(rows, into: out) { sums, at, w in sums.add(at, w[0]) }
        case 2:
            forEachPixel(rows, into: out) { sums, at, w in
                sums.add(at, w[0])
                sums.add(at &+ step, w[1])
            }
        case 3:
            forEachPixel(rows, into: out) { sums, at, w in
                sums.add(at, w[0])
                sums.add(at &+ step, w[1])
                sums.add(at &+ 2 &* step, w[2])
            }
        case 4:
            forEachPixel(rows, into: out) { sums, at, w in
                sums.add(at, w[0])
                sums.add(at &+ step, w[1])
                sums.add(at &+ 2 &* step, w[2])
                sums.add(at &+ 3 &* step, w[3])
            }
        default:
            let groups = plan.groupsPerPixel
            forEachPixel(rows, into: out) { sums, at, w in
                var offset = at
                for g in 0..<groups {
                    sums.add(offset, w[g])
                    offset &+= step
                }
            }
        }
    }

    /// One output pixel's sums for four rows.
    struct PixelSums {
        let rowA: UnsafeRawPointer, rowB: UnsafeRawPointer
        let rowC: UnsafeRawPointer, rowD: UnsafeRawPointer
        var a: SIMD4<Int32>, b: SIMD4<Int32>, c: SIMD4<Int32>, d: SIMD4<Int32>

        /// Adds the tap pair at `byteOffset` of the four expanded rows with weights `k`.
        @inline(__always)
        mutating func add(_ byteOffset: Int, _ k: SIMD8<Int16>) {
            a &+= multipliedPairSums(rowA.loadVector(SIMD8<Int16>.self, at: byteOffset), k)
            b &+= multipliedPairSums(rowB.loadVector(SIMD8<Int16>.self, at: byteOffset), k)
            c &+= multipliedPairSums(rowC.loadVector(SIMD8<Int16>.self, at: byteOffset), k)
            d &+= multipliedPairSums(rowD.loadVector(SIMD8<Int16>.self, at: byteOffset), k)
        }
    }

    /// Runs `accumulate(sums, byteOffsetOfFirstPair, weights)` for every output pixel and stores
    /// the four rows' results, rounded and clamped.
    @inline(__always)
    private func forEachPixel(
        _ rows: FourRows<UnsafePointer<Int16>>, into out: FourRows<UnsafeMutablePointer<Int16>>,
        _ accumulate: (inout PixelSums, Int, UnsafePointer<SIMD8<Int16>>) -> Void
    ) {
        let bits = Int32(plan.horizontalBits), rounding = Int32(plan.horizontalRoundingBits)
        let half = SIMD4<Int32>(repeating: 1 &<< (bits &- rounding &- 1))
        let up = SIMD4<Int32>(repeating: 16 &+ rounding &- bits)
        let toSixtyFourths = SIMD8<Int16>(repeating: 6 &- Int16(rounding))
        let toStored = SIMD8<Int16>(repeating: Int16(plan.intermediateBits) &- 6)
        let groups = plan.groupsPerPixel
        let sampleBytes = 2 &* plan.bands
        let offsets = plan.horizontalOffsets
        var weights = UnsafePointer(plan.horizontalWeights)
        var offset = 0
        var sums = PixelSums(rowA: UnsafeRawPointer(rows.a), rowB: UnsafeRawPointer(rows.b),
                             rowC: UnsafeRawPointer(rows.c), rowD: UnsafeRawPointer(rows.d),
                             a: half, b: half, c: half, d: half)
        // Row x's bands in lanes 0-3, row y's in 4-7; a 3-band pixel's fourth lane is
        // overwritten by the next pixel. Clamped in 1/64 level, stored in the plan's units.
        @inline(__always) func store(_ x: SIMD4<Int32>, _ y: SIMD4<Int32>,
                                     _ outX: UnsafeMutablePointer<Int16>,
                                     _ outY: UnsafeMutablePointer<Int16>) {
            let sixtyFourths = descaled(x, y, up: up) &<< toSixtyFourths
            let v = clamped(sixtyFourths, to: 255 << 6) &<< toStored
            let halves = unsafeBitCast(v, to: SIMD2<UInt64>.self)
            UnsafeMutableRawPointer(outX).storeBytes(of: halves[0], toByteOffset: offset, as: UInt64.self)
            UnsafeMutableRawPointer(outY).storeBytes(of: halves[1], toByteOffset: offset, as: UInt64.self)
        }
        for x in 0..<plan.outWidth {
            sums.a = half
            sums.b = half
            sums.c = half
            sums.d = half
            accumulate(&sums, Int(offsets[x]), weights)
            store(sums.a, sums.b, out.a, out.b)
            store(sums.c, sums.d, out.c, out.d)
            offset &+= sampleBytes
            weights += groups
        }
    }

    private func filterOneBand(_ a: UnsafePointer<Int16>, _ b: UnsafePointer<Int16>,
                               into outA: UnsafeMutablePointer<Int16>,
                               _ outB: UnsafeMutablePointer<Int16>) {
        let bits = Int32(plan.horizontalBits), rounding = Int32(plan.horizontalRoundingBits)
        let half = Int32(1) &<< (bits &- rounding &- 1)
        let up = 16 &+ rounding &- bits
        let scale = Int32(plan.intermediateBits) &- rounding
        let upper = Int32(255) &<< rounding
        let groups = plan.groupsPerPixel
        let rowA = UnsafeRawPointer(a), rowB = UnsafeRawPointer(b)
        var weights = plan.horizontalWeights
        for x in 0..<plan.outWidth {
            var offset = Int(plan.horizontalOffsets[x])
            var sumA = SIMD4<Int32>(), sumB = SIMD4<Int32>()
            for _ in 0..<groups {
                let k = weights.pointee
                sumA &+= multipliedPairSums(rowA.loadVector(SIMD8<Int16>.self, at: offset), k)
                sumB &+= multipliedPairSums(rowB.loadVector(SIMD8<Int16>.self, at: offset), k)
                offset &+= 16
                weights += 1
            }
            let va = ((sumA.wrappedSum() &+ half) &<< up) &>> 16
            let vb = ((sumB.wrappedSum() &+ half) &<< up) &>> 16
            outA[x] = Int16(Swift.min(upper, Swift.max(0, va)) &<< scale)
            outB[x] = Int16(Swift.min(upper, Swift.max(0, vb)) &<< scale)
        }
    }
}
