import Dispatch

/// Everything a resize precomputes once: both axes' taps as fixed-point Int16 vectors laid out
/// for the kernels.
///
/// Horizontal: every output pixel has the same number of tap groups (`pairs` of source pixels
/// for 3 and 4 bands, `octets` for 1 band), starting at Pillow's window start; taps past the
/// window have weight 0. Each group is one `SIMD8<Int16>`: `k0 k1 k0 k1 …` for a pair, `k0 … k7`
/// for an octet.
///
/// Between the passes a sample is an Int16 in 1/128 level units, rounded to 1/64 and clamped
/// to 0…255 as Pillow's `clip8` clamps it. Pillow rounds it to a whole level there; keeping the
/// fraction means the result differs from Pillow's only by the effect of Pillow's own rounding,
/// at most 0.5 · Σ|vertical weights|, plus the vertical kernel's own error; ``verticalKernel``
/// is chosen so that the total stays below 1 level. When the height does not change the
/// horizontal pass rounds to whole levels, as Pillow's single pass does.
///
/// Vertical: output row `y` reads rows `verticalStarts[y] ..< verticalStarts[y] + verticalCounts[y]`
/// with the weights at `verticalWeights + weightOffsets[y]`, one per row, in 1/2^`verticalBits`
/// (the vertical pass spreads them into vectors once per row).
final class ResamplePlan: @unchecked Sendable {
    let bands: Int
    let inWidth: Int, inHeight: Int
    let outWidth: Int, outHeight: Int

    /// Units of the samples between the passes: 1/128 level.
    static let intermediateBits = 7
    /// 255 in those units.
    static let intermediateMax = Int16(255 << intermediateBits)

    let horizontalBits: Int
    /// Fraction bits the horizontal pass rounds to (6, or 0 when the height does not change).
    let horizontalRoundingBits: Int
    let groupsPerPixel: Int
    /// Byte offset of each output pixel's first tap group in an expanded row.
    let horizontalOffsets: UnsafeMutablePointer<Int32>
    let horizontalWeights: UnsafeMutablePointer<SIMD8<Int16>>

    enum VerticalKernel {
        /// `pmulhw`, 8 samples per row and instruction, Int16 sums in 1/32 level: for short
        /// windows (every upscale), where its rounding error provably keeps the total below 1.
        case multiplyHigh
        /// `pmaddwd` on pairs of rows, Int32 sums: for long windows.
        case multiplyAdd
    }

    let verticalKernel: VerticalKernel
    let verticalBits: Int
    let verticalStarts: UnsafeMutablePointer<Int>
    let verticalCounts: UnsafeMutablePointer<Int>
    let weightOffsets: UnsafeMutablePointer<Int>
    let verticalWeights: UnsafeMutablePointer<Int16>
    let maxVerticalCount: Int

    /// Fraction bits of ``VerticalKernel/multiplyHigh`` weights.
    static let multiplyHighBits = 14

