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

public struct ZoomRequest: Sendable, Equatable {
    public var image: ImageReference
    public var box: [Double]
    public var coords: CoordinateSystem
    public var label: String?
    public var padding: Double
    public var output: OutputOptions
}

public struct CropRequest: Sendable, Equatable {
    public var image: ImageReference
    public var box: [Double]
    public var coords: CoordinateSystem
    public var output: OutputOptions
}

public struct InspectRequest: Sendable, Equatable {
    public var image: ImageReference
    public var coords: CoordinateSystem
}

/// A validated `tools/call`.
public enum ToolRequest: Sendable, Equatable {
    case zoom(ZoomRequest)
    case crop(CropRequest)
    case inspect(InspectRequest)

    public var toolName: String {
        switch self {
        case .zoom: return ToolCatalog.zoom.name
        case .crop: return ToolCatalog.crop.name
        case .inspect: return ToolCatalog.inspect.name
        }
    }

    public var image: ImageReference {
        switch self {
        case .zoom(let r): return r.image
        case .crop(let r): return r.image
        case .inspect(let r): return r.image
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
    /// Validates `tools/call` params (`name`, `arguments`).
    public static func parse(params: [String: JSONValue], defaults: ToolDefaults) throws(ToolCallError) -> ToolRequest {
        guard case .string(let name)? = params["name"] else {
            throw .protocolError(RPCError(.invalidParams, "tools/call needs params.name, the tool's name (a string); see tools/list"))
        }
        guard let tool = ToolCatalog.definition(named: name) else {
            let names = ToolCatalog.all.map(\.name).joined(separator: ", ")
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
            return try parse(tool: tool, arguments: ToolArguments(tool: tool, values: values), defaults: defaults)
        } catch {
            throw .tool(error)
        }
    }

    static func parse(tool: ToolDefinition, arguments: ToolArguments, defaults: ToolDefaults) throws(ToolError) -> ToolRequest {
        let image = try arguments.image()
        let coords = try arguments.choice("coords", as: CoordinateSystem.self) ?? defaults.coords
        switch tool.name {
        case ToolCatalog.zoom.name:
            return .zoom(ZoomRequest(
                image: image, box: try arguments.box()!, coords: coords,
                label: try arguments.string("label"),
                padding: try arguments.number("padding", in: 0...1) ?? 0,
                output: try arguments.output(defaults: defaults.output)))
        case ToolCatalog.crop.name:
            return .crop(CropRequest(image: image, box: try arguments.box()!, coords: coords,
                                     output: try arguments.output(defaults: defaults.output)))
        case ToolCatalog.inspect.name:
            return .inspect(InspectRequest(image: image, coords: coords))
        default:
            preconditionFailure("ToolRequest.parse: \(tool.name) has no parser")
        }
    }
}
