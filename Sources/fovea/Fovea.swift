import ArgumentParser

@main
struct Fovea: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fovea",
        abstract: "Image tools for vision-language agents that think with images.",
        discussion: """
            Fovea is a daemon that agent servers talk to over a Unix socket in JSON-RPC (MCP \
            framing). It decodes untrusted images inside sandboxed worker processes and runs \
            crop, zoom and friends on them. Start it with `fovea serve` (or `fovea mcp` for an MCP client \
            that launches it over stdio); try it with `fovea call`.
            """,
        subcommands: [Serve.self, Mcp.self, Call.self, Tools.self, Replay.self, Bench.self, Fuzz.self, Policy.self, Worker.self])
}
