import Testing
@testable import FoveaKernels

/// Quarter turns and flips written out from their definitions, one pixel at a time.
enum TransposeReference {
    static func rotated(_ pixels: [UInt8], width: Int, height: Int, bands: Int, by turn: QuarterTurn)
        -> [UInt8]
    {
        let (outWidth, outHeight) = turn.outputSize(width: width, height: height)
        var out = [UInt8](repeating: 0, count: pixels.count)
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                let (sx, sy): (Int, Int)
                switch turn {
                case .counterClockwise90: (sx, sy) = (width - 1 - y, x)
                case .halfTurn: (sx, sy) = (width - 1 - x, height - 1 - y)
                case .clockwise90: (sx, sy) = (y, height - 1 - x)
                }
                for c in 0..<bands {
                    out[(y * outWidth + x) * bands + c] = pixels[(sy * width + sx) * bands + c]
                }
            }
        }
        return out
    }

    static func flipped(_ pixels: [UInt8], width: Int, height: Int, bands: Int, _ axis: FlipAxis)
        -> [UInt8]
    {
        var out = [UInt8](repeating: 0, count: pixels.count)
        for y in 0..<height {
            for x in 0..<width {
                let (sx, sy) = axis == .horizontal ? (width - 1 - x, y) : (x, height - 1 - y)
                for c in 0..<bands {
                    out[(y * width + x) * bands + c] = pixels[(sy * width + sx) * bands + c]
                }
            }
        }
        return out
    }
}

/// A destination view inside a larger buffer filled with a marker, so that a test sees both
/// the view's pixels and any byte a kernel wrote outside it (its padding, its neighbours).
struct GuardedDestination {
    let parent: PixelBuffer
    let view: MutableImageView
    static let marker: UInt8 = 0x5A

    init(width: Int, height: Int, bands: Int) {
        parent = PixelBuffer(width: width + 6, height: height + 4, bands: bands)
        parent.base.initialize(repeating: Self.marker, count: parent.layout.byteCount)
        view = parent.mutableView.cropped(to: PixelRect(x: 2, y: 2, width: width, height: height))
    }

    /// The view's pixels, packed.
    var pixels: [UInt8] { PixelBuffer.copy(of: view.readOnly).packedBytes() }

    /// Whether every byte of the parent outside the view still holds the marker.
    var surroundingsUntouched: Bool {
        let rowLength = view.width * view.bands
        let first = view.base - parent.base
        for i in 0..<parent.layout.byteCount {
            let offset = i - first
            let inside = offset >= 0 && offset / parent.layout.rowBytes < view.height
                && offset % parent.layout.rowBytes < rowLength
            if !inside && parent.base[i] != Self.marker { return false }
        }
        return true
    }
}

struct Rotate90Tests {
    /// Odd sizes, single rows and columns, and sizes spanning several 64 × 128 tiles with
    /// leftovers in both directions.
    static let sizes: [(Int, Int)] = [
        (1, 1), (1, 7), (7, 1), (2, 3), (5, 4), (9, 13), (16, 8), (37, 23), (150, 70), (131, 67),
    ]

    @Test(arguments: QuarterTurn.allCases, [1, 3, 4])
    func quarterTurnMovesEveryPixelWhereTheDefinitionSaysFromStridedViews(turn: QuarterTurn, bands: Int) {
        for (width, height) in Self.sizes {
            let pixels = TestImages.pixels(.noise, width: width, height: height, bands: bands, seed: 3)
            let expected = TransposeReference.rotated(pixels, width: width, height: height,
                                                      bands: bands, by: turn)
            let (outWidth, outHeight) = turn.outputSize(width: width, height: height)
            let label = "\(turn) \(width)x\(height)x\(bands)"

            let packed = TestImages.buffer(pixels, width: width, height: height, bands: bands)
            #expect(rotate(packed.view, by: turn).packedBytes() == expected, "\(label) packed")

            let (parent, strided) = TestImages.stridedView(pixels, width: width, height: height, bands: bands)
            let out = GuardedDestination(width: outWidth, height: outHeight, bands: bands)
            rotate(strided, by: turn, into: out.view)
            withExtendedLifetime(parent) {
                #expect(out.pixels == expected, "\(label) strided")
                #expect(out.surroundingsUntouched, "\(label) wrote outside the destination view")
            }
        }
    }

    @Test(arguments: QuarterTurn.allCases, [1, 3, 4])
    func quarterTurnIsIdenticalForEveryThreadCount(turn: QuarterTurn, bands: Int) {
        // 460 output rows: 7 threads get 7 bands of at least 64 rows.
        let (width, height) = turn == .halfTurn ? (37, 460) : (460, 37)
        let pixels = TestImages.pixels(.noise, width: width, height: height, bands: bands, seed: 9)
        let source = TestImages.buffer(pixels, width: width, height: height, bands: bands)
        let expected = TransposeReference.rotated(pixels, width: width, height: height, bands: bands, by: turn)
        for threads in [1, 2, 3, 7] {
            #expect(rotate(source.view, by: turn, threads: threads).packedBytes() == expected,
                    "\(turn) \(bands) bands, \(threads) threads")
        }
    }

    @Test func outputSizeSwapsSidesOnlyForQuarterTurns() {
        #expect(QuarterTurn.counterClockwise90.outputSize(width: 640, height: 480) == (480, 640))
        #expect(QuarterTurn.clockwise90.outputSize(width: 640, height: 480) == (480, 640))
        #expect(QuarterTurn.halfTurn.outputSize(width: 640, height: 480) == (640, 480))
    }

    @Test func fourQuarterTurnsAndTwoHalfTurnsAreTheIdentity() {
        let pixels = TestImages.pixels(.gradient, width: 29, height: 11, bands: 3)
        let source = TestImages.buffer(pixels, width: 29, height: 11, bands: 3)
        var turned = source
        for _ in 0..<4 { turned = rotate(turned.view, by: .counterClockwise90) }
        #expect(turned.packedBytes() == pixels)
        let ccw = rotate(source.view, by: .counterClockwise90)
        #expect(rotate(ccw.view, by: .clockwise90).packedBytes() == pixels)
        let half = rotate(source.view, by: .halfTurn)
        #expect(rotate(half.view, by: .halfTurn).packedBytes() == pixels)
    }
}
