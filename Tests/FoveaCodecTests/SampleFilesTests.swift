import Testing

@testable import FoveaCodec

extension FoveaCodecTests {
    /// The warm-up's embedded files (``SampleFiles``) are what their comment says: 24×16
    /// images of their format, which this libvips decodes (the GIF with an alpha band: its frame
    /// header sets the transparency flag, which makes libvips 8.14 add one).
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

        @Test func warmUpDecodesTheFilesInsteadOfEncodingThem() throws {
            let image = SampleImages.gradient(width: 24, height: 16, bands: 3)
            for format in [ImageFormat.gif, .tiff, .heif] {
                let inputs = try SampleImages.warmUpInputs(for: format).map { ($0.0, try $0.1(image.view)) }
                #expect(inputs.map(\.0) == (format == .heif ? ["heic", "avif"] : [format.rawValue]))
                for (name, bytes) in inputs {
                    #expect(bytes == Self.files[name]?.0, "\(name) is the embedded file, not a new encode")
                }
            }
        }
    }
}
