/// A tool failure the model can act on: answered as a `CallToolResult` with `isError: true`
/// and one sentence naming the argument, what was received and what is allowed.
public struct ToolError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    /// `bbox_2d [600, 40, 200, 90] is invalid: x2 (200) must be greater than x1 (600)`
    public static func invalid(_ argument: String, _ received: JSONValue, _ rule: String) -> ToolError {
        ToolError("\(argument) \(render(received)) is invalid: \(rule)")
    }

    /// `missing required argument image: pass …`
    public static func missing(_ argument: String, tool: String, hint: String) -> ToolError {
        ToolError("missing required argument \(argument) for \(tool): \(hint)")
    }

    /// `quality must be an integer from 1 to 100; received a string ("high")`
    public static func wrongType(_ argument: String, expected: String, received: JSONValue) -> ToolError {
        ToolError("\(argument) must be \(expected); received \(received.typeName) (\(render(received)))")
    }

    /// Renders a received value for a message: numbers without a spurious `.0`, long
    /// strings shortened.
    public static func render(_ value: JSONValue) -> String {
        switch value {
        case .double(let d): return formatNumber(d)
        case .array(let elements): return "[" + elements.map(render).joined(separator: ", ") + "]"
        case .string(let s):
            let shown = s.count > 60 ? String(s.prefix(57)) + "…" : s
            return JSONWriter.string(.string(shown))
        default:
            let text = JSONWriter.string(value)
            return text.count > 80 ? String(text.prefix(77)) + "…" : text
        }
    }
}

/// Formats a number the way a person writes it: `200`, `0.25`, `333.33`.
public func formatNumber(_ value: Double, maximumFractionDigits: Int = 4) -> String {
    guard value.isFinite else { return value.description }
    if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
    var scale = 1.0
    for _ in 0..<maximumFractionDigits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    if rounded.rounded() == rounded, abs(rounded) < 1e15 { return String(Int64(rounded)) }
    var text = String(rounded)
    if text.contains("e") { return text }
    while text.hasSuffix("0") { text.removeLast() }
    return text
}
