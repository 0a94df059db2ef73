/// Every tool Fovea serves (SPEC §3).
public enum ToolCatalog {
    public static let zoom = ToolDefinition(
        name: "zoom", aliases: ["image_zoom_in_tool"], title: "Zoom in",
        description: "Zoom in on a region of an image: crops the box from the original at full resolution and resizes it to the model's input size. A box side smaller than the minimum grows about its centre. Returns the zoomed image and its exact box.",
        parameters: [
            CommonParameters.image,
            CommonParameters.box(required: true, purpose: "the region to zoom into"),
            ToolParameter("label", schema: [
                "type": "string", "maxLength": 200,
                "description": "What you are looking for in the region (echoed in the result).",
            ]),
            ToolParameter("padding", schema: [
                "type": "number", "minimum": 0, "maximum": 1,
                "description": "Context to add on every side, as a fraction of the box's width and height (default 0).",
            ]),
            CommonParameters.coords,
        ] + CommonParameters.output)

    public static let crop = ToolDefinition(
        name: "crop", aliases: [], title: "Crop",
        description: "Crop a region of an image at native resolution (no resizing unless the region exceeds the maximum output pixels). Returns the cropped image and its exact box.",
        parameters: [
            CommonParameters.image,
            CommonParameters.box(required: true, purpose: "the region to crop"),
            CommonParameters.coords,
        ] + CommonParameters.output)

    public static let inspect = ToolDefinition(
        name: "inspect", aliases: [], title: "Inspect",
        description: "Report an image's size, bands and source format without returning pixels.",
        parameters: [CommonParameters.image, CommonParameters.coords])

    public static let all: [ToolDefinition] = [zoom, crop, inspect]

    /// The tool called `name` or one of its aliases.
    public static func definition(named name: String) -> ToolDefinition? {
        all.first { $0.name == name || $0.aliases.contains(name) }
    }

    /// The `tools/list` result.
    public static var listResult: JSONValue {
        .object(["tools": .array(all.map(\.listing))])
    }
}
