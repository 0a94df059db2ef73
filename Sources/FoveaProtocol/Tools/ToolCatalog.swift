/// Every tool Fovea serves (SPEC §3, §3.1), in `tools/list` order.
///
/// The image tools are always there; the `code` tool only where the daemon has a Python to run
/// it in, so listing takes `includingCode`. ``ToolCall/parse(params:defaults:)`` parses the
/// image tools; the `code` tool's arguments are ``CodeArguments/parse(_:defaults:)``'s.
public enum ToolCatalog {
    public static let imageTools: [ToolDefinition] = [
        ZoomRequest.definition, CropRequest.definition, RotateRequest.definition, EnhanceRequest.definition,
        TileRequest.definition, AnnotateRequest.definition, InspectRequest.definition, PipelineRequest.definition,
    ]

    /// `code` (alias `python`).
    public static let code = CodeArguments.definition

    /// Every tool, the code tool last.
    public static let all: [ToolDefinition] = imageTools + [code]

    /// The tools a daemon lists: the image tools, and `code` when it can run Python.
    public static func tools(includingCode: Bool) -> [ToolDefinition] {
        includingCode ? all : imageTools
    }

    /// The tool called `name` or one of its aliases, the code tool included.
    public static func definition(named name: String) -> ToolDefinition? {
        all.first { $0.name == name || $0.aliases.contains(name) }
    }

    /// The image tool called `name` or one of its aliases.
    public static func imageTool(named name: String) -> ToolDefinition? {
        imageTools.first { $0.name == name || $0.aliases.contains(name) }
    }

    /// Whether `name` is the code tool or its alias.
    public static func isCode(_ name: String) -> Bool {
        name == code.name || code.aliases.contains(name)
    }

    /// The `tools/list` result.
    public static func listResult(includingCode: Bool) -> JSONValue {
        .object(["tools": .array(tools(includingCode: includingCode).map(\.listing))])
    }

    /// The `tools/list` result of a daemon without the code tool.
    public static var listResult: JSONValue { listResult(includingCode: false) }
}
