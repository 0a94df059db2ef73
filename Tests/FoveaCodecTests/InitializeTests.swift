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
            #expect(report.paths == ["jpeg rgba", "webp rgba", "raw", "cmyk", "16-bit", "grey+alpha"])
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
