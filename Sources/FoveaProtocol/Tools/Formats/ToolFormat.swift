/// How `fovea tools --format` describes the tools: as MCP lists them, as OpenAI-compatible
/// chat APIs take them, or as the prompt text a model family was trained to read.
///
/// ```swift
/// print(ToolFormat.qwen.render(ToolCatalog.all))   // paste after the system prompt
/// ```
public enum ToolFormat: String, CaseIterable, Sendable {
    /// The `tools/list` result: `{"tools": [{name, title, description, inputSchema, outputSchema}]}`.
    case mcp
    /// OpenAI function calling (`tools` of a chat completion request; vLLM, SGLang):
    /// `[{"type": "function", "function": {name, description, parameters}}]`.
    case openai
    /// Qwen's function-calling prompt (Qwen-Agent's `NousFnCallPrompt`, the Qwen2.5/Qwen3 chat
    /// templates): the `# Tools` block with one JSON line per tool inside `<tools></tools>`.
    case qwen
    /// Skywork-R1V4's system prompt (its paper's Table 1) with Fovea's tools in its words:
    /// `<think>`, `<tool_call>{json}</tool_call>`, `<observation>`, `<answer>`.
    case r1v4

    /// The text to print for `tools` (in `tools/list` order).
    public func render(_ tools: [ToolDefinition]) -> String {
        switch self {
        case .mcp: return JSONWriter.string(.object(["tools": .array(tools.map(\.listing))]))
        case .openai: return JSONWriter.string(.array(tools.map(\.openAIFunction)))
        case .qwen: return QwenToolPrompt.text(tools)
        case .r1v4: return R1V4ToolPrompt.text(tools)
        }
    }
}

extension ToolDefinition {
    /// `{"type": "function", "function": {name, description, parameters}}`: an OpenAI
    /// chat-completions tool, whose `parameters` is the MCP `inputSchema`.
    public var openAIFunction: JSONValue {
        ["type": "function", "function": ["name": .string(name), "description": .string(description), "parameters": inputSchema]]
    }
}
