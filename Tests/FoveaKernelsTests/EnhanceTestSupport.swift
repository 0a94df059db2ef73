import Foundation
@testable import FoveaKernels

/// The tonal operations under test, named as the Pillow oracle script names them.
enum TonalOperation: CustomStringConvertible, Sendable {
    case brightness(Double), contrast(Double), color(Double), sharpness(Double)
    case gamma(Double), autocontrast(Double), equalize, invert, grayscale

    /// Everything the Pillow oracle runs (gamma is not a Pillow operation).
    static let pillowCases: [TonalOperation] =
        [0, 0.3, 1, 1.5, 2.7].flatMap { [.brightness($0), .contrast($0), .color($0), .sharpness($0)] }
        + [-0.6, 0.7, 12].flatMap { [.brightness($0), .contrast($0), .color($0), .sharpness($0)] }
        + [0, 2, 10].map { .autocontrast($0) } + [.equalize, .invert, .grayscale]

    /// Every operation once, for properties that hold for all (threads, strides, in place).
    static let representative: [TonalOperation] = [
        .brightness(1.3), .brightness(0.7071), .contrast(1.5), .contrast(-0.6), .color(2.7), .sharpness(2.7),
        .gamma(2.2), .autocontrast(2), .equalize, .invert, .grayscale,
    ]

    var name: String {
        switch self {
        case .brightness: "brightness"
        case .contrast: "contrast"
        case .color: "color"
        case .sharpness: "sharpness"
        case .gamma: "gamma"
        case .autocontrast: "autocontrast"
        case .equalize: "equalize"
        case .invert: "invert"
        case .grayscale: "grayscale"
        }
    }

    var parameter: Double {
        switch self {
        case .brightness(let f), .contrast(let f), .color(let f), .sharpness(let f), .gamma(let f),
             .autocontrast(let f): f
        case .equalize, .invert, .grayscale: 0
        }
    }

    var description: String { "\(name)(\(parameter))" }

    var runsInPlace: Bool {
        switch self {
        case .sharpness, .grayscale: false
        default: true
        }
    }

    /// Whether Pillow refuses RGBA (the oracle then runs on the RGB part).
    var pillowRefusesRGBA: Bool {
        switch self {
        case .autocontrast, .equalize, .invert: true
        default: false
        }
    }

    func outputBands(_ bands: Int) -> Int {
        if case .grayscale = self { return 1 }
        return bands
    }

    func run(_ src: ImageView, into dst: MutableImageView, threads: Int) {
        switch self {
        case .brightness(let f): Enhance.brightness(src, factor: f, into: dst, threads: threads)
        case .contrast(let f): Enhance.contrast(src, factor: f, into: dst, threads: threads)
        case .color(let f): Enhance.color(src, factor: f, into: dst, threads: threads)
        case .sharpness(let f): Enhance.sharpness(src, factor: f, into: dst, threads: threads)
        case .gamma(let g): Enhance.gamma(src, gamma: g, into: dst, threads: threads)
        case .autocontrast(let c): Enhance.autocontrast(src, cutoff: c, into: dst, threads: threads)
        case .equalize: Enhance.equalize(src, into: dst, threads: threads)
        case .invert: Enhance.invert(src, into: dst, threads: threads)
        case .grayscale: Enhance.grayscale(src, into: dst, threads: threads)
        }
    }

    /// Runs on packed `pixels` into a new packed buffer.
    func run(_ pixels: [UInt8], width: Int, height: Int, bands: Int, threads: Int = 1) -> [UInt8] {
        let source = TestImages.buffer(pixels, width: width, height: height, bands: bands)
        let out = PixelBuffer(width: width, height: height, bands: outputBands(bands))
        run(source.view, into: out.mutableView, threads: threads)
        return out.packedBytes()
    }
}

/// Test images for the tonal operations, besides ``TestImages``'s noise and gradients.
enum TonalImages {
    enum Kind: CaseIterable {
        /// Every sample independent: every rounding case of the blends.
        case noise
        /// Smooth ramps, a different one per band, over the full range.
        case gradient
        /// A dim, low-contrast photo-like field (levels ~40…190, mild noise, edges): the case
        /// autocontrast and equalize exist for.
        case dim
    }

    static func pixels(_ kind: Kind, width: Int, height: Int, bands: Int, seed: UInt64 = 3) -> [UInt8] {
        switch kind {
        case .noise: return TestImages.pixels(.noise, width: width, height: height, bands: bands, seed: seed)
        case .gradient: return TestImages.pixels(.gradient, width: width, height: height, bands: bands, seed: seed)
        case .dim:
            var random = TestImages.Random(state: seed &+ UInt64(width * 31 + height))
            var out = [UInt8](repeating: 0, count: width * height * bands)
            for y in 0..<height {
                for x in 0..<width {
                    let edge = ((x / 7) + (y / 5)) % 2 == 0 ? 20 : 0
                    for c in 0..<bands {
                        let base = 40 + (x * (60 + 20 * c)) / Swift.max(1, width) + (y * 50) / Swift.max(1, height)
                        let noise = Int(random.next() % 9) - 4
                        out[(y * width + x) * bands + c] = c == 3
                            ? UInt8(truncatingIfNeeded: random.next())
                            : UInt8(Swift.max(0, Swift.min(255, base + edge + noise)))
                    }
                }
            }
            return out
        }
    }
}

/// Runs Python oracles (Pillow, numpy) in one `python3` process per batch of jobs.
enum PythonOracle {

    static let enhanceScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Oracles/pillow_enhance.py").path

    struct Job {
        var pixels: [UInt8]
        var width: Int, height: Int, bands: Int
        var operation: String
        var parameter: Double
    }

    /// Each job's output file, raw.
    static func enhance(_ jobs: [Job]) throws -> [Data] {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("fovea-enhance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var list = ""
        for (i, job) in jobs.enumerated() {
            try Data(job.pixels).write(to: folder.appendingPathComponent("\(i).in"))
            list += "\(i) \(job.width) \(job.height) \(job.bands) \(job.operation) \(job.parameter)\n"
        }
        try list.write(to: folder.appendingPathComponent("jobs.txt"), atomically: true, encoding: .utf8)
        try PillowRunner.run([enhanceScript, folder.path])
        return try jobs.indices.map { try Data(contentsOf: folder.appendingPathComponent("\($0).out")) }
    }
}
