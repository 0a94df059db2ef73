/// How a caller writes box coordinates (SPEC §3).
///
/// - `rel1000`: 0–1000 of the image's width and height (Qwen3-VL, Qwen-Agent).
/// - `pixel`: pixels of the referenced image (DeepEyes, verl, Thyme).
/// - `norm`: 0–1 of width and height (Mini-o3, Pixel-Reasoner).
public enum CoordinateSystem: String, Sendable, CaseIterable {
    case rel1000
    case pixel
    case norm

    /// The coordinate value that maps to the far edge of an image `extent` pixels long.
    public func fullScale(extent: Int) -> Double {
        switch self {
        case .rel1000: return 1000
        case .pixel: return Double(extent)
        case .norm: return 1
        }
    }

    /// Converts a coordinate along an axis `extent` pixels long into (fractional) pixels.
    public func toPixels(_ value: Double, extent: Int) -> Double {
        switch self {
        case .rel1000: return value / 1000 * Double(extent)
        case .pixel: return value
        case .norm: return value * Double(extent)
        }
    }

    /// Converts pixels along an axis `extent` pixels long into this system.
    public func fromPixels(_ pixels: Double, extent: Int) -> Double {
        switch self {
        case .rel1000: return pixels * 1000 / Double(extent)
        case .pixel: return pixels
        case .norm: return pixels / Double(extent)
        }
    }

    /// Digits worth reporting when a pixel box is shown in this system.
    public var reportedFractionDigits: Int {
        switch self {
        case .rel1000: return 1
        case .pixel: return 0
        case .norm: return 4
        }
    }

    /// "0–1000 of the image's width and height" — for error messages.
    public var rangeDescription: String {
        switch self {
        case .rel1000: return "rel1000 coordinates run from 0 to 1000 of the image's width and height"
        case .pixel: return "pixel coordinates run from 0 to the image's width and height"
        case .norm: return "norm coordinates run from 0 to 1 of the image's width and height"
        }
    }
}
