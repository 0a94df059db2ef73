import FoveaKernels
import Testing

@testable import FoveaCodec

extension FoveaCodecTests {
    /// Encoder arguments: quality ranges, formats, and the errors a model can trigger.
    @Suite struct EncodeOptionTests {
        init() throws { try TestSupport.start() }

        @Test(arguments: [0, 101, -5])
        func qualityOutOfRangeIsRefused(quality: Int) throws {
            let image = TestSupport.gradient(4, 4, bands: 3)
            for format in [EncodeFormat.jpeg, .webp] {
                let error = TestSupport.codecError { _ = try Codec.encode(image, format: format, quality: quality) }
                #expect(error?.code == .invalidArgument)
                #expect(error?.message == "quality \(quality) is invalid: it must be 1–100")
            }
        }

        @Test func qualityIsIgnoredForLosslessFormats() throws {
            let image = TestSupport.gradient(4, 4, bands: 3)
            #expect(throws: Never.self) { _ = try Codec.encode(image, format: .png, quality: 500) }
            #expect(throws: Never.self) { _ = try Codec.encode(image, format: .raw, quality: 0) }
        }

        @Test func lowerJPEGQualityGivesFewerBytes() throws {
            let image = CorruptInputTests.noise(64, 64)
            let q95 = try Codec.encode(image, format: .jpeg).count
            let q50 = try Codec.encode(image, format: .jpeg, quality: 50).count
            #expect(q50 < q95)
        }

        @Test func encodedBytesCarryTheirFormat() throws {
            let image = TestSupport.gradient(4, 4, bands: 3)
            let magic: [EncodeFormat: [UInt8]] = [.jpeg: [0xFF, 0xD8, 0xFF], .png: [0x89, 0x50, 0x4E, 0x47], .webp: Array("RIFF".utf8)]
            for (format, prefix) in magic {
                let encoded = try Codec.encode(image, format: format)
                #expect(encoded.format == format)
                #expect(Array(encoded.array.prefix(prefix.count)) == prefix)
            }
            #expect(EncodeFormat.jpeg.mimeType == "image/jpeg" && EncodeFormat.webp.mimeType == "image/webp")
        }
    }
}
