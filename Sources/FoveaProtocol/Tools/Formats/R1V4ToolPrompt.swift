/// Skywork-R1V4's system prompt for thinking with images (Table 1 of its report, the words
/// its model was trained on), with Fovea's tools in place of its search tools. R1V4 writes
/// `<think>…</think><tool_call>{"name": …, "arguments": {…}}</tool_call>` on one line, reads
/// results in `<observation>…</observation>` and ends with `<answer>…</answer>`. The code tool
/// keeps R1V4's own sentence; each image tool gets its description, its arguments' JSON
/// Schema and an example call whose arguments parse as JSON.
enum R1V4ToolPrompt {
    static func text(_ tools: [ToolDefinition]) -> String {
        var lines = ["Answer the user's question based on the provided image. Here are some tools you can use if needed:"]
        for (index, tool) in tools.enumerated() {
            lines.append("\(index + 1). " + summary(tool))
        }
        lines.append("All code execution outputs and tool results will be placed within <observation>...</observation> and returned to you.")
        lines.append("Output format options:")
        for tool in tools {
            lines.append("- <think>...</think><tool_call>{\"name\": \"\(tool.name)\", \"arguments\": \(JSONWriter.spacedString(example(tool)))}</tool_call>")
        }
        lines.append("- <think>...</think><answer>your answer here</answer>")
        lines.append("YOU MUST include your reasoning within <think>...</think> before taking any action.")
        return lines.joined(separator: "\n")
    }

    static func summary(_ tool: ToolDefinition) -> String {
        if ToolCatalog.isCode(tool.name) {
            return "Code execution. You can write Python code inside <code>...</code> to perform image operations (such as cropping, resizing, rotating, color adjustment, denoising, enhancement, etc.) before further processing. The image is the PIL image `image` (and `image_1`, `image_2`, … for more), and a file at its path."
        }
        return "\(tool.title) (\(tool.name)). \(tool.description) Arguments (JSON Schema): \(JSONWriter.spacedString(tool.inputSchema))"
    }

    /// The tool's required arguments with illustrative values.
    static func example(_ tool: ToolDefinition) -> JSONValue {
        var arguments: [String: JSONValue] = [:]
        for parameter in tool.parameters where parameter.required {
            arguments[parameter.name] = exampleValue(parameter)
        }
        return .object(arguments)
    }

    static func exampleValue(_ parameter: ToolParameter) -> JSONValue {
        switch parameter.name {
        case "code": return "your python code here"
        case "image": return "the image's img:<sha256> handle"
        case "bbox_2d": return [100, 200, 400, 500]
        case "steps": return [["tool": "zoom", "arguments": ["bbox_2d": [100, 200, 400, 500]]]]
        default:
            switch parameter.schema["type"]?.stringValue {
            case "number", "integer": return 1
            case "boolean": return true
            case "array": return []
            case "object": return [:]
            default: return .string("your \(parameter.name) here")
            }
        }
    }
}
