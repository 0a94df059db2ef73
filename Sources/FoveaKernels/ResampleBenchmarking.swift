/// For `fovea bench resample`: a resize with its passes' instructions chosen, or with one pass
/// left out, so that each pass is timed in the loop that really runs it (the same ring of
/// intermediate rows, the same caches).
@_spi(Benchmarks)
public enum ResampleBenchmarking {
    /// Which passes run: both (a real resize), or one alone. Alone, the vertical pass reads
    /// intermediate rows of zeros and the horizontal pass's rows are never read, so only the
    /// time means anything (the arithmetic does not depend on the values).
    public enum Passes: Sendable, CaseIterable {
        case both, horizontalOnly, verticalOnly
    }

    /// ``resample(_:into:filter:box:threads:)`` with `passes` and each pass's instructions, which
    /// must be ``ResampleInstructions/available``.
    public static func resample(_ src: ImageView, into dst: MutableImageView, filter: ResampleFilter,
                                box: ResampleBox? = nil, threads: Int = 1, passes: Passes,
                                horizontal: ResampleInstructions, vertical: ResampleInstructions) {
        FoveaKernels.resample(src, into: dst, filter: filter, box: box, threads: threads, premultipliesAlpha: true,
                              horizontal: horizontal, vertical: vertical, passes: passes)
    }
}
