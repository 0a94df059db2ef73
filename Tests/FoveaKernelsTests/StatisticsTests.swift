import Foundation
import Testing
@testable import FoveaKernels

@Suite struct StatisticsTests {
    @Test func twoLevelsByHand() {
        let buffer = TestImages.buffer([0, 255, 255, 255], width: 2, height: 2, bands: 1)
        let stats = channelStatistics(buffer.view)
        #expect(stats.count == 1)
        #expect(stats[0].mean == 191.25)
        #expect(abs(stats[0].standardDeviation - (3.0).squareRoot() * 255 / 4) < 1e-12)
        #expect(stats[0].minimum == 0 && stats[0].maximum == 255)
        #expect(stats[0].histogram == [1] + [Int](repeating: 0, count: 14) + [3])
    }

    @Test func singlePixelHasNoSpread() {
        let buffer = TestImages.buffer([7, 200, 31, 128], width: 1, height: 1, bands: 4)
        let stats = channelStatistics(buffer.view, threads: 3)
        #expect(stats.map(\.mean) == [7, 200, 31, 128])
        #expect(stats.allSatisfy { $0.standardDeviation == 0 && $0.minimum == $0.maximum })
        #expect(stats[1].histogram[12] == 1)
    }

    @Test func identicalForAnyThreadCountAndStride() {
        for bands in [1, 3, 4] {
            let pixels = TonalImages.pixels(.dim, width: 70, height: 231, bands: bands)
            let packed = TestImages.buffer(pixels, width: 70, height: 231, bands: bands)
            let one = channelStatistics(packed.view, threads: 1)
            for threads in [2, 3, 7] { #expect(channelStatistics(packed.view, threads: threads) == one) }
            let (parent, strided) = TestImages.stridedView(pixels, width: 70, height: 231, bands: bands)
            #expect(channelStatistics(strided, threads: 2) == one)
            withExtendedLifetime(parent) {}
        }
    }

    /// Against numpy on the same pixels: mean and population std to 1e-9 relative (the only
    /// rounding is in the final divisions and square root), min, max and histogram exactly.
    @Test
    func matchesNumpy() throws {
        var jobs: [PythonOracle.Job] = []
        var ours: [[ChannelStatistics]] = []
        for bands in [1, 3, 4] {
            for (w, h) in [(1, 1), (3, 2), (37, 23), (300, 200)] {
                for kind in TonalImages.Kind.allCases {
                    let pixels = TonalImages.pixels(kind, width: w, height: h, bands: bands)
                    jobs.append(.init(pixels: pixels, width: w, height: h, bands: bands,
                                      operation: "statistics", parameter: 0))
                    let (parent, view) = TestImages.stridedView(pixels, width: w, height: h, bands: bands)
                    ours.append(channelStatistics(view, threads: 2))
                    withExtendedLifetime(parent) {}
                }
            }
        }
        let numpy = try PythonOracle.enhance(jobs)
        for (job, (mine, text)) in zip(jobs, zip(ours, numpy)) {
            let lines = String(decoding: text, as: UTF8.self).split(separator: "\n")
            try #require(lines.count == job.bands)
            for (band, line) in lines.enumerated() {
                let fields = line.split(separator: " ")
                let label = "\(job.width)x\(job.height)x\(job.bands) band \(band)"
                let mean = Double(fields[0])!, std = Double(fields[1])!
                #expect(abs(mine[band].mean - mean) <= 1e-9 * Swift.max(1, abs(mean)), "\(label): mean")
                #expect(abs(mine[band].standardDeviation - std) <= 1e-9 * Swift.max(1, std), "\(label): std")
                #expect(Int(mine[band].minimum) == Int(fields[2])! && Int(mine[band].maximum) == Int(fields[3])!,
                        "\(label): extrema")
                #expect(mine[band].histogram == fields[4...].map { Int($0)! }, "\(label): histogram")
            }
        }
    }
}
