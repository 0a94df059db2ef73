import ArgumentParser
import Foundation
import FoveaBench
import FoveaCodec
import FoveaKernels

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time Fovea's kernels beside libvips in the same run (use a release build).",
        subcommands: [ZoomCommand.self, KernelsCommand.self, ResampleCommand.self, EncodeCommand.self, TilingCommand.self, LatencyCommand.self, FairnessCommand.self, ShrinkCommand.self, SandboxBenchCommand.self, IsolationCommand.self, CodeBenchCommand.self])

    struct Common: ParsableArguments {
        @Option(help: "Image to decode (default: a synthetic 8K photo-like frame).")
        var image: String?

        @Option(help: "Threads for Fovea's kernels and for libvips.")
        var threads: Int = 1

        @Option(name: .customLong("repeat"), help: "Runs per measurement (the median is shown).")
        var repeatCount: Int = 7

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        /// Prints `rows` as JSON or as a table titled with the frame, threads and repeat count.
        func print(_ rows: [BenchRow], frame: (pixels: PixelBuffer, label: String)) {
            if json {
                Swift.print(BenchReport.json(rows, context: ["frame": frame.label, "threads": String(threads)]))
            } else {
                Swift.print(BenchReport.table(rows, title: "\(frame.label); threads=\(threads); median ms of \(repeatCount)"))
            }
        }
    }

    struct ZoomCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "zoom", abstract: "The zoom kernel (crop + bicubic) vs libvips crop+resize on an 8K frame.")

        @OptionGroup var common: Common

        func run() throws {
            try Codec.initialize(concurrency: common.threads, vectorize: true)
            let frame = try BenchFrame.load(path: common.image)
            let rows = try ZoomBench.run(frame: frame.pixels, threads: common.threads, repeat: common.repeatCount)
            common.print(rows, frame: frame)
        }
    }

    struct KernelsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kernels",
            abstract: "Every kernel on an 8K frame beside libvips's equivalent and a memcpy of the frame.")

        @OptionGroup var common: Common

        @Option(help: "Only the kernels whose name contains this text (e.g. \"rotate 90\").")
        var only: String?

        func run() throws {
            try Codec.initialize(concurrency: common.threads, vectorize: true)
            let frame = try BenchFrame.load(path: common.image)
            let (rows, memcpyTime) = try KernelBench.run(frame: frame.pixels, threads: common.threads, repeat: common.repeatCount,
                                                         only: only)
            if common.json {
                print(BenchReport.json(rows, context: ["frame": frame.label, "threads": String(common.threads),
                                                       "memcpy_ms": String(format: "%.3f", memcpyTime)]))
            } else {
                print(BenchReport.table(rows, title: "\(frame.label); threads=\(common.threads); median ms of \(common.repeatCount); memcpy of the frame \(String(format: "%.2f", memcpyTime)) ms", memcpy: memcpyTime))
            }
        }
    }

    struct ResampleCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resample",
            abstract: "The warm zoom's resample (a 1000x750 crop to 992x736, bicubic) pass by pass, for every instruction set the CPU has, in interleaved rounds.")

        @Option(help: "Image to decode (default: a synthetic 8K photo-like frame).")
        var image: String?

        @Option(help: "Threads for the resample.")
        var threads: Int = 1

        @Option(name: .customLong("repeat"), help: "Rounds, each timing every case once (the median is shown).")
        var repeatCount: Int = 201

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() throws {
            try Codec.initialize(concurrency: threads, vectorize: true)
            let frame = try BenchFrame.load(path: image)
            let rows = ResampleBench.run(frame: frame.pixels, threads: threads, repeat: repeatCount)
            print(json ? BenchReport.json(rows, context: ["frame": frame.label, "threads": String(threads)])
                  : BenchReport.table(rows, title: "\(frame.label), 1000x750 crop -> 992x736 bicubic; threads=\(threads); median ms of \(repeatCount) interleaved rounds"))
        }
    }

    struct EncodeCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "encode",
            abstract: "JPEG q95 4:4:4 of a zoom's and a tile's output: Fovea's encoder beside libvips's jpegsave (and Fovea's conversion and coder beside libjpeg's), wall and CPU.")

        @OptionGroup var common: Common

        func run() throws {
            try Codec.initialize(concurrency: common.threads, vectorize: true)
            let frame = try BenchFrame.load(path: common.image)
            let rows = try EncodeBench.run(frame: frame.pixels, threads: common.threads, repeat: common.repeatCount)
            common.print(rows, frame: frame)
        }
    }

    struct TilingCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tiling", abstract: "An 8K frame cut into a 4x4 grid and encoded as JPEG, beside libvips doing the same.")

        @OptionGroup var common: Common

        @Flag(help: "Through the daemon: put + 4x4 tile + JPEG of an unseen image, against the bare decode of the same file.")
        var cold = false

        @Option(help: "Use a running daemon on this socket instead of starting one (with --cold).")
        var socket: String?

        @Option(help: "Worker processes of the daemon started for --cold.")
        var workers: Int = 2

        @Option(help: ArgumentHelp("With --cold: put the image by path instead of as base64: the JPEG is written into this directory (and removed after), which the daemon must allow: the daemon started here is given --allow-dir DIR; one at --socket must have been.", valueName: "DIR"))
        var putByPath: String?

        func run() throws {
            try Codec.initialize(concurrency: common.threads, vectorize: true)
            let frame = try BenchFrame.load(path: common.image)
            if cold {
                let jpeg = try BenchFrame.jpeg(path: common.image, frame: frame.pixels)
                var arguments = ["--workers", String(workers), "--threads", String(common.threads)]
                var transport = ColdTilingBench.Transport.base64
                var written: String?
                defer { if let written { try? FileManager.default.removeItem(atPath: written) } }
                if let directory = putByPath {
                    // Resolved once, so the file's path and the allowed directory agree.
                    guard let resolved = realpath(directory, nil) else {
                        throw ValidationError("--put-by-path \(directory): \(String(cString: strerror(errno)))")
                    }
                    let real = String(cString: resolved)
                    free(resolved)
                    let path = real + "/fovea-bench-cold-\(getpid()).jpg"
                    try Data(jpeg).write(to: URL(fileURLWithPath: path))
                    written = path
                    arguments += ["--allow-dir", real]
                    transport = .path(path)
                }
                let daemon = try BenchDaemon(socket: socket, arguments: arguments)
                defer { daemon.stop() }
                let rows = try ColdTilingBench.run(daemon: daemon, jpeg: jpeg, width: frame.pixels.width,
                                                   height: frame.pixels.height, repeat: common.repeatCount, transport: transport)
                print(common.json ? BenchReport.json(rows, context: ["frame": frame.label, "workers": String(workers)])
                      : BenchReport.table(rows, title: "\(frame.label); \(workers) workers x \(common.threads) threads; median ms of \(common.repeatCount)"))
                return
            }
            let rows = try TilingBench.run(frame: frame.pixels, threads: common.threads, repeat: common.repeatCount)
            common.print(rows, frame: frame)
        }
    }

    struct ShrinkCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "shrink",
            abstract: "Shrink-on-load: a whole-image zoom to a small model size, cold and warm, with and without reduced JPEG decodes, against the bare decode.")

        @OptionGroup var common: Common

        @Option(name: .customLong("model-max-pixels"), help: "The daemons' --model-max-pixels (the zoom's output size).")
        var modelMaxPixels: Int = 250_000

        func run() throws {
            try Codec.initialize(concurrency: common.threads, vectorize: true)
            let frame = try BenchFrame.load(path: common.image)
            let jpeg = try BenchFrame.jpeg(path: common.image, frame: frame.pixels)
            let rows = try ShrinkBench.run(jpeg: jpeg, threads: common.threads, modelMaxPixels: modelMaxPixels,
                                           repeat: common.repeatCount)
            print(common.json ? BenchReport.json(rows, context: ["frame": frame.label])
                  : BenchReport.table(rows, title: "\(frame.label); 2 workers x \(common.threads) threads; --model-max-pixels \(modelMaxPixels); median ms of \(common.repeatCount)"))
        }
    }

    struct IsolationCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "isolation",
            abstract: "What decode isolation costs a cold 8K zoom (put + zoom + release of an unseen JPEG), against --no-decode-isolation, in one run.")

        @Option(help: "Image to put (default: a synthetic 8K photo-like JPEG).")
        var image: String?

        @Option(help: "Cold zooms per daemon.")
        var calls: Int = 20

        @Option(help: "Seconds between calls (0: back to back, faster than spares warm up).")
        var gap: Double = 0.5

        @Option(help: "Worker processes of each daemon.")
        var workers: Int = 2

        @Option(help: "Kernel threads per worker.")
        var threads: Int = 2

        func run() throws {
            try Codec.initialize()
            let frame = try BenchFrame.load(path: image)
            let jpeg = try BenchFrame.jpeg(path: image, frame: frame.pixels)
            print("\(frame.label); two daemons started here, \(workers) workers x \(threads) threads; \(calls) cold zooms each, \(gap) s apart")
            let result = try IsolationBench.run(jpeg: jpeg, width: frame.pixels.width, height: frame.pixels.height, calls: calls,
                                                gap: gap, workers: workers, threads: threads)
            print(result.text)
        }
    }

    struct CodeBenchCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "code",
            abstract: "The code tool on a cached 8K JPEG through the socket, beside a fresh Python process per call and a warm in-process exec (Benchmarks/code_peers.py), and what a session costs.")

        @Option(help: "Image to put (default: a synthetic 8K photo-like JPEG).")
        var image: String?

        @Option(help: "Timed calls per snippet (Fovea and the warm exec).")
        var calls: Int = 30

        @Option(name: .customLong("fresh-calls"), help: "Fresh-process calls per snippet (each takes a second or two).")
        var freshCalls: Int = 5

        @Option(help: "Seconds of the eight parallel sessions.")
        var seconds: Double = 5

        @Option(help: "Worker processes of the daemon started here.")
        var workers: Int = 2

        @Option(name: .customLong("code-python"), help: "The code tool's Python (default: .venv-code of the repository).")
        var python: String?

        func run() throws {
            guard let repository = CodeOptions.repositoryDirectory() else {
                throw ValidationError("the repository (runner/, Benchmarks/code_peers.py) was not found beside this binary")
            }
            let python = self.python ?? repository + "/.venv-code/bin/python"
            try Codec.initialize()
            let frame = try BenchFrame.load(path: image)
            let jpeg = try BenchFrame.jpeg(path: image, frame: frame.pixels)
            let daemon = try BenchDaemon(socket: nil, arguments: ["--workers", String(workers), "--code-python", python])
            defer { daemon.stop() }
            print("\(frame.label); daemon started here, \(workers) workers; Python \(python)")
            let result = try CodeBench.run(daemon: daemon, jpeg: jpeg, python: python, peers: repository + "/Benchmarks/code_peers.py",
                                           calls: calls, freshCalls: freshCalls, seconds: seconds)
            print(result.text)
        }
    }

    struct FairnessCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fairness",
            abstract: "A lone caller's zoom latency while another connection keeps a batch of zooms in flight, with --scheduling fifo and fair.")

        @Option(help: "Image to put (default: a synthetic 8K photo-like JPEG).")
        var image: String?

        @Option(help: "Zoom calls the batch connection keeps in flight.")
        var batch: Int = 24

        @Option(help: "Seconds per scheduling.")
        var seconds: Double = 10

        @Option(help: "Worker processes of each daemon started here.")
        var workers: Int = 2

        @Option(help: "Kernel threads per worker.")
        var threads: Int = 2

        func run() throws {
            try Codec.initialize()
            let frame = try BenchFrame.load(path: image)
            let jpeg = try BenchFrame.jpeg(path: image, frame: frame.pixels)
            print("\(frame.label); daemons started here, \(workers) workers x \(threads) threads")
            var results: [FairnessBench.Result] = []
            for scheduling in ["fifo", "fair"] {
                let daemon = try BenchDaemon(socket: nil, arguments: ["--workers", String(workers), "--threads", String(threads),
                                                                      "--scheduling", scheduling])
                defer { daemon.stop() }
                let result = try FairnessBench.run(daemon: daemon, scheduling: scheduling, jpeg: jpeg, width: frame.pixels.width,
                                                   height: frame.pixels.height, batch: batch, seconds: seconds)
                print(result.text)
                results.append(result)
            }
            let (fifo, fair) = (results[0], results[1])
            print(String(format: "fair / fifo: lone caller p50 %.2fx, p99 %.2fx; batch throughput %.2fx",
                         fair.lone.p50 / fifo.lone.p50, fair.lone.p99 / fifo.lone.p99,
                         fair.batchCallsPerSecond / fifo.batchCallsPerSecond))
        }
    }

    struct LatencyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "latency",
            abstract: "Warm zoom calls on a cached 8K image (about 0.75 MP JPEG out) through the real socket: calls/s, p50, p99.")

        @Option(help: "Image to put (default: a synthetic 8K photo-like JPEG).")
        var image: String?

        @Option(help: "Concurrent clients, each with its own connection (comma-separated for several runs).")
        var clients: String = "1,8"

        @Option(help: "Seconds per run.")
        var seconds: Double = 10

        @Option(help: "Use a running daemon on this socket instead of starting one.")
        var socket: String?

        @Option(help: "Worker processes of the daemon started here.")
        var workers: Int = 2

        @Option(help: "Kernel threads per worker of the daemon started here (as `fovea serve`).")
        var threads: Int = 2

        @Option(parsing: .unconditional, help: "Extra `fovea serve` arguments for the daemon started here.")
        var serveArguments: String = ""

        @Flag(help: "Ask for the JPEG as bytes after the answer line (binary images, what the Python client asks for) instead of base64 in the JSON.")
        var binaryImages = false

        func run() throws {
            try Codec.initialize()
            let frame = try BenchFrame.load(path: image)
            let jpeg = try BenchFrame.jpeg(path: image, frame: frame.pixels)
            let extra = serveArguments.split(separator: " ").map(String.init)
            let daemon = try BenchDaemon(socket: socket, arguments: ["--workers", String(workers), "--threads", String(threads)] + extra)
            defer { daemon.stop() }
            print("\(frame.label); daemon: \(socket ?? "started here, \(workers) workers x \(threads) threads \(serveArguments)")")
            for count in clients.split(separator: ",").compactMap({ Int($0) }) {
                let result = try LatencyBench.run(daemon: daemon, jpeg: jpeg, width: frame.pixels.width, height: frame.pixels.height,
                                                  clients: count, seconds: seconds, binaryImages: binaryImages)
                print(result.text + (binaryImages ? "; binary images" : ""))
            }
        }
    }
}
