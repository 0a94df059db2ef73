import CVips
import FoveaKernels
import Testing

@testable import FoveaCodec

extension FoveaCodecTests {
    /// Truncated or damaged files throw `corrupt` with the format named; they never crash and
    /// never come back as a half-grey image.
    @Suite struct CorruptInputTests {
        init() throws { try TestSupport.start() }

        /// A noisy image, so every format's encoded size grows with the data (no tiny files).
        static func noise(_ w: Int, _ h: Int) -> PixelBuffer {
            let buffer = PixelBuffer(width: w, height: h, bands: 3)
            var state: UInt32 = 12345
            for y in 0..<h { for i in 0..<(w * 3) {
                state = state &* 1_664_525 &+ 1_013_904_223
                buffer.mutableView.row(y)[i] = UInt8(truncatingIfNeeded: state >> 24)
            } }
            return buffer
        }

        static func encoded(_ format: ImageFormat) throws -> [UInt8] {
            let image = noise(96, 80)
            return switch format {
            case .jpeg: try Codec.encode(image, format: .jpeg).array
            case .png: try Codec.encode(image, format: .png).array
            case .webp: try Codec.encode(image, format: .webp).array
            case .gif: try TestSupport.gif(image)
            case .tiff: try TestSupport.tiff(image)
            case .heif: try TestSupport.heif(image, av1: false)
            }
        }

        @Test(arguments: ImageFormat.allCases)
        func truncatedFileThrowsCorrupt(format: ImageFormat) throws {
            let whole = try Self.encoded(format)
            for fraction in [0.2, 0.5, 0.9] {
                let cut = Array(whole.prefix(Int(Double(whole.count) * fraction)))
                let error = TestSupport.codecError { _ = try Codec.decode(cut) }
                #expect(error?.code == .corrupt, "\(format) cut to \(cut.count) of \(whole.count): \(String(describing: error))")
                #expect(error?.message.hasPrefix(format.displayName) == true)
                #expect(error?.message.contains("truncated or corrupt") == true)
            }
        }

        @Test func truncatedJPEGNamesTheRowWhereDecodingFailed() throws {
            let whole = try Self.encoded(.jpeg)
            let cut = Array(whole.prefix(whole.count * 2 / 3))
            #expect(try Codec.probe(cut).width == 96)  // the header is intact
            let error = try #require(TestSupport.codecError { _ = try Codec.decode(cut) })
            #expect(error.code == .corrupt)
            #expect(error.message.hasPrefix("JPEG data is truncated or corrupt (decoding failed in rows 0–"))
            #expect(error.message.contains("(libvips: VipsJpeg: Premature end of input file)"))
            #expect(error.vipsDetail?.isEmpty == false)
        }

        @Test func tiffWithMissingStripDataThrowsCorrupt() throws {
            // A valid IFD whose only strip should hold 400 bytes but the file has 16.
            let tiff = ForgedHeaders.tiff(width: 20, height: 20)
            #expect(try Codec.probe(tiff).width == 20)
            let error = TestSupport.codecError { _ = try Codec.decode(tiff) }
            #expect(error?.code == .corrupt)
            #expect(error?.message.hasPrefix("TIFF data is truncated or corrupt (decoding failed in rows 0–19 of 20)") == true)
        }

        @Test func damagedPNGDataThrowsCorrupt() throws {
            var png = try Self.encoded(.png)
            for i in stride(from: 100, to: png.count - 20, by: 7) { png[i] ^= 0x5A }  // IDAT bytes, CRCs now wrong
            let error = TestSupport.codecError { _ = try Codec.decode(png) }
            #expect(error?.code == .corrupt)
        }

        @Test func magicAloneThrowsCorrupt() {
            for (format, magic) in [(ImageFormat.jpeg, [0xFF, 0xD8, 0xFF] as [UInt8]), (.png, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
                                    (.gif, Array("GIF89a".utf8)), (.tiff, [0x49, 0x49, 0x2A, 0x00])] {
                let error = TestSupport.codecError { _ = try Codec.probe(magic) }
                #expect(error?.code == .corrupt)
                #expect(error?.message.hasPrefix("\(format.displayName) header could not be read: the data is truncated or corrupt") == true)
            }
        }

        @Test func emptyInputIsCorrupt() {
            let error = TestSupport.codecError { _ = try Codec.probe([UInt8]()) }
            #expect(error?.code == .corrupt)
            #expect(error?.message == "image data is empty (0 bytes)")
        }
    }
}
