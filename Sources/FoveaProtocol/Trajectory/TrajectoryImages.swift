/// Where images sit in a call and in its result, for the trajectory log and `fovea replay`.
///
/// Arguments name images in `image` (a string, or the code tool's `{image, path}`) and the code
/// tool's `images` (a list of either); results return them as image blocks, in the order of
/// `structuredContent`'s `images` (code), `tiles` (tile) or its one `image`.
public enum TrajectoryImages {
    /// The image strings of `arguments` (handles, data URLs or paths), in order.
    public static func references(in arguments: JSONValue) -> [String] {
        var found: [String] = []
        _ = mapReferences(in: arguments) { found.append($0); return $0 }
        return found
    }

    /// `arguments` with each image string replaced by `transform(string)`.
    public static func mapReferences(in arguments: JSONValue, _ transform: (String) -> String) -> JSONValue {
        guard case .object(var members) = arguments else { return arguments }
        func mapEntry(_ entry: JSONValue) -> JSONValue {
            switch entry {
            case .string(let text): return .string(transform(text))
            case .object(var object):
                if case .string(let text)? = object["image"] { object["image"] = .string(transform(text)) }
                return .object(object)
            default: return entry
            }
        }
        if let image = members["image"] { members["image"] = mapEntry(image) }
        if case .array(let images)? = members["images"] { members["images"] = .array(images.map(mapEntry)) }
        return .object(members)
    }

    /// The handles of a result's image blocks, in block order, from its `structuredContent`.
    public static func outputHandles(structuredContent: JSONValue?, imageCount: Int) -> [String] {
        guard let structured = structuredContent, imageCount > 0 else { return [] }
        if let images = structured["images"]?.arrayValue { return images.compactMap { $0["image"]?.stringValue } }
        if let tiles = structured["tiles"]?.arrayValue { return tiles.compactMap { $0["image"]?.stringValue } }
        return structured["image"]?.stringValue.map { [$0] } ?? []
    }

    /// The base64 payload of a `data:` URL, or nil for anything else.
    public static func dataURLPayload(_ text: String) -> Substring? {
        guard text.hasPrefix("data:"), let comma = text.firstIndex(of: ","), text[..<comma].hasSuffix(";base64") else { return nil }
        return text[text.index(after: comma)...]
    }
}
