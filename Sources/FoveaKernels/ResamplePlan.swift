/// Everything a resize precomputes once: both axes' taps as fixed-point Int16 vectors laid out
/// for the kernels.
///
/// Horizontal: every output pixel has the same number of tap groups (`pairs` of source pixels
/// for 3 and 4 bands, `octets` for 1 band), starting at Pillow's window start; taps past the
/// window have weight 0. Each group is one `SIMD8<Int16>`: `k0 k1 k0 k1 …` for a pair, `k0 … k7`
/// for an octet.
///
/// Between the passes a sample is an Int16 in 1/128 level units for the `pmulhw` kernel, 1/64
/// for the `pmaddwd` one (``intermediateBits``), rounded to 1/64 and clamped to 0…255 as
/// Pillow's `clip8` clamps it. Pillow rounds it to a whole level there; keeping the fraction
/// means the result differs from Pillow's mainly by the effect of Pillow's own rounding, at
/// most 0.5 · Σ|vertical weights| (see ``worstCaseError``). When the height does not change
/// the horizontal pass rounds to whole levels, as Pillow's single pass does.
///
/// Vertical: output row `y` reads rows `verticalStarts[y] ..< verticalStarts[y] + verticalCounts[y]`
/// with the weights at `verticalWeights + weightOffsets[y]`, one per row, in 1/2^`verticalBits`
/// (the vertical pass spreads them into vectors once per row).
final class ResamplePlan: @unchecked Sendable {
    let bands: Int
    let inWidth: Int, inHeight: Int
    let outWidth: Int, outHeight: Int

    /// Units of the samples between the passes: 1/2^intermediateBits level (7 or 6).
    let intermediateBits: Int

    let horizontalBits: Int
    /// Fraction bits the horizontal pass rounds to (6, or 0 when the height does not change).
    let horizontalRoundingBits: Int
    let groupsPerPixel: Int
    /// Whether the horizontal pass is the identity: rows are then only widened to Int16
    /// (``HorizontalPass/widen(_:into:)``), as Pillow skips that pass.
    let keepsColumns: Bool
    /// Byte offset of each output pixel's first tap group in an expanded row.
    let horizontalOffsets: UnsafeMutablePointer<Int32>
    /// Each output pixel's first source pixel (the C passes' strips of expanded rows have their own layout).
    let horizontalStarts: UnsafeMutablePointer<Int32>
    let horizontalWeights: UnsafeMutablePointer<SIMD8<Int16>>
    /// Whether every horizontal sum (a window's weights times samples 0…255, plus the rounding
    /// half) stays within Int32 when shifted left by `16 + horizontalRoundingBits - horizontalBits`,
    /// as the SSE2 pass shifts it before taking its high half: the AVX-512 pass then shifts once.
    /// (A `var` so that tests can turn it off and run the two shifts.)
    var horizontalSumsFit: Bool
    /// The windows' unit-stride runs for the AVX-512 VBMI pass: only for 3 and 4 bands where the
    /// CPU has it (a `var` so that tests can break runs where they choose).
    var horizontalRuns: HorizontalRuns?

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

    /// How far, in levels, a sample can be from Pillow's before both are rounded: Pillow's own
    /// rounding between the passes (0.5) and ours, both scaled by Σ|vertical weights|, plus the
    /// vertical kernel's error (`pmulhw` floors 1/32 level per row, half compensated; weight
    /// rounding). Below 1, so results are within one level, for every upscale and downscales
    /// up to 16× (tests sweep it); longer windows add up to 0.002 level per tap in the worst case.
    let worstCaseError: Double

    /// Fraction bits of ``VerticalKernel/multiplyHigh`` weights.
    static let multiplyHighBits = 14

    /// With `threads` > 1 the two axes' taps are computed concurrently.
    /// `box` is the part of the source mapped onto the output (the whole source when nil).
    init(filter: ResampleFilter, bands: Int, inWidth: Int, inHeight: Int, outWidth: Int,
         outHeight: Int, box: ResampleBox? = nil, threads: Int = 1) {
        self.bands = bands
        self.inWidth = inWidth
        self.inHeight = inHeight
        self.outWidth = outWidth
        self.outHeight = outHeight

        let box = box ?? ResampleBox(width: inWidth, height: inHeight)
        keepsColumns = box.keepsColumns(inWidth: inWidth, outWidth: outWidth)
        let (h, v) = Self.taps(filter: filter, inWidth: inWidth, inHeight: inHeight,
                               outWidth: outWidth, outHeight: outHeight, box: box, threads: threads)
        let groupSize = bands == 1 ? 8 : 2
        let groups = (h.maxCount + groupSize - 1) / groupSize
        horizontalRoundingBits = box.keepsRows(inHeight: inHeight, outHeight: outHeight) ? 0 : 6
        // The pass computes (sum << (16 + rounding - bits)) >> 16 in Int32: that needs
        // bits <= 16 + rounding and |sample · Σ|weights|| < 512 (Pillow's filters reach 1.57).
        horizontalBits = h.fixedPointBits(maxSample: 255, limit: 16 + horizontalRoundingBits)
        precondition(255 * h.largestAbsoluteSum < 511,
                     "ResamplePlan: horizontal weights' absolute sum \(h.largestAbsoluteSum) >= 2")
        precondition(horizontalBits > 6, "ResamplePlan: \(horizontalBits) horizontal bits")
        groupsPerPixel = groups
        horizontalOffsets = .allocate(capacity: outWidth)
        horizontalStarts = .allocate(capacity: outWidth)
        horizontalWeights = .allocate(capacity: outWidth * groups)
        let bytesPerPixel = bands == 1 ? 2 : 4 * bands
        // One window's fixed-point weights, padded with zeros to whole groups.
        let window = UnsafeMutablePointer<Int16>.allocate(capacity: groups * groupSize)
        window.initialize(repeating: 0, count: groups * groupSize)
        defer { window.deallocate() }
        let half = 1 << (horizontalBits - horizontalRoundingBits - 1)
        let up = 16 + horizontalRoundingBits - horizontalBits
        var sumsFit = true
        for x in 0..<outWidth {
            horizontalOffsets[x] = Int32(h.starts[x] * bytesPerPixel)
            horizontalStarts[x] = Int32(h.starts[x])
            h.fixedWeights(x, bits: horizontalBits, into: window)
            var positive = 0, negative = 0
            for j in 0..<(groups * groupSize) {
                if window[j] > 0 { positive += Int(window[j]) } else { negative += Int(window[j]) }
            }
            sumsFit = sumsFit && (half + 255 * positive) << up <= Int(Int32.max)
                && (half + 255 * negative) << up >= Int(Int32.min)
            for g in 0..<groups {
                let k = window + g * groupSize
                horizontalWeights[x * groups + g] = bands == 1
                    ? SIMD8(k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7])
                    : SIMD8(k[0], k[1], k[0], k[1], k[0], k[1], k[0], k[1])
            }
        }

