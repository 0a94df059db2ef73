/// One overlay to draw, in pixels of the image it is drawn on.
public struct Annotation: Sendable, Hashable {
    public enum Shape: Sendable, Hashable {
        /// An outlined rectangle `[x1, y1, x2, y2]`.
        case box(x1: Double, y1: Double, x2: Double, y2: Double)
        /// A filled disc.
        case point(x: Double, y: Double, radius: Double)
        /// A polyline through `[x1, y1, x2, y2, …]`.
        case line([Double])
    }

    public var shape: Shape
    /// RGBA.
    public var color: [UInt8]
    /// Stroke width in pixels.
    public var width: Int
    /// A short ASCII label drawn beside the shape.
    public var label: String?

    public init(shape: Shape, color: [UInt8], width: Int, label: String?) {
        self.shape = shape
        self.color = color
        self.width = width
        self.label = label
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["color": .ints(color.map(Int.init)), "width": .int(width)]
        switch shape {
        case .box(let x1, let y1, let x2, let y2):
            object["kind"] = "box"
            object["coordinates"] = .array([x1, y1, x2, y2].map(JSONValue.number))
        case .point(let x, let y, let radius):
            object["kind"] = "point"
            object["coordinates"] = .array([x, y, radius].map(JSONValue.number))
        case .line(let points):
            object["kind"] = "line"
            object["coordinates"] = .array(points.map(JSONValue.number))
        }
        if let label { object["label"] = .string(label) }
        return .object(object)
    }

    init(json: JSONValue) throws(ChannelMessageError) {
        guard case .array(let values) = try json.field("coordinates") else { throw ChannelMessageError("coordinates must be an array") }
        let numbers = values.compactMap(\.doubleValue)
        guard numbers.count == values.count, numbers.allSatisfy(\.isFinite) else { throw ChannelMessageError("coordinates must be numbers") }
        switch try json.field("kind").string() {
        case "box" where numbers.count == 4: shape = .box(x1: numbers[0], y1: numbers[1], x2: numbers[2], y2: numbers[3])
        case "point" where numbers.count == 3: shape = .point(x: numbers[0], y: numbers[1], radius: numbers[2])
        case "line" where numbers.count >= 4 && numbers.count % 2 == 0 && numbers.count <= 64: shape = .line(numbers)
        default: throw ChannelMessageError("invalid annotation shape")
        }
        let rgba = try json.field("color").ints(count: 4)
        guard rgba.allSatisfy({ (0...255).contains($0) }) else { throw ChannelMessageError("colour out of range") }
        color = rgba.map(UInt8.init)
        width = try json.field("width").int()
        guard (1...64).contains(width) else { throw ChannelMessageError("width out of range") }
        label = json.optionalField("label").flatMap(\.stringValue).map { sanitized($0, limit: Self.maximumLabelLength) }
    }

    public static let maximumLabelLength = 40
}
