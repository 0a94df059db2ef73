import Testing
@testable import FoveaKernels

/// Rows of a resize made alone (``resample(_:into:rows:ofHeight:filter:box:threads:)``), as a
/// band of a tile is made while the image below it still decodes.
@Suite struct ResampleRowsTests {
    /// Source height, output height, box (nil: all), and the bands of output rows to make.
    static let cases: [(Int, Int, ResampleBox?, [Range<Int>])] = [
        (1080, 1088, nil, [0..<272, 272..<544, 544..<816, 816..<1088]),  // a 4×4 tile of 8K, upscaled
        (300, 97, nil, [0..<8, 8..<40, 40..<97, 96..<97]),               // a downscale past 3×
        (64, 200, ResampleBox(left: 0, top: 3.5, right: 40, bottom: 61.25), [0..<1, 1..<100, 100..<200]),
        (50, 50, ResampleBox(left: 2, top: 0, right: 38, bottom: 50), [0..<16, 16..<50]),  // vertical identity
    ]

    /// Each band equals those rows of the whole resize, byte for byte, for every filter, band
    /// count and thread count, and reads nothing outside the source rows
    /// `resampleSourceRows` names but the three past them: rows outside are scribbled over.
    @Test(arguments: ResampleFilter.allCases)
    func aBandIsThoseRowsOfTheWholeResizeAndReadsOnlyItsSourceRows(filter: ResampleFilter) {
        for bands in [1, 3, 4] {
            for (inHeight, outHeight, box, cuts) in Self.cases {
                let width = 40
                let pixels = TestImages.pixels(.noise, width: width, height: inHeight, bands: bands)
                let source = TestImages.buffer(pixels, width: width, height: inHeight, bands: bands)
                let whole = resample(source.view, width: 33, height: outHeight, filter: filter, box: box).packedBytes()
                let rowLength = 33 * bands
                for rows in cuts {
                    let read = resampleSourceRows(rows, inHeight: inHeight, outHeight: outHeight, filter: filter, box: box)
                    let scribbled = TestImages.buffer(pixels, width: width, height: inHeight, bands: bands)
                    for y in 0..<inHeight where y < read.lowerBound || y >= read.upperBound + 3 {
                        scribbled.mutableView.row(y).update(repeating: UInt8(truncatingIfNeeded: y * 37), count: width * bands)
                    }
                    for threads in [1, 2] {
                        let band = PixelBuffer(width: 33, height: rows.count, bands: bands)
                        resample(scribbled.view, into: band.mutableView, rows: rows, ofHeight: outHeight,
                                 filter: filter, box: box, threads: threads)
                        let want = Array(whole[(rows.lowerBound * rowLength)..<(rows.upperBound * rowLength)])
                        #expect(band.packedBytes() == want,
                                "\(filter) \(bands) bands \(inHeight)→\(outHeight) rows \(rows) (reads \(read)), \(threads) threads")
                    }
                }
            }
        }
    }

    @Test func sourceRowsCoverEveryWindowAndNoMore() {
        // Bicubic upscale 1080 → 1088: each output row reads 4 source rows around its centre.
        #expect(resampleSourceRows(0..<272, inHeight: 1080, outHeight: 1088, filter: .bicubic) == 0..<272)
        #expect(resampleSourceRows(272..<544, inHeight: 1080, outHeight: 1088, filter: .bicubic) == 268..<542)
        // Same height and no box: the rows themselves.
        #expect(resampleSourceRows(5..<9, inHeight: 20, outHeight: 20, filter: .lanczos3) == 5..<9)
        #expect(resampleSourceRows(0..<0, inHeight: 20, outHeight: 10, filter: .box).isEmpty)
    }
}
