import CJPEG
import FoveaKernels
import Foundation
import Testing

@_spi(Benchmarks) @testable import FoveaCodec

extension FoveaCodecTests {
    /// The encoder converts colour to YCbCr itself and hands libjpeg padded planes
    /// (`jpeg_write_raw_data`) instead of letting libjpeg convert and pad: the same file either
    /// way. Oracles: jccolor.c's formula restated here, for every one of the 2^24 colours, and
    /// the file libjpeg writes when it converts (``JPEGColourConversion/libjpeg``), byte for byte,
    /// over sizes with every partial block and every AVX-512 tail length. (`JPEGEncoderTests`
    /// compares the automatic choice with libvips's encoder as well.)
    @Suite struct JPEGColourConversionTests {
        init() throws { try TestSupport.start() }

        /// Fovea's own conversions this CPU runs (the scalar one everywhere, AVX-512 where present).
        static let ours = JPEGColourConversion.available.filter { $0 == .scalar || $0 == .avx512 }

        /// jccolor.c's rgb_ycc_convert with SCALEBITS 16: FIX(x) rounds x · 65536.
        static func reference(_ r: Int, _ g: Int, _ b: Int) -> (UInt8, UInt8, UInt8) {
            let y = (19595 * r + 38470 * g + 7471 * b + 32768) >> 16
            let cb = (-11059 * r - 21709 * g + 32768 * b + (128 << 16) + 32767) >> 16
            let cr = (32768 * r - 27439 * g - 5329 * b + (128 << 16) + 32767) >> 16
            return (UInt8(y), UInt8(cb), UInt8(cr))
        }

        @Test func everyColourConvertsAsLibjpegsFormulaSays() throws {
            #expect(Self.ours.contains(.scalar))
            // One row per (r, g) with all 256 blues, converted whole and again from its second
            // pixel (255 pixels: the input one pixel off, and AVX-512's masked tail of 15).
            var rgb = [UInt8](repeating: 0, count: 256 * 3)
            var y = [UInt8](repeating: 0, count: 256), cb = y, cr = y
            var expected = [[UInt8]](repeating: [UInt8](repeating: 0, count: 256), count: 3)
            var mismatches: [String] = []
            for r in 0..<256 {
                for g in 0..<256 {
                    for b in 0..<256 {
                        rgb[3 * b] = UInt8(r); rgb[3 * b + 1] = UInt8(g); rgb[3 * b + 2] = UInt8(b)
                        (expected[0][b], expected[1][b], expected[2][b]) = Self.reference(r, g, b)
                    }
                    for conversion in Self.ours {
                        for start in [0, 1] {
                            let width = 256 - start
                            let status = rgb.withUnsafeBufferPointer { rgb in
                                fovea_jpeg_convert_row(conversion.cValue, rgb.baseAddress! + 3 * start, Int32(width), &y, &cb, &cr)
                            }
                            if status != 0 { mismatches.append("\(conversion) refused a row") }
                            let planes = [y, cb, cr]
                            for plane in 0..<3 where planes[plane][0..<width] != expected[plane][start...] {
                                mismatches.append("\(conversion) r \(r) g \(g) from blue \(start), plane \(plane)")
                            }
                        }
                    }
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.count) rows differ, first: \(mismatches.prefix(3))")
        }

        @Test func conversionsTheCPULacksOrThatAreNotFoveasAreRefused() {
            var rgb = [UInt8](repeating: 0, count: 48)
            var y = [UInt8](repeating: 0, count: 16), cb = y, cr = y
            for conversion in JPEGColourConversion.allCases where !Self.ours.contains(conversion) {
                #expect(fovea_jpeg_convert_row(conversion.cValue, &rgb, 16, &y, &cb, &cr) == -1, "\(conversion)")
            }
            for conversion in JPEGColourConversion.allCases where !conversion.isAvailable {
                let image = JPEGEncoderTests.image(16, 16, bands: 3)
                let error = TestSupport.codecError {
                    _ = try withExtendedLifetime(image) {
                        try Codec.encodeJPEG(image.view, quality: 95, restartInterval: 0, conversion: conversion)
                    }
                }
                #expect(error?.message.contains("not available on this CPU") == true, "\(String(describing: error))")
            }
        }

        /// Each of Fovea's conversions (and the automatic choice) against libjpeg converting,
        /// libjpeg coding in both (`JPEGCoderTests` compares the coders).
        static func expectSameFile(_ view: ImageView, quality: Int, restartInterval: Int, _ label: String) throws {
            let theirs = try Codec.encodeJPEG(view, quality: quality, restartInterval: restartInterval, conversion: .libjpeg).array
            for conversion in Self.ours + [.automatic] {
                let ours = try Codec.encodeJPEG(view, quality: quality, restartInterval: restartInterval, conversion: conversion,
                                                coder: .libjpeg).array
                let same = ours == theirs  // not inside #expect, which would print both files
                #expect(same, "\(label) q\(quality) restarts \(restartInterval), \(conversion): \(ours.count) against \(theirs.count) bytes")
            }
        }

        @Test(arguments: [3, 4])
        func everyPartialBlockAndTailGivesTheFileLibjpegWrites(bands: Int) throws {
            // Widths 1…40 cover every partial block (width mod 8) and AVX-512 tail (mod 16);
            // heights every partial row of blocks, with one or more rows of blocks above it.
            for width in 1...40 {
                for height in [1, 7, 8, 9, 17] {
                    let image = JPEGEncoderTests.image(width, height, bands: bands)
                    try withExtendedLifetime(image) {
                        try Self.expectSameFile(image.view, quality: [50, 95, 100][width % 3], restartInterval: width % 2,
                                                "\(width)×\(height)×\(bands)")
                    }
                }
            }
        }

        @Test func zoomSizedStridedAndFlatColourImagesGiveTheFileLibjpegWrites() throws {
            let zoom = JPEGEncoderTests.image(992, 736, bands: 3)
            try withExtendedLifetime(zoom) {
                for quality in [1, 75, 95, 100] {
                    try Self.expectSameFile(zoom.view, quality: quality, restartInterval: quality == 95 ? 124 : 0, "992×736")
                }
                // A view into a larger image: rows `rowBytes` apart, not `width · 3`.
                let crop = zoom.view.cropped(to: PixelRect(x: 333, y: 17, width: 301, height: 203))
                try Self.expectSameFile(crop, quality: 95, restartInterval: 0, "a 301×203 crop")
            }
            // The extremes of each plane: black, white, pure primaries and greys side by side.
            let flat = PixelBuffer(width: 48, height: 24, bands: 3)
            let colours: [[UInt8]] = [[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 255, 0], [0, 0, 255], [128, 128, 128]]
            for y in 0..<24 {
                let row = flat.mutableView.row(y)
                for x in 0..<48 { for c in 0..<3 { row[3 * x + c] = colours[(x / 8 + y / 8) % colours.count][c] } }
            }
            try withExtendedLifetime(flat) { try Self.expectSameFile(flat.view, quality: 95, restartInterval: 0, "flat colours") }
        }

        @Test func greyImagesAreNotConverted() throws {
            // One component: libjpeg takes the rows as they are, whichever conversion is asked for.
            for bands in [1, 2] {
                let image = JPEGEncoderTests.image(37, 21, bands: bands)
                try withExtendedLifetime(image) { try Self.expectSameFile(image.view, quality: 95, restartInterval: 0, "grey \(bands) bands") }
            }
        }
    }
}
