import Foundation
import Testing
@testable import FoveaKernels

/// Properties of the tonal kernels that need no Pillow: thread-count independence, strides,
/// in-place runs, alpha, edges, the gamma formula, and the exactness of each point-map form.
@Suite struct EnhanceTests {
    /// 230 rows: enough for RowBands to use 7 bands of 32 rows.
    @Test(arguments: TonalOperation.representative)
    func outputIsIdenticalForAnyThreadCount(operation: TonalOperation) {
        for bands in [1, 3, 4] {
            let pixels = TonalImages.pixels(.dim, width: 50, height: 230, bands: bands)
            let one = operation.run(pixels, width: 50, height: 230, bands: bands, threads: 1)
            for threads in [2, 3, 7] {
                let many = operation.run(pixels, width: 50, height: 230, bands: bands, threads: threads)
                #expect(many == one, "\(operation) \(bands) bands: \(threads) threads differ from 1")
            }
        }
    }

    /// Strided source and destination (views inside larger buffers) give the packed result
    /// and leave the destination's surroundings untouched.
    @Test(arguments: TonalOperation.representative)
    func stridedViewsMatchPackedAndStayInside(operation: TonalOperation) {
        for bands in [1, 3, 4] {
            for (w, h) in [(1, 1), (5, 4), (37, 23)] {
                let pixels = TonalImages.pixels(.noise, width: w, height: h, bands: bands)
                let packed = operation.run(pixels, width: w, height: h, bands: bands)
                let (parent, source) = TestImages.stridedView(pixels, width: w, height: h, bands: bands)
                let outBands = operation.outputBands(bands)
                let target = PixelBuffer(width: w + 9, height: h + 4, bands: outBands)
                target.base.initialize(repeating: 0x5A, count: target.layout.byteCount)
                let rect = PixelRect(x: 4, y: 1, width: w, height: h)
                operation.run(source, into: target.mutableView.cropped(to: rect), threads: 2)
                let inside = PixelBuffer.copy(of: target.view.cropped(to: rect)).packedBytes()
                #expect(inside == packed, "\(operation) \(w)x\(h)x\(bands): strided result differs")
                let all = target.packedBytes()
                var outside = 0
                for y in 0..<(h + 4) {
                    for x in 0..<(w + 9) where !(rect.x..<rect.maxX).contains(x) || !(rect.y..<rect.maxY).contains(y) {
                        for c in 0..<outBands where all[(y * (w + 9) + x) * outBands + c] != 0x5A { outside += 1 }
                    }
                }
                #expect(outside == 0, "\(operation) \(w)x\(h)x\(bands): wrote \(outside) samples outside the view")
                withExtendedLifetime(parent) {}
            }
        }
    }

    @Test(arguments: TonalOperation.representative.filter(\.runsInPlace))
    func inPlaceEqualsOutOfPlace(operation: TonalOperation) {
        for bands in [1, 3, 4] {
            for (w, h) in [(1, 1), (19, 7), (160, 40)] {
                let pixels = TonalImages.pixels(.dim, width: w, height: h, bands: bands)
                let expected = operation.run(pixels, width: w, height: h, bands: bands)
                let buffer = TestImages.buffer(pixels, width: w, height: h, bands: bands)
                operation.run(buffer.view, into: buffer.mutableView, threads: 3)
                #expect(buffer.packedBytes() == expected, "\(operation) \(w)x\(h)x\(bands) in place")
            }
        }
    }

    /// Side-by-side crops of one buffer share rows but no samples: allowed as source and
    /// destination; crops sharing samples are caught.
    @Test func overlapIsJudgedSampleBySample() {
        let parent = PixelBuffer(width: 20, height: 10, bands: 3)
        parent.base.initialize(repeating: 100, count: parent.layout.byteCount)
        let left = parent.view.cropped(to: PixelRect(x: 0, y: 0, width: 10, height: 10))
        let right = parent.mutableView.cropped(to: PixelRect(x: 10, y: 0, width: 10, height: 10))
        #expect(!Enhance.overlaps(left, right))
        Enhance.invert(left, into: right, threads: 2)
        #expect(PixelBuffer.copy(of: right.readOnly).packedBytes().allSatisfy { $0 == 155 })
        let shifted = parent.mutableView.cropped(to: PixelRect(x: 9, y: 3, width: 10, height: 7))
        #expect(Enhance.overlaps(left, shifted))
        let below = parent.mutableView.cropped(to: PixelRect(x: 0, y: 5, width: 10, height: 5))
        let top = parent.view.cropped(to: PixelRect(x: 0, y: 0, width: 20, height: 5))
        #expect(!Enhance.overlaps(top, below))
        #expect(Enhance.overlaps(parent.view, below))
        let elsewhere = PixelBuffer(width: 10, height: 10, bands: 3)
        #expect(!Enhance.overlaps(left, elsewhere.mutableView))
    }

