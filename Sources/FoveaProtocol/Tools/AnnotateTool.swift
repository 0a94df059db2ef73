/// `annotate`: boxes, points and lines with colours and short labels, drawn on a copy.
public struct AnnotateRequest: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public enum Kind: String, Sendable { case box, point, line }
        public var kind: Kind
        /// In the caller's coordinates: a box's 4 values, a point's 2, a line's 4 or more.
        public var coordinates: [Double]
        public var color: ColorValue
        /// Stroke width (box, line) or radius (point) in pixels; nil picks one from the image size.
        public var size: Int?
        public var label: String?
    }

    public var items: [Item]
    public var coords: CoordinateSystem

    static func list(_ name: String, item: JSONValue, what: String) -> ToolParameter {
        ToolParameter(name, schema: ["type": "array", "maxItems": .int(ToolLimits.maximumAnnotations), "items": item,
                                     "description": .string(what)])
    }

    static let colorSchema: JSONValue = ["description": "\"#rrggbb\", a colour name, or [r, g, b] (default red)."]
    static let labelSchema: JSONValue = ["type": "string", "maxLength": .int(Annotation.maximumLabelLength),
                                         "description": "Short ASCII label drawn beside the shape."]

    public static let definition = ToolDefinition(
        name: "annotate", aliases: [], title: "Annotate",
        description: "Draw boxes, points and lines (each with an optional colour and short label) on a copy of the image, in the call's coordinate system.",
        parameters: [
            CommonParameters.image,
            list("boxes", item: ["type": "object", "required": ["bbox_2d"], "properties": [
                "bbox_2d": ["type": "array", "items": ["type": "number"], "minItems": 4, "maxItems": 4],
                "color": colorSchema, "width": ["type": "integer", "minimum": 1, "maximum": 64], "label": labelSchema]],
                 what: "Rectangles to outline: [{bbox_2d: [x1, y1, x2, y2], color?, width?, label?}]."),
            list("points", item: ["type": "object", "required": ["point_2d"], "properties": [
                "point_2d": ["type": "array", "items": ["type": "number"], "minItems": 2, "maxItems": 2],
                "color": colorSchema, "radius": ["type": "integer", "minimum": 1, "maximum": 64], "label": labelSchema]],
                 what: "Dots to mark: [{point_2d: [x, y], color?, radius?, label?}]."),
            list("lines", item: ["type": "object", "required": ["line_2d"], "properties": [
                "line_2d": ["type": "array", "items": ["type": "number"], "minItems": 4, "maxItems": 64],
                "color": colorSchema, "width": ["type": "integer", "minimum": 1, "maximum": 64], "label": labelSchema]],
                 what: "Polylines: [{line_2d: [x1, y1, x2, y2, ...], color?, width?, label?}]."),
            CommonParameters.coords,
        ] + CommonParameters.output, outputSchema: ToolOutputSchemas.annotate)

    static func parse(_ arguments: ToolArguments, coords: CoordinateSystem) throws(ToolError) -> AnnotateRequest {
        var items: [Item] = []
        for (name, kind, key, sizeKey, counts) in [("boxes", Item.Kind.box, "bbox_2d", "width", 4...4),
                                                   ("points", .point, "point_2d", "radius", 2...2),
                                                   ("lines", .line, "line_2d", "width", 4...64)] {
            guard let value = arguments.values[name], !value.isNull else { continue }
            guard case .array(let elements) = value else {
                throw .wrongType(name, expected: "an array of objects", received: value)
            }
            for (index, element) in elements.enumerated() {
                items.append(try parseItem(element, kind: kind, argument: "\(name)[\(index)]", coordinatesKey: key,
                                           sizeKey: sizeKey, counts: counts))
            }
        }
        guard !items.isEmpty else {
            throw ToolError("annotate needs at least one of boxes, points or lines; received none")
        }
        guard items.count <= ToolLimits.maximumAnnotations else {
            throw ToolError("annotate received \(items.count) shapes; at most \(ToolLimits.maximumAnnotations) are allowed per call")
        }
        return AnnotateRequest(items: items, coords: coords)
    }

    static func parseItem(_ value: JSONValue, kind: Item.Kind, argument: String, coordinatesKey: String,
                          sizeKey: String, counts: ClosedRange<Int>) throws(ToolError) -> Item {
        guard case .object(let members) = value else {
            throw .wrongType(argument, expected: "an object with \(coordinatesKey)", received: value)
        }
        let allowed: Set<String> = [coordinatesKey, "color", sizeKey, "label"]
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw ToolError("unknown field \(unknown) in \(argument); allowed: \(coordinatesKey), color, \(sizeKey), label")
        }
        let name = "\(argument).\(coordinatesKey)"
        guard case .array(let elements)? = members[coordinatesKey] else {
            throw ToolError("missing \(name): pass \(counts.lowerBound == counts.upperBound ? "\(counts.lowerBound)" : "\(counts.lowerBound) or more") numbers")
        }
        let numbers = elements.compactMap(\.doubleValue)
        guard numbers.count == elements.count, numbers.allSatisfy(\.isFinite), counts.contains(numbers.count),
              kind != .line || numbers.count % 2 == 0 else {
            throw .invalid(name, .array(elements), "expected \(kind == .line ? "an even count of 4 to 64" : "\(counts.lowerBound)") numbers")
        }
        if kind == .box {
            if numbers[2] <= numbers[0] {
                throw .invalid(name, .array(elements), "x2 (\(formatNumber(numbers[2]))) must be greater than x1 (\(formatNumber(numbers[0])))")
            }
            if numbers[3] <= numbers[1] {
                throw .invalid(name, .array(elements), "y2 (\(formatNumber(numbers[3]))) must be greater than y1 (\(formatNumber(numbers[1])))")
            }
        }
        var color = ColorValue(red: 255, green: 0, blue: 0)
        if let value = members["color"], !value.isNull { color = try ColorValue.parse(value, argument: "\(argument).color") }
        var size: Int?
        if let value = members[sizeKey], !value.isNull {
            guard let integer = value.intValue, (1...64).contains(integer) else {
                throw .invalid("\(argument).\(sizeKey)", value, "must be an integer from 1 to 64")
            }
            size = integer
        }
        var label: String?
        if let value = members["label"], !value.isNull {
            guard case .string(let text) = value else { throw .wrongType("\(argument).label", expected: "a string", received: value) }
            guard text.count <= Annotation.maximumLabelLength else {
                throw ToolError("\(argument).label is \(text.count) characters long; at most \(Annotation.maximumLabelLength) are allowed")
            }
            label = text
        }
        return Item(kind: kind, coordinates: numbers, color: color, size: size, label: label)
    }

    func plan(input: ImageShape, defaults: ToolDefaults) throws(ToolError) -> StepPlan {
        let shortSide = min(input.width, input.height)
        let defaultStroke = max(2, shortSide / 300)
        let defaultRadius = max(3, shortSide / 150)
        var annotations: [Annotation] = []
        for (index, item) in items.enumerated() {
            let name = "\(item.kind.rawValue == "box" ? "boxes" : item.kind.rawValue + "s")[\(indexWithinKind(index))]"
            var pixels: [Double] = []
            for (axis, value) in item.coordinates.enumerated() {
                let extent = axis % 2 == 0 ? input.width : input.height
                let full = coords.fullScale(extent: extent)
                guard value >= -full * 0.05 && value <= full * 1.05 else {
                    throw .invalid("\(name).\(item.kind == .box ? "bbox_2d" : item.kind == .point ? "point_2d" : "line_2d")",
                                   .array(item.coordinates.map(JSONValue.number)),
                                   "\(formatNumber(value)) is outside the image: \(coords.rangeDescription)")
                }
                pixels.append(coords.toPixels(value, extent: extent))
            }
            let shape: Annotation.Shape
            switch item.kind {
            case .box: shape = .box(x1: pixels[0], y1: pixels[1], x2: pixels[2], y2: pixels[3])
            case .point: shape = .point(x: pixels[0], y: pixels[1], radius: Double(item.size ?? defaultRadius))
            case .line: shape = .line(pixels)
            }
            annotations.append(Annotation(shape: shape, color: item.color.rgba, width: item.size ?? defaultStroke,
                                          label: item.label.map(asciiLabel)))
        }
        let count = { (kind: Item.Kind) in items.filter { $0.kind == kind }.count }
        return StepPlan(input: input, steps: [.annotate(annotations)],
                        summary: .annotate(boxes: count(.box), points: count(.point), lines: count(.line)))
    }

    private func indexWithinKind(_ index: Int) -> Int {
        items[..<index].filter { $0.kind == items[index].kind }.count
    }
}

/// Labels are drawn with a built-in ASCII font: other characters become `?`.
func asciiLabel(_ text: String) -> String {
    String(text.unicodeScalars.map { (0x20...0x7E).contains($0.value) ? Character($0) : "?" })
}
