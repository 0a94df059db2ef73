import Glibc
import Testing
@_spi(Benchmarks) @testable import FoveaKernels

/// The AVX2 and AVX-512 passes (CResampleAVX2) against the SSE2 ones they replace where the CPU
/// has them: the same bytes, not merely within a level, since all compute the same integer sums.
/// Each test runs for every set the CPU has beyond SSE2 (none without AVX2, where the suite is
/// skipped), with both passes on that set unless it says otherwise.
@Suite(.enabled(if: ResampleInstructions.fastest >= .avx2, "the CPU has no AVX2"))
struct ResampleInstructionsTests {
    /// The sets compared with SSE2.
    static let vectorSets = Array(ResampleInstructions.available.dropFirst())

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

    /// Whole resizes for every filter, band count, alpha handling and thread count: the output
    /// equals SSE2's byte for byte.
    @Test(arguments: ResampleFilter.allCases, vectorSets)
    func resizesAreTheSameBytesAsWithSSE2(filter: ResampleFilter, set: ResampleInstructions) {
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
                                 premultipliesAlpha: premultiplies, horizontal: instructions, vertical: instructions)
                        return out.packedBytes()
                    }
                    #expect(firstDifference(resized(set), resized(.sse2)) == nil,
                            "\(set) \(filter) \(size.inWidth)x\(size.inHeight)x\(bands) -> \(size.outWidth)x\(size.outHeight), premultiplied \(premultiplies)")
                }
            }
        }
    }

    /// Crops with fractional edges (Pillow's `box`), from strided views, including boxes the
    /// size of the output (neither pass skipped) and long windows (8× down in a box).
    @Test(arguments: ResampleFilter.allCases, vectorSets)
    func boxedResizesOfStridedViewsAreTheSameBytesAsWithSSE2(filter: ResampleFilter, set: ResampleInstructions) {
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
                             premultipliesAlpha: true, horizontal: instructions, vertical: instructions)
                    return out.packedBytes()
                }
                #expect(firstDifference(resized(set), resized(.sse2)) == nil,
                        "\(set) \(filter) \(inWidth)x\(inHeight)x\(bands) box \(box) -> \(outWidth)x\(outHeight)")
            }
        }
    }

    /// The intermediate rows themselves, every Int16 of them (a 3-band row's last junk lane too),
    /// for 1 to 4 source rows at a time: nothing the vertical pass might read differs. With the
    /// height changing (the `pmulhw` and `pmaddwd` vertical kernels' units) and not (whole levels),
    /// and with the C pass's one shift turned off, as it is where a sum might overflow.
    @Test(arguments: vectorSets)
    func intermediateRowsAreTheSameAsWithSSE2(set: ResampleInstructions) {
        for (n, size) in Self.randomCases(count: 80, seed: 3).enumerated() {
            for bands in [3, 4] {
                for filter in ResampleFilter.allCases {
                    let plan = ResamplePlan(filter: filter, bands: bands, inWidth: size.inWidth, inHeight: 4,
                                            outWidth: size.outWidth, outHeight: [7, 4, 1][n % 3])
                    if plan.keepsColumns { continue }
                    #expect(plan.horizontalSumsFit)
                    if n % 4 == 1 { plan.horizontalSumsFit = false }
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
                        #expect(firstDifference(intermediate(set), intermediate(.sse2)) == nil,
                                "\(set) \(filter) \(size.inWidth) -> \(size.outWidth) x\(bands), \(rows) rows, \(plan.outHeight) high, one shift \(plan.horizontalSumsFit)")
                    }
                }
            }
        }
    }

    /// Rows of several strips (the pass expands about 256 source pixels at a time): the warm
    /// zoom's 1000 → 992, a shifted box of the same size, 8× and 25× down, 3× up.
    @Test(arguments: vectorSets)
    func wideRowsAreTheSameBytesAsWithSSE2(set: ResampleInstructions) {
        let pixels = TestImages.pixels(.noise, width: 1000, height: 40, bands: 3)
        let source = TestImages.buffer(pixels, width: 1000, height: 40, bands: 3)
        for (outWidth, box) in [(992, nil), (1000, ResampleBox(left: 0.5, top: 0, right: 1000, bottom: 39.5)),
                                (125, nil), (40, nil), (3001, nil)] as [(Int, ResampleBox?)] {
            for filter in ResampleFilter.allCases {
                func resized(_ instructions: ResampleInstructions) -> [UInt8] {
                    let out = PixelBuffer(width: outWidth, height: 31, bands: 3)
                    resample(source.view, into: out.mutableView, filter: filter, box: box, threads: 2,
                             premultipliesAlpha: false, horizontal: instructions, vertical: instructions)
                    return out.packedBytes()
                }
                #expect(firstDifference(resized(set), resized(.sse2)) == nil,
                        "\(set) \(filter) 1000 -> \(outWidth) box \(String(describing: box))")
            }
        }
    }

    /// The AVX-512 VBMI pass's runs broken anywhere (random breaks, runs down to one pixel, so
    /// that runs start at every sample of a chunk and end with every tail length), next to the
    /// right edge (rows that end just before an unreadable page, so a load past a row's end
    /// would crash), for 3 and 4 bands, every filter, fractional boxes, the one shift on and off,
    /// 1 to 4 rows: every Int16 of the intermediate rows is SSE2's.
    @Test(.enabled(if: ResampleInstructions.fastest >= .avx512vbmi, "the CPU has no AVX-512 VBMI/VNNI"))
    func runsBrokenAnywhereGiveTheSameIntermediateRowsAsSSE2() {
        var random = TestImages.Random(state: 11)
        var pixelsInRuns = 0
        for n in 0..<160 {
            let inWidth = 1 + Int(random.next() % 300)
            // Mostly 1:1 to 1:2 downscales (long runs), some of anything from 1/3 to 3×.
            let outWidth = n % 4 == 3 ? 1 + Int(random.next() % UInt64(3 * inWidth))
                : Swift.max(1, inWidth / 2 + Int(random.next() % UInt64(inWidth / 2 + 1)))
            let box: ResampleBox? = n % 3 == 2
                ? ResampleBox(left: Double(random.next() % 8) / 4, top: 0,
                              right: Double(inWidth) - Double(random.next() % 8) / 8, bottom: 4) : nil
            if let box, box.right <= box.left { continue }
            for bands in [3, 4] {
                let filter = ResampleFilter.allCases[(n + bands) % ResampleFilter.allCases.count]
                let plan = ResamplePlan(filter: filter, bands: bands, inWidth: inWidth, inHeight: 4,
                                        outWidth: outWidth, outHeight: [7, 4, 3][n % 3], box: box)
                if plan.keepsColumns { continue }
                if n % 5 == 1 { plan.horizontalSumsFit = false }
                var breaks = Set<Int>()
                for _ in 0..<Int(random.next() % 6) { breaks.insert(Int(random.next() % UInt64(outWidth + 1))) }
                let minimum = [1, 1, 2, 3, 8][n % 5]
                plan.horizontalRuns = HorizontalRuns(plan: plan, minimumPixels: minimum, breaks: breaks)
                pixelsInRuns += plan.horizontalRuns!.pixels
                let pixels = TestImages.pixels(.noise, width: inWidth, height: 4, bands: bands, seed: UInt64(n))
                let rows = GuardedRows(pixels, width: inWidth, bands: bands)
                defer { rows.free() }
                for count in 1...4 {
                    #expect(firstDifference(Self.intermediate(plan, .avx512vbmi, rows: count, rows.row),
                                            Self.intermediate(plan, .sse2, rows: count, rows.row)) == nil,
                            "\(filter) \(inWidth) -> \(outWidth) x\(bands) box \(String(describing: box)), runs \(Self.describe(plan.horizontalRuns!)), \(count) rows, one shift \(plan.horizontalSumsFit)")
                }
            }
        }
        #expect(pixelsInRuns > 10_000)
    }

    /// The warm zoom's 1000 → 992 bicubic (3 bands, a strided view): nearly every pixel is in a
    /// run, and the resize is SSE2's byte for byte.
    @Test(.enabled(if: ResampleInstructions.fastest >= .avx512vbmi, "the CPU has no AVX-512 VBMI/VNNI"))
    func theWarmZoomsPixelsAreNearlyAllInRuns() {
        let plan = ResamplePlan(filter: .bicubic, bands: 3, inWidth: 1000, inHeight: 750, outWidth: 992, outHeight: 736)
        #expect(plan.horizontalRuns!.pixels >= 950)
        let pixels = TestImages.pixels(.noise, width: 1000, height: 30, bands: 3)
        let strided = TestImages.stridedView(pixels, width: 1000, height: 30, bands: 3)
        func resized(_ instructions: ResampleInstructions) -> [UInt8] {
            let out = PixelBuffer(width: 992, height: 29, bands: 3)
            resample(strided.view, into: out.mutableView, filter: .bicubic, threads: 1, premultipliesAlpha: false,
                     horizontal: instructions, vertical: instructions)
            return out.packedBytes()
        }
        #expect(firstDifference(resized(.avx512vbmi), resized(.sse2)) == nil)
    }

    /// Four intermediate rows of `plan`'s horizontal pass from `rows` source rows (`source(i)`),
    /// each the pass's `rowLength` and filled with 0x5A5A first; only the first `rows` are kept.
    static func intermediate(_ plan: ResamplePlan, _ instructions: ResampleInstructions, rows: Int,
                             _ source: (Int) -> UnsafePointer<UInt8>) -> [Int16] {
        let pass = HorizontalPass(plan: plan, instructions: instructions)
        let length = pass.rowLength
        let scratch = UnsafeMutablePointer<Int16>.allocate(capacity: pass.scratchLength)
        scratch.initialize(repeating: 0, count: pass.scratchLength)
        defer { scratch.deallocate() }
        var out = [Int16](repeating: 0x5A5A, count: 4 * length)
        out.withUnsafeMutableBufferPointer { o in
            let base = o.baseAddress!
            pass.filter(rows: rows, source, scratch: scratch,
                        into: .init(a: base, b: base + length, c: base + 2 * length, d: base + 3 * length))
        }
        return Array(out[0..<(rows * length)])
    }

    static func describe(_ runs: HorizontalRuns) -> String {
        (0..<runs.count).map { "\(runs.bounds[2 * $0])..<\(runs.bounds[2 * $0 + 1])" }.joined(separator: " ")
    }

    /// Four copies of a row, each ending where an unreadable page begins.
    struct GuardedRows {
        let pages: [UnsafeMutableRawPointer]
        let length: Int, pageSize: Int, bytes: Int

        init(_ pixels: [UInt8], width: Int, bands: Int) {
            let bytes = width * bands, pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
            let length = (bytes + pageSize - 1) / pageSize * pageSize + pageSize
            var pages: [UnsafeMutableRawPointer] = []
            for _ in 0..<4 {
                let base = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
                mprotect(base + length - pageSize, pageSize, PROT_NONE)
                let row = base + length - pageSize - bytes
                pixels.withUnsafeBytes { row.copyMemory(from: $0.baseAddress!, byteCount: bytes) }
                pages.append(base)
            }
            (self.pages, self.length, self.pageSize, self.bytes) = (pages, length, pageSize, bytes)
        }

        func row(_ i: Int) -> UnsafePointer<UInt8> {
            UnsafePointer((pages[i] + length - pageSize - bytes).assumingMemoryBound(to: UInt8.self))
        }

        func free() { for p in pages { munmap(p, length) } }
    }

    /// Where `a` and `b` first differ (and what each holds there), or nil when they are equal.
    func firstDifference<T: Equatable>(_ a: [T], _ b: [T]) -> (index: Int, vector: T?, sse2: T?)? {
        if a == b { return nil }
        let common = Swift.min(a.count, b.count)
        let i = (0..<common).first { a[$0] != b[$0] } ?? common
        return (i, i < a.count ? a[i] : nil, i < b.count ? b[i] : nil)
    }

    /// The vertical pass alone (the horizontal one on SSE2): rows of every length from 1 to 200
    /// samples (every tail of the 32- and 64-sample blocks; AVX2 takes rows of 32 or more), every
    /// window length of an upscale and of downscales to 1/2, with 1, 3 and 4 bands.
    @Test(arguments: vectorSets)
    func verticalRowsOfEveryLengthAreTheSameBytesAsWithSSE2(set: ResampleInstructions) {
        for outWidth in 1...200 {
            for bands in [1, 3, 4] where outWidth * bands <= 200 || outWidth % 7 == 0 {
                let inWidth = outWidth + outWidth % 3, inHeight = 5 + outWidth % 11
                let outHeight = [inHeight * 3, inHeight + 1, inHeight * 2 / 3, inHeight / 2][outWidth % 4]
                let pixels = TestImages.pixels(.noise, width: inWidth, height: inHeight, bands: bands, seed: UInt64(outWidth))
                let source = TestImages.buffer(pixels, width: inWidth, height: inHeight, bands: bands)
                func resized(_ instructions: ResampleInstructions) -> [UInt8] {
                    let out = PixelBuffer(width: outWidth, height: outHeight, bands: bands)
                    resample(source.view, into: out.mutableView, filter: .bicubic, threads: 1, premultipliesAlpha: false,
                             horizontal: .sse2, vertical: instructions)
                    return out.packedBytes()
                }
                #expect(firstDifference(resized(set), resized(.sse2)) == nil,
                        "\(set) \(inWidth)x\(inHeight)x\(bands) -> \(outWidth)x\(outHeight)")
            }
        }
    }

    @Test func eachPassTakesTheInstructionsAskedWhereItHasThem() {
        for bands in [1, 3, 4] {
            let plan = ResamplePlan(filter: .bicubic, bands: bands, inWidth: 50, inHeight: 5, outWidth: 33, outHeight: 5)
            #expect(HorizontalPass(plan: plan).instructions == (bands == 1 ? .sse2 : ResampleInstructions.fastest))
            #expect(HorizontalPass(plan: plan, instructions: .sse2).instructions == .sse2)
            #expect(VerticalPass(plan: plan).instructions == ResampleInstructions.fastest)
            #expect(VerticalPass(plan: plan, instructions: .sse2).instructions == .sse2)
        }
        // Long windows (pmaddwd) and rows of fewer than 16 samples stay on SSE2.
        let long = ResamplePlan(filter: .lanczos3, bands: 3, inWidth: 400, inHeight: 400, outWidth: 40, outHeight: 40)
        #expect(long.verticalKernel == .multiplyAdd && VerticalPass(plan: long).instructions == .sse2)
        let narrow = ResamplePlan(filter: .bicubic, bands: 3, inWidth: 5, inHeight: 5, outWidth: 5, outHeight: 9)
        #expect(VerticalPass(plan: narrow).instructions == .sse2)
    }
}
