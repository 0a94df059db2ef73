import FoveaCodec
import FoveaKernels
import FoveaProtocol
import Glibc

/// `fovea bench kernels`: every kernel on one frame, each beside libvips's equivalent operation
/// (or a memcpy where libvips has none) and a memcpy of the frame, all in one run.
public enum KernelBench {
    /// One kernel and the libvips operation it is compared with.
    struct Case {
        var name: String
        var output: PixelLayout
        var fovea: (ImageView, MutableImageView) -> Void
        var referenceName: String
        var reference: ((ImageView) throws -> PixelBuffer)?
    }

    /// Times every kernel whose name contains `only` (all when nil).
    public static func run(frame: PixelBuffer, threads: Int, repeat count: Int, only: String? = nil) throws
        -> (rows: [BenchRow], memcpyMilliseconds: Double) {
        let view = frame.view
        let w = frame.width, h = frame.height, bands = frame.bands
        let same = frame.layout.packed
        let zoomBox = PixelRect(x: w * 2 / 5, y: h * 2 / 5, width: w / 8, height: h / 8)
        let thumb = (width: 1920, height: max(1, Int((1920.0 * Double(h) / Double(w)).rounded())))
        let rotated = RotationGeometry.outputSize(width: w, height: h, degrees: 17, expand: true)
        let annotations = (0..<20).map { i in
            (x: Double(w) * Double(i) / 21, y: Double(h) * Double(i % 7) / 8)
        }
        let cases: [Case] = [
            Case(name: "crop 1/8 (copy)", output: PixelLayout(width: zoomBox.width, height: zoomBox.height, bands: bands),
                 fovea: { src, dst in copyRows(src.cropped(to: zoomBox), into: dst) },
                 referenceName: "libvips crop", reference: { try VipsReference.crop($0, to: zoomBox) }),
            Case(name: "zoom 2x bicubic", output: PixelLayout(width: zoomBox.width * 2, height: zoomBox.height * 2, bands: bands),
                 fovea: { resample($0.cropped(to: zoomBox), into: $1, filter: .bicubic, threads: threads) },
                 referenceName: "libvips crop+resize",
                 reference: { try VipsReference.resize($0, crop: zoomBox, width: zoomBox.width * 2, height: zoomBox.height * 2, kernel: .cubic) }),
            Case(name: "resize to 1920w lanczos3", output: PixelLayout(width: thumb.width, height: thumb.height, bands: bands),
                 fovea: { resample($0, into: $1, filter: .lanczos3, threads: threads) },
                 referenceName: "libvips resize",
                 reference: { try VipsReference.resize($0, width: thumb.width, height: thumb.height, kernel: .lanczos3) }),
            Case(name: "rotate 90", output: PixelLayout(width: h, height: w, bands: bands),
                 fovea: { rotate($0, by: .counterClockwise90, into: $1, threads: threads) },
                 referenceName: "libvips rot", reference: { try VipsReference.rot($0, .anticlockwise90) }),
            Case(name: "rotate 180", output: same,
                 fovea: { rotate($0, by: .halfTurn, into: $1, threads: threads) },
                 referenceName: "libvips rot", reference: { try VipsReference.rot($0, .half) }),
            Case(name: "flip horizontal", output: same,
                 fovea: { flip($0, .horizontal, into: $1, threads: threads) },
                 referenceName: "libvips flip", reference: { try VipsReference.flip($0, .horizontal) }),
            Case(name: "rotate 17 bilinear (expand)", output: PixelLayout(width: rotated.width, height: rotated.height, bands: bands),
                 fovea: { rotate($0, degrees: 17, filter: .bilinear, expand: true, fill: Array(repeating: 0, count: bands), into: $1, threads: threads) },
                 referenceName: "libvips rotate", reference: { try VipsReference.rotate($0, degrees: 17, interpolation: .bilinear) }),
            Case(name: "rotate 17 bicubic (expand)", output: PixelLayout(width: rotated.width, height: rotated.height, bands: bands),
                 fovea: { rotate($0, degrees: 17, filter: .bicubic, expand: true, fill: Array(repeating: 0, count: bands), into: $1, threads: threads) },
                 referenceName: "libvips rotate", reference: { try VipsReference.rotate($0, degrees: 17, interpolation: .bicubic) }),
            Case(name: "contrast 1.5", output: same,
                 fovea: { Enhance.contrast($0, factor: 1.5, into: $1, threads: threads) },
                 referenceName: "libvips linear", reference: { try VipsReference.linear($0, multiply: [1.5], add: [-64]) }),
            Case(name: "brightness 1.3", output: same,
                 fovea: { Enhance.brightness($0, factor: 1.3, into: $1, threads: threads) },
                 referenceName: "libvips linear", reference: { try VipsReference.linear($0, multiply: [1.3], add: [0]) }),
            Case(name: "invert", output: same,
                 fovea: { Enhance.invert($0, into: $1, threads: threads) },
                 referenceName: "libvips invert", reference: { try VipsReference.invert($0) }),
            Case(name: "gamma 2.2", output: same,
                 fovea: { Enhance.gamma($0, gamma: 2.2, into: $1, threads: threads) },
                 referenceName: "libvips gamma", reference: { try VipsReference.gamma($0, exponent: 1 / 2.2) }),
            Case(name: "color 1.5", output: same,
                 fovea: { Enhance.color($0, factor: 1.5, into: $1, threads: threads) },
                 referenceName: "memcpy", reference: nil),
            Case(name: "sharpness 2", output: same,
                 fovea: { Enhance.sharpness($0, factor: 2, into: $1, threads: threads) },
                 referenceName: "libvips sharpen", reference: { try VipsReference.sharpen($0) }),
            Case(name: "autocontrast 2%", output: same,
                 fovea: { Enhance.autocontrast($0, cutoff: 2, into: $1, threads: threads) },
                 referenceName: "memcpy", reference: nil),
            Case(name: "equalize", output: same,
                 fovea: { Enhance.equalize($0, into: $1, threads: threads) },
                 referenceName: "libvips hist_equal", reference: { try VipsReference.equalize($0) }),
            Case(name: "grayscale", output: PixelLayout(width: w, height: h, bands: 1),
                 fovea: { Enhance.grayscale($0, into: $1, threads: threads) },
                 referenceName: "libvips colourspace", reference: { try VipsReference.greyscale($0) }),
            Case(name: "annotate 20 boxes + labels (copy)", output: same,
                 fovea: { src, dst in
                     copyRows(src, into: dst)
                     for point in annotations {
                         Draw.rectangle(x1: point.x, y1: point.y, x2: point.x + 300, y2: point.y + 200, color: [255, 0, 0, 255], lineWidth: 6, on: dst)
                         Draw.text("label", x: Int(point.x), y: Int(point.y) - 90, scale: 10, color: [255, 255, 255, 255],
                                   background: [255, 0, 0, 255], padding: 10, on: dst)
                     }
                 },
                 referenceName: "memcpy", reference: nil),
        ]

        let copy = PixelBuffer(width: w, height: h, bands: bands)
        let memcpyTime = Stopwatch.medianMilliseconds(repeat: count) {
            memcpy(copy.base, frame.base, frame.layout.byteCount)
        }
        var statisticsTime = 0.0
        if only.map("statistics (inspect)".contains) ?? true {
            statisticsTime = Stopwatch.medianMilliseconds(repeat: count) {
                _ = channelStatistics(view, threads: threads)
            }
        }
        var rows: [BenchRow] = []
        for benchCase in cases where only.map(benchCase.name.contains) ?? true {
            let output = PixelBuffer(width: benchCase.output.width, height: benchCase.output.height, bands: benchCase.output.bands)
            let fovea = Stopwatch.medianMilliseconds(repeat: count) { benchCase.fovea(view, output.mutableView) }
            var referenceTime = memcpyTime
            if let reference = benchCase.reference {
                referenceTime = try Stopwatch.medianMilliseconds(repeat: count) { _ = try reference(view) }
            }
            rows.append(BenchRow(name: benchCase.name, foveaMilliseconds: fovea, referenceName: benchCase.referenceName,
                                 referenceMilliseconds: referenceTime))
        }
        if only.map("statistics (inspect)".contains) ?? true {
            rows.append(BenchRow(name: "statistics (inspect)", foveaMilliseconds: statisticsTime, referenceName: "memcpy",
                                 referenceMilliseconds: memcpyTime))
        }
        return (rows, memcpyTime)
    }

    static func copyRows(_ source: ImageView, into destination: MutableImageView) {
        let length = source.width * source.bands
        for y in 0..<source.height { destination.row(y).update(from: source.row(y), count: length) }
    }
}
