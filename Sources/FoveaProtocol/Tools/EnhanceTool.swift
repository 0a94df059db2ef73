/// `enhance`: Pillow's ImageEnhance factors and ImageOps adjustments, in a fixed order,
/// optionally limited to a region.
public struct EnhanceRequest: Sendable, Equatable {
    public var settings: EnhanceSettings
    public var box: [Double]?
    public var coords: CoordinateSystem

    static func factor(_ name: String, _ what: String) -> ToolParameter {
        ToolParameter(name, schema: [
            "type": "number", "minimum": 0, "maximum": 10,
            "description": .string("\(what) factor as PIL's ImageEnhance: 1 leaves the image unchanged, 0 gives \(name == "sharpness" ? "a smoothed image" : name == "color" ? "grey" : name == "contrast" ? "solid mean grey" : "black"), above 1 strengthens."),
        ])
    }

    static func flag(_ name: String, _ what: String) -> ToolParameter {
        ToolParameter(name, schema: ["type": "boolean", "description": .string(what)])
    }

    public static let definition = ToolDefinition(
        name: "enhance", aliases: [], title: "Enhance",
        description: "Adjust an image (or the region bbox_2d) like PIL's ImageEnhance and ImageOps. Adjustments run in this order: autocontrast, equalize, brightness, contrast, color, gamma, sharpness, invert, grayscale.",
        parameters: [
            CommonParameters.image,
            factor("contrast", "Contrast"), factor("brightness", "Brightness"), factor("color", "Colour saturation"),
            factor("sharpness", "Sharpness"),
            ToolParameter("gamma", schema: [
                "type": "number", "minimum": 0.1, "maximum": 10,
                "description": "Gamma: out = 255·(in/255)^(1/gamma); above 1 brightens midtones.",
            ]),
            ToolParameter("autocontrast", schema: [
                "type": "number", "minimum": 0, "maximum": 49,
                "description": "Stretch each channel to full range, ignoring this percentage of darkest and lightest pixels (PIL's ImageOps.autocontrast cutoff).",
            ]),
            flag("equalize", "Equalize each channel's histogram (PIL's ImageOps.equalize)."),
            flag("grayscale", "Convert to grey (PIL's convert(\"L\")); the result has one band unless bbox_2d limits it to a region."),
            flag("invert", "Invert the colours (PIL's ImageOps.invert)."),
            CommonParameters.box(required: false, purpose: "the region to adjust (default: the whole image)"),
            CommonParameters.coords,
        ] + CommonParameters.output, outputSchema: ToolOutputSchemas.enhance)

    static func parse(_ arguments: ToolArguments, coords: CoordinateSystem) throws(ToolError) -> EnhanceRequest {
        var settings = EnhanceSettings()
        settings.contrast = try arguments.number("contrast", in: 0...10)
        settings.brightness = try arguments.number("brightness", in: 0...10)
        settings.color = try arguments.number("color", in: 0...10)
        settings.sharpness = try arguments.number("sharpness", in: 0...10)
        settings.gamma = try arguments.number("gamma", in: 0.1...10)
        settings.autocontrast = try arguments.number("autocontrast", in: 0...49)
        settings.equalize = try arguments.bool("equalize") ?? false
        settings.grayscale = try arguments.bool("grayscale") ?? false
        settings.invert = try arguments.bool("invert") ?? false
        guard !settings.isEmpty else {
            throw ToolError("enhance needs at least one adjustment: contrast, brightness, color, sharpness, gamma, autocontrast, equalize, grayscale or invert; received none")
        }
        return EnhanceRequest(settings: settings, box: try arguments.box(), coords: coords)
    }

    func plan(input: ImageShape, defaults: ToolDefaults) throws(ToolError) -> StepPlan {
        let region = try box.map { values throws(ToolError) in
            try resolveBox(values, coords: coords, width: input.width, height: input.height, minimumSide: 1)
        }
        return StepPlan(input: input, steps: [.enhance(settings, region: region?.pixels)],
                        summary: .enhance(settings, region: region))
    }
}
