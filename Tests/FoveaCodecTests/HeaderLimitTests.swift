import FoveaKernels
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import FoveaCodec

extension FoveaCodecTests {
    /// Decompression bombs are refused from their header: quickly, with memory flat, and with a
    /// message naming the limit and the value.
    @Suite struct HeaderLimitTests {
        init() throws { try TestSupport.start() }

        /// Probes and decodes `bytes`, expecting both to throw `code` with `message`, in well under
        /// a second and without the resident size growing (a real decode would need gigabytes).
        func expectRefused(_ bytes: [UInt8], _ code: CodecError.Code, _ message: String,
                           limits: ImageLimits = .standard,
                           sourceLocation: SourceLocation = #_sourceLocation) {
            let rssBefore = TestSupport.peakRSSMiB()
            let start = ContinuousClock.now
            let probeError = TestSupport.codecError({ _ = try Codec.probe(bytes, limits: limits) }, sourceLocation: sourceLocation)
            var allocated = false
            let decodeError = TestSupport.codecError({
                _ = try bytes.withUnsafeBytes { raw in
                    try Codec.decode(raw, limits: limits) { layout in
                        allocated = true
                        return PixelBuffer(width: 1, height: 1, bands: layout.bands).mutableView
                    }
                }
            }, sourceLocation: sourceLocation)
            let elapsed = ContinuousClock.now - start
            for error in [probeError, decodeError] {
                #expect(error?.code == code, sourceLocation: sourceLocation)
                #expect(error?.message == message, sourceLocation: sourceLocation)
            }
            #expect(!allocated, "decode asked for pixel memory", sourceLocation: sourceLocation)
            #expect(elapsed < .milliseconds(500), "refusal took \(elapsed)", sourceLocation: sourceLocation)
            #expect(TestSupport.peakRSSMiB() - rssBefore < 32, sourceLocation: sourceLocation)
        }

        @Test func pngDeclaring225000SquaredIsRefusedByPixelLimit() {
            let png = ForgedHeaders.png(width: 225_000, height: 225_000)
            #expect(png.count < 100)
            expectRefused(png, .tooManyPixels, "image is 225000×225000 (50625.0 MP), over the 150 MP pixel limit")
        }

        @Test func jpegWhoseSOFDeclares65000SquaredIsRefused() {
            expectRefused(ForgedHeaders.jpeg(width: 65000, height: 65000), .tooManyPixels,
                          "image is 65000×65000 (4225.0 MP), over the 150 MP pixel limit")
        }

        @Test func webpWithAbsurdVP8XCanvasIsRefusedBeforeLibvips() {
            // libvips itself rejects canvases over 16383 with "bad image dimensions"; the sniffed
            // size gives the model the real reason.
            expectRefused(ForgedHeaders.webpCanvas(width: 60000, height: 60000), .tooManyPixels,
                          "image is 60000×60000 (3600.0 MP), over the 150 MP pixel limit")
        }

        @Test func webpLosslessAtTheFormatMaximumIsRefused() {
            expectRefused(ForgedHeaders.webpLossless(width: 16384, height: 16384), .tooManyPixels,
                          "image is 16384×16384 (268.4 MP), over the 150 MP pixel limit")
        }

        @Test func tiffSizeComesFromLibvipsHeaderRead() {
            // TIFF is not sniffed for size: this exercises the check after libvips's lazy header read.
            expectRefused(ForgedHeaders.tiff(width: 100_000, height: 100_000), .tooManyPixels,
                          "image is 100000×100000 (10000.0 MP), over the 150 MP pixel limit")
        }

        @Test func sideLimitNamesTheSide() {
            expectRefused(ForgedHeaders.png(width: 40000, height: 100), .sideTooLong,
                          "image is 40000×100, its width 40000 is over the 32768-pixel side limit")
            expectRefused(ForgedHeaders.tiff(width: 10, height: 33000), .sideTooLong,
                          "image is 10×33000, its height 33000 is over the 32768-pixel side limit")
        }

        @Test func customPixelLimitIsHonoured() {
            let limits = ImageLimits(maxPixels: 500_000)
            expectRefused(ForgedHeaders.png(width: 1000, height: 600), .tooManyPixels,
                          "image is 1000×600 (0.6 MP), over the 0.5 MP pixel limit", limits: limits)
        }

        @Test func byteLimitIsCheckedFirst() throws {
            let png = try Codec.encode(TestSupport.gradient(64, 64, bands: 3), format: .png).array
            let limits = ImageLimits(maxEncodedBytes: 100)
            expectRefused(png, .tooManyBytes,
                          "image is \(png.count) bytes, over the 100-byte encoded-size limit",
                          limits: limits)
        }

        @Test func byteLimitMessageUsesMiB() {
            let error = TestSupport.codecError { try ImageLimits.standard.check(encodedBytes: 70_000_000) }
            #expect(error?.code == .tooManyBytes)
            #expect(error?.message == "image is 70000000 bytes (66.8 MiB), over the 64 MiB encoded-size limit")
        }

        @Test func imagesAtTheLimitsAreAccepted() throws {
            #expect(throws: Never.self) { try ImageLimits.standard.check(width: 32768, height: 4577) }
            let header = try Codec.probe(ForgedHeaders.png(width: 12_000, height: 12_000))
            #expect(header.width == 12_000 && header.height == 12_000 && header.bands == 3)
        }
    }
}
