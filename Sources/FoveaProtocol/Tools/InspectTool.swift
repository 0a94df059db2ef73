/// `inspect`: size, bands, format and orientation, plus per-channel statistics of the image or
/// of a region.
public struct InspectRequest: Sendable, Equatable {
    public var box: [Double]?
    public var coords: CoordinateSystem

    public static let definition = ToolDefinition(
        name: "inspect", aliases: [], title: "Inspect",
        description: "Report an image's size, bands, source format and orientation, with per-channel mean, standard deviation, minimum, maximum and a 16-bin histogram of the whole image or of the region bbox_2d. Returns no pixels.",
        parameters: [
            CommonParameters.image,
            CommonParameters.box(required: false, purpose: "the region to measure (default: the whole image)"),
            CommonParameters.coords,
        ], outputSchema: ToolOutputSchemas.inspect)

    static func parse(_ arguments: ToolArguments, coords: CoordinateSystem) throws(ToolError) -> InspectRequest {
        InspectRequest(box: try arguments.box(), coords: coords)
    }

    func region(input: ImageShape) throws(ToolError) -> ResolvedBox? {
        try box.map { values throws(ToolError) in
            try resolveBox(values, coords: coords, width: input.width, height: input.height, minimumSide: 1)
        }
    }
}
