import Testing
@testable import FoveaKernels

struct RotateTests {
    @Test(arguments: RotationFilter.allCases, [1, 3, 4])
    func anyAngleIsIdenticalForEveryThreadCount(filter: RotationFilter, bands: Int) {
        // 120 output rows: 7 threads get 7 bands of at least 16 rows.
        let pixels = TestImages.pixels(.noise, width: 90, height: 120, bands: bands, seed: 12)
        let source = TestImages.buffer(pixels, width: 90, height: 120, bands: bands)
        let one = rotate(source.view, degrees: 33.3, filter: filter, expand: true, fill: [], threads: 1)
        for threads in [2, 3, 7] {
            let many = rotate(source.view, degrees: 33.3, filter: filter, expand: true, fill: [], threads: threads)
            #expect(many.packedBytes() == one.packedBytes(), "\(filter) \(bands) bands, \(threads) threads")
        }
    }

    @Test(arguments: RotationFilter.allCases, [1, 3, 4])
    func stridedViewsGiveThePackedResultAndNothingOutsideTheDestinationIsWritten(
        filter: RotationFilter, bands: Int
    ) {
        for (degrees, (width, height)) in [(17.0, (41, 27)), (90, (41, 27)), (200, (41, 27)), (-45, (41, 27)),
                                           (17, (300, 70)), (163, (300, 70))] {
            let pixels = TestImages.pixels(.noise, width: width, height: height, bands: bands, seed: 13)
            let source = TestImages.buffer(pixels, width: width, height: height, bands: bands)
            let packed = rotate(source.view, degrees: degrees, filter: filter, expand: true)
            let (parent, strided) = TestImages.stridedView(pixels, width: width, height: height, bands: bands)
            let out = GuardedDestination(width: packed.width, height: packed.height, bands: bands)
            rotate(strided, degrees: degrees, filter: filter, expand: true, into: out.view)
            withExtendedLifetime(parent) {
                #expect(out.pixels == packed.packedBytes(), "\(filter) \(degrees)° \(bands) bands")
                #expect(out.surroundingsUntouched, "\(filter) \(degrees)° \(bands) bands wrote outside")
            }
        }
    }

