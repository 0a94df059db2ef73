import CVips
import FoveaKernels
import Testing

@testable import FoveaCodec

extension FoveaCodecTests {
    /// Only JPEG, PNG, WebP, GIF, TIFF and HEIF/AVIF decode; everything else is refused by name,
    /// and libvips itself refuses to run any other loader.
    @Suite struct BlockedFormatTests {
        init() throws { try TestSupport.start() }

        static let allowed = "allowed formats: JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF"

        static let samples: [(String, [UInt8])] = [
            ("PPM (Netpbm pixmap)", Array("P6\n2 2\n255\n".utf8) + [UInt8](repeating: 128, count: 12)),
            ("PGM (Netpbm greymap)", Array("P5\n2 2\n255\n".utf8) + [1, 2, 3, 4]),
            ("SVG", Array("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"9\" height=\"9\"/>".utf8)),
            ("SVG", Array("  <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"9\" height=\"9\"></svg>".utf8)),
            ("PDF", Array("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".utf8)),
            ("vips native (.v)", [0x08, 0xF2, 0xA6, 0xB6] + [UInt8](repeating: 0, count: 60)),
            ("BMP", Array("BM".utf8) + [UInt8](repeating: 0, count: 60)),
            ("JPEG 2000", [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A]),
            ("JPEG XL", [0xFF, 0x0A, 0xFA, 0x1F]),
            ("ISO media file (brand \"qt  \")", [0, 0, 0, 0x14] + Array("ftypqt  ".utf8) + [0, 0, 0, 0]),
        ]

        @Test func refusedFormatsAreNamedWithTheAllowedList() {
            for (name, bytes) in Self.samples {
                let error = TestSupport.codecError { _ = try Codec.decode(bytes) }
                #expect(error?.code == .unsupportedFormat, "\(name)")
                #expect(error?.message == "image format \(name) is not allowed; \(Self.allowed)")
            }
        }

        @Test func unknownBytesAreShownInHex() {
            let error = TestSupport.codecError { _ = try Codec.probe(Array("hello, world".utf8)) }
            #expect(error?.code == .unsupportedFormat)
            #expect(error?.message == "image format not recognised (first bytes 68 65 6C 6C 6F 2C 20 77); \(Self.allowed)")
        }

        @Test func libvipsRefusesBlockedLoadersEvenWhenCalledDirectly() {
            // Defence in depth: even if the sniffer were fooled, initialize() blocked these.
            // (Not a complete barrier in libvips 8.14: pdfload_buffer and heifload_buffer parse
            // their input in their own build step before the block is checked. Codec only ever
            // names the loader of a sniffed, allowed format, so neither path is reachable.)
            let junk = Array("P6\n2 2\n255\n junk junk junk junk junk junk".utf8)
            for loader in ["svgload_buffer", "magickload_buffer", "jp2kload_buffer", "jxlload_buffer", "radload_buffer"] {
                junk.withUnsafeBytes { raw in
                    var out: UnsafeMutablePointer<VipsImage>?
                    let status = fovea_vips_load_buffer(loader, raw.baseAddress, raw.count, VIPS_ACCESS_SEQUENTIAL, VIPS_FAIL_ON_ERROR, 1, 1, &out)
                    let detail = VipsErrorBuffer.take() ?? ""
                    #expect(status != 0, "\(loader) ran")
                    // Blocked, or (for a module libvips did not load in this process) absent: it cannot run.
                    #expect(detail.contains("\(loader): operation is blocked") || detail.contains("\"\(loader)\" not found"),
                            "\(loader): \(detail)")
                    if let out { g_object_unref(out) }
                }
            }
        }

        @Test func allowedLoadersAreTheBufferLoadersOf814() {
            #expect(Codec.allowedLoaderClasses == [
                "VipsForeignLoadJpegBuffer", "VipsForeignLoadPngBuffer", "VipsForeignLoadWebpBuffer",
                "VipsForeignLoadNsgifBuffer", "VipsForeignLoadTiffBuffer", "VipsForeignLoadHeifBuffer",
            ])
        }
    }
}
