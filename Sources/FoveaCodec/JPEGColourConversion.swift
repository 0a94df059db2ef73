import CJPEG

/// Who converts a colour image's RGB to the YCbCr a JPEG stores: the same file whichever does
/// (`JPEGColourConversionTests`, byte for byte), so only the speed differs. Encodes use
/// ``automatic``; the others are for tests and `fovea bench encode`.
///
/// libjpeg converts with its own SIMD code, then copies each plane and pads it to whole 8×8
/// blocks; Fovea's conversions do the same arithmetic 8 rows at a time into padded planes that
/// the coder takes as they are (Fovea's, or libjpeg's `jpeg_write_raw_data`): one pass over the
/// pixels fewer.
@_spi(Benchmarks)
public enum JPEGColourConversion: CaseIterable, Sendable, CustomStringConvertible {
    /// ``avx512`` where the CPU has it, else ``libjpeg``.
    case automatic
    /// libjpeg's own (`jpeg_write_scanlines`).
    case libjpeg
    /// Fovea's, in plain C.
    case scalar
    /// Fovea's with AVX-512 (F, BW, VBMI, VNNI), 16 pixels per step.
    case avx512

    /// Whether this CPU can run it.
    public var isAvailable: Bool { fovea_jpeg_conversion_available(cValue) != 0 }

    /// Those this CPU can run.
    public static var available: [JPEGColourConversion] { allCases.filter(\.isAvailable) }

    public var description: String {
        switch self {
        case .automatic: "automatic"
        case .libjpeg: "libjpeg"
        case .scalar: "scalar"
        case .avx512: "AVX-512"
        }
    }

    var cValue: fovea_jpeg_conversion {
        switch self {
        case .automatic: FOVEA_JPEG_CONVERT_AUTOMATIC
        case .libjpeg: FOVEA_JPEG_CONVERT_LIBJPEG
        case .scalar: FOVEA_JPEG_CONVERT_SCALAR
        case .avx512: FOVEA_JPEG_CONVERT_AVX512
        }
    }
}
