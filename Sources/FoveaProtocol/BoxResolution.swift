import FoveaKernels

/// A caller's box turned into the pixels a tool will read.
public struct ResolvedBox: Sendable, Equatable {
    /// The values as the caller sent them.
    public var requested: [Double]
    /// The caller's coordinate system.
    public var coords: CoordinateSystem
    /// The pixels read (integer, inside the image, non-empty).
    public var pixels: PixelRect
    /// The box was partly outside the image and was clipped to it.
    public var clipped: Bool
    /// The box was smaller than the minimum side and grew about its centre.
    public var grown: Bool

    /// The image the box was resolved in.
    public var imageWidth: Int = 0
    public var imageHeight: Int = 0

    /// `pixels` in the caller's system (what the model should cite next).
    public var effective: [Double] { inCallerSystem(width: imageWidth, height: imageHeight) }

    /// `pixels` expressed in the caller's system for an image of `width` × `height`.
    public func inCallerSystem(width: Int, height: Int) -> [Double] {
        let digits = coords.reportedFractionDigits
        func report(_ value: Int, _ extent: Int) -> Double {
            var scale = 1.0
            for _ in 0..<digits { scale *= 10 }
            return (coords.fromPixels(Double(value), extent: extent) * scale).rounded() / scale
        }
        return [report(pixels.x, width), report(pixels.y, height),
                report(pixels.maxX, width), report(pixels.maxY, height)]
    }
}

/// Turns `bbox_2d` values into a pixel rectangle of a `width` × `height` image.
///
/// Rules, in order (docs/PROTOCOL.md "Boxes"):
/// 1. x2 > x1 and y2 > y1 in the caller's system.
/// 2. Values may overshoot the image by up to 5% of its extent (models round loosely) and are
///    clipped; a value further out is an error that names the coordinate system, because it
///    usually means the caller used another one.
/// 3. `padding` (a fraction of the box's size) is added on every side.
/// 4. A box with a side under `minimumSide` pixels grows about its centre to that side,
///    keeping its aspect ratio (Qwen-Agent's rule), and is shifted back inside the image.
/// 5. Otherwise edges round half to even, as Pillow's `Image.crop` does; the box is at least
///    1 pixel.
public func resolveBox(
    _ values: [Double], coords: CoordinateSystem, width: Int, height: Int,
    minimumSide: Int, padding: Double = 0, argument: String = "bbox_2d"
) throws(ToolError) -> ResolvedBox {
    precondition(values.count == 4 && width > 0 && height > 0)
    let received = JSONValue.array(values.map(JSONValue.number))
    let (x1, y1, x2, y2) = (values[0], values[1], values[2], values[3])
    guard x2 > x1 else {
        throw .invalid(argument, received, "x2 (\(formatNumber(x2))) must be greater than x1 (\(formatNumber(x1)))")
    }
    guard y2 > y1 else {
        throw .invalid(argument, received, "y2 (\(formatNumber(y2))) must be greater than y1 (\(formatNumber(y1)))")
    }
    for (index, value) in values.enumerated() {
        let extent = index % 2 == 0 ? width : height
        let full = coords.fullScale(extent: extent)
        let slack = full * 0.05
        if value < -slack || value > full + slack {
            let name = ["x1", "y1", "x2", "y2"][index]
            var hint = ""
            if coords != .pixel, value > full + slack {
                hint = "; pass coords \"pixel\" if these are pixels"
            } else if coords == .pixel, values.allSatisfy({ $0 >= 0 && $0 <= 1 }) {
                hint = "; pass coords \"norm\" if these are fractions of the image"
            }
            throw .invalid(argument, received,
                           "\(name) (\(formatNumber(value))) is outside the image: \(coords.rangeDescription)"
                           + (coords == .pixel ? " (\(width)×\(height))" : "") + hint)
        }
    }

    var left = coords.toPixels(x1, extent: width)
    var top = coords.toPixels(y1, extent: height)
    var right = coords.toPixels(x2, extent: width)
    var bottom = coords.toPixels(y2, extent: height)
    if padding > 0 {
        let padX = (right - left) * padding
        let padY = (bottom - top) * padding
        left -= padX; right += padX; top -= padY; bottom += padY
    }
    let clipped = left < 0 || top < 0 || right > Double(width) || bottom > Double(height)
    left = max(0, left); top = max(0, top)
    right = min(Double(width), right); bottom = min(Double(height), bottom)
    guard right > left, bottom > top else {
        throw .invalid(argument, received, "the box lies outside the \(width)×\(height) image: \(coords.rangeDescription)")
    }

    let side = Double(max(1, minimumSide))
    let boxWidth = right - left
    let boxHeight = bottom - top
    var rect: (x1: Int, y1: Int, x2: Int, y2: Int)
    let grown = minimumSide > 1 && (boxWidth < side || boxHeight < side)
    if grown {
        let ratio = side / min(boxWidth, boxHeight)
        let halfWidth = (boxWidth * ratio * 0.5).rounded(.up)
        let halfHeight = (boxHeight * ratio * 0.5).rounded(.up)
        let centreX = (left + right) / 2
        let centreY = (top + bottom) / 2
        rect = (Int((centreX - halfWidth).rounded(.down)), Int((centreY - halfHeight).rounded(.down)),
                Int((centreX + halfWidth).rounded(.up)), Int((centreY + halfHeight).rounded(.up)))
        (rect.x1, rect.x2) = shiftInside(rect.x1, rect.x2, extent: width)
        (rect.y1, rect.y2) = shiftInside(rect.y1, rect.y2, extent: height)
    } else {
        rect = (Int(left.rounded(.toNearestOrEven)), Int(top.rounded(.toNearestOrEven)),
                Int(right.rounded(.toNearestOrEven)), Int(bottom.rounded(.toNearestOrEven)))
        (rect.x1, rect.x2) = atLeastOnePixel(rect.x1, rect.x2, extent: width)
        (rect.y1, rect.y2) = atLeastOnePixel(rect.y1, rect.y2, extent: height)
    }
    var resolved = ResolvedBox(requested: values, coords: coords,
                               pixels: PixelRect(x1: rect.x1, y1: rect.y1, x2: rect.x2, y2: rect.y2),
                               clipped: clipped, grown: grown)
    resolved.imageWidth = width
    resolved.imageHeight = height
    return resolved
}

/// Moves `[low, high)` inside `[0, extent)` keeping its length where the image allows.
private func shiftInside(_ low: Int, _ high: Int, extent: Int) -> (Int, Int) {
    var (low, high) = (low, high)
    if low < 0 { high -= low; low = 0 }
    if high > extent { low -= high - extent; high = extent }
    return (max(0, low), high)
}

private func atLeastOnePixel(_ low: Int, _ high: Int, extent: Int) -> (Int, Int) {
    if high > low { return (low, high) }
    return low < extent ? (low, low + 1) : (extent - 1, extent)
}
