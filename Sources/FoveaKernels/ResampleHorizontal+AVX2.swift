import CResampleAVX2

/// The horizontal pass through CResampleAVX2, for 3 and 4 bands where the CPU has AVX2: rows are
/// expanded in pairs (a with b, c with d) so that one 256-bit `vpmaddwd` gives two rows' sums,
/// and every sum, rounding and clamp is SSE2's, so the intermediate rows are the same Int16s.
/// (C with intrinsics, not Swift: see `resample_horizontal_avx2.c` for why.)
extension HorizontalPass {
    /// Int16 of scratch for the paired strips of rows.
    var pairedStripsLength: Int { fovea_resample_horizontal_avx2_scratch(plan.groupsPerPixel) }

    /// All four source rows are read together, so `source`'s rows must stay valid through the
    /// call (premultiplied rows have a buffer each).
    func filterWithAVX2(rows count: Int, _ source: (Int) -> UnsafePointer<UInt8>,
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
            to_sixty_fourths: 6 - rounding, to_stored: Int32(plan.intermediateBits) - 6)
        fovea_resample_horizontal_avx2(a, b, c, d, plan.inWidth, Int32(plan.bands), &windows, scratch,
                                       out.a, out.b, out.c, out.d)
    }
}
