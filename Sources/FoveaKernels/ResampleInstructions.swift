import CResampleAVX2

/// The instructions a resample's passes may use, slowest first: SSE2 (the Swift SIMD passes,
/// which every x86-64 has), AVX2, AVX-512 F/BW/VL, and AVX-512 with VBMI and VNNI too
/// (CResampleAVX2's C functions, only where the CPU has them). The CPU is asked once per
/// process; ``fastest`` is what a resize uses, the others are for tests and `fovea bench
/// resample`, which compare the paths.
///
/// | pass | SSE2 | AVX2 | AVX-512 | AVX-512 VBMI/VNNI |
/// |---|---|---|---|---|
/// | horizontal, 3 and 4 bands | Swift, 1 row per `pmaddwd` | C, 2 rows per `vpmaddwd` | C, 4 rows per `vpmaddwd` | C: runs of unit-stride windows 16 samples per `vpdpwssd` from the source rows (``HorizontalRuns``), other pixels as AVX-512 |
/// | vertical, short windows (`pmulhw`) | Swift, 8 samples | C, 16 samples | C, 32 samples | as AVX-512 |
///
/// 1 band and the vertical pass's long windows (`pmaddwd`) always take the SSE2 pass.
@_spi(Benchmarks)
public enum ResampleInstructions: Int, Comparable, Sendable, CaseIterable, CustomStringConvertible {
    case sse2, avx2, avx512, avx512vbmi

    /// The best this CPU has.
    public static let fastest: ResampleInstructions =
        fovea_cpu_has_avx512vbmi() != 0 ? .avx512vbmi : fovea_cpu_has_avx512bw() != 0 ? .avx512
            : fovea_cpu_has_avx2() != 0 ? .avx2 : .sse2

    /// Every set this CPU has, slowest first.
    public static var available: [ResampleInstructions] { allCases.filter { $0 <= fastest } }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .sse2: "SSE2"
        case .avx2: "AVX2"
        case .avx512: "AVX-512"
        case .avx512vbmi: "AVX-512 VBMI"
        }
    }
}