        horizontalSumsFit = sumsFit
        maxVerticalCount = v.maxCount
        // Our intermediate samples' error: fixed-point weights, then rounding to 1/64.
        let intermediateError = h.fixedPointError(bits: horizontalBits) + 1.0 / 128
        let sharedError = (0.5 + intermediateError) * v.largestAbsoluteSum
        let multiplyHighError = sharedError + Double(v.maxCount) / 64
            + v.fixedPointError(bits: Self.multiplyHighBits)
        if multiplyHighError < 0.99 && v.largestWeight < 1.9 && v.largestAbsoluteSum < 2 {
            verticalKernel = .multiplyHigh
            verticalBits = Self.multiplyHighBits
            intermediateBits = 7  // 8 bits of sample times 14 of weight give 1/32 in pmulhw
            worstCaseError = multiplyHighError
        } else {
            verticalKernel = .multiplyAdd
            intermediateBits = 6
            verticalBits = v.fixedPointBits(maxSample: 255 << intermediateBits, limit: 16)
            // The pass descales with (sum >> (bits + 6 - 16)) >> 16.
            precondition(verticalBits + intermediateBits >= 16,
                         "ResamplePlan: vertical weights need \(verticalBits) bits")
            worstCaseError = sharedError + v.fixedPointError(bits: verticalBits)
        }
        verticalStarts = .allocate(capacity: outHeight)
        verticalCounts = .allocate(capacity: outHeight)
        weightOffsets = .allocate(capacity: outHeight)
        verticalWeights = .allocate(capacity: v.counts.reduce(0, +) + v.maxCount)
        var offset = 0
        for y in 0..<outHeight {
            verticalStarts[y] = v.starts[y]
            verticalCounts[y] = v.counts[y]
            weightOffsets[y] = offset
            // Writes maxCount weights; the next window starts over the zeros past this one.
            v.fixedWeights(y, bits: verticalBits, into: verticalWeights + offset)
            offset += v.counts[y]
        }
        if bands != 1 && !keepsColumns && ResampleInstructions.fastest == .avx512vbmi {
            horizontalRuns = HorizontalRuns(plan: self)
        }
    }

    deinit {
        horizontalOffsets.deallocate()
        horizontalStarts.deallocate()
        horizontalWeights.deallocate()
        verticalStarts.deallocate()
        verticalCounts.deallocate()
        weightOffsets.deallocate()
        verticalWeights.deallocate()
    }

    private static func taps(filter: ResampleFilter, inWidth: Int, inHeight: Int, outWidth: Int,
                             outHeight: Int, box: ResampleBox, threads: Int) -> (ResampleTaps, ResampleTaps) {
        let horizontal: @Sendable () -> ResampleTaps = {
            box.keepsColumns(inWidth: inWidth, outWidth: outWidth)
                ? ResampleTaps(identity: inWidth)
                : ResampleTaps(filter: filter, inSize: inWidth, outSize: outWidth, start: box.left, end: box.right)
        }
        let vertical: @Sendable () -> ResampleTaps = {
            box.keepsRows(inHeight: inHeight, outHeight: outHeight)
                ? ResampleTaps(identity: inHeight)
                : ResampleTaps(filter: filter, inSize: inHeight, outSize: outHeight, start: box.top, end: box.bottom)
        }
        guard threads > 1 && outWidth + outHeight >= 512 else { return (horizontal(), vertical()) }
        let results = TapsPair()
        RowBands.parallelFor(2) { axis in
            if axis == 0 { results.horizontal = horizontal() } else { results.vertical = vertical() }
        }
        return (results.horizontal!, results.vertical!)
    }

    /// Each slot is written by one iteration of `RowBands.parallelFor` and read after it returns.
    private final class TapsPair: @unchecked Sendable {
        var horizontal: ResampleTaps?
        var vertical: ResampleTaps?
    }

    /// Samples in one output row.
    var outSamples: Int { outWidth * bands }
}
