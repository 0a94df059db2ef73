import FoveaKernels
import Testing

@testable import FoveaCodec

extension FoveaCodecTests {
    /// Whatever the file holds, decode delivers 8-bit grey, RGB or RGBA.
    @Suite struct NormalisationTests {
        init() throws { try TestSupport.start() }

        @Test func animatedGIFDecodesItsFirstFrame() throws {
            let frames = [TestSupport.solid(12, 8, [250, 0, 0]), TestSupport.solid(12, 8, [0, 250, 0]), TestSupport.solid(12, 8, [0, 0, 250])]
            let gif = try TestSupport.animatedGIF(frames)
            let decoded = try Codec.decode(gif)
            #expect(decoded.header.pageCount == 3)
            #expect(decoded.header.width == 12 && decoded.header.height == 8)
            #expect(decoded.pixels.height == 8)
            #expect(TestSupport.pixel(decoded.pixels, 5, 5) == [250, 0, 0, 255])
        }

        @Test(arguments: [1, 3, 4])
        func sixteenBitPNGIsShiftedToEightBit(bands: Int) throws {
            // Samples are v × 257, so v >> 8 recovers v exactly.
            let image = TestSupport.gradient(19, 11, bands: bands)
            let png16 = try withExtendedLifetime(image) { try SampleImages.png16(image.view) }
            #expect(png16[24] == 16)  // IHDR bit depth
            let decoded = try Codec.decode(png16)
            #expect(decoded.header.bands == bands)
            #expect(TestSupport.equal(decoded.pixels, image))
        }

        @Test func greyPlusAlphaBecomesRGBA() throws {
            let image = TestSupport.gradient(9, 6, bands: 4)
            let png = try withExtendedLifetime(image) { try SampleImages.greyAlphaPNG(image.view) }
            #expect(png[25] == 4)  // IHDR colour type 4: grey + alpha
            let decoded = try Codec.decode(png)
            #expect(decoded.header.bands == 4)
            for (x, y) in [(0, 0), (8, 5), (3, 2)] {
                let source = TestSupport.pixel(image, x, y)
                #expect(TestSupport.pixel(decoded.pixels, x, y) == [source[0], source[0], source[0], source[3]])
            }
        }

        @Test func palettePNGExpandsToRGBAndToRGBAWithTransparency() throws {
            let palette: [[UInt8]] = [[255, 0, 0], [0, 255, 0], [10, 20, 30]]
            let indices: [UInt8] = [0, 1, 2, 2, 1, 0]
            let opaque = try Codec.decode(ForgedHeaders.palettePNG(width: 3, height: 2, indices: indices, palette: palette))
            #expect(opaque.header.bands == 3)
            #expect(TestSupport.pixel(opaque.pixels, 2, 0) == [10, 20, 30])
            let transparent = try Codec.decode(ForgedHeaders.palettePNG(width: 3, height: 2, indices: indices, palette: palette, alpha: [255, 128, 0]))
            #expect(transparent.header.bands == 4)
            #expect(TestSupport.pixel(transparent.pixels, 1, 0) == [0, 255, 0, 128])
            #expect(TestSupport.pixel(transparent.pixels, 0, 1)[3] == 0)
        }

        @Test func cmykJPEGBecomesSRGB() throws {
            // Through libvips's built-in CMYK profile and back: colours survive approximately
            // (profile round trips are not exact; 12 levels mean error is generous but catches
            // an unconverted or inverted image).
            let image = TestSupport.solid(16, 16, [200, 120, 60])
            let cmyk = try withExtendedLifetime(image) { try SampleImages.cmykJPEG(image.view) }
            let decoded = try Codec.decode(cmyk)
            #expect(decoded.header.bands == 3)
            let p = TestSupport.pixel(decoded.pixels, 8, 8)
            #expect(zip(p, [200, 120, 60] as [UInt8]).allSatisfy { abs(Int($0) - Int($1)) <= 12 }, "got \(p)")
        }

        @Test func probeReportsTheBandsDecodeWrites() throws {
            let cases: [([UInt8], Int)] = [
                (try Codec.encode(TestSupport.gradient(4, 4, bands: 1), format: .png).array, 1),
                (try Codec.encode(TestSupport.gradient(4, 4, bands: 3), format: .jpeg).array, 3),
                (try Codec.encode(TestSupport.gradient(4, 4, bands: 4), format: .png).array, 4),
                (try TestSupport.gif(TestSupport.gradient(4, 4, bands: 3)), 4),
            ]
            for (bytes, bands) in cases {
                let header = try Codec.probe(bytes)
                #expect(header.bands == bands)
                #expect(try Codec.decode(bytes).pixels.bands == bands)
            }
        }
    }
}
