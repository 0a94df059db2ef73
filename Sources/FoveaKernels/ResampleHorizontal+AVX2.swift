import CResampleAVX2

/// The horizontal pass through CResampleAVX2, for 3 and 4 bands where the CPU has AVX2 or
/// AVX-512: rows are expanded two to a 256-bit block (a with b, c with d) or four to a 512-bit
/// one, one row per 128-bit lane, so that one `vpmaddwd` gives two or four rows' sums; with
/// VBMI and VNNI too, the plan's ``HorizontalRuns`` are filtered straight from the source rows
/// and only the other pixels are expanded. Every sum, rounding and clamp gives SSE2's Int16s.
/// (C with intrinsics, not Swift: see `resample_horizontal_avx2.c` for why.)
extension HorizontalPass {
    /// Int16 of scratch for the C pass's strips of expanded rows.
    var stripsLength: Int {
        instructions >= .avx512 ? fovea_resample_horizontal_avx512_scratch(plan.groupsPerPixel)
            : fovea_resample_horizontal_avx2_scratch(plan.groupsPerPixel)
    }

    /// All four source rows are read together, so `source`'s rows must stay valid through the
    /// call (premultiplied rows have a buffer each).
    func filterInC(rows count: Int, _ source: (Int) -> UnsafePointer<UInt8>,
                   scratch: UnsafeMutablePointer<Int16>, into out: FourRows<UnsafeMutablePointer<Int16>>) {
        // Rows past `count` repeat the last one: what they give goes to slots nothing reads.
        let a = source(0)
        let b = count > 1 ? source(1) : a
        let c = count > 2 ? source(2) : b
        let d = count > 3 ? source(3) : c
        let bits = Int32(plan.horizontalBits), rounding = Int32(plan.horizontalRoundingBits)
        var windows = fovea_horizontal_windows(
            starts: UnsafePointer(plan.horizontalStarts),
            weights: UnsafeRawPointer(plan.horizontalWeights).assumingMemoryBound(to: Int16.self),
            groups: plan.groupsPerPixel, out_width: plan.outWidth,
            half: 1 << (bits - rounding - 1), up: 16 + rounding - bits,
            to_sixty_fourths: 6 - rounding, to_stored: Int32(plan.intermediateBits) - 6,
            sums_fit: plan.horizontalSumsFit ? 1 : 0, runs: nil, run_count: 0, run_weights: nil)
        if instructions == .avx512vbmi, let runs = plan.horizontalRuns {
            windows.runs = UnsafePointer(runs.bounds)
            windows.run_count = runs.count
            windows.run_weights = UnsafePointer(runs.weights)
            fovea_resample_horizontal_avx512vbmi(a, b, c, d, plan.inWidth, Int32(plan.bands), &windows, scratch,
                                                 out.a, out.b, out.c, out.d)
        } else if instructions >= .avx512 {
            fovea_resample_horizontal_avx512(a, b, c, d, plan.inWidth, Int32(plan.bands), &windows, scratch,
                                             out.a, out.b, out.c, out.d)
        } else {
            fovea_resample_horizontal_avx2(a, b, c, d, plan.inWidth, Int32(plan.bands), &windows, scratch,
                                           out.a, out.b, out.c, out.d)
        }
    }
}
