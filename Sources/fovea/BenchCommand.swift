import ArgumentParser
import FoveaBench
import FoveaCodec

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time Fovea's kernels beside libvips in the same run (use a release build).",
        subcommands: [ZoomCommand.self, SandboxBenchCommand.self])

    struct Common: ParsableArguments {
        @Option(help: "Image to decode (default: a synthetic 8K photo-like frame).")
        var image: String?

        @Option(help: "Threads for Fovea's kernels and for libvips.")
        var threads: Int = 1

        @Option(name: .customLong("repeat"), help: "Runs per measurement (the median is shown).")
        var repeatCount: Int = 7

        @Flag(help: "Print JSON instead of a table.")
        var json = false
    }

    struct ZoomCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "zoom", abstract: "The zoom kernel (crop + bicubic) vs libvips crop+resize on an 8K frame.")

        @OptionGroup var common: Common

        func run() throws {
            try Codec.initialize(concurrency: common.threads, vectorize: true)
            let frame = try BenchFrame.load(path: common.image)
            let rows = try ZoomBench.run(frame: frame.pixels, threads: common.threads, repeat: common.repeatCount)
            if common.json {
                print(BenchReport.json(rows, context: ["frame": frame.label, "threads": String(common.threads)]))
            } else {
                print(BenchReport.table(rows, title: "\(frame.label); threads=\(common.threads); median ms of \(common.repeatCount)"))
            }
        }
    }
}