    @Test func pillowsShortcutsAreExactCopiesAndQuarterTurns() {
        let pixels = TestImages.pixels(.noise, width: 9, height: 6, bands: 3)
        let source = TestImages.buffer(pixels, width: 9, height: 6, bands: 3)
        for filter in RotationFilter.allCases {
            #expect(rotate(source.view, degrees: 720, filter: filter, expand: true, fill: [1, 2, 3])
                .packedBytes() == pixels)
            #expect(rotate(source.view, degrees: -180, filter: filter, expand: false).packedBytes()
                == rotate(source.view, by: .halfTurn).packedBytes())
            #expect(rotate(source.view, degrees: 90, filter: filter, expand: true).packedBytes()
                == rotate(source.view, by: .counterClockwise90).packedBytes())
            #expect(rotate(source.view, degrees: 270, filter: filter, expand: true).packedBytes()
                == rotate(source.view, by: .clockwise90).packedBytes())
        }
    }

    @Test func ninetyDegreesWithoutExpandOnANonSquareImageCutsTheCornersAndFills() {
        // 4x2 → stays 4x2: the rotated 2x4 is centred; columns 0 and 3 fall outside.
        let pixels: [UInt8] = [1, 2, 3, 4,
                               5, 6, 7, 8]
        let source = TestImages.buffer(pixels, width: 4, height: 2, bands: 1)
        let out = rotate(source.view, degrees: 90, filter: .bilinear, expand: false, fill: [99])
        #expect(out.packedBytes() == [99, 3, 7, 99,
                                      99, 2, 6, 99])
    }

    @Test func rgbaFillGoesThroughPillowsUnpremultiplication() {
        let source = TestImages.buffer([UInt8](repeating: 255, count: 4 * 4 * 4), width: 4, height: 4, bands: 4)
        let fill: [UInt8] = [200, 100, 50, 128]
        let bilinear = rotate(source.view, degrees: 45, filter: .bilinear, expand: true, fill: fill)
        #expect(Array(bilinear.packedBytes().prefix(4)) == [255, 199, 99, 128])
        let nearest = rotate(source.view, degrees: 45, filter: .nearest, expand: true, fill: fill)
        #expect(Array(nearest.packedBytes().prefix(4)) == fill)
    }

    @Test func flatImagesStayFlatInsideForEveryFilter() {
        for bands in [1, 3, 4] {
            let value = [UInt8]([37, 201, 90, 255].prefix(bands))
            let pixels = (0..<(50 * 30)).flatMap { _ in value }
            let source = TestImages.buffer(pixels, width: 50, height: 30, bands: bands)
            for filter in RotationFilter.allCases {
                let out = rotate(source.view, degrees: 21, filter: filter, expand: false).packedBytes()
                // The centre pixel is far from the cut; every filter's weights sum to one.
                let centre = (15 * 50 + 25) * bands
                #expect(Array(out[centre..<(centre + bands)]) == value, "\(filter) \(bands) bands")
            }
        }
    }

    @Test func bilinearWeightsSumToOneAndFollowTheProducts() {
        for fx in stride(from: 0, to: 65536, by: 257) {
            for fy in [0, 1, 4095, 32768, 65534, 65535] {
                let w = BilinearRotation.weights(fx, fy)
                #expect(w.w00 + w.w01 + w.w10 + w.w11 == 16384)
                let dx = Double(fx) / 65536, dy = Double(fy) / 65536
                let exact = [(1 - dx) * (1 - dy), dx * (1 - dy), (1 - dx) * dy, dx * dy]
                for (weight, e) in zip([w.w00, w.w01, w.w10, w.w11], exact) {
                    #expect(abs(Double(weight) / 16384 - e) <= 2.0 / 16384, "fx \(fx) fy \(fy)")
                }
            }
        }
    }

    @Test func bicubicWeightsSumToOneAndFollowPillowsCubic() {
        for f in stride(from: 0, to: 65536, by: 97) {
            let (w0, w1, w2, w3) = BicubicRotation.weights(f)
            #expect(w0 + w1 + w2 + w3 == 16384)
            // Pillow's BICUBIC with a = -1, to within the 14-bit rounding.
            let d = Double(f) / 65536
            let exact = [-d * (1 - d) * (1 - d), 1 - 2 * d * d + d * d * d, d + d * d - d * d * d, -d * d * (1 - d)]
            for (w, e) in zip([w0, w1, w2, w3], exact) { #expect(abs(Double(w) / 16384 - e) < 2.0 / 16384) }
        }
    }

    /// The SIMD interior kernels and the scalar clamped path are the same arithmetic: on
    /// interior pixels they must agree byte for byte.
    @Test(arguments: [RotationFilter.bilinear, .bicubic], [1, 3, 4])
    func uncheckedInteriorKernelsEqualTheClampedScalarPath(filter: RotationFilter, bands: Int) {
        let (width, height) = (53, 37)
        let pixels = TestImages.pixels(bands == 4 ? .patchyAlpha : .noise, width: width, height: height,
                                       bands: bands, seed: 21)
        let source = TestImages.buffer(pixels, width: width, height: height, bands: bands)
        for premultiplies in bands == 4 ? [false, true] : [false] {
            for degrees in [3.0, 17, 45, 100, 222, 300] {
                let geometry = RotationGeometry(width: width, height: height, degrees: degrees, expand: true)
                for y in 0..<geometry.height {
                    let line = SourceLine(row: y, matrix: geometry.matrix)
                    var simd = [UInt8](repeating: 0, count: (geometry.width + 1) * bands)
                    var scalar = simd
                    let interior: Range<Int>
                    if filter == .bilinear {
                        let kernel = BilinearRotation(src: source.view, premultiplies: premultiplies)
                        interior = kernel.interior(line, width: geometry.width)
                        kernel.sampleInterior(line, columns: interior, into: &simd, spill: true)
                        kernel.sampleClamped(line, columns: interior, into: &scalar)
                    } else {
                        let kernel = BicubicRotation(src: source.view, premultiplies: premultiplies)
                        interior = kernel.interior(line, width: geometry.width)
                        kernel.sampleInterior(line, columns: interior, into: &simd, spill: true)
                        kernel.sampleClamped(line, columns: interior, into: &scalar)
                    }
                    let samples = (interior.lowerBound * bands)..<(interior.upperBound * bands)
                    #expect(Array(simd[samples]) == Array(scalar[samples]),
                            "\(filter) \(bands) bands premultiplied \(premultiplies) \(degrees)° row \(y)")
                }
            }
        }
    }
}
