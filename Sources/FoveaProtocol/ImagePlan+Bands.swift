import FoveaKernels

extension ImagePlan {
    /// Fewest MCU rows in a band: a band's job costs a hand-off and a header of its own.
    public static let minimumBandBlockRows = 32

    /// The plan cut into at most `maximumCount` bands of whole MCU rows, top to bottom. Each band
    /// reads only the source rows under it (``sourceRows(height:)``), so a worker can make it
    /// while the rows below are still being decoded; ``JPEGRowRestarts/join(_:_:height:firstBlockRows:into:)``
    /// makes the bands' files into the very file the whole plan makes. Nil when the plan cannot
    /// be cut: not a JPEG, not a crop (and resize), a result too small to get a restart marker
    /// after every MCU row, or too short for two bands.
    public func bands(source: ImageShape, maximumCount: Int) -> [ImagePlan]? {
        guard band == nil, output?.format == .jpeg, canBeBanded else { return nil }
        let whole = outputShape(from: source)
        guard JPEGRowRestarts.apply(width: whole.width, height: whole.height) else { return nil }
        let mcuRows = JPEGRowRestarts.mcuRows
        let blockRows = (whole.height + mcuRows - 1) / mcuRows
        let count = min(maximumCount, blockRows / Self.minimumBandBlockRows)
        guard count > 1 else { return nil }
        return (0..<count).map { index in
            let top = index * blockRows / count * mcuRows
            let bottom = min(whole.height, (index + 1) * blockRows / count * mcuRows)
            return ImagePlan(steps: steps, output: output, band: top..<bottom)
        }
    }

    /// Whether the steps are those a band can be cut from: a crop, or a crop and a resize.
    var canBeBanded: Bool {
        switch (steps.count, steps.first, steps.last) {
        case (1, .crop?, _): return true
        case (2, .crop?, .resize?): return true
        default: return false
        }
    }
}
