import FoveaKernels

/// `crop`: a box at native resolution, downscaled only past the preset's maximum pixels.
public struct CropRequest: Sendable, Equatable {
    public var box: [Double]
    public var coords: CoordinateSystem

    public static let definition = ToolDefinition(
        name: "crop", aliases: [], title: "Crop",
        description: "Crop a region of an image at native resolution (no resizing unless the region exceeds the maximum output pixels). Returns the cropped image and its exact box.",
        parameters: [
            CommonParameters.image,
            CommonParameters.box(required: true, purpose: "the region to crop"),
            CommonParameters.coords,
        ] + CommonParameters.output, outputSchema: ToolOutputSchemas.crop)

    static func parse(_ arguments: ToolArguments, coords: CoordinateSystem) throws(ToolError) -> CropRequest {
        CropRequest(box: try arguments.box()!, coords: coords)
    }

    func plan(input: ImageShape, defaults: ToolDefaults) throws(ToolError) -> StepPlan {
        let box = try resolveBox(box, coords: coords, width: input.width, height: input.height, minimumSide: 1)
        var steps: [PlanStep] = [.crop(box.pixels)]
        if let capped = cappedSize(width: box.pixels.width, height: box.pixels.height, maxPixels: defaults.preset.resize.maxPixels) {
            steps.append(.resize(width: capped.width, height: capped.height, filter: .bicubic))
        }
        return StepPlan(input: input, steps: steps, summary: .crop(box, downscaled: steps.count > 1))
    }
}

/// The largest size with the same aspect ratio within `maxPixels`, or nil when already within.
func cappedSize(width: Int, height: Int, maxPixels: Int) -> (width: Int, height: Int)? {
    guard width * height > maxPixels else { return nil }
    let scale = (Double(maxPixels) / Double(width * height)).squareRoot()
    return (max(1, Int(Double(width) * scale)), max(1, Int(Double(height) * scale)))
}