    /// Grayscale of 1 band in place is allowed (and a no-op).
    @Test func grayscaleOfGreyInPlaceKeepsPixels() {
        let pixels = TonalImages.pixels(.noise, width: 9, height: 4, bands: 1)
        let buffer = TestImages.buffer(pixels, width: 9, height: 4, bands: 1)
        Enhance.grayscale(buffer.view, into: buffer.mutableView)
        #expect(buffer.packedBytes() == pixels)
    }

    @Test(arguments: TonalOperation.representative.filter { $0.outputBands(4) == 4 })
    func rgbaKeepsAlpha(operation: TonalOperation) {
        let pixels = TonalImages.pixels(.noise, width: 41, height: 37, bands: 4)
        let out = operation.run(pixels, width: 41, height: 37, bands: 4)
        let changed = stride(from: 3, to: pixels.count, by: 4).filter { out[$0] != pixels[$0] }.count
        #expect(changed == 0, "\(operation): \(changed) alpha samples changed")
    }

    /// Factor 1 is a copy for every enhancer, at every size (the blend's shortcut in Pillow).
    @Test func factorOneCopies() {
        for bands in [1, 3, 4] {
            let pixels = TonalImages.pixels(.noise, width: 23, height: 11, bands: bands)
            for operation in [TonalOperation.brightness(1), .contrast(1), .color(1), .sharpness(1), .gamma(1)] {
                #expect(operation.run(pixels, width: 23, height: 11, bands: bands) == pixels, "\(operation)")
            }
        }
    }

    /// Pillow's `ImagingFilter3x3` leaves the outer ring unfiltered and copies images under 3
    /// pixels on a side, so sharpness keeps them at any factor.
    @Test func sharpnessKeepsTheOuterRingAndThinImages() {
        for bands in [1, 3, 4] {
            for (w, h) in [(1, 9), (2, 2), (9, 2), (12, 10)] {
                let pixels = TonalImages.pixels(.noise, width: w, height: h, bands: bands)
                let out = TonalOperation.sharpness(3).run(pixels, width: w, height: h, bands: bands)
                for y in 0..<h {
                    for x in 0..<w where w < 3 || h < 3 || x == 0 || y == 0 || x == w - 1 || y == h - 1 {
                        let i = (y * w + x) * bands
                        #expect(out[i..<(i + bands)] == pixels[i..<(i + bands)], "\(w)x\(h)x\(bands) at (\(x), \(y))")
                    }
                }
            }
        }
    }

    /// Gamma against the formula evaluated per sample with `exp`/`log`, an independent
    /// spelling of `255·(v/255)^(1/γ)` rounded half up; exact (no level of 0…255 lands within
    /// 1e-9 of a half for these gammas). 300×300 takes the pair-table path.
    @Test func gammaMatchesTheFormula() {
        for gamma in [0.45, 1.0, 1.8, 2.2, 3.7] {
            for bands in [1, 3, 4] {
                for (w, h) in [(1, 1), (31, 7), (300, 300)] {
                    let pixels = TonalImages.pixels(.gradient, width: w, height: h, bands: bands)
                    let out = TonalOperation.gamma(gamma).run(pixels, width: w, height: h, bands: bands, threads: 2)
                    var mismatches = 0
                    for (i, v) in pixels.enumerated() {
                        var want = v
                        if !(bands == 4 && i % 4 == 3) && v != 0 {
                            want = UInt8(Int(255 * exp(log(Double(v) / 255) / gamma) + 0.5))
                        }
                        if out[i] != want { mismatches += 1 }
                    }
                    #expect(mismatches == 0, "gamma \(gamma) \(w)x\(h)x\(bands): \(mismatches) samples off the formula")
                }
            }
        }
    }

    @Test func gammaAboveOneBrightens() {
        let table = Enhance.gammaTable(2.2)
        #expect(table[0] == 0 && table[255] == 255)
        #expect(table[64] > 64 && table[128] > 128)
        #expect(Enhance.gammaTable(0.5)[128] < 128)
    }
}

