import FoveaCodec
import FoveaKernels
import FoveaProtocol
import Foundation

/// `fovea bench zoom`: the zoom kernel (crop + bicubic resample) on a decoded 8K frame beside
/// libvips's own crop + resize to the same size with its cubic kernel, and a memcpy of the
/// output, all in one run.
public enum ZoomBench {
    public static func run(frame: PixelBuffer, threads: Int, repeat count: Int) throws -> [BenchRow] {
        let width = frame.width, height = frame.height
        // peers.py's region: 1/8 of each side, 2/5 of the way in.
        let box = PixelRect(x: width * 2 / 5, y: height * 2 / 5, width: width / 8, height: height / 8)
        let toolBox = PixelRect(x: width * 2 / 5, y: height * 2 / 5, width: width / 20, height: height / 20)
        let toolSize = try Preset.qwen3VL.resize.size(height: toolBox.height, width: toolBox.width)
        let cases: [(String, PixelRect, Int, Int)] = [
            ("zoom 2x bicubic \(box.width)x\(box.height)", box, box.width * 2, box.height * 2),
            ("zoom tool \(toolBox.width)x\(toolBox.height)->\(toolSize.width)x\(toolSize.height)", toolBox, toolSize.width, toolSize.height),
            ("zoom 1/2 bicubic \(box.width)x\(box.height)", box, box.width / 2, box.height / 2),
        ]
        var rows: [BenchRow] = []
        for (name, rect, outWidth, outHeight) in cases {
            let output = PixelBuffer(width: outWidth, height: outHeight, bands: frame.bands)
            let fovea = Stopwatch.medianMilliseconds(repeat: count) {
                resample(frame.view.cropped(to: rect), into: output.mutableView, filter: .bicubic, threads: threads)
            }
            let vips = try Stopwatch.medianMilliseconds(repeat: count) {
                _ = try VipsReference.resize(frame.view, crop: rect, width: outWidth, height: outHeight, kernel: .cubic)
            }
            rows.append(BenchRow(name: name, foveaMilliseconds: fovea, referenceName: "libvips crop+resize", referenceMilliseconds: vips))
            let copy = PixelBuffer(width: outWidth, height: outHeight, bands: frame.bands)
            let memcpyTime = Stopwatch.medianMilliseconds(repeat: count) {
                copy.base.update(from: output.base, count: output.layout.byteCount)
            }
            rows.append(BenchRow(name: "  same output", foveaMilliseconds: fovea, referenceName: "memcpy of output", referenceMilliseconds: memcpyTime))
        }
        return rows
    }
}
