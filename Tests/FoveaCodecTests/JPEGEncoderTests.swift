import FoveaKernels
import Foundation
import Testing

@_spi(Benchmarks) @testable import FoveaCodec

extension FoveaCodecTests {
    /// JPEG goes through libjpeg-turbo directly (CJPEG) instead of libvips's jpegsave. The
    /// oracle is libvips's own encoder at the same settings (quality, 4:4:4, baseline, standard
    /// Huffman tables, restart interval, metadata stripped): the files must be the same bytes,
    /// which is stricter than the ±1 per decoded sample the change was allowed; Pillow decodes
    /// both to check what a Python agent sees.
    @Suite struct JPEGEncoderTests {
        init() throws { try TestSupport.start() }

        static let qualities = [1, 5, 25, 50, 75, 90, 95, 100]

        /// Noise over a gradient, and alpha sweeping every value 0…255 (flattening's edge cases).
        static func image(_ width: Int, _ height: Int, bands: Int) -> PixelBuffer {
            let image = JPEGStripTests.noisy(width, height, bands: bands)
            if bands == 2 || bands == 4 {
                for y in 0..<height {
                    let row = image.mutableView.row(y)
                    for x in 0..<width { row[x * bands + bands - 1] = UInt8((x + 3 * y) % 256) }
                }
            }
            return image
        }

        static func libjpeg(_ view: ImageView, quality: Int, restarts: Bool) throws -> [UInt8] {
            try Codec.encodeJPEG(view, quality: quality, restartInterval: restarts ? JPEGStrips.rowRestartInterval(view) : 0).array
        }

        static func vips(_ view: ImageView, quality: Int, restarts: Bool) throws -> [UInt8] {
            try Codec.encodeJPEGWithVips(view, quality: quality, restartInterval: restarts ? JPEGStrips.rowRestartInterval(view) : 0).array
        }

        @Test(arguments: [1, 2, 3, 4])
        func everyQualityGivesTheBytesLibvipsWrites(bands: Int) throws {
            // 992×736: a zoom's usual output; 333×201 and 17×9: partial MCUs; 1×1: the least.
            for (width, height) in [(992, 736), (333, 201), (17, 9), (1, 1)] {
                let image = Self.image(width, height, bands: bands)
                try withExtendedLifetime(image) {
                    for quality in Self.qualities {
                        for restarts in [false, true] {
                            let ours = try Self.libjpeg(image.view, quality: quality, restarts: restarts)
                            let theirs = try Self.vips(image.view, quality: quality, restarts: restarts)
                            #expect(ours == theirs, "\(width)×\(height)×\(bands) q\(quality) restarts \(restarts): \(ours.count) against \(theirs.count) bytes")
                        }
                    }
                }
            }
        }

        @Test func theSettingsAreTodaysBaselineWithStandardTablesAndNoMetadata() throws {
            let image = Self.image(64, 48, bands: 3)
            let bytes = try withExtendedLifetime(image) { try Codec.encode(image.view, format: .jpeg).array }
            let markers = Self.markers(bytes)
            #expect(markers.contains(0xC0), "baseline SOF0")
            #expect(!markers.contains(0xC2), "not progressive")
            #expect(!markers.contains { (0xE0...0xEF).contains($0) }, "no JFIF, EXIF or other APPn")
            // Standard tables: 4 DHT tables of the sizes in the JPEG standard's Annex K.
            #expect(Self.huffmanTableSizes(bytes) == [29, 179, 29, 179])
            // 4:4:4: every component sampled 1×1.
            #expect(Self.samplingFactors(bytes) == [0x11, 0x11, 0x11])
            #expect(!EncodeSettings.jpegOptimizeCoding)
        }

        @Test func stridedAndCroppedViewsEncodeLikeTheirPackedCopies() throws {
            let image = Self.image(300, 200, bands: 4)
            try withExtendedLifetime(image) {
                let crop = image.view.cropped(to: PixelRect(x: 37, y: 11, width: 129, height: 97))
                let packed = PixelBuffer.copy(of: crop)
                let fromCrop = try Self.libjpeg(crop, quality: 90, restarts: false)
                let fromPacked = try withExtendedLifetime(packed) { try Self.libjpeg(packed.view, quality: 90, restarts: false) }
                #expect(fromCrop == fromPacked)
                #expect(fromCrop == (try Self.vips(crop, quality: 90, restarts: false)))
            }
        }

        @Test func stripsJoinToTheFileLibvipsWritesInOnePass() throws {
            for (width, height, bands, strips) in [(992, 736, 3, 2), (257, 160, 1, 7), (100, 90, 4, 3)] {
                let image = Self.image(width, height, bands: bands)
                try withExtendedLifetime(image) {
                    let joined = try JPEGStrips.encode(image.view, quality: 95, strips: strips).array
                    #expect(joined == (try Self.vips(image.view, quality: 95, restarts: true)), "\(width)×\(height)×\(bands) in \(strips) strips")
                }
            }
        }

