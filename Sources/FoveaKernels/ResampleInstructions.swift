import CResampleAVX2

/// The instructions a resample's passes may use, slowest first: SSE2 (the Swift SIMD passes,
/// which every x86-64 has) and AVX2 (CResampleAVX2's C functions, only where the CPU has it).
/// The CPU is asked once per process; ``fastest`` is what a resize uses, the others are for
/// tests and `fovea bench resample`, which compare the paths.
@_spi(Benchmarks)
public enum ResampleInstructions: Int, Comparable, Sendable, CaseIterable, CustomStringConvertible {
    case sse2, avx2

    /// The best this CPU has.
    public static let fastest: ResampleInstructions = fovea_cpu_has_avx2() != 0 ? .avx2 : .sse2

    /// Every set this CPU has, slowest first.
    public static var available: [ResampleInstructions] { allCases.filter { $0 <= fastest } }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .sse2: "SSE2"
        case .avx2: "AVX2"
        }
    }
}
