import FoveaKernels
import Testing

@testable import FoveaCodec

@Test func codecStartsAndRoundTripsPNG() throws {
    try TestSupport.start()
    let image = TestSupport.gradient(5, 3, bands: 3)
    let png = try Codec.encode(image.view, format: .png)
    let decoded = try Codec.decode(png.array)
    #expect(TestSupport.equal(decoded.pixels.view, image.view))
}
