import FoveaKernels
import FoveaProtocol

/// Runs an ``ImagePlan``'s pixel steps with the kernels. Intermediate images live on the heap;
/// the last step writes straight into the destination the caller provides (the result memfd).
struct PlanExecutor {
    let threads: Int

    /// What a plan made.
    enum Outcome {
        case pixels(ImageView)
        case statistics([ChannelSummary])
    }

    /// Runs `plan` on `source`; `makeDestination` provides the memory for the final pixels.
    func run(_ plan: ImagePlan, source: ImageView,
             makeDestination: (PixelLayout) throws -> MutableImageView) throws -> Outcome {
        if let band = plan.band { return .pixels(try run(band: band, of: plan, source: source, makeDestination: makeDestination)) }
        var current = source
        var keepAlive: [PixelBuffer] = []
        defer { withExtendedLifetime(keepAlive) {} }
        for (index, step) in plan.steps.enumerated() {
            let isLast = index == plan.steps.count - 1
            func allocate(_ layout: PixelLayout) throws -> MutableImageView {
                if isLast { return try makeDestination(layout) }
                let buffer = PixelBuffer(width: layout.width, height: layout.height, bands: layout.bands)
                keepAlive.append(buffer)
                return buffer.mutableView
            }
            if case .statistics(let region) = step {
                return .statistics(channelStatistics(current.cropped(to: region), threads: threads).map(ChannelSummary.init))
            }
            if case .crop(let rect) = step {
                current = current.cropped(to: rect)
                continue
            }
            let shape = step.output(from: ImageShape(current.layout))
            let destination = try allocate(PixelLayout(width: shape.width, height: shape.height, bands: shape.bands))
            try apply(step, from: current, into: destination)
            current = destination.readOnly
            if isLast { return .pixels(current) }
        }
        // The plan ended on a view of other memory (a crop, or no steps): copy it out packed.
        let destination = try makeDestination(current.layout.packed)
        copy(current, into: destination)
        return .pixels(destination.readOnly)
    }

    /// Rows `band` of what a crop (and resize) makes, reading only the source rows under them
    /// (``ImagePlan/sourceRows(height:)``): the rows below may still be being decoded.
    private func run(band: Range<Int>, of plan: ImagePlan, source: ImageView,
                     makeDestination: (PixelLayout) throws -> MutableImageView) throws -> ImageView {
        guard case .crop(let rect) = plan.steps.first else { throw PlanError("a band's plan starts with a crop") }
        let cropped = source.cropped(to: rect)
        if plan.steps.count == 1 {
            let rows = cropped.cropped(to: PixelRect(x: 0, y: band.lowerBound, width: cropped.width, height: band.count))
            let destination = try makeDestination(rows.layout.packed)
            copy(rows, into: destination)
            return destination.readOnly
        }
        guard case .resize(let width, let height, let filter, let box) = plan.steps[1] else {
            throw PlanError("a band's plan is a crop and a resize")
        }
        let destination = try makeDestination(PixelLayout(width: width, height: band.count, bands: cropped.bands))
        resample(cropped, into: destination, rows: band, ofHeight: height, filter: filter, box: box, threads: threads)
        return destination.readOnly
    }

    private func apply(_ step: PlanStep, from source: ImageView, into destination: MutableImageView) throws {
        switch step {
        case .crop, .statistics:
            preconditionFailure("handled by run")
        case .resize(_, _, let filter, let box):
            resample(source, into: destination, filter: filter, box: box, threads: threads)
        case .quarterTurn(let degrees):
            rotate(source, by: QuarterTurn(rawValue: degrees)!, into: destination, threads: threads)
        case .flip(let direction):
            flip(source, direction == .horizontal ? .horizontal : .vertical, into: destination, threads: threads)
        case .rotate(let degrees, let interpolation, let expand, let fill, _, _):
            rotate(source, degrees: degrees, filter: RotationFilter(rawValue: interpolation.rawValue)!, expand: expand,
                   fill: fill, into: destination, threads: threads)
        case .enhance(let settings, let region):
            enhance(settings, region: region, from: source, into: destination)
        case .annotate(let annotations):
            copy(source, into: destination)
            for annotation in annotations { draw(annotation, on: destination) }
        }
    }

