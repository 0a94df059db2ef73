import FoveaKernels

/// Shrink-on-load: a job that crops a box of a JPEG and resizes it to much less than the box
/// reads the source decoded at 1/2, 1/4 or 1/8 scale instead (libjpeg's DCT scaling, through
/// libvips's `jpegload shrink`), with the resize's box mapped onto the reduced image at
/// fractional precision.
///
/// The choice depends only on the call and the image (never on what is cached), so a call
/// gives the same bytes cold or warm. The reduced image is cached beside the full one.
///
/// Tolerance: the factor leaves the resize at least ``minimumResidualScale`` to shrink, which
/// keeps the result within PSNR 40 dB of the full-scale path (what the resampling conformance
/// asks of the kernels). The worst case measured is a page of coloured 1-pixel glyph strokes
/// (JPEG q95 4:4:4, `ShrinkOnLoadTests`): residual 2.5 → 37.2 / 39.8 / 41.3 dB at 1/2, 1/4,
/// 1/8 scale; 3 → 39.4 / 41.5 / 42.1; 3.5 → 41.0 / 42.4 / 42.4. Photos stay above 45 dB at 2.5.
///
/// WebP is not used: libwebp scales the Y and the 4:2:0 chroma planes separately, and the
/// same page came out at 31–37 dB for every residual up to 6.
public enum ShrinkOnLoad {
    /// Reduction factors tried, largest first.
    public static let factors = [8, 4, 2]
    /// How much the resize must still shrink, on both axes, after the reduced decode.
    public static let minimumResidualScale = 3.5
    /// Source formats whose reduced decode stays within the tolerance.
    public static let formats: Set<String> = ["jpeg"]

    /// The factor to decode a `format` source at for `plan`, or nil to read the full image:
    /// the plan must start by cropping a box and resizing all of it.
    public static func factor(for plan: ImagePlan, format: String) -> Int? {
        guard formats.contains(format), plan.steps.count >= 2,
              case .crop(let rect) = plan.steps[0], case .resize(let width, let height, _, nil) = plan.steps[1] else {
            return nil
        }
        let scale = min(Double(rect.width) / Double(width), Double(rect.height) / Double(height))
        return factors.first { scale >= Double($0) * minimumResidualScale }
    }

    /// Source pixels per reduced pixel on each axis. libjpeg scales by exactly `factor` (the
    /// reduced size rounds up); a scaling loader such as libwebp's maps the whole image onto
    /// the reduced size.
    public static func scale(format: String, factor: Int, full: ImageShape, reduced: ImageShape) -> (x: Double, y: Double) {
        if format == "jpeg" { return (Double(factor), Double(factor)) }
        return (Double(full.width) / Double(reduced.width), Double(full.height) / Double(reduced.height))
    }

    /// Whether `reduced` is a plausible decode of `full` at 1/`factor` (within a pixel of the
    /// exact quotient on each axis, same bands): what the supervisor accepts from a worker.
    public static func accepts(_ reduced: ImageShape, full: ImageShape, factor: Int) -> Bool {
        func near(_ size: Int, _ whole: Int) -> Bool {
            let exact = Double(whole) / Double(factor)
            return size >= 1 && Double(size) >= exact.rounded(.down) - 1 && Double(size) <= exact.rounded(.up) + 1
        }
        return reduced.bands == full.bands && near(reduced.width, full.width) && near(reduced.height, full.height)
    }

    /// `plan` (for which ``factor(for:format:)`` gave `factor`) rewritten to read `reduced`:
    /// the crop becomes the reduced pixels that cover the box, and the resize maps the box's
    /// exact edges within them.
    public static func plan(_ plan: ImagePlan, factor: Int, format: String, full: ImageShape,
                            reduced: ImageShape) -> ImagePlan {
        guard case .crop(let rect) = plan.steps[0], case .resize(let width, let height, let filter, nil) = plan.steps[1] else {
            preconditionFailure("ShrinkOnLoad.plan: the plan does not start with crop and resize")
        }
        let scale = scale(format: format, factor: factor, full: full, reduced: reduced)
        let left = Double(rect.x) / scale.x, right = min(Double(reduced.width), Double(rect.maxX) / scale.x)
        let top = Double(rect.y) / scale.y, bottom = min(Double(reduced.height), Double(rect.maxY) / scale.y)
        // The box spans at least `minimumResidualScale` reduced pixels on each axis.
        let x0 = Int(left.rounded(.down)), x1 = Int(right.rounded(.up))
        let y0 = Int(top.rounded(.down)), y1 = Int(bottom.rounded(.up))
        let cover = PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
        let box = ResampleBox(left: left - Double(x0), top: top - Double(y0),
                              right: right - Double(x0), bottom: bottom - Double(y0))
        var steps = plan.steps
        steps[0] = .crop(cover)
        steps[1] = .resize(width: width, height: height, filter: filter, box: box)
        return ImagePlan(steps: steps, output: plan.output)
    }
}
