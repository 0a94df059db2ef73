import Testing
@testable import FoveaKernels

struct FlipTests {
    /// Widths around the kernels' 16-byte and 4-pixel steps and the 3-band end cases (1, 2, 3
    /// pixels use the byte-by-byte ends only).
    static let sizes: [(Int, Int)] = [
        (1, 1), (2, 1), (3, 2), (4, 3), (5, 5), (15, 2), (16, 3), (17, 4), (33, 7), (64, 5), (131, 9),
    ]

    @Test(arguments: FlipAxis.allCases, [1, 3, 4])
    func flipMirrorsEveryPixelFromStridedViewsWithoutTouchingNeighbours(axis: FlipAxis, bands: Int) {
        for (width, height) in Self.sizes {
            let pixels = TestImages.pixels(.noise, width: width, height: height, bands: bands, seed: 4)
            let expected = TransposeReference.flipped(pixels, width: width, height: height, bands: bands, axis)
            let label = "\(axis) \(width)x\(height)x\(bands)"

            let packed = TestImages.buffer(pixels, width: width, height: height, bands: bands)
            #expect(flip(packed.view, axis).packedBytes() == expected, "\(label) packed")

            let (parent, strided) = TestImages.stridedView(pixels, width: width, height: height, bands: bands)
            let out = GuardedDestination(width: width, height: height, bands: bands)
            flip(strided, axis, into: out.view)
            withExtendedLifetime(parent) {
                #expect(out.pixels == expected, "\(label) strided")
                #expect(out.surroundingsUntouched, "\(label) wrote outside the destination view")
            }
        }
    }

    @Test(arguments: FlipAxis.allCases, [1, 3, 4])
    func flipIsIdenticalForEveryThreadCount(axis: FlipAxis, bands: Int) {
        let pixels = TestImages.pixels(.noise, width: 23, height: 460, bands: bands, seed: 8)
        let source = TestImages.buffer(pixels, width: 23, height: 460, bands: bands)
        let expected = TransposeReference.flipped(pixels, width: 23, height: 460, bands: bands, axis)
        for threads in [1, 2, 3, 7] {
            #expect(flip(source.view, axis, threads: threads).packedBytes() == expected,
                    "\(axis) \(bands) bands, \(threads) threads")
        }
    }

    @Test func flippingTwiceIsTheIdentityAndBothAxesMakeAHalfTurn() {
        let pixels = TestImages.pixels(.noise, width: 21, height: 13, bands: 4)
        let source = TestImages.buffer(pixels, width: 21, height: 13, bands: 4)
        for axis in FlipAxis.allCases {
            let once = flip(source.view, axis)
            #expect(flip(once.view, axis).packedBytes() == pixels, "\(axis)")
        }
        let mirrored = flip(source.view, .horizontal)
        let both = flip(mirrored.view, .vertical)
        #expect(both.packedBytes() == rotate(source.view, by: .halfTurn).packedBytes())
    }
}
