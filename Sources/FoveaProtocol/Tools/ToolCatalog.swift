/// Every tool Fovea serves (SPEC §3), in `tools/list` order.
public enum ToolCatalog {
    public static let all: [ToolDefinition] = [
        ZoomRequest.definition, CropRequest.definition, RotateRequest.definition, EnhanceRequest.definition,
        TileRequest.definition, AnnotateRequest.definition, InspectRequest.definition, PipelineRequest.definition,
    ]

    /// The tool called `name` or one of its aliases.
    public static func definition(named name: String) -> ToolDefinition? {
        all.first { $0.name == name || $0.aliases.contains(name) }
    }

    /// The `tools/list` result.
    public static var listResult: JSONValue {
        .object(["tools": .array(all.map(\.listing))])
    }
}
