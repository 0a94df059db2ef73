import FoveaKernels
import Testing

@testable import FoveaCodec

extension FoveaCodecTests {
    /// Decode writes into memory the caller hands in (in the worker: a mapped memfd).
    @Suite struct DecodeIntoCallerMemoryTests {
        init() throws { try TestSupport.start() }

        @Test func decodeFillsAViewWithPaddedRows() throws {
            let image = TestSupport.gradient(37, 150, bands: 3)
            let png = try Codec.encode(image, format: .png).array
            // 128-byte aligned rows, as a memfd-backed buffer might use.
            let rowBytes = (37 * 3 + 127) / 128 * 128
            let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: rowBytes * 150)
            storage.initialize(repeating: 0xEE, count: rowBytes * 150)
            let buffer = PixelBuffer(adopting: storage, layout: PixelLayout(width: 37, height: 150, bands: 3, rowBytes: rowBytes)) { $0.deallocate() }
            var requested: PixelLayout?
            let header = try png.withUnsafeBytes { raw in
                try Codec.decode(raw) { layout in
                    requested = layout
                    return buffer.mutableView
                }
            }
            #expect(requested == PixelLayout(width: 37, height: 150, bands: 3))
            #expect(header.width == 37 && header.height == 150)
            #expect(TestSupport.equal(buffer, image))
            #expect(storage[37 * 3] == 0xEE, "padding was written")
        }

        @Test func aViewOfTheWrongShapeIsRefused() throws {
            let png = try Codec.encode(TestSupport.gradient(8, 4, bands: 3), format: .png).array
            let wrong = PixelBuffer(width: 8, height: 4, bands: 4)
            let error = TestSupport.codecError {
                _ = try png.withUnsafeBytes { raw in try Codec.decode(raw) { _ in wrong.mutableView } }
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message == "decode needs a 8x4x3 view but the allocator returned 8x4x4")
        }

        @Test func allocatorErrorsPropagateUnchanged() throws {
            struct OutOfMemfds: Error {}
            let png = try Codec.encode(TestSupport.gradient(8, 4, bands: 3), format: .png).array
            #expect(throws: OutOfMemfds.self) {
                try png.withUnsafeBytes { raw in try Codec.decode(raw) { _ in throw OutOfMemfds() } }
            }
        }

        @Test func decodingTheSameBytesTwiceGivesTheSamePixels() throws {
            let jpeg = try Codec.encode(TestSupport.gradient(300, 200, bands: 3), format: .jpeg, quality: 80).array
            #expect(TestSupport.equal(try Codec.decode(jpeg).pixels, try Codec.decode(jpeg).pixels))
        }
    }
}
