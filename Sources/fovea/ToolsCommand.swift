import ArgumentParser
import FoveaProtocol

struct Tools: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the tools: MCP schemas, OpenAI function-calling tools, or a model family's prompt text.",
        discussion: """
            --format mcp: the MCP tools/list result (inputSchema and outputSchema of each tool). \
            openai: the tools array of an OpenAI-compatible chat request (vLLM, SGLang). \
            qwen: the "# Tools ... <tools></tools>" block Qwen's chat templates and Qwen-Agent \
            put in the system prompt. r1v4: Skywork-R1V4's system prompt with these tools \
            (<think>, <tool_call>, <observation>, <answer>). The code tool is included unless \
            --no-code (a daemon lists it only when it has a Python environment).
            """)

    @Option(help: "mcp, openai, qwen or r1v4.")
    var format: ToolFormat = .mcp

    @Option(name: .customLong("tool"), help: "Only this tool (repeatable; default: every tool).")
    var only: [String] = []

    @Flag(name: .customLong("no-code"), help: "Leave out the code tool.")
    var noCode = false

    func validate() throws {
        for name in only where ToolCatalog.definition(named: name) == nil {
            throw ValidationError("--tool \(name) is not a tool; tools: \(ToolCatalog.all.map(\.name).joined(separator: ", "))")
        }
    }

    func run() throws {
        var tools = ToolCatalog.tools(includingCode: !noCode)
        if !only.isEmpty {
            let names = Set(only.compactMap { ToolCatalog.definition(named: $0)?.name })
            tools = tools.filter { names.contains($0.name) }
        }
        print(format.render(tools))
    }
}

extension ToolFormat: ExpressibleByArgument {}
