@_spi(Benchmarks) import FoveaKernels
import Foundation

/// `fovea bench resample`: the warm zoom's resample — a 1000×750 crop of the frame (a strided
/// view, 2/5 of the way in) to 992×736 with bicubic — timed pass by pass for every instruction
/// set the CPU has: the horizontal pass alone, the vertical pass alone, and whole resizes with
/// both passes on the same set, and with the horizontal pass on AVX2 and the vertical on SSE2
/// (the fastest there was before the AVX-512 passes).
///
/// Rounds are interleaved (each round times every case once, in turn), so that a noisy machine
/// slows all of them alike; each row is the median over the rounds, beside the same pass with
/// SSE2 alone timed in the same rounds.
public enum ResampleBench {
    struct Case {
        var name: String
        var passes: ResampleBenchmarking.Passes
        var horizontal: ResampleInstructions
        var vertical: ResampleInstructions
        var reference: String
    }

    public static func run(frame: PixelBuffer, crop: PixelRect? = nil, outWidth: Int = 992, outHeight: Int = 736,
                           threads: Int, repeat count: Int) -> [BenchRow] {
        let rect = crop ?? PixelRect(x: frame.width * 2 / 5, y: frame.height * 2 / 5,
                                     width: min(1000, frame.width), height: min(750, frame.height))
        let source = frame.view.cropped(to: rect)
        let output = PixelBuffer(width: outWidth, height: outHeight, bands: frame.bands)
        let available = ResampleInstructions.available
        var cases: [Case] = []
        for set in available {
            cases.append(Case(name: "horizontal pass \(set)", passes: .horizontalOnly, horizontal: set, vertical: .sse2,
                              reference: "horizontal pass SSE2"))
        }
        for set in available {
            cases.append(Case(name: "vertical pass \(set)", passes: .verticalOnly, horizontal: .sse2, vertical: set,
                              reference: "vertical pass SSE2"))
        }
        var combinations = available.map { ($0, $0) }
        if available.contains(.avx2) { combinations.insert((.avx2, .sse2), at: 1) }
        for (horizontal, vertical) in combinations {
            cases.append(Case(name: "whole resample \(horizontal) + \(vertical)", passes: .both, horizontal: horizontal,
                              vertical: vertical, reference: "whole resample SSE2 + SSE2"))
        }
        func time(_ c: Case) -> Double {
            let start = ContinuousClock.now
            ResampleBenchmarking.resample(source, into: output.mutableView, filter: .bicubic, threads: threads,
                                          passes: c.passes, horizontal: c.horizontal, vertical: c.vertical)
            return Stopwatch.milliseconds(since: start)
        }
        for c in cases { _ = time(c) }  // warm-up
        var samples = [[Double]](repeating: [], count: cases.count)
        for _ in 0..<max(1, count) {
            for (i, c) in cases.enumerated() { samples[i].append(time(c)) }
        }
        let medians = samples.map { Stopwatch.median($0) }
        return cases.enumerated().map { i, c in
            let reference = cases.firstIndex { $0.name == c.reference } ?? i
            return BenchRow(name: c.name, foveaMilliseconds: medians[i], referenceName: c.reference,
                            referenceMilliseconds: medians[reference])
        }
    }
}
