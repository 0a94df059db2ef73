import CJPEG
import FoveaKernels
import Foundation
import Testing

@_spi(Benchmarks) @testable import FoveaCodec

extension FoveaCodecTests {
    /// Fovea's baseline coder (DCT, quantisation, Huffman coding, markers) writes the file
    /// libjpeg-turbo writes from the same planes, byte for byte. Oracle: libjpeg itself
    /// (``JPEGCoder/libjpeg``), over every quality, every band count, every partial block and
    /// row of blocks, restart intervals that fall mid-row, and images chosen for their
    /// coefficients: noise (large values, 0xFF bytes to stuff), flat areas (long zero runs:
    /// ZRL and EOB), hard edges (the largest AC values) and a photo-like zoom. The AVX-512 coder
    /// is also compared with the scalar one. (`JPEGEncoderTests` compares the automatic choice
    /// with libvips's encoder as well.)
    @Suite struct JPEGCoderTests {
        init() throws { try TestSupport.start() }

        /// Fovea's coders this CPU runs (the scalar one everywhere, AVX-512 where present).
        static let ours = JPEGCoder.available.filter { $0 == .scalar || $0 == .avx512 }

        static func expectSameFile(_ view: ImageView, quality: Int, restartInterval: Int, _ label: String) throws {
            let theirs = try Codec.encodeJPEG(view, quality: quality, restartInterval: restartInterval, coder: .libjpeg).array
            for coder in Self.ours + [.automatic] {
                let ours = try Codec.encodeJPEG(view, quality: quality, restartInterval: restartInterval, coder: coder).array
                let same = ours == theirs  // not inside #expect, which would print both files
                let at = zip(ours, theirs).prefix { $0 == $1 }.count
                #expect(same, "\(label) q\(quality) restarts \(restartInterval), \(coder): \(ours.count) against \(theirs.count) bytes, first difference at \(at)")
            }
        }

        /// Samples chosen for their coefficients.
        enum Pattern: CaseIterable {
            /// Independent random samples: large coefficients everywhere, many 0xFF bytes.
            case noise
            /// One value per 16×16 square: zero AC coefficients, DC steps between blocks.
            case flat
            /// Black and white stripes 1–3 pixels wide: the largest AC values.
            case edges
            /// A smooth gradient with a little noise: runs of zeros of every length.
            case smooth
        }

        static func image(_ width: Int, _ height: Int, bands: Int, _ pattern: Pattern) -> PixelBuffer {
            let image = PixelBuffer(width: width, height: height, bands: bands)
            var state: UInt32 = 2_463_534_242
            for y in 0..<height {
                let row = image.mutableView.row(y)
                for x in 0..<width {
                    for c in 0..<bands {
                        state ^= state << 13; state ^= state >> 17; state ^= state << 5
                        let value: Int
                        switch pattern {
                        case .noise: value = Int(state & 0xFF)
                        case .flat: value = ((x / 16) * 73 + (y / 16) * 151 + c * 29) % 256
                        case .edges: value = ((x / (1 + c)) + y / 3) % 2 == 0 ? 0 : 255
                        case .smooth: value = Swift.min(255, (x * 255) / Swift.max(1, width) / 2 + (y * 255) / Swift.max(1, height) / 2 + Int(state & 3))
                        }
                        row[x * bands + c] = UInt8(value)
                    }
                }
            }
            return image
        }

        @Test func everyQualityGivesTheFileLibjpegWrites() throws {
            #expect(Self.ours.contains(.scalar))
            // Quality sets the quantisation tables written in DQT and used to quantise.
            for pattern in Pattern.allCases {
                let image = Self.image(43, 29, bands: 3, pattern)
                try withExtendedLifetime(image) {
                    for quality in 1...100 {
                        try Self.expectSameFile(image.view, quality: quality, restartInterval: 0, "43×29 \(pattern)")
                    }
                }
            }
        }

        @Test(arguments: [1, 2, 3, 4])
        func everyPartialBlockAndRestartIntervalGivesTheFileLibjpegWrites(bands: Int) throws {
            // Widths 1…40: every partial block and every AVX-512 group of four blocks; heights:
            // every partial row of blocks; restart intervals of 1, 3 (mid-row) and one row.
            for width in 1...40 {
                for height in [1, 7, 8, 9, 17] {
                    let pattern = Pattern.allCases[(width + height) % Pattern.allCases.count]
                    let image = Self.image(width, height, bands: bands, pattern)
                    try withExtendedLifetime(image) {
                        let restart = [0, 1, 3, (width + 7) / 8][width % 4]
                        try Self.expectSameFile(image.view, quality: [50, 95, 100, 10][height % 4], restartInterval: restart,
                                                "\(width)×\(height)×\(bands) \(pattern)")
                    }
                }
            }
        }

