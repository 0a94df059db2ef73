import CResampleAVX2

/// The vertical pass of ``resample(_:into:filter:threads:)``: one output row from the
/// intermediate rows its window covers, 16 samples at a time.
///
/// Short windows (``ResamplePlan/VerticalKernel/multiplyHigh``) multiply 8 samples per
/// instruction (`pmulhw`) and sum in Int16; windows of 1 to 4 rows have their own loops with
/// the weights and row pointers in registers. Long windows zip pairs of rows and use `pmaddwd`.
///
/// Where the CPU has AVX2 or AVX-512, short windows go through CResampleAVX2 instead
/// (`resample_vertical.c`): the same arithmetic on 16 or 32 samples per instruction, the same
/// bytes.
struct VerticalPass {
    let plan: ResamplePlan
    /// SSE2 (this file), or AVX2 or AVX-512 for short windows of rows of enough samples.
    let instructions: ResampleInstructions

    /// `instructions` must be ones the CPU has (``ResampleInstructions/available``).
    init(plan: ResamplePlan, instructions: ResampleInstructions = .fastest) {
        precondition(instructions <= .fastest, "VerticalPass: the CPU has no \(instructions)")
        self.plan = plan
        // The AVX2 function needs a whole 32-sample block; the others take any row of 16 or more.
        let inC = plan.verticalKernel == .multiplyHigh && plan.outSamples >= (instructions == .avx2 ? 32 : 16)
        self.instructions = inC ? instructions : .sse2
    }

    /// Writes output row `y` into `out`; `rows[i]` is intermediate row `verticalStarts[y] + i`.
    /// `vectors` has room for `maxVerticalCount` weight vectors.
    func filterRow(_ y: Int, rows: UnsafePointer<UnsafePointer<Int16>>,
                   vectors: UnsafeMutablePointer<SIMD8<Int16>>, into out: UnsafeMutablePointer<UInt8>) {
        let count = plan.verticalCounts[y]
        let k = plan.verticalWeights + plan.weightOffsets[y]
        if instructions != .sse2 {
            let r = UnsafeRawPointer(rows).assumingMemoryBound(to: UnsafePointer<Int16>?.self)
            if instructions >= .avx512 {
                fovea_resample_vertical_avx512(r, k, count, plan.outSamples, out)
            } else {
                fovea_resample_vertical_avx2(r, k, count, plan.outSamples, out)
            }
            return
        }
        switch plan.verticalKernel {
        case .multiplyHigh:
            for i in 0..<count { vectors[i] = SIMD8(repeating: k[i]) }
        case .multiplyAdd:
            for p in 0..<((count + 1) / 2) {
                let a = k[2 * p], b = 2 * p + 1 < count ? k[2 * p + 1] : 0
                vectors[p] = SIMD8(a, b, a, b, a, b, a, b)
            }
        }
        let w = UnsafePointer(vectors)
        guard plan.outSamples >= 16 else {
            filterShortRow(count: count, weights: w, rows: rows, into: out)
            return
        }
        switch plan.verticalKernel {
        case .multiplyHigh: multiplyHighRow(count: count, weights: w, rows: rows, into: out)
        case .multiplyAdd: multiplyAddRow(count: count, weights: w, rows: rows, into: out)
        }
    }

    // MARK: pmulhw

    /// 16 samples' sums in 1/32 level.
    struct ShortSums {
        var lo: SIMD8<Int16>, hi: SIMD8<Int16>

        @inline(__always)
        mutating func add(_ row: UnsafeRawPointer, _ k: SIMD8<Int16>) {
            lo &+= multipliedHigh(row.loadVector(SIMD8<Int16>.self, at: 0), k)
            hi &+= multipliedHigh(row.loadVector(SIMD8<Int16>.self, at: 16), k)
        }
    }

    private func multiplyHighRow(count: Int, weights w: UnsafePointer<SIMD8<Int16>>,
                                 rows: UnsafePointer<UnsafePointer<Int16>>,
                                 into out: UnsafeMutablePointer<UInt8>) {
        // Round to nearest, plus half a unit per row for the floor in each pmulhw.
        let offset = SIMD8<Int16>(repeating: 16 &+ Int16(count / 2))
        let r = { (i: Int) in UnsafeRawPointer(rows[i]) }
        @inline(__always) func each(_ accumulate: (inout ShortSums, Int) -> Void) {
            forEachBlock(into: out) { at in
                var sums = ShortSums(lo: offset, hi: offset)
                accumulate(&sums, at)
                return (sums.lo &>> 5, sums.hi &>> 5)
            }
        }
        switch count {
        case 1:
            let (r0, k0) = (r(0), w[0])
            each { s, at in s.add(r0 + at, k0) }
        case 2:
            let (r0, k0, r1, k1) = (r(0), w[0], r(1), w[1])
            each { s, at in
                s.add(r0 + at, k0)
                s.add(r1 + at, k1)
            }
        case 3:
            let (r0, k0, r1, k1, r2, k2) = (r(0), w[0], r(1), w[1], r(2), w[2])
            each { s, at in
                s.add(r0 + at, k0)
                s.add(r1 + at, k1)
                s.add(r2 + at, k2)
            }
        case 4:
            let (r0, k0, r1, k1) = (r(0), w[0], r(1), w[1])
            let (r2, k2, r3, k3) = (r(2), w[2], r(3), w[3])
            each { s, at in
                s.add(r0 + at, k0)
                s.add(r1 + at, k1)
                s.add(r2 + at, k2)
                s.add(r3 + at, k3)
            }
        default:
            each { s, at in
                for i in 0..<count { s.add(UnsafeRawPointer(rows[i]) + at, w[i]) }
            }
        }
    }

