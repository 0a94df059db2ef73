import FoveaKernels
import Testing
@testable import FoveaProtocol

/// A job cut into bands while its image decodes (``ImagePlan/bands(source:maximumCount:)``).
@Suite struct ImagePlanBandTests {
    static let source8K = ImageShape(width: 7680, height: 4320, bands: 3)
    /// Tile (1, 2) of a 4×4 grid over an 8K image, made 1920×1088 (the Qwen2.5-VL preset).
    static let tile = ImagePlan(steps: [.crop(PixelRect(x: 3840, y: 1080, width: 1920, height: 1080)),
                                        .resize(width: 1920, height: 1088, filter: .bicubic)],
                                output: OutputOptions(format: .jpeg, quality: 95))

    @Test func aTileIsCutIntoBandsOfWholeMCURowsThatReadOnlyTheRowsUnderThem() throws {
        let bands = try #require(Self.tile.bands(source: Self.source8K, maximumCount: 4))
        #expect(bands.map { $0.band! } == [0..<272, 272..<544, 544..<816, 816..<1088])
        #expect(bands.allSatisfy { $0.steps == Self.tile.steps && $0.output == Self.tile.output })
        // Bicubic 1080 → 1088 reads about the rows under the band, two either side.
        #expect(bands.map { $0.sourceRows(height: 4320) } == [1080..<1352, 1348..<1622, 1618..<1892, 1888..<2160])
        #expect(Self.tile.sourceRows(height: 4320) == 1080..<2160)
        #expect(bands[1].outputShape(from: Self.source8K) == ImageShape(width: 1920, height: 272, bands: 3))
        for band in bands { try band.validate(source: PixelLayout(width: 7680, height: 4320, bands: 3)) }
        // A crop alone: its rows.
        let crop = ImagePlan(steps: [.crop(PixelRect(x: 0, y: 100, width: 2000, height: 700))], output: OutputOptions())
        let cropBands = try #require(crop.bands(source: Self.source8K, maximumCount: 4))
        #expect(cropBands.map { $0.band! } == [0..<352, 352..<700])
        #expect(cropBands.map { $0.sourceRows(height: 4320) } == [100..<452, 452..<800])
    }

    @Test func onlyLargeJPEGCropsAndResizesAreCut() {
        var png = Self.tile
        png.output = OutputOptions(format: .png)
        #expect(png.bands(source: Self.source8K, maximumCount: 4) == nil)
        // 992×500 is below two strips' worth of pixels: written without restart markers.
        let small = ImagePlan(steps: [.crop(PixelRect(x: 0, y: 0, width: 3000, height: 1500)),
                                      .resize(width: 992, height: 500, filter: .bicubic)], output: OutputOptions())
        #expect(small.bands(source: Self.source8K, maximumCount: 4) == nil)
        let rotated = ImagePlan(steps: [.crop(PixelRect(x: 0, y: 0, width: 1920, height: 1080)), .quarterTurn(degrees: 90)],
                                output: OutputOptions())
        #expect(rotated.bands(source: Self.source8K, maximumCount: 4) == nil)
        #expect(Self.tile.bands(source: Self.source8K, maximumCount: 1) == nil)
        // 1088 rows are 136 MCU rows: at most 4 bands of at least 32.
        #expect(Self.tile.bands(source: Self.source8K, maximumCount: 16)?.count == 4)
    }

    @Test func aWorkerRefusesABandThatIsNotWholeMCURowsOrNotOfACrop() {
        let layout = PixelLayout(width: 7680, height: 4320, bands: 3)
        for band in [3..<272, 0..<270, 1080..<1096, 0..<0] {
            var plan = Self.tile
            plan.band = band
            #expect(throws: PlanError.self, "\(band)") { try plan.validate(source: layout) }
        }
        var last = Self.tile
        last.band = 1080..<1088
        #expect(throws: Never.self) { try last.validate(source: layout) }
        var invert = EnhanceSettings()
        invert.invert = true
        var enhanced = ImagePlan(steps: [.crop(PixelRect(x: 0, y: 0, width: 1920, height: 1080)),
                                         .enhance(invert, region: nil)], output: OutputOptions())
        enhanced.band = 0..<8
        #expect(throws: PlanError.self) { try enhanced.validate(source: layout) }
        var png = Self.tile
        png.output = OutputOptions(format: .png)
        png.band = 0..<272
        #expect(throws: PlanError.self) { try png.validate(source: layout) }
    }
}
