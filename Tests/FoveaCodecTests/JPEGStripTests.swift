import CVips
import FoveaKernels
import Testing

@_spi(Benchmarks) @testable import FoveaCodec

extension FoveaCodecTests {
    /// JPEG encoded as strips on several threads and joined must be the very file libjpeg
    /// writes in one pass with a restart marker after every MCU row.
    @Suite struct JPEGStripTests {
        init() throws { try TestSupport.start() }

        /// Noisy gradient: real entropy, so 0xFF bytes (stuffed) occur inside the scan.
        static func noisy(_ width: Int, _ height: Int, bands: Int) -> PixelBuffer {
            let image = TestSupport.gradient(width, height, bands: bands)
            var state: UInt32 = 2_463_534_242
            for y in 0..<height {
                let row = image.mutableView.row(y)
                for i in 0..<(width * bands) {
                    state ^= state << 13; state ^= state >> 17; state ^= state << 5
                    row[i] = row[i] &+ UInt8(truncatingIfNeeded: state & 0x3F)
                }
            }
            return image
        }

        static func onePass(_ image: PixelBuffer, quality: Int) throws -> [UInt8] {
            try withExtendedLifetime(image) {
                try Codec.encodeJPEG(image.view, quality: quality, restartInterval: (image.width + 7) / 8).array
            }
        }

        @Test(arguments: [
            (width: 992, height: 736, bands: 3, strips: 2),
            (width: 333, height: 201, bands: 3, strips: 3),  // partial MCUs on both axes
            (width: 640, height: 8 * 17, bands: 1, strips: 2),  // 17 MCU rows: 8 + 9
            (width: 257, height: 8 * 20, bands: 3, strips: 7),  // 20 rows: marker numbers wrap
            (width: 100, height: 90, bands: 4, strips: 2),  // alpha flattened per strip
        ])
        func stripsJoinToTheOnePassFile(width: Int, height: Int, bands: Int, strips: Int) throws {
            let image = Self.noisy(width, height, bands: bands)
            let joined = try withExtendedLifetime(image) {
                try JPEGStrips.encode(image.view, quality: 95, strips: strips).array
            }
            let reference = try Self.onePass(image, quality: 95)
            #expect(joined.count == reference.count, "\(width)×\(height)×\(bands) in \(strips) strips")
            #expect(joined == reference, "\(width)×\(height)×\(bands) in \(strips) strips")
            let decoded = try Codec.decode(joined)
            #expect(decoded.header.width == width && decoded.header.height == height)
        }

        @Test func encodeUsesStripsOnlyWhenThreadsAndSizeAllowAndTheBytesNeverDependOnThreads() throws {
            let large = Self.noisy(992, 736, bands: 3)
            let small = Self.noisy(300, 200, bands: 3)
            #expect(JPEGStrips.stripCount(for: large.view, threads: 2) == 2)
            #expect(JPEGStrips.stripCount(for: large.view, threads: 1) == 1)
            #expect(JPEGStrips.stripCount(for: small.view, threads: 2) == 1)
            #expect(JPEGStrips.restartsEveryRow(large.view) && !JPEGStrips.restartsEveryRow(small.view))
            let tall = PixelBuffer(width: 16, height: 70_000, bands: 1)
            #expect(!JPEGStrips.restartsEveryRow(tall.view), "JPEG heights stop at 65535")
            let threaded = try withExtendedLifetime(large) { try Codec.encode(large.view, format: .jpeg, threads: 2).array }
            #expect(threaded == (try Self.onePass(large, quality: Codec.defaultJPEGQuality)))
            // One thread: the same file, so a result's bytes never depend on free threads.
            let oneThread = try withExtendedLifetime(large) { try Codec.encode(large.view, format: .jpeg).array }
            #expect(oneThread == threaded)
            #expect(Self.hasRestartInterval(threaded))
            // Too small to split: no restart markers.
            let plain = try withExtendedLifetime(small) { try Codec.encode(small.view, format: .jpeg).array }
            #expect(!Self.hasRestartInterval(plain))
        }

        @Test func aFileWithoutAScanIsRefused() throws {
            let bytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xD9]
            #expect(bytes.withUnsafeBytes { JPEGRowRestarts.scanLayout($0) } == nil)
        }

        /// Whether the header holds a DRI segment.
        static func hasRestartInterval(_ jpeg: [UInt8]) -> Bool {
            var at = 2
            while at + 4 <= jpeg.count, jpeg[at] == 0xFF, jpeg[at + 1] != 0xDA {
                if jpeg[at + 1] == 0xDD { return true }
                at += 2 + (Int(jpeg[at + 2]) << 8 | Int(jpeg[at + 3]))
            }
            return false
        }
    }
}
