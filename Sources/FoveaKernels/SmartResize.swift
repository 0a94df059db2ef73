/// The output size rule of qwen-vl-utils' `smart_resize` (`vision_process.py`): both sides a
/// multiple of `factor`, the area inside `minPixels ... maxPixels`, the aspect ratio kept as
/// closely as those allow.
///
/// The arithmetic is Python's, step for step in `Double`, so sizes are bit-identical:
/// `round` is half-to-even (70 px with factor 28 gives 56, not 84). One deliberate difference:
/// where qwen-vl-utils 0.0.14 floors a side to 0 in the `maxPixels` branch (aspect ratios near
/// 200 with a small `maxPixels`), the side is `factor` instead, as in transformers' Qwen2-VL
/// processor; a 0-pixel side cannot be resized to.
///
/// ```swift
/// let rule = SmartResizeRule(factor: 28, minPixels: 4 * 28 * 28, maxPixels: 16384 * 28 * 28)
/// try rule.size(height: 1080, width: 1920)   // (height: 1092, width: 1932)
/// ```
public struct SmartResizeRule: Hashable, Sendable {
    /// Both output sides are multiples of this (28 for Qwen2/2.5-VL, 32 for Qwen3-VL).
    public var factor: Int
    public var minPixels: Int
    public var maxPixels: Int

    /// The largest `max(h, w) / min(h, w)` accepted.
    public static let maximumAspectRatio = 200.0

    @inlinable
    public init(factor: Int, minPixels: Int, maxPixels: Int) {
        self.factor = factor
        self.minPixels = minPixels
        self.maxPixels = maxPixels
    }

    /// qwen-vl-utils' defaults for `factor`: 4 to 16384 patches of `factor`².
    @inlinable
    public init(factor: Int) {
        self.init(factor: factor, minPixels: 4 * factor * factor, maxPixels: 16384 * factor * factor)
    }

    /// The size `smart_resize` gives an image of `height` × `width` pixels.
    public func size(height: Int, width: Int) throws(SmartResizeError) -> (height: Int, width: Int) {
        guard factor > 0, minPixels >= 0, maxPixels >= minPixels else {
            throw SmartResizeError(
                code: .invalidRule,
                message: "smart_resize needs factor > 0 and 0 <= minPixels <= maxPixels, but the rule "
                    + "has factor \(factor), minPixels \(minPixels), maxPixels \(maxPixels).")
        }
        guard height > 0, width > 0 else {
            throw SmartResizeError(
                code: .emptyImage,
                message: "smart_resize needs a positive size, but the image is \(width)x\(height) "
                    + "(width x height).")
        }
        let ratio = Double(Swift.max(height, width)) / Double(Swift.min(height, width))
        guard ratio <= Self.maximumAspectRatio else {
            throw SmartResizeError(
                code: .aspectRatioTooLarge,
                message: "absolute aspect ratio must be smaller than 200: the image is \(width)x\(height) "
                    + "(width x height), ratio \(ratio); crop it so that its longer side is at most "
                    + "200 times its shorter side.")
        }
        let h = Double(height), w = Double(width), f = Double(factor)
        var hBar = Swift.max(factor, Int((h / f).rounded(.toNearestOrEven)) * factor)
        var wBar = Swift.max(factor, Int((w / f).rounded(.toNearestOrEven)) * factor)
        if hBar * wBar > maxPixels {
            let beta = (Double(height * width) / Double(maxPixels)).squareRoot()
            hBar = Swift.max(factor, Int((h / beta / f).rounded(.down)) * factor)
            wBar = Swift.max(factor, Int((w / beta / f).rounded(.down)) * factor)
        } else if hBar * wBar < minPixels {
            let beta = (Double(minPixels) / Double(height * width)).squareRoot()
            hBar = Int((h * beta / f).rounded(.up)) * factor
            wBar = Int((w * beta / f).rounded(.up)) * factor
        }
        return (hBar, wBar)
    }
}

/// Why ``SmartResizeRule/size(height:width:)`` refused a size; `message` is one sentence a
/// model can act on.
public struct SmartResizeError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        case aspectRatioTooLarge
        case emptyImage
        case invalidRule
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
