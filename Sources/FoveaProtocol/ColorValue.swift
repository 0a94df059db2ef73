/// Colours in tool arguments: `"#rgb"`, `"#rrggbb"`, `"#rrggbbaa"`, a name (`"red"`), or an
/// array of 1, 3 or 4 integers 0–255. Stored as RGBA.
public struct ColorValue: Sendable, Equatable {
    public var rgba: [UInt8]

    public init(red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8 = 255) {
        rgba = [red, green, blue, alpha]
    }

    public static let names: [String: ColorValue] = [
        "red": ColorValue(red: 255, green: 0, blue: 0), "green": ColorValue(red: 0, green: 200, blue: 0),
        "blue": ColorValue(red: 0, green: 90, blue: 255), "yellow": ColorValue(red: 255, green: 230, blue: 0),
        "cyan": ColorValue(red: 0, green: 230, blue: 255), "magenta": ColorValue(red: 255, green: 0, blue: 255),
        "orange": ColorValue(red: 255, green: 140, blue: 0), "purple": ColorValue(red: 150, green: 60, blue: 220),
        "white": ColorValue(red: 255, green: 255, blue: 255), "black": ColorValue(red: 0, green: 0, blue: 0),
        "gray": ColorValue(red: 128, green: 128, blue: 128), "grey": ColorValue(red: 128, green: 128, blue: 128),
    ]

    static let rule = "a colour is \"#rrggbb\", \"#rgb\", \"#rrggbbaa\", a name (\(names.keys.sorted().joined(separator: ", "))) or [r, g, b] with values 0-255"

    /// Parses a colour argument.
    public static func parse(_ value: JSONValue, argument: String) throws(ToolError) -> ColorValue {
        switch value {
        case .string(let text):
            let lowered = text.lowercased()
            if let named = names[lowered] { return named }
            if lowered.hasPrefix("#"), let color = hex(String(lowered.dropFirst())) { return color }
            throw .invalid(argument, value, rule)
        case .array(let elements):
            let components = elements.compactMap(\.intValue)
            guard components.count == elements.count, [1, 3, 4].contains(components.count),
                  components.allSatisfy({ (0...255).contains($0) }) else {
                throw .invalid(argument, value, rule)
            }
            let bytes = components.map(UInt8.init)
            switch bytes.count {
            case 1: return ColorValue(red: bytes[0], green: bytes[0], blue: bytes[0])
            case 3: return ColorValue(red: bytes[0], green: bytes[1], blue: bytes[2])
            default: return ColorValue(red: bytes[0], green: bytes[1], blue: bytes[2], alpha: bytes[3])
            }
        default:
            throw .wrongType(argument, expected: "a colour (\"#rrggbb\", a name or [r, g, b])", received: value)
        }
    }

    private static func hex(_ digits: String) -> ColorValue? {
        let expanded: String
        switch digits.count {
        case 3: expanded = digits.map { "\($0)\($0)" }.joined() + "ff"
        case 6: expanded = digits + "ff"
        case 8: expanded = digits
        default: return nil
        }
        guard let value = UInt32(expanded, radix: 16) else { return nil }
        return ColorValue(red: UInt8(value >> 24), green: UInt8((value >> 16) & 0xFF),
                          blue: UInt8((value >> 8) & 0xFF), alpha: UInt8(value & 0xFF))
    }

    /// The colour for an image with `bands` bands: grey is Pillow's L of the colour.
    public func samples(bands: Int) -> [UInt8] {
        switch bands {
        case 1:
            let luma = (Int(rgba[0]) * 19595 + Int(rgba[1]) * 38470 + Int(rgba[2]) * 7471 + 0x8000) >> 16
            return [UInt8(luma)]
        case 3: return Array(rgba.prefix(3))
        default: return rgba
        }
    }

    public var hexString: String {
        "#" + rgba.prefix(rgba[3] == 255 ? 3 : 4).map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
    }
}
