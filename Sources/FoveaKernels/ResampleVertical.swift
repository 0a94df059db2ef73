/// The vertical pass of ``resample(_:into:filter:threads:)``: one output row from the pair rows
/// its window covers, 16 samples at a time (`pmaddwd` straight from the interleaved pairs).
struct VerticalPass {
    let plan: ResamplePlan

    /// Writes output row `y` into `out` from `pairRows[i]`, the pair row of source rows
    /// `2 (firstPairs[y] + i)` and `2 (firstPairs[y] + i) + 1`.
    func filterRow(_ y: Int, pairRows: UnsafePointer<UnsafePointer<Int16>>,
                   into out: UnsafeMutablePointer<UInt8>) {
        let count = plan.pairCounts[y]
        let weights = plan.verticalWeights + plan.weightOffsets[y]
        let samples = plan.outSamples
        guard samples >= 16 else {
            filterShortRow(count: count, weights: weights, pairRows: pairRows, into: out)
            return
        }
        let bits = Int32(plan.verticalBits) &+ Int32(ResamplePlan.intermediateBits)
        let half = SIMD4<Int32>(repeating: 1 &<< (bits &- 1))
        let down = SIMD4<Int32>(repeating: bits &- 16)
        let dst = UnsafeMutableRawPointer(out)
        var x = 0
        while x < samples {
            // The last block overlaps the one before it rather than reading past the row.
            let s = Swift.min(x, samples &- 16)
            var s0 = half, s1 = half, s2 = half, s3 = half
            for i in 0..<count {
                let row = UnsafeRawPointer(pairRows[i]) + 4 &* s
                let k = weights[i]
                s0 &+= multipliedPairSums(row.loadVector(SIMD8<Int16>.self, at: 0), k)
                s1 &+= multipliedPairSums(row.loadVector(SIMD8<Int16>.self, at: 16), k)
                s2 &+= multipliedPairSums(row.loadVector(SIMD8<Int16>.self, at: 32), k)
                s3 &+= multipliedPairSums(row.loadVector(SIMD8<Int16>.self, at: 48), k)
            }
            let lo = clamped(descaled(s0, s1, down: down), to: 255)
            let hi = clamped(descaled(s2, s3, down: down), to: 255)
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
