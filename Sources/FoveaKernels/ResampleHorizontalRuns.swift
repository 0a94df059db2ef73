import CResampleAVX2

/// Runs of output pixels whose windows start one source pixel apart (`starts[x + 1] ==
/// starts[x] + 1`: nearly every pixel of a resize between 1:1 and 1:2), and their weights laid
/// out per sample, for the AVX-512 VBMI horizontal pass (`fovea_resample_horizontal_avx512vbmi`),
/// which filters a run's samples straight from the source rows: tap k of the run's sample j is
/// source sample `(starts[first] + k) · bands + j`.
///
/// A run never holds the row's last pixel (the pass stores its junk lane as SSE2 does), nor a
/// pixel whose chunk's loads would pass the row's end; runs shorter than `minimumPixels` are left
/// to the strips. Built once per plan, for 3 and 4 bands, where the CPU has the pass.
final class HorizontalRuns: @unchecked Sendable {
    /// `count` runs, pixels `bounds[2i] ..< bounds[2i + 1]`.
    let bounds: UnsafeMutablePointer<Int32>
    let count: Int
    /// Per run, per chunk of 32 samples, per tap pair: two vectors of 32 Int16, the layout
    /// `fovea_horizontal_windows.run_weights` describes.
    let weights: UnsafeMutablePointer<Int16>
    /// Output pixels in runs.
    let pixels: Int

    static let chunkSamples = 32
    /// Shorter runs are not worth a chunk's setup (and their samples mostly fall in a tail).
    static let defaultMinimumPixels = 8

    /// The runs of `plan`'s windows, also broken before every pixel in `breaks` (tests break them
    /// at chosen places).
    init(plan: ResamplePlan, minimumPixels: Int = HorizontalRuns.defaultMinimumPixels, breaks: Set<Int> = []) {
        let bands = plan.bands, groups = plan.groupsPerPixel, starts = plan.horizontalStarts
        let rowBytes = plan.inWidth * bands
        // The chunk from sample j of a run reads up to source byte
        // starts[first]·bands + j + 2(groups - 1)·bands + 4 + 32 (exclusive).
        let reach = 2 * (groups - 1) * bands + 36
        func fits(_ first: Int, _ end: Int) -> Bool {
            let n = (end - first) * bands
            let lastChunk = (n - 1) / Self.chunkSamples * Self.chunkSamples
            return Int(starts[first]) * bands + lastChunk + reach <= rowBytes
        }
        let minimum = Swift.max(1, minimumPixels)
        var runs: [(Int, Int)] = []
        var first = 0
        let limit = plan.outWidth - 1  // the last pixel stays with the strips
        while first < limit {
            var end = first + 1
            while end < limit && starts[end] == starts[end - 1] + 1 && (breaks.isEmpty || !breaks.contains(end)) {
                end += 1
            }
            var last = end
            while last - first >= minimum && !fits(first, last) { last -= 1 }
            if last - first >= minimum { runs.append((first, last)) }
            first = end
        }
        count = runs.count
        bounds = .allocate(capacity: Swift.max(1, 2 * runs.count))
        var vectors = 0
        for (i, run) in runs.enumerated() {
            bounds[2 * i] = Int32(run.0)
            bounds[2 * i + 1] = Int32(run.1)
            vectors += ((run.1 - run.0) * bands + Self.chunkSamples - 1) / Self.chunkSamples * groups * 2
        }
        pixels = runs.reduce(0) { $0 + $1.1 - $1.0 }
        let length = Swift.max(1, vectors * 32)
        weights = .allocate(capacity: length)
        weights.initialize(repeating: 0, count: length)
        // Sample s of a run is in chunk s / 32; there, sample c is in vector (pair, c % 8 / 4),
        // Int32 lane 4·(c / 8) + c % 4.
        let taps = UnsafeRawPointer(plan.horizontalWeights).assumingMemoryBound(to: Int16.self)
        var chunkBase = 0  // Int16 offset of the run's first chunk
        for (first, end) in runs {
            let n = (end &- first) &* bands
            var s = 0
            for pixel in first..<end {
                let k = taps + (pixel &* groups &* 8)  // k0 k1 k0 k1 … per pair
                for _ in 0..<bands {
                    let chunk = s &>> 5, inChunk = s & 31
                    let lane = 4 &* (inChunk &>> 3) &+ inChunk & 3, half = (inChunk &>> 2) & 1
                    var to = weights + (chunkBase &+ chunk &* groups &* 64 &+ half &* 32 &+ 2 &* lane)
                    for g in 0..<groups {
                        to[0] = k[8 &* g]
                        to[1] = k[8 &* g &+ 1]
                        to += 64
                    }
                    s &+= 1
                }
            }
            chunkBase &+= (n &+ Self.chunkSamples &- 1) / Self.chunkSamples &* groups &* 64
        }
    }

    deinit {
        bounds.deallocate()
        weights.deallocate()
    }
}
