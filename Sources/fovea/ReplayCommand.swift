import ArgumentParser
import Foundation
import FoveaReplay
import FoveaServer

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-run recorded tool calls through a daemon and write an HTML report.",
        discussion: """
            FILE is the R1V4 toolkit's result JSONL (r1v4/batch_*.py: {image, question, response: \
            {full_response}}) or Fovea's own trajectory log (the --trajectory-log directory of \
            `fovea serve`/`fovea mcp`, one segment of it, or a segment's calls.jsonl). Every call \
            to a Fovea tool (code included) is sent again to the daemon at --socket; the report \
            shows per case the question and per round the thinking, the call, the recorded and \
            replayed observation (text, images, time), and marks each round whose replay differs. \
            The report is one HTML file with every image inline. Replay against a daemon started \
            with the options of the one that recorded (the log's header names them). Example:
              fovea replay results.jsonl --html report.html --images ./r1v4
            """)

    @Argument(help: "The R1V4 toolkit's result JSONL, or a Fovea trajectory-log directory or calls.jsonl.")
    var file: String

    @Option(help: "Where to write the report.")
    var html: String

    @Option(help: "Socket path of the daemon (default: as `fovea serve`).")
    var socket: String?

    @Option(help: "Directory that relative image paths of R1V4 results are read from (default: the JSONL's directory, then the working directory).")
    var images: String?

    @Option(name: .customLong("max-cases"), help: "Replay at most this many cases (the first ones).")
    var maxCases: Int?

    @Flag(name: .customLong("fail-on-difference"), help: "Exit with status 3 when any replayed round differs from its recording.")
    var failOnDifference = false

    @Flag(help: "Print nothing but the summary line.")
    var quiet = false

    func validate() throws {
        if let maxCases, maxCases < 1 { throw ValidationError("--max-cases must be at least 1, got \(maxCases)") }
    }

    func run() throws {
        let socketPath = socket ?? ServerConfiguration.defaultSocketPath
        var (kind, cases) = try ReplaySource.load(path: file, imageDirectory: images)
        if let maxCases { cases = Array(cases.prefix(maxCases)) }
        let replayer = try Replayer(socketPath: socketPath)
        for index in cases.indices {
            try replayer.replay(&cases[index]) { line in if !quiet { print(line) } }
        }
        let page = ReplayReport.html(cases, summary: .init(source: file, kind: kind, socket: socketPath))
        guard FileManager.default.createFile(atPath: html, contents: Data(page.utf8)) else {
            throw ValidationError("cannot write --html \(html)")
        }
        let counts = ReplayReport.counts(cases)
        print("\(cases.count) cases, \(counts.replayed) rounds replayed: \(counts.same) the same, \(counts.different) different; \(counts.skipped) not replayed; report: \(html)")
        if failOnDifference && counts.different > 0 { throw ExitCode(3) }
    }
}

extension ReplayError: LocalizedError {
    public var errorDescription: String? { description }
}
