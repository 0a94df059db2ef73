import ArgumentParser
import FoveaServer

struct Mcp: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve MCP on stdin/stdout, for clients that launch their servers.",
        discussion: """
            The same JSON-RPC lines, methods, tools, workers and sandbox as `fovea serve`, on \
            standard input and output instead of a socket (logs go to standard error). Exits once \
            standard input ends and every answer has been written. Example client entry: \
            {"command": "fovea", "args": ["mcp", "--preset", "qwen2.5-vl"]}.
            """)

    @OptionGroup var options: DaemonOptions

    func run() throws {
        StopSignals.block()  // before any thread starts: see StopSignals
        let server = try options.makeServer(socketPath: ServerConfiguration.defaultSocketPath)
        try server.startStandardIO()
        try options.runUntilStopped(server)
    }
}
