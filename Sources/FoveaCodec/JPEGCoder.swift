import CJPEG

/// Who transforms and Huffman-codes a JPEG: the same file whichever does (`JPEGCoderTests`,
/// byte for byte), so only the speed differs. Encodes use ``automatic``; the others are for
/// tests and `fovea bench encode`.
///
/// libjpeg-turbo 2.1 does one 8×8 block at a time (AVX2 DCT and quantisation) and codes
/// coefficient by coefficient; Fovea's coder (`CKernels/CJPEG/baseline_encoder.c`) takes the
/// same planes, does the DCT and quantisation four blocks at a time and forms every symbol of a
/// block at once (AVX-512), and writes the same markers, tables and bits. It writes baseline
/// files with standard tables only: optimised tables and progressive files stay with libjpeg.
@_spi(Benchmarks)
public enum JPEGCoder: CaseIterable, Sendable, CustomStringConvertible {
    /// ``avx512`` where the CPU has it and the file is baseline with standard tables, else
    /// ``libjpeg``.
    case automatic
    /// libjpeg-turbo's.
    case libjpeg
    /// Fovea's, in plain C (the reference the AVX-512 one is tested against).
    case scalar
    /// Fovea's with AVX-512 (F, BW, CD, VBMI2).
    case avx512

    /// Whether this CPU can run it.
    public var isAvailable: Bool { fovea_jpeg_coder_available(cValue) != 0 }

    /// Those this CPU can run.
    public static var available: [JPEGCoder] { allCases.filter(\.isAvailable) }

    public var description: String {
        switch self {
        case .automatic: "automatic"
        case .libjpeg: "libjpeg"
        case .scalar: "Fovea scalar"
        case .avx512: "Fovea AVX-512"
        }
    }

    var cValue: fovea_jpeg_coder {
        switch self {
        case .automatic: FOVEA_JPEG_CODER_AUTOMATIC
        case .libjpeg: FOVEA_JPEG_CODER_LIBJPEG
        case .scalar: FOVEA_JPEG_CODER_SCALAR
        case .avx512: FOVEA_JPEG_CODER_AVX512
        }
    }
}