        @Test(arguments: Pattern.allCases)
        func zoomSizedImagesGiveTheFileLibjpegWrites(pattern: Pattern) throws {
            let zoom = Self.image(992, 736, bands: 3, pattern)
            try withExtendedLifetime(zoom) {
                for quality in [5, 75, 95, 100] {
                    try Self.expectSameFile(zoom.view, quality: quality, restartInterval: quality == 95 ? 124 : 0, "992×736")
                }
                // A view into a larger image: rows `rowBytes` apart, not `width · 3`.
                let crop = zoom.view.cropped(to: PixelRect(x: 333, y: 17, width: 301, height: 203))
                try Self.expectSameFile(crop, quality: 95, restartInterval: 0, "a 301×203 crop")
            }
        }

        @Test func aPhotoLikeZoomAndStripsGiveTheFileLibjpegWrites() throws {
            // The noisy gradient the encoder and strip tests use, grey and colour.
            for bands in [1, 3] {
                let image = JPEGEncoderTests.image(992, 736, bands: bands)
                try withExtendedLifetime(image) {
                    try Self.expectSameFile(image.view, quality: 95, restartInterval: 0, "photo-like \(bands) bands")
                    try Self.expectSameFile(image.view, quality: 95, restartInterval: 124, "photo-like \(bands) bands")
                }
            }
        }

        @Test func theWidestAndTallestImagesGiveTheFileLibjpegWrites() throws {
            // JPEG's largest side (65500) at q100 on noise with a restart marker after every MCU:
            // the most coded bytes and markers per row of blocks that the coder's buffers hold.
            for (width, height) in [(65_500, 9), (9, 65_500)] {
                for bands in [1, 3] {
                    let image = Self.image(width, height, bands: bands, .noise)
                    try withExtendedLifetime(image) {
                        try Self.expectSameFile(image.view, quality: 100, restartInterval: 1, "\(width)×\(height)×\(bands)")
                    }
                }
            }
        }

        @Test func optimisedOrProgressiveFilesAndMissingInstructionsAreRefusedByFoveasCoder() throws {
            let pixels = Self.image(16, 16, bands: 3, .noise)
            var output: UnsafeMutablePointer<UInt8>?
            var length = 0
            var message = [CChar](repeating: 0, count: Int(FOVEA_JPEG_MESSAGE_CAPACITY))
            func encode(_ settings: fovea_jpeg_settings) -> (Int32, String) {
                let status = fovea_jpeg_encode(pixels.view.base, pixels.view.rowBytes, 16, 16, 3, settings, &output, &length, &message)
                if status == 0 { free(output) }
                return (status, String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            for coder in Self.ours {
                for (optimize, progressive) in [(Int32(1), Int32(0)), (0, 1)] {
                    let (status, text) = encode(fovea_jpeg_settings(quality: 95, restart_interval: 0, optimize_coding: optimize,
                                                                    progressive: progressive, conversion: FOVEA_JPEG_CONVERT_AUTOMATIC,
                                                                    coder: coder.cValue))
                    #expect(status == -1 && text.contains("baseline files with standard tables only"), "\(coder): \(text)")
                }
                let (status, text) = encode(fovea_jpeg_settings(quality: 95, restart_interval: 0, optimize_coding: 0, progressive: 0,
                                                                conversion: FOVEA_JPEG_CONVERT_LIBJPEG, coder: coder.cValue))
                #expect(status == -1 && text.contains("libjpeg's conversion"), "\(coder): \(text)")
            }
            // The automatic choice hands those to libjpeg, which writes them.
            let (status, _) = encode(fovea_jpeg_settings(quality: 95, restart_interval: 0, optimize_coding: 0, progressive: 1,
                                                         conversion: FOVEA_JPEG_CONVERT_AUTOMATIC, coder: FOVEA_JPEG_CODER_AUTOMATIC))
            #expect(status == 0)
            for coder in JPEGCoder.allCases where !coder.isAvailable {
                let error = TestSupport.codecError {
                    _ = try withExtendedLifetime(pixels) { try Codec.encodeJPEG(pixels.view, quality: 95, restartInterval: 0, coder: coder) }
                }
                #expect(error?.message.contains("not available on this CPU") == true, "\(String(describing: error))")
            }
        }
    }
}
