import Testing

@testable import FoveaCodec

extension FoveaCodecTests {
    /// The warm-up's embedded files (``SampleFiles``) are what their comment says: 24×16
    /// images of their format, which this libvips decodes (GIF with an alpha band, as libvips
    /// loads every GIF).
    @Suite struct SampleFilesTests {
        static let files = ["gif": (SampleFiles.gif, ImageFormat.gif, 4), "tiff": (SampleFiles.tiff, .tiff, 3),
                            "heic": (SampleFiles.heic, .heif, 3), "avif": (SampleFiles.avif, .heif, 3)]

        @Test(arguments: ["gif", "tiff", "heic", "avif"])
        func decodesToItsSize(name: String) throws {
            try Codec.initialize()
            let (bytes, format, bands) = try #require(Self.files[name])
            let decoded = try Codec.decode(bytes)
            #expect(decoded.header.format == format)
            #expect(decoded.pixels.width == 24 && decoded.pixels.height == 16)
            #expect(decoded.pixels.bands == bands)
        }

        @Test func warmUpDecodesTheFilesInsteadOfEncodingThem() {
            for format in [ImageFormat.gif, .tiff, .heif] {
                let names = SampleImages.warmUpInputs(for: format).map(\.0)
                #expect(names == (format == .heif ? ["heic", "avif"] : [format.rawValue]))
            }
        }
    }
}
