import Testing
@testable import FoveaKernels

/// Source and output sizes (width, height): down, up, mixed, odd, 1-pixel, and long thin.
let resampleSizeCases: [((Int, Int), (Int, Int))] = [
    ((17, 13), (5, 4)), ((13, 11), (29, 23)), ((16, 9), (40, 3)), ((9, 16), (3, 40)),
    ((1, 1), (5, 3)), ((7, 5), (1, 1)), ((1, 9), (4, 2)), ((31, 2), (12, 7)),
    ((23, 19), (23, 7)), ((23, 19), (8, 19)), ((45, 4), (7, 9)), ((3, 3), (64, 2)),
]

@Suite struct ResampleTests {
    // Tolerance 1 level: the kernels' Int16 fixed-point weights (≤ 16 fraction bits) move a sum
    // lying within ~0.05 of a rounding boundary to the other side, and an intermediate row that
    // moved by one level passes it on with a weight below 1.
    static let tolerance = 1

    /// 4 bands here are plain channels: premultiplication is tested on its own below.
    @Test(arguments: ResampleFilter.allCases)
    func matchesPillowAlgorithmWithinOneLevel(filter: ResampleFilter) {
        for bands in [1, 3, 4] {
            for kind in TestImages.Kind.allCases {
                for ((w, h), (ow, oh)) in resampleSizeCases {
                    let pixels = TestImages.pixels(kind, width: w, height: h, bands: bands)
                    let source = TestImages.buffer(pixels, width: w, height: h, bands: bands)
                    let out = PixelBuffer(width: ow, height: oh, bands: bands)
                    resample(source.view, into: out.mutableView, filter: filter, threads: 1,
                             premultipliesAlpha: false)
                    let want = PillowResampleOracle.resize(
                        pixels, width: w, height: h, bands: bands, outWidth: ow, outHeight: oh,
                        filter: filter, premultipliesAlpha: false)
                    let difference = TestImages.maxDifference(out.packedBytes(), want)
                    #expect(difference <= Self.tolerance,
                            "\(filter) \(kind) \(w)x\(h)x\(bands) -> \(ow)x\(oh): max difference \(difference)")
                }
            }
        }
    }

    /// A fractional `box` (Pillow's `resize(size, filter, box)`), including one the output's
    /// own size but shifted, where neither pass may be skipped.
    @Test(arguments: ResampleFilter.allCases)
    func boxMatchesPillowAlgorithmWithinOneLevel(filter: ResampleFilter) {
        let cases: [((Int, Int), (Int, Int), ResampleBox)] = [
            ((17, 13), (5, 4), ResampleBox(left: 1.5, top: 0.25, right: 16.2, bottom: 12)),
            ((13, 11), (29, 23), ResampleBox(left: 0, top: 2.75, right: 9.5, bottom: 11)),
            ((23, 19), (20, 19), ResampleBox(left: 1.5, top: 0, right: 21.5, bottom: 19)),
            ((23, 19), (23, 17), ResampleBox(left: 0, top: 1.25, right: 23, bottom: 18.25)),
            ((9, 9), (3, 3), ResampleBox(left: 8, top: 8, right: 9, bottom: 9)),
        ]
        for bands in [1, 3, 4] {
            for kind in TestImages.Kind.allCases {
                for ((w, h), (ow, oh), box) in cases {
                    let pixels = TestImages.pixels(kind, width: w, height: h, bands: bands)
                    let source = TestImages.buffer(pixels, width: w, height: h, bands: bands)
                    let out = PixelBuffer(width: ow, height: oh, bands: bands)
                    resample(source.view, into: out.mutableView, filter: filter, box: box, threads: 1,
                             premultipliesAlpha: false)
                    let want = PillowResampleOracle.resize(
                        pixels, width: w, height: h, bands: bands, outWidth: ow, outHeight: oh,
                        filter: filter, box: box, premultipliesAlpha: false)
                    let difference = TestImages.maxDifference(out.packedBytes(), want)
                    #expect(difference <= Self.tolerance,
                            "\(filter) \(kind) \(w)x\(h)x\(bands) box \(box) -> \(ow)x\(oh): max difference \(difference)")
                }
            }
        }
    }

    /// End to end, RGBA through premultiplication: alpha within 1 level; premultiplied colour
    /// within 1 level too, which unpremultiplying (÷ alpha/255) turns into 1 + 2·255/alpha.
    @Test(arguments: ResampleFilter.allCases)
    func rgbaMatchesPillowWithinOneLevelBeforeUnpremultiplying(filter: ResampleFilter) {
        for kind in TestImages.Kind.allCases {
            for ((w, h), (ow, oh)) in resampleSizeCases {
                let pixels = TestImages.pixels(kind, width: w, height: h, bands: 4)
                let source = TestImages.buffer(pixels, width: w, height: h, bands: 4)
                let got = resample(source.view, width: ow, height: oh, filter: filter).packedBytes()
                let want = PillowResampleOracle.resize(pixels, width: w, height: h, bands: 4,
                                                       outWidth: ow, outHeight: oh, filter: filter)
                for p in stride(from: 0, to: got.count, by: 4) {
                    let alpha = Int(Swift.min(got[p + 3], want[p + 3]))
                    #expect(Swift.abs(Int(got[p + 3]) - Int(want[p + 3])) <= 1)
                    let colourTolerance = alpha == 0 ? 255 : 1 + 2 * 255 / alpha
                    for c in 0..<3 {
                        let difference = Swift.abs(Int(got[p + c]) - Int(want[p + c]))
                        #expect(difference <= colourTolerance,
                                "\(filter) \(kind) \(w)x\(h) -> \(ow)x\(oh) pixel \(p / 4): \(got[p..<p + 4]) vs \(want[p..<p + 4])")
                    }
                }
            }
        }
    }

    @Test func premultiplicationIsPillowsForEveryColourAndAlpha() {
        var rgba: [UInt8] = []
        for a in 0...255 { for c in 0...255 { rgba += [UInt8(c), UInt8(255 - c), UInt8(c / 2), UInt8(a)] } }
        var got = [UInt8](repeating: 0, count: rgba.count)
        rgba.withUnsafeBufferPointer { src in
            got.withUnsafeMutableBufferPointer { dst in
                AlphaPremultiplication.premultiply(src.baseAddress!, into: dst.baseAddress!,
                                                   pixels: rgba.count / 4)
            }
        }
        #expect(got == PillowResampleOracle.premultiplied(rgba))
        var back = rgba
        back.withUnsafeMutableBufferPointer {
            AlphaPremultiplication.unpremultiply($0.baseAddress!, pixels: rgba.count / 4)
        }
        #expect(back == PillowResampleOracle.unpremultiplied(rgba))
    }

    @Test func stridedViewsGiveThePackedResult() {
        for bands in [1, 3, 4] {
            let pixels = TestImages.pixels(.noise, width: 21, height: 14, bands: bands)
            let packed = TestImages.buffer(pixels, width: 21, height: 14, bands: bands)
            let (parent, strided) = TestImages.stridedView(pixels, width: 21, height: 14, bands: bands)
            let want = resample(packed.view, width: 9, height: 31, filter: .bicubic).packedBytes()

            let outParent = PixelBuffer(width: 15, height: 40, bands: bands)
            outParent.base.initialize(repeating: 0x5A, count: outParent.layout.byteCount)
            let outRect = PixelRect(x: 4, y: 6, width: 9, height: 31)
            resample(strided, into: outParent.mutableView.cropped(to: outRect), filter: .bicubic)
            let got = PixelBuffer.copy(of: outParent.view.cropped(to: outRect)).packedBytes()
            #expect(got == want, "\(bands) bands")
            // Nothing outside the destination rectangle was written.
            let untouched = outParent.packedBytes().enumerated().allSatisfy { i, byte in
                let pixel = i / bands, x = pixel % 15, y = pixel / 15
                return outRect.isInside(width: 15, height: 40) && (x >= 4 && x < 13 && y >= 6 && y < 37)
                    || byte == 0x5A
            }
            #expect(untouched, "\(bands) bands: wrote outside the destination view")
            withExtendedLifetime(parent) {}
        }
    }

    @Test(arguments: [ResampleFilter.bicubic, .lanczos3])
    func outputIsIdenticalForAnyThreadCount(filter: ResampleFilter) {
        for bands in [1, 3, 4] {
            // The last case is large enough for the plan's taps to be built concurrently too.
            for ((w, h), (ow, oh)) in [((60, 90), (23, 240)), ((50, 700), (37, 230)), ((90, 70), (300, 220)),
                                       ((60, 90), (60, 141))] {
                let kind: TestImages.Kind = bands == 4 ? .patchyAlpha : .noise
                let pixels = TestImages.pixels(kind, width: w, height: h, bands: bands)
                let source = TestImages.buffer(pixels, width: w, height: h, bands: bands)
                let one = resample(source.view, width: ow, height: oh, filter: filter, threads: 1).packedBytes()
                for threads in [2, 3, 7] {
                    let many = resample(source.view, width: ow, height: oh, filter: filter, threads: threads)
                    #expect(many.packedBytes() == one, "\(bands) bands, \(threads) threads")
                }
            }
        }
    }

    /// An unchanged width skips the horizontal filter (rows are only widened, as Pillow skips
    /// that pass): wide enough rows for the vector loop and its tail, up and down, all bands.
    @Test(arguments: ResampleFilter.allCases)
    func unchangedWidthMatchesPillowAlgorithmWithinOneLevel(filter: ResampleFilter) {
        for bands in [1, 3, 4] {
            for ((w, h), oh) in [((37, 30), 41), ((37, 30), 8), ((64, 9), 10)] {
                let pixels = TestImages.pixels(bands == 4 ? .patchyAlpha : .noise, width: w, height: h, bands: bands)
                let source = TestImages.buffer(pixels, width: w, height: h, bands: bands)
                let got = PixelBuffer(width: w, height: oh, bands: bands)
                resample(source.view, into: got.mutableView, filter: filter, threads: 1, premultipliesAlpha: false)
                let want = PillowResampleOracle.resize(pixels, width: w, height: h, bands: bands, outWidth: w,
                                                       outHeight: oh, filter: filter, premultipliesAlpha: false)
                let difference = TestImages.maxDifference(got.packedBytes(), want)
                #expect(difference <= Self.tolerance, "\(filter) \(w)x\(h)x\(bands) -> \(w)x\(oh): \(difference)")
            }
        }
    }

    @Test func sameSizeIsAnExactCopy() {
        let pixels = TestImages.pixels(.patchyAlpha, width: 6, height: 5, bands: 4)
        let source = TestImages.buffer(pixels, width: 6, height: 5, bands: 4)
        #expect(resample(source.view, width: 6, height: 5, filter: .lanczos3).packedBytes() == pixels)
    }

    @Test func oneByOneSourceFillsTheOutputWithItsColour() {
        let source = TestImages.buffer([200, 10, 77], width: 1, height: 1, bands: 3)
        for filter in ResampleFilter.allCases {
            let out = resample(source.view, width: 4, height: 3, filter: filter).packedBytes()
            #expect(out == [UInt8]([200, 10, 77] + [200, 10, 77] * 11), "\(filter)")
        }
    }

    @Test func transparentPixelsColourDoesNotBleedIntoOpaqueOnes() {
        // Opaque red on the left, fully transparent green on the right. Premultiplied, the green
        // weighs nothing: every pixel that is not fully transparent stays pure red.
        var pixels: [UInt8] = []
        for _ in 0..<8 {
            for x in 0..<16 { pixels += x < 8 ? [255, 0, 0, 255] : [0, 255, 0, 0] }
        }
        let source = TestImages.buffer(pixels, width: 16, height: 8, bands: 4)
        for filter in ResampleFilter.allCases {
            let out = resample(source.view, width: 7, height: 3, filter: filter).packedBytes()
            for p in stride(from: 0, to: out.count, by: 4) where out[p + 3] > 0 {
                #expect(out[p + 1] == 0 && out[p] == 255, "\(filter): pixel \(p / 4) is \(out[p..<p + 4])")
            }
        }
    }

    /// The ≤ 1 level promise, for both vertical kernels, over many sizes including the ones
    /// where Pillow's weights have the largest absolute sums (small lanczos3 windows), for
    /// every upscale and downscales up to 16× (further, the proven bound grows with the window).
    @Test(arguments: ResampleFilter.allCases)
    func worstCaseErrorStaysBelowOneLevel(filter: ResampleFilter) {
        let sizes = [1, 2, 3, 4, 5, 6, 7, 9, 12, 16, 25, 40, 64, 115, 124, 257, 1080, 1920, 4320]
        var kernels: Set<String> = []
        for n in sizes {
            for m in sizes where n != m && n <= 16 * m {
                let plan = ResamplePlan(filter: filter, bands: 3, inWidth: 5, inHeight: n,
                                        outWidth: 5, outHeight: m)
                kernels.insert("\(plan.verticalKernel)")
                #expect(plan.worstCaseError < 1, "\(filter) \(n) -> \(m): \(plan.worstCaseError)")
            }
        }
        #expect(kernels.count == 2 || filter == .box || filter == .bilinear, "\(kernels)")
    }

    /// Fixed-point windows sum to exactly one, so a flat image stays exactly flat however many
    /// taps a window has (rounding each weight alone drifts by up to 0.4% per pass).
    @Test(arguments: ResampleFilter.allCases)
    func flatImageStaysFlatAtExtremeScales(filter: ResampleFilter) {
        for (w, h, ow, oh) in [(3000, 3, 2, 2), (3, 3000, 2, 1), (2000, 9, 3, 7), (1, 1, 9, 300)] {
            let pixels = [UInt8](repeating: 200, count: w * h * 3)
            let source = TestImages.buffer(pixels, width: w, height: h, bands: 3)
            let out = resample(source.view, width: ow, height: oh, filter: filter).packedBytes()
            #expect(out.allSatisfy { $0 == 200 }, "\(filter) \(w)x\(h) -> \(ow)x\(oh): \(Set(out))")
        }
    }

    @Test func filterWeightsArePillows() {
        #expect(ResampleFilter.bicubic.weight(0) == 1)
        #expect(ResampleFilter.bicubic.weight(1.5) == -0.0625)
        #expect(ResampleFilter.bilinear.weight(-0.25) == 0.75)
        #expect(ResampleFilter.box.weight(-0.5) == 0 && ResampleFilter.box.weight(0.5) == 1)
        #expect(ResampleFilter.lanczos3.weight(3) == 0 && ResampleFilter.lanczos3.weight(-3) != 0)
    }
}

private func * (lhs: [UInt8], rhs: Int) -> [UInt8] { Array([[UInt8]](repeating: lhs, count: rhs).joined()) }