    // MARK: pmaddwd

    /// 16 samples' sums in Int32: `s0` holds samples 0–3, … `s3` samples 12–15.
    struct LongSums {
        var s0: SIMD4<Int32>, s1: SIMD4<Int32>, s2: SIMD4<Int32>, s3: SIMD4<Int32>

        /// Adds rows `a` and `b` weighted by `k` (`ka kb ka kb …`).
        @inline(__always)
        mutating func add(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ k: SIMD8<Int16>) {
            let a0 = a.loadVector(SIMD8<Int16>.self, at: 0), b0 = b.loadVector(SIMD8<Int16>.self, at: 0)
            let a1 = a.loadVector(SIMD8<Int16>.self, at: 16), b1 = b.loadVector(SIMD8<Int16>.self, at: 16)
            s0 &+= multipliedPairSums(zippedLow(a0, b0), k)
            s1 &+= multipliedPairSums(zippedHigh(a0, b0), k)
            s2 &+= multipliedPairSums(zippedLow(a1, b1), k)
            s3 &+= multipliedPairSums(zippedHigh(a1, b1), k)
        }
    }

    private func multiplyAddRow(count: Int, weights w: UnsafePointer<SIMD8<Int16>>,
                                rows: UnsafePointer<UnsafePointer<Int16>>,
                                into out: UnsafeMutablePointer<UInt8>) {
        let bits = Int32(plan.verticalBits) &+ Int32(plan.intermediateBits)
        let half = SIMD4<Int32>(repeating: 1 &<< (bits &- 1))
        let down = SIMD4<Int32>(repeating: bits &- 16)
        let pairs = (count &+ 1) / 2
        forEachBlock(into: out) { at in
            var sums = LongSums(s0: half, s1: half, s2: half, s3: half)
            for p in 0..<pairs {
                let a = UnsafeRawPointer(rows[2 &* p]) + at
                // An odd last row pairs with itself, weighted 0.
                let b = UnsafeRawPointer(rows[Swift.min(2 &* p &+ 1, count &- 1)]) + at
                sums.add(a, b, w[p])
            }
            return (descaled(sums.s0, sums.s1, down: down), descaled(sums.s2, sums.s3, down: down))
        }
    }

    // MARK: Blocks and short rows

    /// For each block of 16 output samples, `sums(byteOffsetInRows)` gives them as Int16
    /// levels, which are clamped and stored. The last block overlaps the one before it rather
    /// than reading past the row.
    @inline(__always)
    private func forEachBlock(into out: UnsafeMutablePointer<UInt8>,
                              _ sums: (Int) -> (SIMD8<Int16>, SIMD8<Int16>)) {
        let dst = UnsafeMutableRawPointer(out)
        let samples = plan.outSamples
        var x = 0
        while x < samples {
            let s = Swift.min(x, samples &- 16)
            let (lo, hi) = sums(2 &* s)
            dst.storeVector(narrowedToBytes(clamped(lo, to: 255), clamped(hi, to: 255)), at: s)
            x &+= 16
        }
    }

    /// Rows of fewer than 16 samples, one sample at a time with the same integer arithmetic.
    private func filterShortRow(count: Int, weights: UnsafePointer<SIMD8<Int16>>,
                                rows: UnsafePointer<UnsafePointer<Int16>>,
                                into out: UnsafeMutablePointer<UInt8>) {
        for s in 0..<plan.outSamples {
            let v: Int32
            switch plan.verticalKernel {
            case .multiplyHigh:
                var sum = 16 &+ Int16(count / 2)
                for i in 0..<count {
                    sum &+= Int16(truncatingIfNeeded: (Int32(rows[i][s]) &* Int32(weights[i][0])) &>> 16)
                }
                v = Int32(sum &>> 5)
            case .multiplyAdd:
                let bits = Int32(plan.verticalBits) &+ Int32(plan.intermediateBits)
                var sum = Int32(1) &<< (bits &- 1)
                for p in 0..<((count &+ 1) / 2) {
                    sum &+= Int32(rows[2 &* p][s]) &* Int32(weights[p][0])
                    if 2 &* p &+ 1 < count { sum &+= Int32(rows[2 &* p &+ 1][s]) &* Int32(weights[p][1]) }
                }
                v = (sum &>> (bits &- 16)) &>> 16
            }
            out[s] = UInt8(Swift.min(255, Swift.max(0, v)))
        }
    }
}