    /// Runs the adjustments in ``EnhanceSettings/order``: the first reads `source`, the rest
    /// work in place on `destination` (sharpness through a scratch copy). With a region, the
    /// image is copied and only the region is adjusted.
    private func enhance(_ settings: EnhanceSettings, region: PixelRect?, from source: ImageView, into destination: MutableImageView) {
        var input = source
        var output = destination
        if let region {
            copy(source, into: destination)
            input = source.cropped(to: region)
            output = destination.cropped(to: region)
        }
        let colourOutput = settings.grayscale && region == nil ? nil : output
        var first = true
        func step(_ body: (ImageView, MutableImageView) -> Void) {
            guard let target = colourOutput else { return }
            body(first ? input : target.readOnly, target)
            first = false
        }
        if let cutoff = settings.autocontrast { step { Enhance.autocontrast($0, cutoff: cutoff, into: $1, threads: threads) } }
        if settings.equalize { step { Enhance.equalize($0, into: $1, threads: threads) } }
        if let factor = settings.brightness { step { Enhance.brightness($0, factor: factor, into: $1, threads: threads) } }
        if let factor = settings.contrast { step { Enhance.contrast($0, factor: factor, into: $1, threads: threads) } }
        if let factor = settings.color { step { Enhance.color($0, factor: factor, into: $1, threads: threads) } }
        if let gamma = settings.gamma { step { Enhance.gamma($0, gamma: gamma, into: $1, threads: threads) } }
        if let factor = settings.sharpness {
            step { src, dst in
                let scratch = PixelBuffer.copy(of: src)
                Enhance.sharpness(scratch.view, factor: factor, into: dst, threads: threads)
            }
        }
        if settings.invert { step { Enhance.invert($0, into: $1, threads: threads) } }
        guard settings.grayscale else { return }
        if region == nil {
            // Every earlier adjustment was skipped (no colour output): they run on a copy first.
            var adjusted = settings
            adjusted.grayscale = false
            if adjusted.isEmpty {
                Enhance.grayscale(source, into: destination, threads: threads)
            } else {
                let scratch = PixelBuffer(width: source.width, height: source.height, bands: source.bands)
                enhance(adjusted, region: nil, from: source, into: scratch.mutableView)
                Enhance.grayscale(scratch.view, into: destination, threads: threads)
            }
            return
        }
        let grey = PixelBuffer(width: output.width, height: output.height, bands: 1)
        Enhance.grayscale(first ? input : output.readOnly, into: grey.mutableView, threads: threads)
        let colourBands = min(output.bands, 3)
        for y in 0..<output.height {
            let from = grey.view.row(y), to = output.row(y)
            for x in 0..<output.width {
                for band in 0..<colourBands { to[x * output.bands + band] = from[x] }
            }
        }
    }

    private func draw(_ annotation: Annotation, on image: MutableImageView) {
        var anchor: (x: Double, y: Double)
        switch annotation.shape {
        case .box(let x1, let y1, let x2, let y2):
            Draw.rectangle(x1: x1, y1: y1, x2: x2, y2: y2, color: annotation.color, lineWidth: annotation.width, on: image)
            anchor = (x1, y1)
        case .point(let x, let y, let radius):
            Draw.disc(x: x, y: y, radius: radius, color: annotation.color, on: image)
            anchor = (x + radius + 2, y - radius)
        case .line(let points):
            Draw.polyline(points, color: annotation.color, lineWidth: annotation.width, on: image)
            anchor = (points[0], points[1])
        }
        guard let label = annotation.label, !label.isEmpty else { return }
        let scale = Draw.labelScale(width: image.width, height: image.height)
        let size = BitmapFont.size(of: label, scale: scale)
        let padding = scale
        var x = Int(anchor.x.rounded())
        var y = Int(anchor.y.rounded()) - size.height - 2 * padding
        if y < padding { y = Int(anchor.y.rounded()) + padding }
        x = max(padding, min(x, image.width - size.width - padding))
        y = max(padding, min(y, image.height - size.height - padding))
        var background = annotation.color
        background[3] = 255
        Draw.text(label, x: x, y: y, scale: scale, color: Draw.contrastingInk(on: background), background: background,
                  padding: padding, on: image)
    }

    private func copy(_ source: ImageView, into destination: MutableImageView) {
        let rowLength = source.width * source.bands
        for y in 0..<source.height {
            destination.row(y).update(from: source.row(y), count: rowLength)
        }
    }
}

extension ChannelSummary {
    init(_ statistics: ChannelStatistics) {
        self.init(mean: statistics.mean, standardDeviation: statistics.standardDeviation,
                  minimum: Int(statistics.minimum), maximum: Int(statistics.maximum), histogram: statistics.histogram)
    }
}
