@_spi(Benchmarks) import FoveaKernels
import Foundation

/// `fovea bench resample`: the warm zoom's resample — a 1000×750 crop of the frame (a strided
/// view, 2/5 of the way in) to 992×736 with bicubic — timed pass by pass for every instruction
/// set the CPU has: the horizontal pass alone, the vertical pass alone, and whole resizes.
///
/// Rounds are interleaved (each round times every case once, in turn), so that a noisy machine
/// slows all of them alike; each row is the median over the rounds, beside the same pass with
/// SSE2 alone timed in the same rounds.
public enum ResampleBench {
    struct Case {
        var name: String
        var passes: ResampleBenchmarking.Passes
        var horizontal: ResampleInstructions
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
        for (passes, label) in [(ResampleBenchmarking.Passes.horizontalOnly, "horizontal pass"),
                                (.verticalOnly, "vertical pass"), (.both, "whole resample")] {
            for horizontal in available {
                cases.append(Case(name: "\(label), horizontal \(horizontal)", passes: passes, horizontal: horizontal,
                                  reference: "\(label), horizontal SSE2"))
            }
        }
        func time(_ c: Case) -> Double {
            let start = ContinuousClock.now
            ResampleBenchmarking.resample(source, into: output.mutableView, filter: .bicubic, threads: threads,
                                          passes: c.passes, horizontal: c.horizontal)
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