    /// With `threads` > 1 the two axes' taps are computed concurrently.
    init(filter: ResampleFilter, bands: Int, inWidth: Int, inHeight: Int, outWidth: Int,
         outHeight: Int, threads: Int = 1) {
        self.bands = bands
        self.inWidth = inWidth
        self.inHeight = inHeight
        self.outWidth = outWidth
        self.outHeight = outHeight

        let (h, v) = Self.taps(filter: filter, inWidth: inWidth, inHeight: inHeight,
                               outWidth: outWidth, outHeight: outHeight, threads: threads)
        let groupSize = bands == 1 ? 8 : 2
        let groups = (h.maxCount + groupSize - 1) / groupSize
        horizontalBits = h.fixedPointBits(maxSample: 255)
        horizontalRoundingBits = inHeight == outHeight ? 0 : 6
        // The horizontal pass computes (sum << (16 + rounding - bits)) >> 16 in Int32: that
        // needs |sample · Σ|weights|| < 512.
        precondition(255 * h.largestAbsoluteSum < 511,
                     "ResamplePlan: horizontal weights' absolute sum \(h.largestAbsoluteSum) >= 2")
        precondition(horizontalBits > 6, "ResamplePlan: \(horizontalBits) horizontal bits")
        groupsPerPixel = groups
        horizontalOffsets = .allocate(capacity: outWidth)
        horizontalWeights = .allocate(capacity: outWidth * groups)
        let bytesPerPixel = bands == 1 ? 2 : 4 * bands
        for x in 0..<outWidth {
            horizontalOffsets[x] = Int32(h.starts[x] * bytesPerPixel)
            for g in 0..<groups {
                var taps = SIMD8<Int16>()
                if bands == 1 {
                    for lane in 0..<8 where 8 * g + lane < h.maxCount {
                        taps[lane] = h.fixedWeight(x, 8 * g + lane, bits: horizontalBits)
                    }
                } else {
                    let k0 = h.fixedWeight(x, 2 * g, bits: horizontalBits)
                    let k1 = 2 * g + 1 < h.maxCount ? h.fixedWeight(x, 2 * g + 1, bits: horizontalBits) : 0
                    taps = SIMD8(k0, k1, k0, k1, k0, k1, k0, k1)
                }
                horizontalWeights[x * groups + g] = taps
            }
        }

        maxVerticalCount = v.maxCount
        verticalKernel = Self.chooseVerticalKernel(v)
        switch verticalKernel {
        case .multiplyHigh:
            verticalBits = Self.multiplyHighBits
        case .multiplyAdd:
            verticalBits = v.fixedPointBits(maxSample: Int(Self.intermediateMax))
            // The pass descales with (sum >> (bits + 7 - 16)) >> 16.
            precondition(verticalBits + Self.intermediateBits >= 16,
                         "ResamplePlan: vertical weights need \(verticalBits) bits")
        }
        verticalStarts = .allocate(capacity: outHeight)
        verticalCounts = .allocate(capacity: outHeight)
        weightOffsets = .allocate(capacity: outHeight)
        verticalWeights = .allocate(capacity: v.counts.reduce(0, +))
        var offset = 0
        for y in 0..<outHeight {
            verticalStarts[y] = v.starts[y]
            verticalCounts[y] = v.counts[y]
            weightOffsets[y] = offset
            for j in 0..<v.counts[y] {
                verticalWeights[offset + j] = v.fixedWeight(y, j, bits: verticalBits)
            }
            offset += v.counts[y]
        }
    }

    deinit {
        horizontalOffsets.deallocate()
        horizontalWeights.deallocate()
        verticalStarts.deallocate()
        verticalCounts.deallocate()
        weightOffsets.deallocate()
        verticalWeights.deallocate()
    }

    private static func taps(filter: ResampleFilter, inWidth: Int, inHeight: Int, outWidth: Int,
                             outHeight: Int, threads: Int) -> (ResampleTaps, ResampleTaps) {
        let horizontal: @Sendable () -> ResampleTaps = {
            inWidth == outWidth
                ? ResampleTaps(identity: inWidth)
                : ResampleTaps(filter: filter, inSize: inWidth, outSize: outWidth)
        }
        let vertical: @Sendable () -> ResampleTaps = {
            inHeight == outHeight
                ? ResampleTaps(identity: inHeight)
                : ResampleTaps(filter: filter, inSize: inHeight, outSize: outHeight)
        }
        guard threads > 1 && outWidth + outHeight >= 512 else { return (horizontal(), vertical()) }
        let results = TapsPair()
        DispatchQueue.concurrentPerform(iterations: 2) { axis in
            if axis == 0 { results.horizontal = horizontal() } else { results.vertical = vertical() }
        }
        return (results.horizontal!, results.vertical!)
    }

    /// Each slot is written by one iteration of `concurrentPerform` and read after it returns.
    private final class TapsPair: @unchecked Sendable {
        var horizontal: ResampleTaps?
        var vertical: ResampleTaps?
    }

    /// ``VerticalKernel/multiplyHigh`` when its worst case stays below 1 level from Pillow:
    /// Pillow's own rounding between the passes (0.5 · Σ|k|), ours (Σ|k| / 128), the floor in
    /// each `pmulhw` (1/32 level per row, half of it compensated), and 14-bit weights.
    static func chooseVerticalKernel(_ v: ResampleTaps) -> VerticalKernel {
        let sum = v.largestAbsoluteSum, largest = v.largestWeight
        let rows = Double(v.maxCount)
        let bound = 0.5 * sum + sum / 128 + rows / 64 + rows * 255 / Double(1 << (multiplyHighBits + 1))
        return bound < 0.97 && largest < 1.99 && sum < 2 ? .multiplyHigh : .multiplyAdd
    }

    /// Samples in one output row.
    var outSamples: Int { outWidth * bands }
}
