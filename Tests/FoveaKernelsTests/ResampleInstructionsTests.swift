import Testing
@_spi(Benchmarks) @testable import FoveaKernels

/// The AVX2 horizontal pass (CResampleAVX2) against the SSE2 one it replaces where the CPU has
/// AVX2: the same bytes, not merely within a level, since both compute the same integer sums.
/// Skipped on a CPU without AVX2, where there is nothing to compare.
@Suite(.enabled(if: ResampleInstructions.fastest >= .avx2, "the CPU has no AVX2"))
struct ResampleAVX2Tests {
    /// Random sizes: widths 1–40 (every tail length of the expansion's 16-byte loads), then up to
    /// 300; output widths from an 8× downscale to a 4× upscale, heights alike.
    static func randomCases(count: Int, seed: UInt64) -> [(inWidth: Int, inHeight: Int, outWidth: Int, outHeight: Int)] {
        var random = TestImages.Random(state: seed)
        func next(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(random.next() % UInt64(range.count))
        }
        return (0..<count).map { i in
            let inWidth = i < 40 ? i + 1 : next(1...300)
            let inHeight = next(1...24)
            let outWidth = Swift.max(1, next(inWidth / 8 ... inWidth * 4))
            let outHeight = Swift.max(1, next(inHeight / 8 ... inHeight * 4 + 1))
            return (inWidth, inHeight, outWidth, outHeight)
        }
    }

