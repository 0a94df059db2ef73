import Testing
@testable import FoveaProtocol

/// `fovea tools --format`: the shapes OpenAI-compatible servers and Qwen/R1V4 prompts expect.
@Suite struct ToolFormatTests {
    @Test func openAIToolsAreFunctionsWithTheInputSchemaAsParameters() throws {
        let tools = try JSONParser.parse(ToolFormat.openai.render(ToolCatalog.all)).arrayValue ?? []
        #expect(tools.count == ToolCatalog.all.count)
        for (tool, definition) in zip(tools, ToolCatalog.all) {
            #expect(tool["type"] == "function")
            #expect(tool["function"]?["name"] == .string(definition.name))
            #expect(tool["function"]?["parameters"] == definition.inputSchema)
            #expect(tool["function"]?["description"]?.stringValue?.isEmpty == false)
        }
    }

    /// Qwen-Agent writes each tool with `json.dumps` (", " and ": "), `type` before `function`
    /// and `name`, `description`, `parameters` in that order.
    @Test func qwenLinesAreWrittenAsPythonsJsonDumps() throws {
        let zoom = QwenToolPrompt.line(ZoomRequest.definition)
        #expect(zoom.hasPrefix(#"{"type": "function", "function": {"name": "zoom", "description": ""#))
        #expect(zoom.contains(#""parameters": {"additionalProperties": false, "properties": {"#))
        #expect(try JSONParser.parse(zoom)["function"]?["parameters"] == ZoomRequest.definition.inputSchema)
        let text = ToolFormat.qwen.render([ZoomRequest.definition, CodeArguments.definition])
        #expect(text.hasPrefix("# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{"))
        #expect(text.hasSuffix("}\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>"))
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("{\"type\": \"function\"") }.count == 2)
    }

    @Test func r1v4ExampleCallsAreJSONWithEveryRequiredArgument() throws {
        let text = ToolFormat.r1v4.render(ToolCatalog.all)
        let calls = text.split(separator: "\n").filter { $0.hasPrefix("- <think>...</think><tool_call>") }
        #expect(calls.count == ToolCatalog.all.count)
        for (line, tool) in zip(calls, ToolCatalog.all) {
            let json = line.dropFirst("- <think>...</think><tool_call>".count).dropLast("</tool_call>".count)
            let call = try JSONParser.parse(String(json))
            #expect(call["name"] == .string(tool.name))
            for parameter in tool.parameters where parameter.required { #expect(call["arguments"]?[parameter.name] != nil, "\(tool.name) \(parameter.name)") }
        }
        #expect(text.hasPrefix("Answer the user's question based on the provided image. Here are some tools you can use if needed:\n1. "))
        #expect(text.hasSuffix("- <think>...</think><answer>your answer here</answer>\nYOU MUST include your reasoning within <think>...</think> before taking any action."))
    }
}
