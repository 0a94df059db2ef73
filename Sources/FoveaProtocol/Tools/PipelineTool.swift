/// `pipeline`: several tool steps run in one worker, each on the previous step's output, with
/// intermediates kept in memory; only the final image is encoded and returned.
public struct PipelineRequest: Sendable, Equatable {
    public var steps: [ToolRequest]

    public static let stepTools = ["zoom", "crop", "rotate", "enhance", "annotate"]

    public static let definition = ToolDefinition(
        name: "pipeline", aliases: [], title: "Pipeline",
        description: "Run several steps (zoom, crop, rotate, enhance, annotate) in one call, each on the previous step's output (its boxes are in that output's coordinates); only the final image is returned.",
        parameters: [
            CommonParameters.image,
            ToolParameter("steps", required: true, schema: [
                "type": "array", "minItems": 1, "maxItems": .int(ToolLimits.maximumPipelineSteps),
                "items": ["type": "object", "required": ["tool"], "properties": [
                    "tool": ["type": "string", "enum": .array(stepTools.map { .string($0) })],
                    "arguments": ["type": "object", "description": "The step tool's arguments without image, format or quality."],
                ]],
                "description": "The steps, in order: [{tool: \"zoom\", arguments: {bbox_2d: [...]}}, {tool: \"enhance\", arguments: {contrast: 1.5}}].",
            ]),
        ] + CommonParameters.output, outputSchema: ToolOutputSchemas.pipeline)

    static func parse(_ arguments: ToolArguments, defaults: ToolDefaults) throws(ToolError) -> PipelineRequest {
        guard case .array(let elements)? = arguments.values["steps"] else {
            throw .wrongType("steps", expected: "an array of {tool, arguments} objects", received: arguments.values["steps"] ?? .null)
        }
        guard (1...ToolLimits.maximumPipelineSteps).contains(elements.count) else {
            throw .invalid("steps", .int(elements.count), "a pipeline has 1 to \(ToolLimits.maximumPipelineSteps) steps; received \(elements.count)")
        }
        var steps: [ToolRequest] = []
        for (index, element) in elements.enumerated() {
            let name = "steps[\(index)]"
            guard case .object(let members) = element, case .string(let toolName)? = members["tool"] else {
                throw .wrongType(name, expected: "an object {tool, arguments}", received: element)
            }
            if let unknown = members.keys.sorted().first(where: { $0 != "tool" && $0 != "arguments" }) {
                throw ToolError("unknown field \(unknown) in \(name); a step has tool and arguments")
            }
            guard PipelineRequest.stepTools.contains(toolName), let tool = ToolCatalog.imageTool(named: toolName) else {
                throw .invalid("\(name).tool", .string(toolName), "a pipeline step is one of \(stepTools.joined(separator: ", "))")
            }
            var values: [String: JSONValue] = [:]
            switch members["arguments"] {
            case nil, .null?: break
            case .object(let given)?: values = given
            case let other?: throw .wrongType("\(name).arguments", expected: "an object", received: other)
            }
            for reserved in ["image", "format", "quality"] where values[reserved] != nil {
                throw ToolError("\(name).arguments.\(reserved) is not allowed: a step works on the previous step's output, and the pipeline's own format and quality encode the result")
            }
            values["image"] = .string(ImageReference.handlePrefix + String(repeating: "0", count: 64))
            do {
                steps.append(try ToolRequest.parse(tool: tool, arguments: ToolArguments(tool: tool, values: values), defaults: defaults).request)
            } catch {
                throw ToolError("\(name) (\(toolName)): \(error.message)")
            }
        }
        return PipelineRequest(steps: steps)
    }
}