    /// Whole resizes for every filter, band count, alpha handling and thread count: the output of
    /// the AVX2 pass equals SSE2's byte for byte.
    @Test(arguments: ResampleFilter.allCases)
    func resizesAreTheSameBytesAsWithSSE2(filter: ResampleFilter) {
        for (n, size) in Self.randomCases(count: 120, seed: 7).enumerated() {
            for bands in [1, 3, 4] {
                let kind: TestImages.Kind = n % 3 == 0 ? .gradient : bands == 4 ? .patchyAlpha : .noise
                let pixels = TestImages.pixels(kind, width: size.inWidth, height: size.inHeight, bands: bands, seed: UInt64(n))
                let source = TestImages.buffer(pixels, width: size.inWidth, height: size.inHeight, bands: bands)
                for premultiplies in bands == 4 ? [true, false] : [false] {
                    let threads = 1 + n % 2
                    func resized(_ instructions: ResampleInstructions) -> [UInt8] {
                        let out = PixelBuffer(width: size.outWidth, height: size.outHeight, bands: bands)
                        resample(source.view, into: out.mutableView, filter: filter, threads: threads,
                                 premultipliesAlpha: premultiplies, horizontal: instructions)
                        return out.packedBytes()
                    }
                    #expect(firstDifference(resized(.fastest), resized(.sse2)) == nil,
                            "\(filter) \(size.inWidth)x\(size.inHeight)x\(bands) -> \(size.outWidth)x\(size.outHeight), premultiplied \(premultiplies)")
                }
            }
        }
    }

    /// Crops with fractional edges (Pillow's `box`), from strided views, including boxes the
    /// size of the output (neither pass skipped) and long windows (8× down in a box).
    @Test(arguments: ResampleFilter.allCases)
    func boxedResizesOfStridedViewsAreTheSameBytesAsWithSSE2(filter: ResampleFilter) {
        var random = TestImages.Random(state: 99)
        func fraction() -> Double { Double(random.next() % 16) / 16 }
        for n in 0..<150 {
            let inWidth = 2 + Int(random.next() % 120), inHeight = 2 + Int(random.next() % 30)
            let left = Double(random.next() % UInt64(inWidth - 1)) + fraction()
            let right = Swift.min(Double(inWidth), left + 0.25 + Double(random.next() % UInt64(inWidth)) + fraction())
            let top = Double(random.next() % UInt64(inHeight - 1)) + fraction()
            let bottom = Swift.min(Double(inHeight), top + 0.25 + Double(random.next() % UInt64(inHeight)) + fraction())
            let box = ResampleBox(left: left, top: top, right: right, bottom: bottom)
            let outWidth = n % 5 == 0 ? Swift.max(1, Int(right - left)) : 1 + Int(random.next() % UInt64(2 * inWidth))
            let outHeight = 1 + Int(random.next() % UInt64(2 * inHeight))
            for bands in [3, 4] {
                let pixels = TestImages.pixels(bands == 4 ? .patchyAlpha : .noise, width: inWidth, height: inHeight,
                                               bands: bands, seed: UInt64(n))
                let strided = TestImages.stridedView(pixels, width: inWidth, height: inHeight, bands: bands)
                func resized(_ instructions: ResampleInstructions) -> [UInt8] {
                    let out = PixelBuffer(width: outWidth, height: outHeight, bands: bands)
                    resample(strided.view, into: out.mutableView, filter: filter, box: box, threads: 1,
                             premultipliesAlpha: true, horizontal: instructions)
                    return out.packedBytes()
                }
                #expect(firstDifference(resized(.fastest), resized(.sse2)) == nil,
                        "\(filter) \(inWidth)x\(inHeight)x\(bands) box \(box) -> \(outWidth)x\(outHeight)")
            }
        }
    }

    /// The intermediate rows themselves, every Int16 of them (a 3-band row's last junk lane too),
    /// for 1 to 4 source rows at a time: nothing the vertical pass might read differs.
    @Test func intermediateRowsAreTheSameAsWithSSE2() {
        for (n, size) in Self.randomCases(count: 80, seed: 3).enumerated() {
            for bands in [3, 4] {
                for filter in ResampleFilter.allCases {
                    let plan = ResamplePlan(filter: filter, bands: bands, inWidth: size.inWidth, inHeight: 4,
                                            outWidth: size.outWidth, outHeight: 7)
                    if plan.keepsColumns { continue }
                    let pixels = TestImages.pixels(.noise, width: size.inWidth, height: 4, bands: bands, seed: UInt64(n))
                    let source = TestImages.buffer(pixels, width: size.inWidth, height: 4, bands: bands)
                    for rows in 1...4 {
                        func intermediate(_ instructions: ResampleInstructions) -> [Int16] {
                            let pass = HorizontalPass(plan: plan, instructions: instructions)
                            let length = pass.rowLength
                            let scratch = UnsafeMutablePointer<Int16>.allocate(capacity: pass.scratchLength)
                            scratch.initialize(repeating: 0, count: pass.scratchLength)
                            var out = [Int16](repeating: 0x5A5A, count: 4 * length)
                            out.withUnsafeMutableBufferPointer { o in
                                let base = o.baseAddress!
                                pass.filter(rows: rows, { source.view.row($0) }, scratch: scratch, into: .init(
                                    a: base, b: base + length, c: base + 2 * length, d: base + 3 * length))
                            }
                            scratch.deallocate()
                            return Array(out[0..<(rows * length)])  // rows past `rows` are don't-cares
                        }
                        #expect(firstDifference(intermediate(.fastest), intermediate(.sse2)) == nil,
                                "\(filter) \(size.inWidth) -> \(size.outWidth) x\(bands), \(rows) rows")
                    }
                }
            }
        }
    }

    /// Rows of several strips (the pass expands about 256 source pixels at a time): the warm
    /// zoom's 1000 → 992, a shifted box of the same size, 8× and 25× down, 3× up.
    @Test func wideRowsAreTheSameBytesAsWithSSE2() {
        let pixels = TestImages.pixels(.noise, width: 1000, height: 40, bands: 3)
        let source = TestImages.buffer(pixels, width: 1000, height: 40, bands: 3)
        for (outWidth, box) in [(992, nil), (1000, ResampleBox(left: 0.5, top: 0, right: 1000, bottom: 39.5)),
                                (125, nil), (40, nil), (3001, nil)] as [(Int, ResampleBox?)] {
            for filter in ResampleFilter.allCases {
                func resized(_ instructions: ResampleInstructions) -> [UInt8] {
                    let out = PixelBuffer(width: outWidth, height: 31, bands: 3)
                    resample(source.view, into: out.mutableView, filter: filter, box: box, threads: 2,
                             premultipliesAlpha: false, horizontal: instructions)
                    return out.packedBytes()
                }
                #expect(firstDifference(resized(.fastest), resized(.sse2)) == nil,
                        "\(filter) 1000 -> \(outWidth) box \(String(describing: box))")
            }
        }
    }

    /// Where `a` and `b` first differ (and what each holds there), or nil when they are equal.
    func firstDifference<T: Equatable>(_ a: [T], _ b: [T]) -> (index: Int, avx2: T?, sse2: T?)? {
        if a == b { return nil }
        let common = Swift.min(a.count, b.count)
        let i = (0..<common).first { a[$0] != b[$0] } ?? common
        return (i, i < a.count ? a[i] : nil, i < b.count ? b[i] : nil)
    }

    @Test func theFastestPassUsesAVX2ForThreeAndFourBandsOnly() {
        for bands in [1, 3, 4] {
            let plan = ResamplePlan(filter: .bicubic, bands: bands, inWidth: 50, inHeight: 5, outWidth: 33, outHeight: 5)
            #expect(HorizontalPass(plan: plan).usesAVX2 == (bands != 1))
            #expect(!HorizontalPass(plan: plan, instructions: .sse2).usesAVX2)
        }
    }
}
