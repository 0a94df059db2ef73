import FoveaKernels
import FoveaProtocol

/// Runs an ``ImagePlan``'s pixel steps. Intermediate images live on the heap; the last step
/// writes straight into `finalDestination`'s memory (the result memfd) when it makes pixels.
struct PlanExecutor {
    let threads: Int

    /// Checks that every step fits the image it receives, before any work.
    static func validate(_ plan: ImagePlan, source: PixelLayout) throws(PlanError) {
        var size = (width: source.width, height: source.height)
        for step in plan.steps {
            switch step {
            case .crop(let rect):
                guard !rect.isEmpty, rect.isInside(width: size.width, height: size.height) else {
                    throw PlanError("crop \(rect) is not inside \(size.width)x\(size.height)")
                }
                size = (rect.width, rect.height)
            case .resize(let width, let height, _):
                guard width >= 1, height >= 1, width <= 1 << 16, height <= 1 << 16 else {
                    throw PlanError("resize to \(width)x\(height) is out of range")
                }
                size = (width, height)
            }
        }
    }

    /// Runs `plan` on `source`; `makeDestination` provides the memory for the final pixels.
    func run(_ plan: ImagePlan, source: ImageView,
             makeDestination: (PixelLayout) throws -> MutableImageView) throws -> ImageView {
        var current = source
        var keepAlive: [PixelBuffer] = []
        for (index, step) in plan.steps.enumerated() {
            let isLast = index == plan.steps.count - 1
            switch step {
            case .crop(let rect):
                current = current.cropped(to: rect)
            case .resize(let width, let height, let filter):
                let layout = PixelLayout(width: width, height: height, bands: current.bands)
                let destination: MutableImageView
                if isLast {
                    destination = try makeDestination(layout)
                } else {
                    let buffer = PixelBuffer(width: width, height: height, bands: current.bands)
                    keepAlive.append(buffer)
                    destination = buffer.mutableView
                }
                resample(current, into: destination, filter: filter, threads: threads)
                current = destination.readOnly
                if isLast { return current }
            }
        }
        // The last step left a view of other memory (a crop, or no steps): copy it out packed.
        let destination = try makeDestination(current.layout.packed)
        let rowLength = current.width * current.bands
        for y in 0..<current.height {
            destination.row(y).update(from: current.row(y), count: rowLength)
        }
        withExtendedLifetime(keepAlive) {}
        return destination.readOnly
    }
}

struct PlanError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
