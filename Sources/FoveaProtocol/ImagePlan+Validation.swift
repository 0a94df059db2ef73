import FoveaKernels

/// Why a worker refuses a plan: a step that does not fit the image it receives. The planner
/// never makes such a plan (the fuzz target FuzzToolCall checks it); a compromised or buggy
/// supervisor could.
public struct PlanError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension ImagePlan {
    /// Checks that every step fits the image it receives, before any work.
    public func validate(source: PixelLayout) throws(PlanError) {
        var shape = ImageShape(source)
        for (index, step) in steps.enumerated() {
            func inside(_ rect: PixelRect) -> Bool { !rect.isEmpty && rect.isInside(width: shape.width, height: shape.height) }
            switch step {
            case .crop(let rect), .statistics(let rect):
                guard inside(rect) else { throw PlanError("step \(index): \(rect) is not inside \(shape)") }
                if case .statistics = step, index != steps.count - 1 { throw PlanError("statistics must be the last step") }
            case .resize(let width, let height, _, let box):
                guard (1...65536).contains(width), (1...65536).contains(height) else { throw PlanError("resize to \(width)x\(height) is out of range") }
                if let box, !(box.left >= 0 && box.top >= 0 && box.right <= Double(shape.width) && box.bottom <= Double(shape.height)
                              && box.right > box.left && box.bottom > box.top) {
                    throw PlanError("step \(index): resize box \(box) is not inside \(shape)")
                }
            case .quarterTurn, .flip: break
            case .rotate(let degrees, _, let expand, let fill, let width, let height):
                let size = RotationGeometry.outputSize(width: shape.width, height: shape.height, degrees: degrees, expand: expand)
                guard size.width == width, size.height == height, fill.count == shape.bands else {
                    throw PlanError("rotate step does not match its geometry")
                }
            case .enhance(_, let region):
                if let region, !inside(region) { throw PlanError("step \(index): region \(region) is not inside \(shape)") }
            case .annotate(let annotations):
                guard annotations.count <= ToolLimits.maximumAnnotations else { throw PlanError("too many annotations") }
            }
            shape = step.output(from: shape)
            guard shape.width * shape.height <= 1 << 30 else { throw PlanError("step \(index) makes an image too large") }
        }
        if let band { try Self.validate(band: band, of: shape, plan: self) }
    }

    /// A band is whole MCU rows (the last may end with the image) of a JPEG cut from a crop (and
    /// resize), inside the result.
    private static func validate(band: Range<Int>, of whole: ImageShape, plan: ImagePlan) throws(PlanError) {
        guard plan.canBeBanded, plan.output?.format == .jpeg else {
            throw PlanError("only a crop, or a crop and a resize, to JPEG can be made in bands")
        }
        let mcuRows = JPEGRowRestarts.mcuRows
        guard !band.isEmpty, band.lowerBound >= 0, band.upperBound <= whole.height, band.lowerBound % mcuRows == 0,
              band.upperBound % mcuRows == 0 || band.upperBound == whole.height else {
            throw PlanError("band \(band) is not whole MCU rows of the \(whole.height) rows made")
        }
    }
}
