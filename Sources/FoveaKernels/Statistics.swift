/// Summary statistics of one band of an image, as Pillow's `ImageStat.Stat` defines them.
public struct ChannelStatistics: Sendable, Equatable {
    /// The average level (`ImageStat.Stat.mean`).
    public var mean: Double
    /// The population standard deviation (`ImageStat.Stat.stddev`, numpy's `std()`).
    public var standardDeviation: Double
    /// The lowest and highest levels present (`ImageStat.Stat.extrema`).
    public var minimum: UInt8
    public var maximum: UInt8
    /// 16 bins of 16 levels each: `histogram[i]` counts samples in `16·i ..< 16·(i + 1)`.
    public var histogram: [Int]

    public init(mean: Double, standardDeviation: Double, minimum: UInt8, maximum: UInt8,
                histogram: [Int]) {
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.minimum = minimum
        self.maximum = maximum
        self.histogram = histogram
    }
}

/// Statistics of every band of `view` (1, 3 or 4 bands; alpha included as the last band), from
/// one histogram pass over up to `threads` threads.
///
/// Exact apart from the final divisions: counts and sums are integers; the mean is
/// `sum / count` rounded once; the variance is `Σ h[v]·(v − mean)² / count` over the 256
/// levels, within a few units in the last place of numpy's `std()`.
///
/// ```swift
/// let stats = channelStatistics(frame.view, threads: 2)
/// print(stats[0].mean, stats[0].standardDeviation)   // red
/// ```
public func channelStatistics(_ view: ImageView, threads: Int = 1) -> [ChannelStatistics] {
    precondition(PixelLayout.supportedBands.contains(view.bands),
                 "channelStatistics: \(view.bands) bands; supported are 1, 3 and 4")
    let histograms = BandHistograms(view, threads: threads)
    return (0..<view.bands).map { ChannelStatistics(histogram: Array(histograms.band($0))) }
}

extension ChannelStatistics {
    /// The statistics of one band's 256-level histogram.
    init(histogram h: [Int]) {
        precondition(h.count == 256)
        let count = h.reduce(0, +)
        precondition(count > 0)
        var sum = 0
        for v in 0..<256 { sum += v * h[v] }
        let mean = Double(sum) / Double(count)
        var squares = 0.0
        for v in 0..<256 where h[v] != 0 {
            let d = Double(v) - mean
            squares += Double(h[v]) * d * d
        }
        let bins = (0..<16).map { bin in h[(bin * 16)..<(bin * 16 + 16)].reduce(0, +) }
        self.init(mean: mean, standardDeviation: (squares / Double(count)).squareRoot(),
                  minimum: UInt8(h.firstIndex { $0 != 0 }!), maximum: UInt8(h.lastIndex { $0 != 0 }!),
                  histogram: bins)
    }
}
