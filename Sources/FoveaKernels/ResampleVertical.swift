/// The vertical pass of ``resample(_:into:filter:threads:)``: one output row from the pair rows
/// its window covers, 16 samples at a time (`pmaddwd` straight from the interleaved pairs).
///
/// Windows of 1 to 4 pairs (every upscale, and downscales up to 2× with bicubic) have their
/// own loops with the weights and row pointers held in registers.
struct VerticalPass {
    let plan: ResamplePlan

    /// Writes output row `y` into `out` from `pairRows[i]`, the pair row of source rows
    /// `2 (firstPairs[y] + i)` and `2 (firstPairs[y] + i) + 1`.
    func filterRow(_ y: Int, pairRows: UnsafePointer<UnsafePointer<Int16>>,
                   into out: UnsafeMutablePointer<UInt8>) {
        let count = plan.pairCounts[y]
        let w = plan.verticalWeights + plan.weightOffsets[y]
        guard plan.outSamples >= 16 else {
            filterShortRow(count: count, weights: w, pairRows: pairRows, into: out)
            return
        }
        let r = { (i: Int) in UnsafeRawPointer(pairRows[i]) }
        switch count {
        case 1:
            let (r0, k0) = (r(0), w[0])
            forEachBlock(into: out) { sums, at in sums.add(r0 + at, k0) }
        case 2:
            let (r0, k0, r1, k1) = (r(0), w[0], r(1), w[1])
            forEachBlock(into: out) { sums, at in
                sums.add(r0 + at, k0)
                sums.add(r1 + at, k1)
            }
        case 3:
            let (r0, k0, r1, k1, r2, k2) = (r(0), w[0], r(1), w[1], r(2), w[2])
            forEachBlock(into: out) { sums, at in
                sums.add(r0 + at, k0)
                sums.add(r1 + at, k1)
                sums.add(r2 + at, k2)
            }
        case 4:
            let (r0, k0, r1, k1) = (r(0), w[0], r(1), w[1])
            let (r2, k2, r3, k3) = (r(2), w[2], r(3), w[3])
            forEachBlock(into: out) { sums, at in
                sums.add(r0 + at, k0)
                sums.add(r1 + at, k1)
                sums.add(r2 + at, k2)
                sums.add(r3 + at, k3)
            }
        default:
            forEachBlock(into: out) { sums, at in
                for i in 0..<count { sums.add(UnsafeRawPointer(pairRows[i]) + at, w[i]) }
            }
        }
    }

    /// Sums of 16 samples: `s0` holds samples 0–3, … `s3` samples 12–15.
    struct BlockSums {
        var s0: SIMD4<Int32>, s1: SIMD4<Int32>, s2: SIMD4<Int32>, s3: SIMD4<Int32>

        /// Adds the weighted pair at `pairs` (16 samples of two rows, interleaved).
        @inline(__always)
        mutating func add(_ pairs: UnsafeRawPointer, _ k: SIMD8<Int16>) {
            s0 &+= multipliedPairSums(pairs.loadVector(SIMD8<Int16>.self, at: 0), k)
            s1 &+= multipliedPairSums(pairs.loadVector(SIMD8<Int16>.self, at: 16), k)
            s2 &+= multipliedPairSums(pairs.loadVector(SIMD8<Int16>.self, at: 32), k)
            s3 &+= multipliedPairSums(pairs.loadVector(SIMD8<Int16>.self, at: 48), k)
        }
    }

    /// Runs `accumulate(sums, byteOffsetInPairRows)` for each block of 16 output samples and
    /// stores the rounded, clamped bytes. The last block overlaps the one before it rather than
    /// reading past the row.
    @inline(__always)
    private func forEachBlock(into out: UnsafeMutablePointer<UInt8>,
                              _ accumulate: (inout BlockSums, Int) -> Void) {
        let bits = Int32(plan.verticalBits) &+ Int32(ResamplePlan.intermediateBits)
        let half = SIMD4<Int32>(repeating: 1 &<< (bits &- 1))
        let down = SIMD4<Int32>(repeating: bits &- 16)
        let dst = UnsafeMutableRawPointer(out)
        let samples = plan.outSamples
        var x = 0
        while x < samples {
            let s = Swift.min(x, samples &- 16)
            var sums = BlockSums(s0: half, s1: half, s2: half, s3: half)
            accumulate(&sums, 4 &* s)
            let lo = clamped(descaled(sums.s0, sums.s1, down: down), to: 255)
            let hi = clamped(descaled(sums.s2, sums.s3, down: down), to: 255)
            dst.storeVector(narrowedToBytes(lo, hi), at: s)
            x &+= 16
        }
    }

    /// Rows of fewer than 16 samples, one sample at a time with the same integer arithmetic.
    private func filterShortRow(count: Int, weights: UnsafePointer<SIMD8<Int16>>,
                                pairRows: UnsafePointer<UnsafePointer<Int16>>,
                                into out: UnsafeMutablePointer<UInt8>) {
        let bits = Int32(plan.verticalBits) &+ Int32(ResamplePlan.intermediateBits)
        for s in 0..<plan.outSamples {
            var sum = Int32(1) &<< (bits &- 1)
            for i in 0..<count {
                sum &+= Int32(pairRows[i][2 &* s]) &* Int32(weights[i][0])
                sum &+= Int32(pairRows[i][2 &* s &+ 1]) &* Int32(weights[i][1])
            }
            let v = (sum &>> (bits &- 16)) &>> 16
            out[s] = UInt8(Swift.min(255, Swift.max(0, v)))
        }
    }
}
