/// `zoom` (alias `image_zoom_in_tool`): crop a box from the original and resize it to the
/// model's size.
public struct ZoomRequest: Sendable, Equatable {
    public var box: [Double]
    public var coords: CoordinateSystem
    public var label: String?
    public var padding: Double

    public static let definition = ToolDefinition(
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
        ] + CommonParameters.output, outputSchema: ToolOutputSchemas.zoom)

    static func parse(_ arguments: ToolArguments, coords: CoordinateSystem) throws(ToolError) -> ZoomRequest {
        ZoomRequest(box: try arguments.box()!, coords: coords, label: try arguments.string("label"),
                    padding: try arguments.number("padding", in: 0...1) ?? 0)
    }

    func plan(input: ImageShape, defaults: ToolDefaults) throws(ToolError) -> StepPlan {
        let box = try resolveBox(box, coords: coords, width: input.width, height: input.height,
                                 minimumSide: defaults.preset.minimumSide, padding: padding)
        let size = try modelSize(of: box, rule: defaults.preset.resize)
        var steps: [PlanStep] = [.crop(box.pixels)]
        if size.width != box.pixels.width || size.height != box.pixels.height {
            steps.append(.resize(width: size.width, height: size.height, filter: .bicubic))
        }
        return StepPlan(input: input, steps: steps, summary: .zoom(box, label: label))
    }
}

/// The model-facing size of a box under `rule` (Qwen's `smart_resize`).
func modelSize(of box: ResolvedBox, rule: SmartResizeRule, argument: String = "bbox_2d") throws(ToolError) -> (width: Int, height: Int) {
    do {
        let size = try rule.size(height: box.pixels.height, width: box.pixels.width)
        return (size.width, size.height)
    } catch {
        let received = JSONValue.array(box.requested.map(JSONValue.number))
        let ratio = Double(max(box.pixels.width, box.pixels.height)) / Double(min(box.pixels.width, box.pixels.height))
        throw .invalid(argument, received,
                       "the region is \(box.pixels.width)×\(box.pixels.height) pixels, an aspect ratio of \(formatNumber(ratio, maximumFractionDigits: 1)); the model's resize rule allows at most 200")
    }
}

import FoveaKernels
