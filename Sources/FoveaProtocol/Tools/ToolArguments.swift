/// Reads one tool call's `arguments`, turning every mistake into a ``ToolError`` that names
/// the argument, the value received and what is allowed.
public struct ToolArguments: Sendable {
    public let tool: ToolDefinition
    public let values: [String: JSONValue]

    /// How model families name the image a call is about, among the images of the conversation
    /// (Qwen-Agent's `image_zoom_in_tool`, Mini-o3, Pixel-Reasoner). Only the agent knows the
    /// conversation: it resolves them into `image`. Tools that take an image tolerate them, so
    /// a model's arguments can be forwarded as they are; a value of the wrong type is an error.
    public static let imageSelectors = [
        ImageSelector(name: "img_idx", family: "Qwen-Agent", expected: "a non-negative integer") { ($0.intValue ?? -1) >= 0 },
        ImageSelector(name: "source", family: "Mini-o3", expected: "a string") { $0.stringValue != nil },
        ImageSelector(name: "target_image", family: "Pixel-Reasoner", expected: "an integer or a string") {
            $0.intValue != nil || $0.stringValue != nil
        },
    ]

    public struct ImageSelector: Sendable {
        public let name: String
        public let family: String
        public let expected: String
        public let accepts: @Sendable (JSONValue) -> Bool
    }

    /// Checks that every required argument is present and no unknown one is.
    public init(tool: ToolDefinition, values: [String: JSONValue]) throws(ToolError) {
        self.tool = tool
        self.values = values
        let known = Set(tool.parameterNames)
        let takesImage = known.contains("image")
        for (name, value) in values.sorted(by: { $0.key < $1.key }) where !known.contains(name) {
            guard takesImage, let selector = Self.imageSelectors.first(where: { $0.name == name }) else {
                throw ToolError("unknown argument \(name) for \(tool.name); allowed: \(tool.parameterNames.joined(separator: ", "))")
            }
            guard value.isNull || selector.accepts(value) else { throw .wrongType(name, expected: selector.expected, received: value) }
        }
        for parameter in tool.parameters where parameter.required && !isPresent(parameter.name) {
            throw .missing(parameter.name, tool: tool.name, hint: hint(for: parameter))
        }
    }

    private func hint(for parameter: ToolParameter) -> String {
        switch parameter.name {
        case "image":
            if let selector = Self.imageSelectors.first(where: { isPresent($0.name) }) {
                return "\(selector.name) \(JSONWriter.string(values[selector.name]!)) names an image of the conversation (\(selector.family)), which only the agent knows: the agent must pass that image's img:<sha256> handle as image"
            }
            return "pass an img:<sha256> handle from images/put or an earlier result, or a data URL"
        case "bbox_2d": return "pass [x1, y1, x2, y2] of the region"
        case "code": return "pass the Python source to run, as a string"
        default: return parameter.schema["description"]?.stringValue ?? "see tools/list"
        }
    }

    /// An argument counts as absent when missing or `null`.
    public func isPresent(_ name: String) -> Bool {
        if let value = values[name], !value.isNull { return true }
        return false
    }

    public func image(_ name: String = "image") throws(ToolError) -> ImageReference {
        guard let value = values[name], !value.isNull else {
            throw .missing(name, tool: tool.name, hint: "pass an img:<sha256> handle from images/put or an earlier result, or a data URL")
        }
        guard case .string(let text) = value else {
            throw .wrongType(name, expected: "a string (an img:<sha256> handle or a data URL)", received: value)
        }
        return try ImageReference.parse(text, argument: name)
    }

    /// `[x1, y1, x2, y2]` as numbers. A string holding such an array (`"[1, 2, 3, 4]"`, as some
    /// models write) is accepted too.
    public func box(_ name: String = "bbox_2d") throws(ToolError) -> [Double]? {
        guard var value = values[name], !value.isNull else { return nil }
        if case .string(let text) = value, let parsed = try? JSONParser.parse(text), parsed.arrayValue != nil {
            value = parsed
        }
        let shape = "an array of 4 numbers [x1, y1, x2, y2]"
        guard case .array(let elements) = value else {
            throw .wrongType(name, expected: shape, received: value)
        }
        guard elements.count == 4 else {
            throw .invalid(name, value, "expected 4 numbers [x1, y1, x2, y2], received \(elements.count)")
        }
        var numbers: [Double] = []
        for (index, element) in elements.enumerated() {
            guard let number = element.doubleValue, number.isFinite else {
                throw .invalid(name, value, "\(["x1", "y1", "x2", "y2"][index]) must be a number, received \(element.typeName)")
            }
            numbers.append(number)
        }
        return numbers
    }

    public func string(_ name: String, maximumLength: Int = 200) throws(ToolError) -> String? {
        guard let value = values[name], !value.isNull else { return nil }
        guard case .string(let text) = value else {
            throw .wrongType(name, expected: "a string", received: value)
        }
        guard text.count <= maximumLength else {
            throw ToolError("\(name) is \(text.count) characters long; at most \(maximumLength) are allowed")
        }
        return text
    }

    /// One of `Choice`'s raw values.
    public func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, as _: Choice.Type) throws(ToolError) -> Choice?
    where Choice.RawValue == String {
        guard let value = values[name], !value.isNull else { return nil }
        let allowed = Choice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        guard case .string(let text) = value else {
            throw .wrongType(name, expected: "one of \(allowed)", received: value)
        }
        guard let choice = Choice(rawValue: text) else {
            throw .invalid(name, value, "allowed values are \(allowed)")
        }
        return choice
    }

    public func number(_ name: String, in range: ClosedRange<Double>) throws(ToolError) -> Double? {
        guard let value = values[name], !value.isNull else { return nil }
        guard let number = value.doubleValue else {
            throw .wrongType(name, expected: "a number from \(formatNumber(range.lowerBound)) to \(formatNumber(range.upperBound))", received: value)
        }
        guard range.contains(number) else {
            throw .invalid(name, value, "must be from \(formatNumber(range.lowerBound)) to \(formatNumber(range.upperBound))")
        }
        return number
    }

    public func integer(_ name: String, in range: ClosedRange<Int>) throws(ToolError) -> Int? {
        guard let value = values[name], !value.isNull else { return nil }
        guard let integer = value.intValue else {
            throw .wrongType(name, expected: "an integer from \(range.lowerBound) to \(range.upperBound)", received: value)
        }
        guard range.contains(integer) else {
            throw .invalid(name, value, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return integer
    }

    public func bool(_ name: String) throws(ToolError) -> Bool? {
        guard let value = values[name], !value.isNull else { return nil }
        guard let flag = value.boolValue else {
            throw .wrongType(name, expected: "true or false", received: value)
        }
        return flag
    }

    /// `format` and `quality`, falling back to the server's defaults.
    public func output(defaults: OutputOptions) throws(ToolError) -> OutputOptions {
        OutputOptions(format: try choice("format", as: OutputFormat.self) ?? defaults.format,
                      quality: try integer("quality", in: 1...100) ?? defaults.quality)
    }
}
