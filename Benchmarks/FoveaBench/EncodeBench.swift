import FoveaCodec
import FoveaKernels
import Glibc

/// `fovea bench encode`: Fovea's JPEG encoder (libjpeg-turbo called directly) beside libvips's
/// jpegsave writing the same bytes, on what a warm zoom returns (a 1000×750 box of the frame
/// resized to 992×736) and on what a 4×4 tile returns (1920×1080 → 1920×1088), q95 4:4:4.
/// Wall time (median) and CPU time (mean, this process: libvips's threads included).
public enum EncodeBench {
    public static func run(frame: PixelBuffer, threads: Int, repeat count: Int) throws -> [BenchRow] {
        let w = frame.width, h = frame.height
        let zoomBox = PixelRect(x: Swift.max(0, w / 2 - 500), y: Swift.max(0, h / 2 - 375),
                                width: Swift.min(1000, w), height: Swift.min(750, h))
        let tileBox = PixelRect(x: w / 4, y: h / 4, width: w / 4, height: h / 4)
        let cases = [("zoom 1000x750->992x736", zoomBox, 992, 736), ("tile \(tileBox.width)x\(tileBox.height)->1920x1088", tileBox, 1920, 1088)]
        var rows: [BenchRow] = []
        for (name, box, width, height) in cases {
            let image = resample(frame.view.cropped(to: box), width: width, height: height, filter: .bicubic)
            let view = image.view
            let restarts = (width + 7) / 8  // both images are large enough for a marker per MCU row
            let ours = try measure(repeat: count) { _ = try Codec.encode(view, format: .jpeg, quality: 95) }
            let theirs = try measure(repeat: count) { _ = try VipsReference.jpegsave(view, quality: 95, restartInterval: restarts) }
            rows.append(BenchRow(name: "\(name) q95, wall", foveaMilliseconds: ours.wall, referenceName: "libvips jpegsave", referenceMilliseconds: theirs.wall))
            rows.append(BenchRow(name: "  CPU", foveaMilliseconds: ours.cpu, referenceName: "libvips jpegsave", referenceMilliseconds: theirs.cpu))
            if threads > 1 {
                let strips = try measure(repeat: count) { _ = try Codec.encode(view, format: .jpeg, quality: 95, threads: threads) }
                rows.append(BenchRow(name: "  \(threads) threads (strips), wall", foveaMilliseconds: strips.wall, referenceName: "libvips jpegsave", referenceMilliseconds: theirs.wall))
                rows.append(BenchRow(name: "  \(threads) threads (strips), CPU", foveaMilliseconds: strips.cpu, referenceName: "libvips jpegsave", referenceMilliseconds: theirs.cpu))
            }
            withExtendedLifetime(image) {}
        }
        return rows
    }

    /// Median wall milliseconds and mean CPU milliseconds (this process) per run.
    static func measure(repeat count: Int, _ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
        let runs = Swift.max(count, 1)
        try body()
        let cpuStart = processCPUMilliseconds()
        var samples: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            try body()
            let elapsed = start.duration(to: .now)
            samples.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        let cpu = (processCPUMilliseconds() - cpuStart) / Double(runs)
        samples.sort()
        return (samples[samples.count / 2], cpu)
    }

    static func processCPUMilliseconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1e6
    }
}
