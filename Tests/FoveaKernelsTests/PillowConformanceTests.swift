import Foundation
import Testing
@testable import FoveaKernels

/// The real Pillow, through `python3` (`pip install pillow`): each case is written as raw bytes
/// to a temporary directory, resized by `Image.resize`, and read back. `scripts/test.sh`
/// installs Pillow; without it these tests fail rather than pass unchecked.
@Suite
struct PillowConformanceTests {
    static let cases: [((Int, Int), (Int, Int))] = [
        ((37, 23), (11, 7)), ((19, 13), (48, 31)), ((40, 30), (40, 9)), ((25, 18), (60, 18)),
        ((1, 1), (6, 4)), ((9, 7), (1, 1)), ((64, 48), (23, 61)),
    ]

    @Test(arguments: ResampleFilter.allCases)
    func matchesPillowImageResize(filter: ResampleFilter) throws {
        var jobs: [PillowRunner.Job] = []
        var ours: [[UInt8]] = []
        for bands in [1, 3, 4] {
            for kind in TestImages.Kind.allCases where kind != .patchyAlpha || bands == 4 {
                for ((w, h), (ow, oh)) in Self.cases {
                    let pixels = TestImages.pixels(kind, width: w, height: h, bands: bands, seed: 5)
                    jobs.append(.init(pixels: pixels, width: w, height: h, bands: bands,
                                      outWidth: ow, outHeight: oh, filter: filter))
                    let source = TestImages.buffer(pixels, width: w, height: h, bands: bands)
                    ours.append(resample(source.view, width: ow, height: oh, filter: filter).packedBytes())
                }
            }
        }
        let pillow = try PillowRunner.resize(jobs)
        for (job, (mine, theirs)) in zip(jobs, zip(ours, pillow)) {
            let label = "\(filter) \(job.width)x\(job.height)x\(job.bands) -> \(job.outWidth)x\(job.outHeight)"
            try #require(mine.count == theirs.count, "\(label): Pillow returned \(theirs.count) bytes")
            // RGBA is compared as seen, premultiplied: unpremultiplying magnifies the colour of
            // nearly transparent pixels by 255/alpha.
            let (a, b) = job.bands == 4
                ? (PillowResampleOracle.premultiplied(mine), PillowResampleOracle.premultiplied(theirs))
                : (mine, theirs)
            #expect(psnr(a, b) >= 40, "\(label): PSNR \(psnr(a, b)) dB")
            // Within one level, as against the oracle; RGBA colour is compared premultiplied.
            for p in stride(from: 0, to: mine.count, by: job.bands) {
                for c in 0..<job.bands {
                    var tolerance = 1
                    if job.bands == 4 && c < 3 {
                        let alpha = Int(Swift.min(mine[p + 3], theirs[p + 3]))
                        tolerance = alpha == 0 ? 255 : 1 + 2 * 255 / alpha
                    }
                    let difference = Swift.abs(Int(mine[p + c]) - Int(theirs[p + c]))
                    #expect(difference <= tolerance, "\(label): pixel \(p / job.bands) band \(c)")
                }
            }
        }
    }

    /// Fractional boxes (Pillow's `resize(size, filter, box)`), as shrink-on-load uses them:
    /// down, up, and a shifted box of the output's own size.
    static let boxCases: [((Int, Int), (Int, Int), ResampleBox)] = [
        ((37, 23), (11, 7), ResampleBox(left: 1.25, top: 0.5, right: 35.75, bottom: 22.4)),
        ((40, 30), (9, 12), ResampleBox(left: 3.6, top: 2.125, right: 30.3, bottom: 29.9)),
        ((19, 13), (30, 20), ResampleBox(left: 0.3, top: 1.7, right: 18.2, bottom: 12)),
        ((25, 18), (20, 15), ResampleBox(left: 2.5, top: 1.5, right: 22.5, bottom: 16.5)),
    ]

    @Test(arguments: ResampleFilter.allCases)
    func matchesPillowImageResizeWithBox(filter: ResampleFilter) throws {
        var jobs: [PillowRunner.Job] = []
        var ours: [[UInt8]] = []
        for bands in [1, 3] {
            for kind in TestImages.Kind.allCases where kind != .patchyAlpha {
                for ((w, h), (ow, oh), box) in Self.boxCases {
                    let pixels = TestImages.pixels(kind, width: w, height: h, bands: bands, seed: 7)
                    jobs.append(.init(pixels: pixels, width: w, height: h, bands: bands,
                                      outWidth: ow, outHeight: oh, filter: filter, box: box))
                    let source = TestImages.buffer(pixels, width: w, height: h, bands: bands)
                    ours.append(resample(source.view, width: ow, height: oh, filter: filter, box: box).packedBytes())
                }
            }
        }
        let pillow = try PillowRunner.resize(jobs)
        for (job, (mine, theirs)) in zip(jobs, zip(ours, pillow)) {
            let label = "\(filter) \(job.width)x\(job.height)x\(job.bands) box \(job.box!) -> \(job.outWidth)x\(job.outHeight)"
            try #require(mine.count == theirs.count, "\(label): Pillow returned \(theirs.count) bytes")
            #expect(TestImages.maxDifference(mine, theirs) <= 1, "\(label)")
            #expect(psnr(mine, theirs) >= 40, "\(label): PSNR \(psnr(mine, theirs)) dB")
        }
    }

    private func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
        let mse = zip(a, b).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) } / Double(a.count)
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }
}

/// Runs Pillow's `Image.resize` on raw images in one `python3` process.
enum PillowRunner {
    struct Job {
        var pixels: [UInt8]
        var width: Int, height: Int, bands: Int
        var outWidth: Int, outHeight: Int
        var filter: ResampleFilter
        /// Pillow's `box`, or nil for the whole image.
        var box: ResampleBox? = nil
    }

    static let script = """
        import sys
        from PIL import Image
        FILTERS = {"box": Image.BOX, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC,
                   "lanczos3": Image.LANCZOS}
        MODES = {1: "L", 3: "RGB", 4: "RGBA"}
        folder = sys.argv[1]
        for line in open(folder + "/jobs.txt"):
            name, w, h, bands, ow, oh, flt, *box = line.split()
            data = open(f"{folder}/{name}.in", "rb").read()
            image = Image.frombytes(MODES[int(bands)], (int(w), int(h)), data)
            box = tuple(float(v) for v in box) if box else None
            out = image.resize((int(ow), int(oh)), FILTERS[flt], box=box)
            open(f"{folder}/{name}.out", "wb").write(out.tobytes())
        """

    static func resize(_ jobs: [Job]) throws -> [[UInt8]] {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("fovea-pillow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var list = ""
        for (i, job) in jobs.enumerated() {
            try Data(job.pixels).write(to: folder.appendingPathComponent("\(i).in"))
            let box = job.box.map { " \($0.left) \($0.top) \($0.right) \($0.bottom)" } ?? ""
            list += "\(i) \(job.width) \(job.height) \(job.bands) \(job.outWidth) \(job.outHeight) \(job.filter.rawValue)\(box)\n"
        }
        try list.write(to: folder.appendingPathComponent("jobs.txt"), atomically: true, encoding: .utf8)
        try run(["-c", script, folder.path])
        return try jobs.indices.map { [UInt8](try Data(contentsOf: folder.appendingPathComponent("\($0).out"))) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "python3 failed: " + String(decoding: message, as: UTF8.self))
        }
        return process.terminationStatus
    }
}