        @Test func libjpegErrorsComeBackAsCodecErrorsWithItsMessage() throws {
            // libjpeg refuses sides over 65500 through error_exit: the longjmp path.
            let wide = PixelBuffer(width: 65_501, height: 1, bands: 3)
            let error = TestSupport.codecError { _ = try withExtendedLifetime(wide) { try Codec.encode(wide.view, format: .jpeg) } }
            #expect(error?.code == .encodeFailed)
            #expect(error?.message.contains("Maximum supported image dimension is 65500 pixels") == true, "\(String(describing: error))")
            // The encoder works as before afterwards.
            let small = Self.image(16, 16, bands: 3)
            #expect(try withExtendedLifetime(small) { try Codec.encode(small.view, format: .jpeg) }.count > 0)
        }

        @Test func largeOutputsGrowTheBufferAndStayExact() throws {
            // Quality 100 on noise is larger than the first buffer (a quarter of the samples).
            let noise = CorruptInputTests.noise(512, 512)
            try withExtendedLifetime(noise) {
                let ours = try Self.libjpeg(noise.view, quality: 100, restarts: false)
                #expect(ours.count > 512 * 512 * 3 / 4 + 16384)
                #expect(ours == (try Self.vips(noise.view, quality: 100, restarts: false)))
            }
        }

        @Test func pillowDecodesBothEncodersToTheSamePixels() throws {
            var pairs: [(name: String, ours: [UInt8], theirs: [UInt8])] = []
            for bands in 1...4 {
                let image = Self.image(333, 201, bands: bands)
                try withExtendedLifetime(image) {
                    for quality in [10, 75, 95] {
                        pairs.append(("b\(bands)-q\(quality)", try Self.libjpeg(image.view, quality: quality, restarts: true),
                                      try Self.vips(image.view, quality: quality, restarts: true)))
                    }
                }
            }
            let differences = try PillowJPEG.maxDifferences(pairs)
            for pair in pairs {
                let difference = differences[pair.name]
                #expect(difference != nil && difference! <= 1, "\(pair.name): Pillow's decodes differ by \(String(describing: difference))")
            }
        }

        // MARK: - Reading the files

        /// The marker bytes of the header segments, up to SOS.
        static func markers(_ jpeg: [UInt8]) -> [UInt8] {
            var found: [UInt8] = []
            var at = 2
            while at + 4 <= jpeg.count, jpeg[at] == 0xFF {
                found.append(jpeg[at + 1])
                if jpeg[at + 1] == 0xDA { break }
                at += 2 + (Int(jpeg[at + 2]) << 8 | Int(jpeg[at + 3]))
            }
            return found
        }

        static func segments(_ jpeg: [UInt8], _ marker: UInt8) -> [ArraySlice<UInt8>] {
            var found: [ArraySlice<UInt8>] = []
            var at = 2
            while at + 4 <= jpeg.count, jpeg[at] == 0xFF, jpeg[at + 1] != 0xDA {
                let end = at + 2 + (Int(jpeg[at + 2]) << 8 | Int(jpeg[at + 3]))
                if jpeg[at + 1] == marker { found.append(jpeg[(at + 4)..<end]) }
                at = end
            }
            return found
        }

        /// Bytes per Huffman table (class/id byte, 16 counts, the values).
        static func huffmanTableSizes(_ jpeg: [UInt8]) -> [Int] {
            var sizes: [Int] = []
            for segment in segments(jpeg, 0xC4) {
                var at = segment.startIndex
                while at + 17 <= segment.endIndex {
                    let values = segment[(at + 1)..<(at + 17)].reduce(0) { $0 + Int($1) }
                    sizes.append(17 + values)
                    at += 17 + values
                }
            }
            return sizes
        }

        /// Each component's sampling byte in SOF0 (0x11 is 1×1).
        static func samplingFactors(_ jpeg: [UInt8]) -> [UInt8] {
            guard let sof = segments(jpeg, 0xC0).first else { return [] }
            let count = Int(sof[sof.startIndex + 5])
            return (0..<count).map { sof[sof.startIndex + 6 + 3 * $0 + 1] }
        }
    }
}

/// Decodes pairs of JPEGs with the real Pillow in one `python3` process.
enum PillowJPEG {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let script = """
        import sys
        from PIL import Image, ImageChops
        folder = sys.argv[1]
        for name in open(folder + "/names.txt").read().split():
            a = Image.open(f"{folder}/{name}.ours.jpg"); a.load()
            b = Image.open(f"{folder}/{name}.theirs.jpg"); b.load()
            if a.size != b.size or a.mode != b.mode:
                print(name, 256); continue
            extrema = ImageChops.difference(a, b).getextrema()
            if not isinstance(extrema[0], tuple): extrema = [extrema]
            print(name, max(high for low, high in extrema))
        """

    /// The largest per-sample difference between Pillow's decodes of each pair (256 when the
    /// sizes or modes differ).
    static func maxDifferences(_ pairs: [(name: String, ours: [UInt8], theirs: [UInt8])]) throws -> [String: Int] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-jpeg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for pair in pairs {
            try Data(pair.ours).write(to: folder.appendingPathComponent("\(pair.name).ours.jpg"))
            try Data(pair.theirs).write(to: folder.appendingPathComponent("\(pair.name).theirs.jpg"))
        }
        try pairs.map(\.name).joined(separator: "\n").write(to: folder.appendingPathComponent("names.txt"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, folder.path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "python3 failed: " + String(decoding: message, as: UTF8.self))
        }
        var result: [String: Int] = [:]
        for line in String(decoding: text, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Int(parts[1]) { result[String(parts[0])] = value }
        }
        return result
    }
}
