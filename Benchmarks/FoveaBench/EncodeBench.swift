@_spi(Benchmarks) import FoveaCodec
import FoveaKernels
import Glibc

/// `fovea bench encode`: Fovea's JPEG encoder (its own baseline coder) beside libvips's
/// jpegsave writing the same bytes, on what a warm zoom returns (a 1000×750 box of the frame
/// resized to 992×736) and on what a 4×4 tile returns (1920×1080 → 1920×1088), q95 4:4:4.
/// Wall and CPU time per encode (medians; CPU of this process, libvips's threads included),
/// the two encoders alternating call by call.
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
            // Alternating call by call, so both sides see the same machine.
            let (ours, theirs) = try measurePair(repeat: count,
                                                 { _ = try Codec.encode(view, format: .jpeg, quality: 95) },
                                                 { _ = try VipsReference.jpegsave(view, quality: 95, restartInterval: restarts) })
            rows.append(BenchRow(name: "\(name) q95, wall", foveaMilliseconds: ours.wall, referenceName: "libvips jpegsave", referenceMilliseconds: theirs.wall))
            rows.append(BenchRow(name: "  CPU", foveaMilliseconds: ours.cpu, referenceName: "libvips jpegsave", referenceMilliseconds: theirs.cpu))
            // Who converts RGB to YCbCr (the same file either way): Fovea before libjpeg, or libjpeg.
            if JPEGColourConversion.avx512.isAvailable {
                let (fovea, libjpeg) = try measurePair(repeat: count,
                                                       { _ = try Codec.encodeJPEG(view, quality: 95, restartInterval: restarts, conversion: .avx512, coder: .libjpeg) },
                                                       { _ = try Codec.encodeJPEG(view, quality: 95, restartInterval: restarts, conversion: .libjpeg) })
                rows.append(BenchRow(name: "  colour converted by Fovea (AVX-512), CPU", foveaMilliseconds: fovea.cpu, referenceName: "by libjpeg", referenceMilliseconds: libjpeg.cpu))
            }
            // Who transforms and codes (the same file either way): Fovea's coder or libjpeg's,
            // both from Fovea's planes.
            if JPEGCoder.avx512.isAvailable {
                let (fovea, libjpeg) = try measurePair(repeat: count,
                                                       { _ = try Codec.encodeJPEG(view, quality: 95, restartInterval: restarts, coder: .avx512) },
                                                       { _ = try Codec.encodeJPEG(view, quality: 95, restartInterval: restarts, coder: .libjpeg) })
                rows.append(BenchRow(name: "  DCT and Huffman by Fovea (AVX-512), CPU", foveaMilliseconds: fovea.cpu, referenceName: "by libjpeg", referenceMilliseconds: libjpeg.cpu))
            }
            if threads > 1 {
                let (strips, one) = try measurePair(repeat: count,
                                                    { _ = try Codec.encode(view, format: .jpeg, quality: 95, threads: threads) },
                                                    { _ = try Codec.encode(view, format: .jpeg, quality: 95) })
                rows.append(BenchRow(name: "  \(threads) threads (strips), wall", foveaMilliseconds: strips.wall, referenceName: "one thread", referenceMilliseconds: one.wall))
                rows.append(BenchRow(name: "  \(threads) threads (strips), CPU", foveaMilliseconds: strips.cpu, referenceName: "one thread", referenceMilliseconds: one.cpu))
            }
            withExtendedLifetime(image) {}
        }
        return rows
    }

    /// Medians of wall and CPU milliseconds (this process, every thread) per call of `a` and
    /// `b`, run alternately (`a` first on even rounds) after one warm-up call each.
    static func measurePair(repeat count: Int, _ a: () throws -> Void, _ b: () throws -> Void)
        rethrows -> (a: (wall: Double, cpu: Double), b: (wall: Double, cpu: Double)) {
        try a()
        try b()
        var samples: [[(wall: Double, cpu: Double)]] = [[], []]
        for round in 0..<Swift.max(count, 1) {
            for side in round % 2 == 0 ? [0, 1] : [1, 0] {
                let cpuStart = processCPUMilliseconds()
                let start = ContinuousClock.now
                if side == 0 { try a() } else { try b() }
                let elapsed = start.duration(to: .now)
                samples[side].append((Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15,
                                      processCPUMilliseconds() - cpuStart))
            }
        }
        func medians(_ runs: [(wall: Double, cpu: Double)]) -> (wall: Double, cpu: Double) {
            let walls = runs.map(\.wall).sorted(), cpus = runs.map(\.cpu).sorted()
            return (walls[walls.count / 2], cpus[cpus.count / 2])
        }
        return (medians(samples[0]), medians(samples[1]))
    }

    static func processCPUMilliseconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) * 1000 + Double(time.tv_nsec) / 1e6
    }
}
