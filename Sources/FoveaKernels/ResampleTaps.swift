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
    /// The largest `|weight|`.
    let largestWeight: Double
    /// The largest sum of absolute weights of one output (1 without negative lobes).
    let largestAbsoluteSum: Double

    /// Pillow's windows for resizing the samples `start ..< end` of `inSize` (whole or
    /// fractional; the whole axis by default) to `outSize` with `filter`.
    init(filter: ResampleFilter, inSize: Int, outSize: Int, start: Double = 0, end: Double? = nil) {
        precondition(inSize > 0 && outSize > 0, "ResampleTaps: sizes \(inSize) -> \(outSize)")
        // The arithmetic follows precompute_coeffs step by step (the box edges are floats there).
        let start = Double(Float(start)), end = Double(Float(end ?? Double(inSize)))
        precondition(end > start, "ResampleTaps: empty window \(start) ..< \(end)")
        let scale = (end - start) / Double(outSize)
        let filterScale = Swift.max(scale, 1.0)
        let support = filter.support * filterScale
        let inverseScale = 1.0 / filterScale
        var starts = [Int](repeating: 0, count: outSize)
        var counts = [Int](repeating: 0, count: outSize)
        var maxCount = 1
        for i in 0..<outSize {
            let center = start + (Double(i) + 0.5) * scale
            starts[i] = Swift.max(0, Int(center - support + 0.5))
            counts[i] = Swift.min(inSize, Int(center + support + 0.5)) - starts[i]
            maxCount = Swift.max(maxCount, counts[i])
        }
        var weights = [Double](repeating: 0, count: outSize * maxCount)
        starts.withUnsafeBufferPointer { starts in
            counts.withUnsafeBufferPointer { counts in
                weights.withUnsafeMutableBufferPointer { weights in
                    // One loop per filter, so that the kernel is inlined, not switched on per tap.
                    let (w, s, c) = (weights, starts, counts)
                    switch filter {
                    case .box: Self.fill(w, s, c, start, scale, inverseScale) { ResampleFilter.box.weight($0) }
                    case .bilinear: Self.fill(w, s, c, start, scale, inverseScale) { ResampleFilter.bilinear.weight($0) }
                    case .bicubic: Self.fill(w, s, c, start, scale, inverseScale) { ResampleFilter.bicubic.weight($0) }
                    case .lanczos3: Self.fill(w, s, c, start, scale, inverseScale) { ResampleFilter.lanczos3.weight($0) }
                    }
                }
            }
        }
        var largestWeight = 0.0, largestAbsoluteSum = 0.0
        weights.withUnsafeBufferPointer { w in
            for i in 0..<outSize {
                var sum = 0.0
                for j in 0..<maxCount {
                    let a = Swift.abs(w[i * maxCount + j])
                    sum += a
                    largestWeight = a > largestWeight ? a : largestWeight
                }
                largestAbsoluteSum = sum > largestAbsoluteSum ? sum : largestAbsoluteSum
            }
        }
        self.init(inSize: inSize, outSize: outSize, starts: starts, counts: counts, weights: weights,
                  maxCount: maxCount, largestWeight: largestWeight,
                  largestAbsoluteSum: largestAbsoluteSum)
    }

    /// Pillow's weights, normalised to sum 1, `weights.count / starts.count` per output.
    @inline(__always)
    private static func fill(_ weights: UnsafeMutableBufferPointer<Double>,
                             _ starts: UnsafeBufferPointer<Int>, _ counts: UnsafeBufferPointer<Int>,
                             _ start: Double, _ scale: Double, _ inverseScale: Double,
                             _ kernel: (Double) -> Double) {
        let stride = weights.count / starts.count
        for i in 0..<starts.count {
            let row = weights.baseAddress! + i &* stride
            let first = starts[i]
            let center = start + (Double(i) + 0.5) * scale
            var sum = 0.0
            for j in 0..<counts[i] {
                let w = kernel((Double(j &+ first) - center + 0.5) * inverseScale)
                row[j] = w
                sum += w
            }
            // Pillow divides each weight by the sum; one reciprocal differs by at most an ulp.
            if sum != 0.0 {
                let reciprocal = 1.0 / sum
                for j in 0..<counts[i] { row[j] *= reciprocal }
            }
        }
    }

    /// Output `i` is input `i`: what Pillow does on an axis whose size does not change (it skips
    /// the pass).
    init(identity size: Int) {
        self.init(inSize: size, outSize: size, starts: Array(0..<size),
                  counts: [Int](repeating: 1, count: size),
                  weights: [Double](repeating: 1, count: size), maxCount: 1, largestWeight: 1,
                  largestAbsoluteSum: 1)
    }

    private init(inSize: Int, outSize: Int, starts: [Int], counts: [Int], weights: [Double],
                 maxCount: Int, largestWeight: Double, largestAbsoluteSum: Double) {
        self.inSize = inSize
        self.outSize = outSize
        self.starts = starts
        self.counts = counts
        self.weights = weights
        self.maxCount = maxCount
        self.largestWeight = largestWeight
        self.largestAbsoluteSum = largestAbsoluteSum
    }

    /// Weight `j` of output `i` (0 past the window).
    func weight(_ i: Int, _ j: Int) -> Double { weights[i * maxCount + j] }

    /// Fraction bits for Int16 weights applied to samples up to `maxSample`: as many as keep
    /// every weight (plus its window's rounding residue) within Int16 and every sum within
    /// Int32, at most `limit`.
    func fixedPointBits(maxSample: Int, limit: Int) -> Int {
        let sumBound = largestAbsoluteSum * Double(maxSample) + 1
        let residue = Double(maxCount / 2 + 1)
        var bits = limit
        while bits > 1 && (largestWeight * Double(1 << bits) + residue > Double(Int16.max)
            || sumBound * Double(1 << bits) >= Double(Int32.max)) {
            bits -= 1
        }
        return bits
    }

    /// Output `i`'s weights in fixed point with `bits` fraction bits, written to `out[0 ..< maxCount]`
    /// (0 past the window). Each is rounded half away from zero as Pillow's
    /// `normalize_coeffs_8bpc` does, then the window's rounding residue goes to its largest
    /// weight, so that every window sums to exactly `1 << bits` (flat areas stay flat; Pillow's
    /// 22 bits make its own residue negligible).
    func fixedWeights(_ i: Int, bits: Int, into out: UnsafeMutablePointer<Int16>) {
        let one = 1 << bits
        weights.withUnsafeBufferPointer { w in
            let row = w.baseAddress! + i * maxCount
            var sum = 0, largest = 0
            for j in 0..<maxCount {
                let x = row[j] * Double(one)
                let k = Int(x < 0 ? x - 0.5 : x + 0.5)
                out[j] = Int16(truncatingIfNeeded: k)
                sum += k
                if Swift.abs(row[j]) > Swift.abs(row[largest]) { largest = j }
            }
            if sum != 0 { out[largest] &+= Int16(truncatingIfNeeded: one - sum) }
        }
    }

    /// The most a window's fixed-point sum can differ from the exact one, in levels, for
    /// samples of 0…255 (the residue makes the weight errors sum to 0, so what counts is the
    /// samples' distance from mid-grey).
    func fixedPointError(bits: Int) -> Double {
        Double(maxCount) * 127.5 / Double(1 << bits)
    }
}
