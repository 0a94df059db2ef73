import Foundation
import Testing
@testable import FoveaKernels

/// Rotations and flips against the real Pillow (and OpenCV), through `python3`
/// (`Oracles/pillow_rotate.py`; `pip install pillow numpy opencv-python-headless`). `scripts/test.sh` installs them;
/// without them these tests fail rather than pass unchecked.
@Suite
struct RotatePillowTests {
    static let angles: [Double] = [0.5, 17, 33.3, 45, 90, 135, 200, -17, 359.9]
    /// Non-square sizes (90° without expand goes through the affine path), odd sides, one
    /// whose output spans several 256-column tiles and 32-row chunks, and slivers.
    static let sizes: [(Int, Int)] = [(37, 23), (24, 31), (64, 41), (300, 70), (1, 1), (5, 1), (2, 3)]

    /// The acceptance bar; `psnrTable` in the log says what each case actually reaches.
    static let minimumPSNR = 38.0

    @Test(arguments: RotationFilter.allCases)
    func anyAngleMatchesPillowImageRotate(filter: RotationFilter) throws {
        var jobs: [RotateOracle.Job] = []
        var ours: [PixelBuffer] = []
        for bands in [1, 3, 4] {
            for kind in [TestImages.Kind.gradient, bands == 4 ? .patchyAlpha : .noise] {
                for (i, (width, height)) in Self.sizes.enumerated() {
                    let pixels = TestImages.pixels(kind, width: width, height: height, bands: bands, seed: 11)
                    let source = TestImages.buffer(pixels, width: width, height: height, bands: bands)
                    // The multi-tile size on two angles only: debug builds are slow.
                    for angle in width >= 300 ? [17, 200] : Self.angles {
                        for expand in [false, true] {
                            // A fill colour on every other case; RGBA's has partial alpha.
                            let fill: [UInt8] = (i + (expand ? 1 : 0)) % 2 == 0 ? []
                                : Array([200, 100, 50, 128].prefix(bands))
                            let fillArgument = fill.isEmpty ? "none" : fill.map(String.init).joined(separator: ",")
                            jobs.append(.init(pixels: pixels, width: width, height: height, bands: bands,
                                              operation: "rotate \(angle) \(filter.rawValue) \(expand ? 1 : 0) \(fillArgument)"))
                            ours.append(rotate(source.view, degrees: angle, filter: filter, expand: expand, fill: fill))
                        }
                    }
                }
            }
        }
        let results = try RotateOracle.run(jobs)
        var worst = Double.infinity, total = 0.0, identical = 0, worstLabel = ""
        for (job, (mine, theirs)) in zip(jobs, zip(ours, results)) {
            let label = "\(job.width)x\(job.height)x\(job.bands) \(job.operation)"
            try #require(mine.width == theirs.width && mine.height == theirs.height,
                         "\(label): size \(mine.width)x\(mine.height), Pillow \(theirs.width)x\(theirs.height)")
            let a = mine.packedBytes(), b = theirs.pixels
            if filter == .nearest {
                // Pillow's 16.16 fixed point reproduced: every pixel is the same.
                #expect(a == b, "\(label): \(zip(a, b).filter { $0 != $1 }.count) samples differ")
            }
            // RGBA is compared as seen, premultiplied (unpremultiplying magnifies the colour
            // of nearly transparent pixels by 255/alpha).
            let psnr = job.bands == 4
                ? Self.psnr(PillowResampleOracle.premultiplied(a), PillowResampleOracle.premultiplied(b))
                : Self.psnr(a, b)
            #expect(psnr >= Self.minimumPSNR, "\(label): PSNR \(psnr) dB")
            if psnr < worst { (worst, worstLabel) = (psnr, label) }
            if psnr.isInfinite { identical += 1 } else { total += psnr }
        }
        let finite = jobs.count - identical
        print("rotate \(filter.rawValue) vs Pillow: \(jobs.count) cases, \(identical) identical, "
              + "mean PSNR of the rest \(finite > 0 ? String(format: "%.1f", total / Double(finite)) : "-") dB, "
              + "worst \(String(format: "%.1f", worst)) dB (\(worstLabel))")
    }

    /// Output corners 32768 or more pixels from the source origin make Pillow leave its 16.16
    /// fixed point for Double stepping (`check_fixed` in `Geometry.c`); nearest follows it.
    @Test func nearestFollowsPillowsDoublePathForFarCorners() throws {
        var jobs: [RotateOracle.Job] = []
        var ours: [[UInt8]] = []
        for (width, height, angle) in [(40_000, 3, 17.0), (40_000, 2, 0.5), (3, 40_000, 200.0)] {
            let pixels = TestImages.pixels(.noise, width: width, height: height, bands: 3, seed: 17)
            let source = TestImages.buffer(pixels, width: width, height: height, bands: 3)
            #expect(NearestRotation(src: source.view,
                                    matrix: RotationGeometry(width: width, height: height, degrees: angle, expand: false).matrix,
                                    outWidth: width, outHeight: height).fixed == nil)
            jobs.append(.init(pixels: pixels, width: width, height: height, bands: 3,
                              operation: "rotate \(angle) nearest 0 9,8,7"))
            ours.append(rotate(source.view, degrees: angle, filter: .nearest, expand: false, fill: [9, 8, 7]).packedBytes())
        }
        for (job, (mine, theirs)) in zip(jobs, zip(ours, try RotateOracle.run(jobs))) {
            #expect(mine == theirs.pixels, "\(job.width)x\(job.height) \(job.operation)")
        }
    }

    @Test func transposesMatchPillowExactly() throws {
        var jobs: [RotateOracle.Job] = []
        var ours: [[UInt8]] = []
        for bands in [1, 3, 4] {
            for (width, height) in [(1, 1), (7, 5), (37, 23), (150, 70)] {
                let pixels = TestImages.pixels(.noise, width: width, height: height, bands: bands, seed: 6)
                let source = TestImages.buffer(pixels, width: width, height: height, bands: bands)
                let operations: [(String, PixelBuffer)] = [
                    ("FLIP_LEFT_RIGHT", flip(source.view, .horizontal)),
                    ("FLIP_TOP_BOTTOM", flip(source.view, .vertical)),
                    ("ROTATE_90", rotate(source.view, by: .counterClockwise90)),
                    ("ROTATE_180", rotate(source.view, by: .halfTurn)),
                    ("ROTATE_270", rotate(source.view, by: .clockwise90)),
                ]
                for (method, result) in operations {
                    jobs.append(.init(pixels: pixels, width: width, height: height, bands: bands,
                                      operation: "transpose \(method)"))
                    ours.append(result.packedBytes())
                }
            }
        }
        for (job, (mine, theirs)) in zip(jobs, zip(ours, try RotateOracle.run(jobs))) {
            #expect(mine == theirs.pixels, "\(job.width)x\(job.height)x\(job.bands) \(job.operation)")
        }
    }

    /// OpenCV's `warpAffine` (bilinear, 5-bit sub-pixel positions, rounded) against ours
    /// (Pillow's truncation) on the pixels whose 2×2 taps are all inside: close, not equal.
    /// `scripts/test.sh` installs OpenCV; without it this test fails rather than passing unchecked.
    @Test func bilinearInteriorIsCloseToOpenCVWarpAffine() throws {
        let (width, height, bands) = (96, 64, 3)
        let pixels = TestImages.pixels(.gradient, width: width, height: height, bands: bands, seed: 2)
        let source = TestImages.buffer(pixels, width: width, height: height, bands: bands)
        let geometry = RotationGeometry(width: width, height: height, degrees: 17, expand: false)
        let mine = rotate(source.view, degrees: 17, filter: .bilinear, expand: false).packedBytes()
        let job = RotateOracle.Job(pixels: pixels, width: width, height: height, bands: bands,
                                   operation: "warpaffine " + geometry.matrix.map { "\($0)" }.joined(separator: " "))
        let opencv = try RotateOracle.run([job])[0].pixels
        let kernel = BilinearRotation(src: source.view, premultiplies: false)
        var a: [UInt8] = [], b: [UInt8] = []
        for y in 0..<height {
            let line = SourceLine(row: y, matrix: geometry.matrix)
            for x in kernel.interior(line, width: width) {
                let i = (y * width + x) * bands
                a += mine[i..<(i + bands)]
                b += opencv[i..<(i + bands)]
            }
        }
        let psnr = Self.psnr(a, b)
        print("rotate bilinear vs OpenCV warpAffine (interior, \(a.count / bands) pixels): PSNR "
              + String(format: "%.1f", psnr) + " dB, max difference \(TestImages.maxDifference(a, b))")
        // OpenCV rounds where Pillow truncates (half a level on average) and quantises
        // positions to 1/32 pixel.
        #expect(psnr >= 40)
    }

    static func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
        let mse = zip(a, b).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) } / Double(a.count)
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }
}

