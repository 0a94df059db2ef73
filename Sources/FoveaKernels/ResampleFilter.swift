#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A separable resampling kernel, defined as Pillow defines it (`src/libImaging/Resample.c`).
///
/// `bicubic` is Pillow's `BICUBIC` (Keys, a = −0.5) and Pillow's default for `resize`;
/// `lanczos3` is `LANCZOS` (sinc windowed by sinc, 3 lobes); `box` averages the source pixels an
/// output pixel covers.
public enum ResampleFilter: String, Sendable, CaseIterable {
    case box
    case bilinear
    case bicubic
    case lanczos3

    /// Half-width of the kernel, in source pixels, when not downsampling.
    public var support: Double {
        switch self {
        case .box: 0.5
        case .bilinear: 1.0
        case .bicubic: 2.0
        case .lanczos3: 3.0
        }
    }

    /// The kernel's weight at distance `x` (in output-pixel units), Pillow's formulas verbatim.
    public func weight(_ x: Double) -> Double {
        switch self {
        case .box:
            return x > -0.5 && x <= 0.5 ? 1.0 : 0.0
        case .bilinear:
            let x = Swift.abs(x)
            return x < 1.0 ? 1.0 - x : 0.0
        case .bicubic:
            let a = -0.5
            let x = Swift.abs(x)
            if x < 1.0 { return ((a + 2.0) * x - (a + 3.0)) * x * x + 1 }
            if x < 2.0 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0.0
        case .lanczos3:
            guard -3.0 <= x && x < 3.0 else { return 0.0 }
            return Self.sinc(x) * Self.sinc(x / 3)
        }
    }

    private static func sinc(_ x: Double) -> Double {
        if x == 0.0 { return 1.0 }
        let px = x * Double.pi
        return sin(px) / px
    }
}
