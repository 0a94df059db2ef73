import FoveaKernels

/// `rotate`: counter-clockwise like PIL's `Image.rotate`, exact for multiples of 90 degrees;
/// optionally a mirror flip after it.
public struct RotateRequest: Sendable, Equatable {
    public var degrees: Double
    public var expand: Bool
    public var fill: ColorValue
    public var interpolation: RotationInterpolation
    public var flip: FlipDirection?

    public static let definition = ToolDefinition(
        name: "rotate", aliases: [], title: "Rotate or flip",
        description: "Rotate an image counter-clockwise by angle degrees (exact for multiples of 90) and/or mirror it. With expand (the default) the output grows to hold the whole rotated image; uncovered corners take the fill colour.",
        parameters: [
            CommonParameters.image,
            ToolParameter("angle", schema: [
                "type": "number", "minimum": -3600, "maximum": 3600,
                "description": "Degrees counter-clockwise (negative turns clockwise), as PIL's Image.rotate.",
            ]),
            ToolParameter("expand", schema: [
                "type": "boolean", "description": "Grow the output to hold the whole rotated image (default true); false keeps the input's size.",
            ]),
            ToolParameter("fill", schema: [
                "description": "Colour of uncovered areas: \"#rrggbb\", a name, or [r, g, b] (default black).",
            ]),
            ToolParameter("interpolation", schema: [
                "type": "string", "enum": .array(RotationInterpolation.allCases.map { .string($0.rawValue) }),
                "description": "Resampling for angles that are not multiples of 90 (default bicubic).",
            ]),
            ToolParameter("flip", schema: [
                "type": "string", "enum": .array(FlipDirection.allCases.map { .string($0.rawValue) }),
                "description": "Mirror after rotating: horizontal swaps left and right, vertical swaps top and bottom.",
            ]),
        ] + CommonParameters.output, outputSchema: ToolOutputSchemas.rotate)

    static func parse(_ arguments: ToolArguments) throws(ToolError) -> RotateRequest {
        let angle = try arguments.number("angle", in: -3600...3600)
        let flip = try arguments.choice("flip", as: FlipDirection.self)
        guard angle != nil || flip != nil else {
            throw ToolError("rotate needs angle (degrees counter-clockwise) or flip (\"horizontal\" or \"vertical\"); received neither")
        }
        return RotateRequest(
            degrees: angle ?? 0, expand: try arguments.bool("expand") ?? true,
            fill: try arguments.values["fill"].flatMap { $0.isNull ? nil : $0 }.map { v throws(ToolError) in try ColorValue.parse(v, argument: "fill") }
                ?? ColorValue(red: 0, green: 0, blue: 0, alpha: 0),
            interpolation: try arguments.choice("interpolation", as: RotationInterpolation.self) ?? .bicubic,
            flip: flip)
    }

    func plan(input: ImageShape, defaults: ToolDefaults) throws(ToolError) -> StepPlan {
        var steps: [PlanStep] = []
        var normalized = degrees.truncatingRemainder(dividingBy: 360)
        if normalized < 0 { normalized += 360 }
        if normalized == 180 {
            steps.append(.quarterTurn(degrees: 180))
        } else if normalized == 90 || normalized == 270, expand || input.width == input.height {
            steps.append(.quarterTurn(degrees: Int(normalized)))
        } else if normalized != 0 {
            let size = RotationGeometry.outputSize(width: input.width, height: input.height, degrees: degrees, expand: expand)
            steps.append(.rotate(degrees: degrees, interpolation: interpolation, expand: expand,
                                 fill: fill.samples(bands: input.bands), width: size.width, height: size.height))
        }
        if let flip { steps.append(.flip(flip)) }
        let rotated = steps.reduce(input) { $1.output(from: $0) }
        if let capped = cappedSize(width: rotated.width, height: rotated.height, maxPixels: defaults.preset.resize.maxPixels) {
            steps.append(.resize(width: capped.width, height: capped.height, filter: .bicubic))
        }
        return StepPlan(input: input, steps: steps,
                        summary: .rotate(degrees: degrees, expand: expand, interpolation: interpolation, flip: flip))
    }
}
