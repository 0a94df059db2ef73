/// One argument of a tool: its JSON Schema and whether it is required.
public struct ToolParameter: Sendable {
    public var name: String
    public var schema: JSONValue
    public var required: Bool

    public init(_ name: String, required: Bool = false, schema: JSONValue) {
        self.name = name
        self.required = required
        self.schema = schema
    }
}

/// A tool as `tools/list` shows it; argument checking reads the same parameter list, so the
/// schema and the validation cannot drift apart.
public struct ToolDefinition: Sendable {
    public var name: String
    /// Other names `tools/call` accepts (not listed by `tools/list`).
    public var aliases: [String]
    public var title: String
    public var description: String
    public var parameters: [ToolParameter]
    /// The JSON Schema of the result's `structuredContent` (MCP 2025-06-18 `Tool.outputSchema`);
    /// a successful result conforms to it. Failed calls (`isError: true`) carry no
    /// `structuredContent`.
    public var outputSchema: JSONValue? = nil

    public var parameterNames: [String] { parameters.map(\.name) }

    /// The MCP `inputSchema`: a JSON Schema object with `additionalProperties: false`.
    public var inputSchema: JSONValue {
        var properties: [String: JSONValue] = [:]
        for parameter in parameters { properties[parameter.name] = parameter.schema }
        return .object([
            "type": "object",
            "properties": .object(properties),
            "required": .array(parameters.filter(\.required).map { .string($0.name) }),
            "additionalProperties": false,
        ])
    }

    /// The entry in `tools/list`.
    public var listing: JSONValue {
        var entry: [String: JSONValue] = ["name": .string(name), "title": .string(title), "description": .string(description),
                                          "inputSchema": inputSchema]
        if let outputSchema { entry["outputSchema"] = outputSchema }
        return .object(entry)
    }
}

/// Schemas shared by several tools.
public enum CommonParameters {
    public static let image = ToolParameter("image", required: true, schema: [
        "type": "string",
        "description": "The image: an img:<sha256> handle from images/put or from an earlier result, or a data URL (data:image/png;base64,...).",
    ])

    public static func box(required: Bool, purpose: String) -> ToolParameter {
        ToolParameter("bbox_2d", required: required, schema: [
            "type": "array", "items": ["type": "number"], "minItems": 4, "maxItems": 4,
            "description": .string("[x1, y1, x2, y2] of \(purpose), in the coordinate system given by coords (default rel1000: 0-1000 of the image's width and height). x2 > x1, y2 > y1."),
        ])
    }

    public static let coords = ToolParameter("coords", schema: [
        "type": "string", "enum": .array(CoordinateSystem.allCases.map { .string($0.rawValue) }),
        "description": "Coordinate system of boxes: rel1000 (0-1000 of width/height), pixel (pixels of the image), norm (0-1). Default: the server's.",
    ])

    public static let format = ToolParameter("format", schema: [
        "type": "string", "enum": .array(OutputFormat.allCases.map { .string($0.rawValue) }),
        "description": "Encoding of the returned image (default jpeg). raw returns 8-bit pixels; structuredContent gives width, height and bands.",
    ])

    public static let quality = ToolParameter("quality", schema: [
        "type": "integer", "minimum": 1, "maximum": 100,
        "description": "JPEG/WebP quality, 1-100 (default 95).",
    ])

    public static let output: [ToolParameter] = [format, quality]
}
