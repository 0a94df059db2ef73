/// Qwen's function-calling prompt, word for word as Qwen-Agent's `NousFnCallPrompt`
/// (`FN_CALL_TEMPLATE`) and the Qwen2.5/Qwen3(-VL) chat templates write it: each tool is one
/// line, `json.dumps({"type": "function", "function": {name, description, parameters}},
/// ensure_ascii=False)` (Python's `", "` and `": "` separators, keys in that order). The model
/// answers `<tool_call>\n{"name": …, "arguments": …}\n</tool_call>` and reads the result in
/// `<tool_response>…</tool_response>`.
enum QwenToolPrompt {
    static func text(_ tools: [ToolDefinition]) -> String {
        """
        # Tools

        You may call one or more functions to assist with the user query.

        You are provided with function signatures within <tools></tools> XML tags:
        <tools>
        \(tools.map(line).joined(separator: "\n"))
        </tools>

        For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:
        <tool_call>
        {"name": <function-name>, "arguments": <args-json-object>}
        </tool_call>
        """
    }

    /// One tool as Qwen-Agent dumps it.
    static func line(_ tool: ToolDefinition) -> String {
        var out: [UInt8] = []
        out.append(contentsOf: #"{"type": "function", "function": {"name": "#.utf8)
        JSONWriter.writeString(tool.name, into: &out)
        out.append(contentsOf: #", "description": "#.utf8)
        JSONWriter.writeString(tool.description, into: &out)
        out.append(contentsOf: #", "parameters": "#.utf8)
        JSONWriter.writeSpaced(tool.inputSchema, into: &out)
        out.append(contentsOf: "}}".utf8)
        return String(decoding: out, as: UTF8.self)
    }
}