/// Runs `Oracles/pillow_rotate.py` on raw images in one `python3` process.
enum RotateOracle {
    struct Job {
        var pixels: [UInt8]
        var width: Int, height: Int, bands: Int
        /// `transpose METHOD`, `rotate ANGLE FILTER EXPAND FILL`, `warpaffine A B C D E F`.
        var operation: String
    }

    struct Result {
        var width: Int, height: Int
        var pixels: [UInt8]
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Oracles/pillow_rotate.py").path

    static func run(_ jobs: [Job]) throws -> [Result] {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("fovea-rotate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var list = ""
        for (i, job) in jobs.enumerated() {
            try Data(job.pixels).write(to: folder.appendingPathComponent("\(i).in"))
            list += "\(i) \(job.width) \(job.height) \(job.bands) \(job.operation)\n"
        }
        try list.write(to: folder.appendingPathComponent("jobs.txt"), atomically: true, encoding: .utf8)
        try PillowRunner.run([script, folder.path])
        return try jobs.indices.map { i in
            let size = try String(contentsOf: folder.appendingPathComponent("\(i).size"), encoding: .utf8)
                .split(separator: " ").map { Int($0)! }
            let pixels = [UInt8](try Data(contentsOf: folder.appendingPathComponent("\(i).out")))
            return Result(width: size[0], height: size[1], pixels: pixels)
        }
    }
}
