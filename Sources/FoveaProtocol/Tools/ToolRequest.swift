/// Server-wide defaults a call may override (`--preset`, `--coords`, `--format`, `--quality`).
public struct ToolDefaults: Sendable, Equatable {
    public var preset: Preset
    public var coords: CoordinateSystem
    public var output: OutputOptions

    public init(preset: Preset = .qwen3VL, coords: CoordinateSystem? = nil, output: OutputOptions = OutputOptions()) {
        self.preset = preset
        self.coords = coords ?? preset.coords
        self.output = output
    }
}

/// A validated tool's own arguments (the image and output options live in ``ToolCall``).
public enum ToolRequest: Sendable, Equatable {
    case zoom(ZoomRequest)
    case crop(CropRequest)
    case inspect(InspectRequest)
    case rotate(RotateRequest)
    case enhance(EnhanceRequest)
    case tile(TileRequest)
    case annotate(AnnotateRequest)
    case pipeline(PipelineRequest)

    public var toolName: String {
        switch self {
        case .zoom: return "zoom"
        case .crop: return "crop"
        case .inspect: return "inspect"
        case .rotate: return "rotate"
        case .enhance: return "enhance"
        case .tile: return "tile"
        case .annotate: return "annotate"
        case .pipeline: return "pipeline"
        }
    }

    /// Plans a one-image step on an input of `input`'s shape (zoom, crop, rotate, enhance, annotate).
    func stepPlan(input: ImageShape, defaults: ToolDefaults) throws(ToolError) -> StepPlan? {
        switch self {
        case .zoom(let request): return try request.plan(input: input, defaults: defaults)
        case .crop(let request): return try request.plan(input: input, defaults: defaults)
        case .rotate(let request): return try request.plan(input: input, defaults: defaults)
        case .enhance(let request): return try request.plan(input: input, defaults: defaults)
        case .annotate(let request): return try request.plan(input: input, defaults: defaults)
        case .inspect, .tile, .pipeline: return nil
        }
    }
}

/// A validated `tools/call`: the image, the tool's request and how to encode the result.
public struct ToolCall: Sendable, Equatable {
    public var image: ImageReference
    public var request: ToolRequest
    public var output: OutputOptions

    public var toolName: String { request.toolName }

    /// Validates `tools/call` params (`name`, `arguments`) of an image tool; `code` is not one
    /// (a daemon that runs code routes it to ``CodeArguments/parse(_:defaults:)`` first).
    public static func parse(params: [String: JSONValue], defaults: ToolDefaults) throws(ToolCallError) -> ToolCall {
        guard case .string(let name)? = params["name"] else {
            throw .protocolError(RPCError(.invalidParams, "tools/call needs params.name, the tool's name (a string); see tools/list"))
        }
        guard let tool = ToolCatalog.imageTool(named: name) else {
            let names = ToolCatalog.imageTools.map(\.name).joined(separator: ", ")
            throw .protocolError(RPCError(.invalidParams, "Unknown tool: \(name); tools are \(names)"))
        }
        let values: [String: JSONValue]
        switch params["arguments"] {
        case nil, .null?: values = [:]
        case .object(let members)?: values = members
        case let other?:
            throw .protocolError(RPCError(.invalidParams, "tools/call params.arguments must be an object; received \(other.typeName)"))
        }
        do {
            return try ToolRequest.parse(tool: tool, arguments: ToolArguments(tool: tool, values: values), defaults: defaults)
        } catch {
            throw .tool(error)
        }
    }
}

/// Why a `tools/call` was refused: a protocol error (unknown tool, params of the wrong shape)
/// or a tool error the model should read.
public enum ToolCallError: Error, Sendable, Equatable {
    case protocolError(RPCError)
    case tool(ToolError)
}

extension ToolRequest {
    static func parse(tool: ToolDefinition, arguments: ToolArguments, defaults: ToolDefaults) throws(ToolError) -> ToolCall {
        let image = try arguments.image()
        let coords = try arguments.choice("coords", as: CoordinateSystem.self) ?? defaults.coords
        let request: ToolRequest
        switch tool.name {
        case ZoomRequest.definition.name: request = .zoom(try ZoomRequest.parse(arguments, coords: coords))
        case CropRequest.definition.name: request = .crop(try CropRequest.parse(arguments, coords: coords))
        case InspectRequest.definition.name: request = .inspect(try InspectRequest.parse(arguments, coords: coords))
        case RotateRequest.definition.name: request = .rotate(try RotateRequest.parse(arguments))
        case EnhanceRequest.definition.name: request = .enhance(try EnhanceRequest.parse(arguments, coords: coords))
        case TileRequest.definition.name: request = .tile(try TileRequest.parse(arguments, coords: coords))
        case AnnotateRequest.definition.name: request = .annotate(try AnnotateRequest.parse(arguments, coords: coords))
        case PipelineRequest.definition.name: request = .pipeline(try PipelineRequest.parse(arguments, defaults: defaults))
        default: preconditionFailure("ToolRequest.parse: \(tool.name) has no parser")
        }
        let takesOutput = tool.parameterNames.contains("format")
        return ToolCall(image: image, request: request,
                        output: takesOutput ? try arguments.output(defaults: defaults.output) : defaults.output)
    }
}
