import CVips
import FoveaKernels
import Testing

@testable import FoveaCodec

extension FoveaCodecTests {
    /// EXIF orientation is applied on decode, matching libvips's own `vips_autorot`.
    @Suite struct OrientationTests {
        init() throws { try TestSupport.start() }

        /// Where stored pixel (x, y) of a W×H image lands for each tag (the EXIF definition).
        static func destination(tag: Int, x: Int, y: Int, w: Int, h: Int) -> (Int, Int) {
            switch tag {
            case 2: (w - 1 - x, y)
            case 3: (w - 1 - x, h - 1 - y)
            case 4: (x, h - 1 - y)
            case 5: (y, x)
            case 6: (h - 1 - y, x)
            case 7: (h - 1 - y, w - 1 - x)
            case 8: (y, w - 1 - x)
            default: (x, y)
            }
        }

        @Test(arguments: 1...8, [1, 3, 4])
        func tiffOrientationIsAppliedExactly(tag: Int, bands: Int) throws {
            // 300 rows: several strips whether decode pulls 64 rows (upright) or 256 rows
            // (transposing orientations), so strip boundaries are crossed.
            let (w, h) = (23, 300)
            let stored = TestSupport.gradient(w, h, bands: bands)
            let bytes = try TestSupport.tiff(stored, orientation: tag)
            let decoded = try Codec.decode(bytes)
            #expect(decoded.header.orientation == tag)
            let swapped = tag >= 5
            #expect(decoded.header.width == (swapped ? h : w) && decoded.header.height == (swapped ? w : h))
            var mismatches = 0
            for y in 0..<h {
                for x in 0..<w {
                    let (ox, oy) = Self.destination(tag: tag, x: x, y: y, w: w, h: h)
                    if TestSupport.pixel(decoded.pixels, ox, oy) != TestSupport.pixel(stored, x, y) { mismatches += 1 }
                }
            }
            #expect(mismatches == 0)
            #expect(TestSupport.equal(decoded.pixels, try vipsAutorot(bytes)), "differs from vips_autorot")
        }

        @Test func jpegOrientation6SwapsSidesAndTurnsClockwise() throws {
            // Stored 40×24, top-left quadrant red, everything else blue. Turned 90° clockwise, the
            // red corner is top-right of a 24×40 image.
            let stored = TestSupport.solid(40, 24, [0, 0, 255])
            for y in 0..<12 { for x in 0..<20 { stored.mutableView.row(y).advanced(by: x * 3).update(from: [255, 0, 0], count: 3) } }
            let jpeg = try TestSupport.jpeg(stored, orientation: 6)
            let header = try Codec.probe(jpeg)
            #expect(header.orientation == 6)
            #expect(header.width == 24 && header.height == 40)
            let decoded = try Codec.decode(jpeg)
            let topRight = TestSupport.pixel(decoded.pixels, 23, 0)
            let topLeft = TestSupport.pixel(decoded.pixels, 0, 0)
            #expect(topRight[0] > 240 && topRight[2] < 15, "top-right is \(topRight)")
            #expect(topLeft[0] < 15 && topLeft[2] > 240, "top-left is \(topLeft)")
            #expect(TestSupport.equal(decoded.pixels, try vipsAutorot(jpeg)))
        }

        @Test(arguments: [1, 3, 6])
        func progressReportsFinishedRows(tag: Int) throws {
            let stored = TestSupport.gradient(10, 200, bands: 3)
            let bytes = try TestSupport.tiff(stored, orientation: tag)
            var reports: [Range<Int>] = []
            let decoded = try Codec.decode(bytes)
            _ = try bytes.withUnsafeBytes { raw in
                try Codec.decode(raw, progress: { reports.append($0) }) { _ in decoded.pixels.mutableView }
            }
            let height = decoded.header.height
            #expect(reports.last == 0..<height)
            switch tag {
            case 1: #expect(reports.map(\.lowerBound).allSatisfy { $0 == 0 } && reports.count > 1)
            case 3: #expect(reports.map(\.upperBound).allSatisfy { $0 == height } && reports.count > 1)
            default: #expect(reports.count == 1)
            }
            #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.count < $1.count })
        }

        /// libvips's own answer: random-access load, `vips_autorot`, render.
        func vipsAutorot(_ bytes: [UInt8]) throws -> PixelBuffer {
            try bytes.withUnsafeBytes { raw in
                let format = try #require({ if case .allowed(let f) = FormatSniffer.kind(of: raw) { f } else { nil } }())
                var out: UnsafeMutablePointer<VipsImage>?
                #expect(fovea_vips_load_buffer(format.loaderNickname, raw.baseAddress, raw.count, VIPS_ACCESS_RANDOM, VIPS_FAIL_ON_ERROR, 1, 1, &out) == 0)
                let loaded = VipsImageRef(try #require(out))
                let turned = try loaded.apply(.corrupt, "autorot") { fovea_vips_autorot($0, $1) }
                var size = 0
                let memory = try #require(vips_image_write_to_memory(turned.pointer, &size))
                return PixelBuffer(adopting: memory.assumingMemoryBound(to: UInt8.self),
                                   layout: PixelLayout(width: turned.width, height: turned.height, bands: turned.bands)) { g_free($0) }
            }
        }
    }
}
