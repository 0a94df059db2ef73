/// The JSON Schemas of the image tools' `structuredContent` (``ToolResult``), listed as each
/// tool's MCP `outputSchema`. Every field a result always has is required; fields that depend
/// on the call (a label, a region, a flip) are described but optional; no schema forbids
/// extra fields, so a field added later does not make a strict client reject a result.
enum ToolOutputSchemas {
    static let string: JSONValue = ["type": "string"]
    static let integer: JSONValue = ["type": "integer"]
    static let number: JSONValue = ["type": "number"]
    static let boolean: JSONValue = ["type": "boolean"]
    static let numbers: JSONValue = ["type": "array", "items": number]
    static let integers: JSONValue = ["type": "array", "items": integer]
    static let coords: JSONValue = ["type": "string", "enum": .array(CoordinateSystem.allCases.map { .string($0.rawValue) })]

    static func object(_ properties: [String: JSONValue], required: [String]) -> JSONValue {
        ["type": "object", "properties": .object(properties), "required": .array(required.map(JSONValue.string))]
    }

    /// The image the call read.
    static let source = object(["image": string, "width": integer, "height": integer], required: ["image", "width", "height"])

    /// The returned image (``ProducedImage``).
    static let imageFields: [String: JSONValue] = [
        "image": ["type": "string", "description": "The result's img:<sha256> handle, usable in later calls."],
        "width": integer, "height": integer, "bands": integer, "format": string,
    ]
    static let imageRequired = ["image", "width", "height", "bands", "format"]

    /// A resolved box (``StepText/describe(_:into:)``).
    static let boxFields: [String: JSONValue] = [
        "coords": coords,
        "bbox_2d": ["type": "array", "items": number, "description": "The box in the caller's coordinate system (after growing or clipping)."],
        "bbox_px": ["type": "array", "items": integer, "description": "The box in pixels of the source image."],
        "requested_bbox_2d": numbers, "grown": boolean, "clipped": boolean,
    ]
    static let boxRequired = ["coords", "bbox_2d", "bbox_px", "grown", "clipped"]

    static func step(_ extra: [String: JSONValue], required: [String]) -> JSONValue {
        object(imageFields.merging(extra) { $1 }.merging(["source": source]) { $1 }, required: ["source"] + imageRequired + required)
    }

    static let zoom = step(boxFields.merging(["label": string]) { $1 }, required: boxRequired)
    static let crop = step(boxFields.merging(["downscaled": boolean]) { $1 }, required: boxRequired + ["downscaled"])
    static let rotate = step(["angle": number, "expand": boolean, "interpolation": string, "flip": string],
                             required: ["angle", "expand", "interpolation"])
    static let enhance = step(boxFields.merging(["adjustments": ["type": "object", "description": "Each adjustment applied and its value."]]) { $1 },
                              required: ["adjustments"])
    static let annotate = step(["drawn": object(["boxes": integer, "points": integer, "lines": integer], required: ["boxes", "points", "lines"])],
                               required: ["drawn"])
    static let pipeline = step(["steps": ["type": "array", "items": object(
        boxFields.merging(["tool": string, "width": integer, "height": integer, "label": string, "downscaled": boolean, "angle": number,
                           "expand": boolean, "interpolation": string, "flip": string, "adjustments": ["type": "object"],
                           "drawn": ["type": "object"]]) { $1 },
        required: ["tool", "width", "height"])]], required: ["steps"])

    static let tile = object([
        "source": source,
        "tiles": ["type": "array", "items": object(imageFields.merging([
            "row": integer, "column": integer, "bbox_2d": numbers, "bbox_px": integers,
        ]) { $1 }, required: imageRequired + ["row", "column", "bbox_2d", "bbox_px"])],
        "grid": integers, "coords": coords, "overlap": number, "region_px": integers, "tile_size": integers,
    ], required: ["source", "tiles", "grid", "coords", "overlap"])

    static let inspect = object([
        "source": source, "image": string, "width": integer, "height": integer, "bands": integer, "format": string,
        "orientation": integer, "region_px": integers, "coords": coords, "bbox_2d": numbers, "bbox_px": integers,
        "channels": ["type": "array", "items": object([
            "name": string, "mean": number, "std": number, "min": integer, "max": integer, "histogram": integers,
        ], required: ["name", "mean", "std", "min", "max", "histogram"])],
    ], required: ["source", "image", "width", "height", "bands", "format", "orientation", "region_px", "channels"])
}
