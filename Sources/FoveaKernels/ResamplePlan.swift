/// Everything a resize precomputes once: both axes' taps as fixed-point Int16 vectors laid out
/// for the kernels.
///
/// Horizontal: every output pixel has the same number of tap groups (`pairs` of source pixels
/// for 3 and 4 bands, `octets` for 1 band), starting at Pillow's window start; taps past the
/// window have weight 0. Each group is one `SIMD8<Int16>`: `k0 k1 k0 k1 …` for a pair, `k0 … k7`
/// for an octet.
///
/// Vertical: source rows are paired `(2m, 2m + 1)` so that the horizontal pass can store both
/// rows of a pair interleaved; output row `y` reads `pairCounts[y]` pairs from `firstPairs[y]`,
/// each with one `SIMD8<Int16>` of `ka kb ka kb …`.
///
/// Between the passes a sample is kept as Int16 in 1/64 units (``intermediateBits``), clamped
/// to 0…255 as Pillow's `clip8` clamps it. Pillow rounds it to a whole level there; keeping the
/// fraction means the result differs from Pillow's only by the effect of Pillow's own rounding,
/// at most 0.5 · Σ|vertical weights| < 1 level. When the height does not change the horizontal
/// pass rounds to whole levels, as Pillow's single pass does.
final class ResamplePlan: @unchecked Sendable {
    let bands: Int
    let inWidth: Int, inHeight: Int
    let outWidth: Int, outHeight: Int

    /// Fraction bits of the samples between the passes.
    static let intermediateBits = 6
    /// 255 in those units.
    static let intermediateMax = Int16(255 << intermediateBits)

    let horizontalBits: Int
    /// Fraction bits the horizontal pass rounds to (6, or 0 when the height does not change).
    let horizontalRoundingBits: Int
    let groupsPerPixel: Int
    let horizontalStarts: UnsafeMutablePointer<Int32>
    let horizontalWeights: UnsafeMutablePointer<SIMD8<Int16>>

    let verticalBits: Int
    let firstPairs: UnsafeMutablePointer<Int>
    let pairCounts: UnsafeMutablePointer<Int>
    let weightOffsets: UnsafeMutablePointer<Int>
    let verticalWeights: UnsafeMutablePointer<SIMD8<Int16>>
    let maxPairCount: Int

    init(filter: ResampleFilter, bands: Int, inWidth: Int, inHeight: Int, outWidth: Int,
         outHeight: Int) {
        self.bands = bands
        self.inWidth = inWidth
        self.inHeight = inHeight
        self.outWidth = outWidth
        self.outHeight = outHeight

        let h = inWidth == outWidth
            ? ResampleTaps(identity: inWidth)
            : ResampleTaps(filter: filter, inSize: inWidth, outSize: outWidth)
        let groupSize = bands == 1 ? 8 : 2
        let groups = (h.maxCount + groupSize - 1) / groupSize
        horizontalBits = h.fixedPointBits(maxSample: 255)
        horizontalRoundingBits = inHeight == outHeight ? 0 : Self.intermediateBits
        // The horizontal pass computes (sum << (16 + rounding - bits)) >> 16 in Int32 and shifts
        // the Int16 result up to 1/64 units: both need |sample · Σ|weights|| < 512.
        precondition(255 * h.largestAbsoluteSum < 511,
                     "ResamplePlan: horizontal weights' absolute sum \(h.largestAbsoluteSum) >= 2")
        precondition(horizontalBits > Self.intermediateBits, "ResamplePlan: \(horizontalBits) bits")
        groupsPerPixel = groups
        horizontalStarts = .allocate(capacity: outWidth)
        horizontalWeights = .allocate(capacity: outWidth * groups)
        let hFixed = h.fixedWeights(bits: horizontalBits)
        for x in 0..<outWidth {
            horizontalStarts[x] = Int32(h.starts[x])
            let taps = { (j: Int) -> Int16 in j < h.maxCount ? hFixed[x * h.maxCount + j] : 0 }
            for g in 0..<groups {
                horizontalWeights[x * groups + g] = bands == 1
                    ? SIMD8(taps(8 * g), taps(8 * g + 1), taps(8 * g + 2), taps(8 * g + 3),
                            taps(8 * g + 4), taps(8 * g + 5), taps(8 * g + 6), taps(8 * g + 7))
                    : SIMD8(taps(2 * g), taps(2 * g + 1), taps(2 * g), taps(2 * g + 1),
                            taps(2 * g), taps(2 * g + 1), taps(2 * g), taps(2 * g + 1))
            }
        }

        let v = inHeight == outHeight
            ? ResampleTaps(identity: inHeight)
            : ResampleTaps(filter: filter, inSize: inHeight, outSize: outHeight)
        verticalBits = v.fixedPointBits(maxSample: Int(Self.intermediateMax))
        // The vertical pass descales with (sum >> (bits + 6 - 16)) >> 16.
        precondition(verticalBits + Self.intermediateBits >= 16,
                     "ResamplePlan: vertical weights need \(verticalBits) bits")
        firstPairs = .allocate(capacity: outHeight)
        pairCounts = .allocate(capacity: outHeight)
        weightOffsets = .allocate(capacity: outHeight)
        let vFixed = v.fixedWeights(bits: verticalBits)
        var weights: [SIMD8<Int16>] = []
        weights.reserveCapacity(outHeight * (v.maxCount / 2 + 2))
        var maxPairs = 1
        for y in 0..<outHeight {
            let start = v.starts[y], count = v.counts[y]
            let first = start >> 1, last = (start + count - 1) >> 1
            firstPairs[y] = first
            pairCounts[y] = last - first + 1
            weightOffsets[y] = weights.count
            maxPairs = Swift.max(maxPairs, last - first + 1)
            for m in first...last {
                let ka = 2 * m - start, kb = 2 * m + 1 - start
                let wa = ka >= 0 && ka < count ? vFixed[y * v.maxCount + ka] : 0
                let wb = kb >= 0 && kb < count ? vFixed[y * v.maxCount + kb] : 0
                weights.append(SIMD8(wa, wb, wa, wb, wa, wb, wa, wb))
            }
        }
        maxPairCount = maxPairs
        verticalWeights = .allocate(capacity: weights.count)
        verticalWeights.initialize(from: weights, count: weights.count)
    }

    deinit {
        horizontalStarts.deallocate()
        horizontalWeights.deallocate()
        firstPairs.deallocate()
        pairCounts.deallocate()
        weightOffsets.deallocate()
        verticalWeights.deallocate()
    }

    /// Samples in one output row.
    var outSamples: Int { outWidth * bands }
    /// Source row pairs.
    var inPairs: Int { (inHeight + 1) / 2 }
}
