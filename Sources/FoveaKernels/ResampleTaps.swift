/// Pillow's resampling windows for one axis (`precompute_coeffs` in `Resample.c`), as doubles
/// and as fixed-point integers.
///
/// Output `i` reads source samples `starts[i] ..< starts[i] + counts[i]`, clipped to the image,
/// with weights normalised to sum 1. When downsampling, the kernel is stretched by the scale
/// factor (antialiasing). Windows never leave the image: edge pixels are not repeated, the
/// weights that remain are renormalised instead.
struct ResampleTaps {
    let inSize: Int
    let outSize: Int
    let starts: [Int]
    let counts: [Int]
    /// `maxCount` weights per output; those past `counts[i]` are 0.
    let weights: [Double]
    let maxCount: Int

    /// Pillow's windows for resizing `inSize` samples to `outSize` with `filter`.
    init(filter: ResampleFilter, inSize: Int, outSize: Int) {
        precondition(inSize > 0 && outSize > 0, "ResampleTaps: sizes \(inSize) -> \(outSize)")
        // The arithmetic follows precompute_coeffs step by step (the box edges are floats there).
        let scale = Double(Float(inSize) - Float(0)) / Double(outSize)
        let filterScale = Swift.max(scale, 1.0)
        let support = filter.support * filterScale
        let kernelSize = Int(support.rounded(.up)) * 2 + 1
        let inverseScale = 1.0 / filterScale
        var starts = [Int](repeating: 0, count: outSize)
        var counts = [Int](repeating: 0, count: outSize)
        var weights = [Double](repeating: 0, count: outSize * kernelSize)
        var maxCount = 1
        for i in 0..<outSize {
            let center = Double(Float(0)) + (Double(i) + 0.5) * scale
            let first = Swift.max(0, Int(center - support + 0.5))
            let end = Swift.min(inSize, Int(center + support + 0.5))
            let count = end - first
            var sum = 0.0
            for j in 0..<count {
                let w = filter.weight((Double(j + first) - center + 0.5) * inverseScale)
                weights[i * kernelSize + j] = w
                sum += w
            }
            if sum != 0.0 {
                for j in 0..<count { weights[i * kernelSize + j] /= sum }
            }
            starts[i] = first
            counts[i] = count
            maxCount = Swift.max(maxCount, count)
        }
        self.init(inSize: inSize, outSize: outSize, starts: starts, counts: counts,
                  weights: Self.repacked(weights, stride: kernelSize, counts: counts, to: maxCount),
                  maxCount: maxCount)
    }

    /// Output `i` is input `i`: what Pillow does on an axis whose size does not change (it skips
    /// the pass).
    init(identity size: Int) {
        self.init(inSize: size, outSize: size, starts: Array(0..<size),
                  counts: [Int](repeating: 1, count: size),
                  weights: [Double](repeating: 1, count: size), maxCount: 1)
    }

    private init(inSize: Int, outSize: Int, starts: [Int], counts: [Int], weights: [Double],
                 maxCount: Int) {
        self.inSize = inSize
        self.outSize = outSize
        self.starts = starts
        self.counts = counts
        self.weights = weights
        self.maxCount = maxCount
    }

    private static func repacked(_ weights: [Double], stride: Int, counts: [Int], to newStride: Int)
        -> [Double]
    {
        var out = [Double](repeating: 0, count: counts.count * newStride)
        for i in counts.indices {
            for j in 0..<counts[i] { out[i * newStride + j] = weights[i * stride + j] }
        }
        return out
    }

    /// Weight `j` of output `i` (0 past the window).
    func weight(_ i: Int, _ j: Int) -> Double { weights[i * maxCount + j] }

    /// The largest sum of absolute weights of one output (1 without negative lobes).
    var largestAbsoluteSum: Double {
        var largest = 0.0
        for i in 0..<outSize {
            var sum = 0.0
            for j in 0..<maxCount { sum += Swift.abs(weights[i * maxCount + j]) }
            largest = Swift.max(largest, sum)
        }
        return largest
    }

    /// Fraction bits for Int16 weights applied to samples up to `maxSample`: as many as keep
    /// every weight within Int16 and every sum within Int32, at most 16.
    func fixedPointBits(maxSample: Int) -> Int {
        let largest = weights.reduce(0.0) { Swift.max($0, Swift.abs($1)) }
        let sumBound = largestAbsoluteSum * Double(maxSample) + 1
        var bits = 16
        while bits > 1 && (largest * Double(1 << bits) + 0.5 > Double(Int16.max)
            || sumBound * Double(1 << bits) >= Double(Int32.max)) {
            bits -= 1
        }
        return bits
    }

    /// All weights in fixed point with `bits` fraction bits (`maxCount` per output), rounded
    /// half away from zero as Pillow's `normalize_coeffs_8bpc` does.
    func fixedWeights(bits: Int) -> [Int16] {
        let scale = Double(1 << bits)
        return weights.map { w in Int16(w < 0 ? w * scale - 0.5 : w * scale + 0.5) }
    }
}