/// Each point-map form against the plain table lookup, on rows holding every level at every
/// band position and lengths that leave tails of every size.
@Suite struct PointFormTests {
    static func check(_ map: PointMap, _ form: PointForm, _ label: String) {
        let bands = map.bands
        for count in [bands * 256, bands * 256 + 48 * bands + 7 * bands, 48 * bands - bands] {
            var row = [UInt8](repeating: 0, count: count)
            for i in 0..<count { row[i] = UInt8(truncatingIfNeeded: (i / bands) &* 7 &+ i % bands) }
            var out = [UInt8](repeating: 0, count: count)
            row.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    form.map(src.baseAddress!, into: dst.baseAddress!, count: count)
                }
            }
            let want = (0..<count).map { map.levels[($0 % bands) * 256 + Int(row[$0])] }
            #expect(out == want, "\(label), \(count) samples")
            // In place.
            row.withUnsafeMutableBufferPointer { buffer in
                form.map(UnsafePointer(buffer.baseAddress!), into: buffer.baseAddress!, count: count)
            }
            #expect(row == want, "\(label), \(count) samples in place")
        }
    }

    /// Tables built the way the operations build them, over a grid of parameters.
    static var maps: [(String, PointMap)] {
        var maps: [(String, PointMap)] = []
        for bands in [1, 3, 4] {
            for factor in stride(from: -1.0, through: 4.0, by: 0.1) {
                let blend = PillowBlend(factor: factor)
                maps.append(("brightness \(factor) ×\(bands)", PointMap(bands: bands, colour: blend.table(degenerate: 0))))
                for mean in stride(from: 0, through: 255, by: 17) {
                    maps.append(("contrast \(factor) mean \(mean) ×\(bands)",
                                 PointMap(bands: bands, colour: blend.table(degenerate: UInt8(mean)))))
                }
            }
            for gamma in [0.3, 0.8, 2.2] {
                maps.append(("gamma \(gamma) ×\(bands)", PointMap(bands: bands, colour: Enhance.gammaTable(gamma))))
            }
            var random = TestImages.Random(state: UInt64(bands))
            let tables = (0..<Swift.min(bands, 3)).map { band -> [UInt8] in
                var h = [Int](repeating: 0, count: 256)
                for _ in 0..<2000 { h[40 + Int(random.next() % UInt64(100 + 40 * band))] += 1 }
                return Enhance.autocontrastTable(h, cutoff: 1)
            }
            maps.append(("autocontrast ×\(bands)", PointMap(bands: bands, colourTables: tables)))
            maps.append(("random ×\(bands)", PointMap(bands: bands, levels: (0..<(256 * bands)).map { _ in random.byte() })))
            maps.append(("invert ×\(bands)", PointMap(bands: bands, colour: (0..<256).map { UInt8(255 - $0) })))
        }
        return maps
    }

    @Test func everyFormReproducesItsTable() {
        var affine = 0, blends = 0
        for (index, (label, map)) in Self.maps.enumerated() {
            let isBlend = label.hasPrefix("brightness") || label.hasPrefix("contrast")
            // The table forms do not depend on how the table was made: a sample of the blends.
            if !isBlend || index % 25 == 0 {
                Self.check(map, .byteTable(ByteTableForm(map)), label + " byte table")
                Self.check(map, .pairTables(PairTableForm(map)), label + " pair tables")
            }
            if let form = XorPointForm(map) { Self.check(map, .xor(form), label + " xor") }
            let form = AffinePointForm(map)
            if let form { Self.check(map, .affine(form), label + " affine") }
            if isBlend {
                blends += 1
                if form != nil { affine += 1 }
            }
        }
        print("PointFormTests: the affine form reproduces \(affine) of \(blends) brightness/contrast tables (factors −1…4 by 0.1)")
        // Ordinary factors must take the fast form.
        for factor in [0.3, 0.5, 0.7, 1.3, 1.5, 2.0, 2.7] {
            let blend = PillowBlend(factor: factor)
            #expect(AffinePointForm(PointMap(bands: 3, colour: blend.table(degenerate: 0))) != nil, "brightness \(factor)")
            #expect(AffinePointForm(PointMap(bands: 3, colour: blend.table(degenerate: 117))) != nil, "contrast \(factor)")
        }
    }

    /// The blend's SIMD row against its scalar definition for every pair of samples.
    @Test func blendRowMatchesScalarForEveryPair() {
        for factor in [0.0, 0.3, 0.7, 1.0, 1.5, 2.7, -0.6, 12, 600, 1e-9] {
            let blend = PillowBlend(factor: factor)
            let a = (0..<65536).map { UInt8($0 >> 8) }, b = (0..<65536).map { UInt8($0 & 255) }
            var out = [UInt8](repeating: 0, count: 65536)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { po in
                        blend.blendRow(degenerate: pa.baseAddress!, image: pb.baseAddress!,
                                       into: po.baseAddress!, count: 65536)
                    }
                }
            }
            let bad = (0..<65536).filter { out[$0] != blend.blend(a[$0], b[$0]) }.count
            #expect(bad == 0, "factor \(factor): \(bad) pairs differ")
        }
    }

    /// Python's float floor division, including its snapping, on the values autocontrast uses.
    @Test func pythonFloorDivisionMatchesCPython() {
        #expect(Enhance.pythonFloorDivide(7, 2) == 3)
        #expect(Enhance.pythonFloorDivide(-7, 2) == -4)
        #expect(Enhance.pythonFloorDivide(1000 * 2.5, 100) == 25)
        #expect(Enhance.pythonFloorDivide(0.7, 0.1) == 6)   // CPython: 0.7 // 0.1 == 6.0
        #expect(Enhance.pythonFloorDivide(1, 100) == 0)
    }
}
