import FoveaKernels
import Testing

@testable import FoveaCodec

extension FoveaCodecTests {
    /// Encode → decode through real libvips, for every output format and band count.
    @Suite struct RoundTripTests {
        init() throws { try TestSupport.start() }

        static let shapes: [(Int, Int)] = [(1, 1), (3, 7), (33, 17), (64, 48)]

        @Test(arguments: [1, 3, 4])
        func pngRoundTripIsByteIdentical(bands: Int) throws {
            for (w, h) in Self.shapes {
                let image = TestSupport.gradient(w, h, bands: bands)
                let decoded = try Codec.decode(try Codec.encode(image, format: .png).array)
                #expect(decoded.header.format == .png)
                #expect(decoded.header.bands == bands)
                #expect(TestSupport.equal(decoded.pixels, image), "\(w)×\(h)×\(bands)")
            }
        }

        @Test(arguments: [1, 3, 4])
        func webpLosslessRoundTripIsByteIdentical(bands: Int) throws {
            let image = TestSupport.gradient(33, 17, bands: bands)
            let decoded = try Codec.decode(try Codec.encode(image, format: .webp, lossless: true).array)
            // WebP has no grey mode: grey comes back as RGB with equal channels.
            if bands == 1 {
                #expect(decoded.header.bands == 3)
                for y in 0..<17 { for x in 0..<33 {
                    #expect(TestSupport.pixel(decoded.pixels, x, y) == [UInt8](repeating: TestSupport.pixel(image, x, y)[0], count: 3))
                } }
            } else {
                #expect(TestSupport.equal(decoded.pixels, image))
            }
        }

        @Test func jpegQuality95IsCloseOnASmoothImage() throws {
            // 4:4:4 at q95 keeps a smooth gradient above 40 dB (typical photos land at 40–45).
            let image = smoothImage(97, 61, bands: 3)
            let jpeg = try Codec.encode(image, format: .jpeg)
            let decoded = try Codec.decode(jpeg.array)
            #expect(decoded.header.format == .jpeg)
            #expect(TestSupport.psnr(decoded.pixels, image) >= 40)
        }

        @Test func jpegGreyStaysOneBand() throws {
            let image = smoothImage(31, 9, bands: 1)
            let decoded = try Codec.decode(try Codec.encode(image, format: .jpeg).array)
            #expect(decoded.header.bands == 1)
            #expect(TestSupport.psnr(decoded.pixels, image) >= 40)
        }

        @Test func jpegIsBaselineWithoutChromaSubsampling() throws {
            let jpeg = try Codec.encode(smoothImage(16, 16, bands: 3), format: .jpeg).array
            // SOF0 (baseline), three components each sampled 1×1 (0x11).
            let sof = try #require(jpeg.indices.first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
            #expect(!jpeg.indices.dropLast().contains { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC2 })  // no SOF2
            #expect(jpeg[sof + 9] == 3)
            #expect([jpeg[sof + 11], jpeg[sof + 14], jpeg[sof + 17]] == [0x11, 0x11, 0x11])
        }

        @Test func jpegFlattensAlphaOntoWhite() throws {
            let image = TestSupport.solid(8, 8, [10, 20, 30, 0])  // fully transparent
            let decoded = try Codec.decode(try Codec.encode(image, format: .jpeg).array)
            #expect(decoded.header.bands == 3)
            #expect(TestSupport.pixel(decoded.pixels, 4, 4).allSatisfy { $0 >= 250 })
        }

        @Test func webpLossyIsClose() throws {
            // Lossy WebP is always 4:2:0; on a smooth image q90 stays above 32 dB.
            let image = smoothImage(64, 48, bands: 3)
            let decoded = try Codec.decode(try Codec.encode(image, format: .webp).array)
            #expect(decoded.header.format == .webp)
            #expect(TestSupport.psnr(decoded.pixels, image) >= 32)
        }

        @Test func webpLossyKeepsAlpha() throws {
            let image = smoothImage(20, 10, bands: 4)
            let decoded = try Codec.decode(try Codec.encode(image, format: .webp, quality: 80).array)
            #expect(decoded.header.bands == 4)
            #expect(TestSupport.pixel(decoded.pixels, 3, 3)[3] == TestSupport.pixel(image, 3, 3)[3])
        }

        @Test func rawIsThePackedSamples() throws {
            let image = TestSupport.gradient(7, 5, bands: 3)
            let raw = try Codec.encode(image, format: .raw)
            #expect(raw.format.mimeType == "application/octet-stream")
            #expect(raw.array == image.packedBytes())
        }

        @Test(arguments: [EncodeFormat.png, .raw, .webp])
        func encodeReadsAStridedCropInPlace(format: EncodeFormat) throws {
            let parent = TestSupport.gradient(40, 30, bands: 3)
            let crop = parent.view.cropped(to: PixelRect(x: 5, y: 7, width: 13, height: 11))
            try withExtendedLifetime(parent) {
                let encoded = try Codec.encode(crop, format: format, lossless: true)
                if format == .raw {
                    #expect(encoded.array == PixelBuffer.copy(of: crop).packedBytes())
                } else {
                    let decoded = try Codec.decode(encoded.array)
                    #expect(withExtendedLifetime(decoded) { TestSupport.equal(decoded.pixels.view, crop) })
                }
            }
        }

        @Test func encodeCopiesAStrideThatIsNotWholePixels() throws {
            // rowBytes 10 with 3 bands: libvips cannot read it in place, so encode packs a copy.
            let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: 10 * 4)
            defer { storage.deallocate() }
            for i in 0..<40 { storage[i] = UInt8(i * 5) }
            let view = ImageView(base: storage, layout: PixelLayout(width: 3, height: 4, bands: 3, rowBytes: 10))
            let decoded = try Codec.decode(try Codec.encode(view, format: .png).array)
            #expect(withExtendedLifetime(decoded) { TestSupport.equal(decoded.pixels.view, view) })
        }

        @Test func gifTiffAndHeifDecode() throws {
            let image = TestSupport.gradient(21, 13, bands: 3)
            let tiff = try Codec.decode(try TestSupport.tiff(image))
            #expect(tiff.header.format == .tiff)
            #expect(TestSupport.equal(tiff.pixels, image))
            let gif = try Codec.decode(try TestSupport.gif(TestSupport.solid(9, 5, [200, 40, 10])))
            #expect(gif.header.format == .gif)
            #expect(gif.header.bands == 4)  // libvips 8.14 always loads GIF as RGBA
            #expect(TestSupport.pixel(gif.pixels, 4, 2) == [200, 40, 10, 255])
            for av1 in [false, true] {
                let heif = try Codec.decode(try TestSupport.heif(smoothImage(32, 32, bands: 3), av1: av1))
                #expect(heif.header.format == .heif)
                #expect(heif.header.width == 32 && heif.header.height == 32)
            }
        }

        /// A smooth image (no sharp edges), as photographs mostly are.
        func smoothImage(_ w: Int, _ h: Int, bands: Int) -> PixelBuffer {
            let buffer = PixelBuffer(width: w, height: h, bands: bands)
            for y in 0..<h { for x in 0..<w { for b in 0..<bands {
                let v = b == 3 ? 255 - x % 256 : 30 + (x * 120) / w + (y * 60) / h + b * 10
                buffer.mutableView.row(y)[x * bands + b] = UInt8(v)
            } } }
            return buffer
        }
    }
}
