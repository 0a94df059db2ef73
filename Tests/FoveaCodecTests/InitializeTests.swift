import Foundation
import Testing

@testable import FoveaCodec

extension FoveaCodecTests {
    /// Start-up: idempotent, validated, and warm-up covers every allowed format.
    @Suite struct InitializeTests {
        @Test func initializeIsIdempotent() throws {
            try Codec.initialize()
            try Codec.initialize(concurrency: 1)
            #expect(Codec.isInitialized)
            #expect(Codec.vipsVersion.hasPrefix("8."))
        }

        @Test func onlyTheHEIFModuleIsLoaded() throws {
            // vips_init alone maps vips-magick, vips-poppler, vips-openslide and vips-jxl with
            // their libraries; Codec loads vips-heif only (and HEIF decodes: the warm-up test).
            try Codec.initialize()
            // Read to the end: String(contentsOfFile:) stops after procfs's first page.
            let file = try #require(FileHandle(forReadingAtPath: "/proc/self/maps"))
            let maps = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
            let modules = Set(maps.split(separator: "\n").compactMap { line -> String? in
                guard let path = line.split(separator: " ").last, path.contains("/vips-modules-") else { return nil }
                return String(path.split(separator: "/").last!)
            })
            #expect(modules == ["vips-heif.so"], "\(modules)")
            #expect(!maps.contains("libMagickCore") && !maps.contains("libpoppler") && !maps.contains("libjxl"))
        }

        @Test func vectorizationIsOffUnlessAskedFor() throws {
            // ORC would write generated code through a temporary file: never in a worker.
            try Codec.initialize()
            #expect(!Codec.isVectorized)
            try Codec.initialize(vectorize: true)
            #expect(Codec.isVectorized)
            try Codec.initialize()
            #expect(!Codec.isVectorized)
        }

        @Test func concurrencyMustBePositive() {
            let error = TestSupport.codecError { try Codec.initialize(concurrency: 0) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message == "concurrency 0 is invalid: it must be at least 1")
        }

        @Test func warmUpRoundTripsEveryAllowedFormat() throws {
            try Codec.initialize()
            let report = try Codec.warmUp()
            #expect(report.warmed == ImageFormat.allCases, "\(report)")
            #expect(report.failed.isEmpty, "\(report)")
            #expect(report.paths == ["jpeg rgba", "webp rgba", "raw", "16-bit", "grey+alpha"])
        }

        @Test func warningsReachTheHandler() throws {
            // A HEIF from libheif carries an nclx colour profile libvips 8.14 warns about.
            final class Box: @unchecked Sendable { var lines: [String] = [] }
            let box = Box()
            try Codec.initialize(warningHandler: { box.lines.append($0) })
            defer { try? Codec.initialize(warningHandler: nil) }
            let heif = try TestSupport.heif(TestSupport.gradient(16, 16, bands: 3), av1: true)
            _ = try Codec.decode(heif)
            #expect(box.lines.contains { $0.hasPrefix("VIPS: ") }, "\(box.lines)")
        }
    }
}
