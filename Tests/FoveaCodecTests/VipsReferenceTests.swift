import FoveaKernels
import Testing

@testable import FoveaCodec

extension FoveaCodecTests {
    /// The libvips reference operations do what their names say (they are oracles for kernel
    /// tests, so they are checked against formulas here).
    @Suite struct VipsReferenceTests {
        init() throws { try TestSupport.start() }

        let image = TestSupport.gradient(7, 5, bands: 3)

        @Test func rotQuarterTurnsMoveCorners() throws {
            let cw = try VipsReference.rot(image.view, .clockwise90)
            #expect(cw.width == 5 && cw.height == 7)
            // Clockwise: the stored bottom-left corner becomes the top-left.
            #expect(TestSupport.pixel(cw, 0, 0) == TestSupport.pixel(image, 0, 4))
            let acw = try VipsReference.rot(image.view, .anticlockwise90)
            #expect(TestSupport.pixel(acw, 0, 0) == TestSupport.pixel(image, 6, 0))
            let half = try VipsReference.rot(image.view, .half)
            #expect(TestSupport.pixel(half, 0, 0) == TestSupport.pixel(image, 6, 4))
        }

        @Test func rotateTurnsAnticlockwiseLikePIL() throws {
            // A red block at the top right of a 40×20 image ends up top left after +90°.
            let marked = TestSupport.solid(40, 20, [0, 0, 200])
            for y in 0..<6 { for x in 30..<40 { marked.mutableView.row(y).advanced(by: x * 3).update(from: [200, 0, 0], count: 3) } }
            let turned = try VipsReference.rotate(marked.view, degrees: 90, interpolation: .bilinear)
            #expect((20...22).contains(turned.width) && (40...42).contains(turned.height), "\(turned.layout)")
            let nearTopLeft = TestSupport.pixel(turned, 3, 4)
            let nearBottomRight = TestSupport.pixel(turned, turned.width - 4, turned.height - 5)
            #expect(nearTopLeft[0] > 150 && nearTopLeft[2] < 50, "\(nearTopLeft)")
            #expect(nearBottomRight[2] > 150, "\(nearBottomRight)")
            withExtendedLifetime(marked) {}
        }

        @Test func flipMirrors() throws {
            let h = try VipsReference.flip(image.view, .horizontal)
            #expect(TestSupport.pixel(h, 0, 2) == TestSupport.pixel(image, 6, 2))
            let v = try VipsReference.flip(image.view, .vertical)
            #expect(TestSupport.pixel(v, 3, 0) == TestSupport.pixel(image, 3, 4))
        }

        @Test func linearRoundsAndClips() throws {
            let out = try VipsReference.linear(image.view, multiply: [1.5], add: [-10])
            for (x, y) in [(0, 0), (6, 4), (3, 1)] {
                // Within 1: libvips may round exact halves down.
                let expected = TestSupport.pixel(image, x, y).map { max(0, min(255, Double($0) * 1.5 - 10)) }
                #expect(zip(TestSupport.pixel(out, x, y), expected).allSatisfy { abs(Double($0) - $1) <= 1 })
            }
        }

        @Test func invertGreyscaleEqualizeAndSharpenKeepTheirShapes() throws {
            let inverted = try VipsReference.invert(image.view)
            #expect(TestSupport.pixel(inverted, 2, 2) == TestSupport.pixel(image, 2, 2).map { 255 - $0 })
            let rgba = TestSupport.gradient(7, 5, bands: 4)
            let grey = try VipsReference.greyscale(rgba.view)
            #expect(grey.bands == 1 && grey.width == 7)
            let equalized = try VipsReference.equalize(image.view)
            #expect(equalized.layout == image.layout)
            let sharpened = try VipsReference.sharpen(image.view)
            #expect(sharpened.layout == image.layout)
            withExtendedLifetime(rgba) {}
        }

        @Test(arguments: [VipsReference.Kernel.linear, .cubic, .lanczos3])
        func resizeHitsTheExactSize(kernel: VipsReference.Kernel) throws {
            let big = TestSupport.gradient(640, 480, bands: 3)
            for (w, h) in [(224, 168), (37, 501), (26, 20), (641, 479), (1280, 960)] {
                let out = try VipsReference.resize(big.view, width: w, height: h, kernel: kernel)
                #expect(out.width == w && out.height == h, "\(kernel) \(w)×\(h)")
            }
            let tiny = try VipsReference.resize(big.view, width: 1, height: 1, kernel: kernel, gap: 2)
            #expect(tiny.width == 1 && tiny.height == 1)
            let crop = try VipsReference.resize(big.view, crop: PixelRect(x: 100, y: 50, width: 200, height: 100), width: 100, height: 50, kernel: kernel)
            #expect(crop.width == 100 && crop.height == 50)
            withExtendedLifetime(big) {}
        }

        @Test func resizeOfAFlatImageStaysFlat() throws {
            // Any normalised kernel maps a constant to itself: a check on edge handling too.
            let flat = TestSupport.solid(50, 40, [90, 140, 210])
            let out = try VipsReference.resize(flat.view, width: 17, height: 61, kernel: .lanczos3)
            #expect(TestSupport.pixel(out, 0, 0) == [90, 140, 210])
            #expect(TestSupport.pixel(out, 16, 60) == [90, 140, 210])
            withExtendedLifetime(flat) {}
        }

        @Test func cropIsExact() throws {
            let out = try VipsReference.crop(image.view, to: PixelRect(x: 2, y: 1, width: 3, height: 2))
            #expect(TestSupport.pixel(out, 0, 0) == TestSupport.pixel(image, 2, 1))
            #expect(TestSupport.pixel(out, 2, 1) == TestSupport.pixel(image, 4, 2))
        }
    }
}
