/// A result image as the supervisor returns it.
public struct ProducedImage: Sendable, Equatable {
    public var handle: String
    public var width: Int
    public var height: Int
    public var bands: Int
    public var format: OutputFormat
    /// The encoded bytes in base64, for the MCP image block.
    public var base64: String

    public init(handle: String, width: Int, height: Int, bands: Int, format: OutputFormat, base64: String) {
        self.handle = handle
        self.width = width
        self.height = height
        self.bands = bands
        self.format = format
        self.base64 = base64
    }
}

/// Builds MCP `CallToolResult`s: image blocks, one text block the model reads, and
/// `structuredContent` for programs.
public enum ToolResult {
    public static func failure(_ error: ToolError) -> JSONValue {
        ["content": [["type": "text", "text": .string(error.message)]], "isError": true]
    }

    public static func success(_ call: PlannedCall, produced: ProducedImage?) -> JSONValue {
        let source = call.source
        var structured: [String: JSONValue] = [
            "source": ["image": .string(source.handle), "width": .int(source.width), "height": .int(source.height)],
        ]
        var content: [JSONValue] = []
        if let produced {
            content.append(["type": "image", "data": .string(produced.base64), "mimeType": .string(produced.format.mimeType)])
            structured["image"] = .string(produced.handle)
            structured["width"] = .int(produced.width)
            structured["height"] = .int(produced.height)
            structured["bands"] = .int(produced.bands)
            structured["format"] = .string(produced.format.rawValue)
        }
        let text: String
        switch call.summary {
        case .zoom(let box, let label):
            describe(box, source: source, into: &structured)
            if let label { structured["label"] = .string(label) }
            text = "Zoomed into \(boxText(box, source: source))\(returned(produced)).\(notes(box, minimumSideNote: true))"
        case .crop(let box, let downscaled):
            describe(box, source: source, into: &structured)
            structured["downscaled"] = .bool(downscaled)
            let scaleNote = downscaled ? " The region exceeded the maximum output pixels and was downscaled." : ""
            text = "Cropped \(boxText(box, source: source))\(returned(produced)).\(notes(box, minimumSideNote: false))\(scaleNote)"
        case .inspect:
            structured["image"] = .string(source.handle)
            structured["width"] = .int(source.width)
            structured["height"] = .int(source.height)
            structured["bands"] = .int(source.bands)
            structured["format"] = .string(source.format)
            text = "\(ImageReference.abbreviated(source.handle)) is \(source.width)×\(source.height) with \(source.bands) band\(source.bands == 1 ? "" : "s") (\(bandNames(source.bands))), from \(source.format == "result" ? "an earlier tool result" : source.format.uppercased())."
        }
        content.append(["type": "text", "text": .string(text)])
        return ["content": .array(content), "structuredContent": .object(structured), "isError": false]
    }

    static func describe(_ box: ResolvedBox, source: SourceImage, into structured: inout [String: JSONValue]) {
        let effective = box.inCallerSystem(width: source.width, height: source.height)
        let changed = box.grown || box.clipped
        structured["coords"] = .string(box.coords.rawValue)
        structured["bbox_2d"] = .array((changed ? effective : box.requested).map(JSONValue.number))
        structured["bbox_px"] = .ints(box.pixels.corners)
        if changed { structured["requested_bbox_2d"] = .array(box.requested.map(JSONValue.number)) }
        structured["grown"] = .bool(box.grown)
        structured["clipped"] = .bool(box.clipped)
    }

    static func boxText(_ box: ResolvedBox, source: SourceImage) -> String {
        let shown = box.grown || box.clipped ? box.inCallerSystem(width: source.width, height: source.height) : box.requested
        return "\(list(shown)) (\(box.coords.rawValue)) = pixels \(list(box.pixels.corners.map(Double.init))) of \(ImageReference.abbreviated(source.handle)) (\(source.width)×\(source.height))"
    }

    static func returned(_ produced: ProducedImage?) -> String {
        guard let produced else { return "" }
        return "; returned \(produced.width)×\(produced.height) \(produced.format.displayName)"
    }

    static func notes(_ box: ResolvedBox, minimumSideNote: Bool) -> String {
        var text = ""
        if box.clipped { text += " The requested box \(list(box.requested)) extended past the image and was clipped to it." }
        if box.grown && minimumSideNote {
            text += " The requested box \(list(box.requested)) was smaller than the minimum side, so it grew about its centre."
        }
        return text
    }

    static func list(_ values: [Double]) -> String {
        "[" + values.map { formatNumber($0) }.joined(separator: ", ") + "]"
    }

    static func bandNames(_ bands: Int) -> String {
        switch bands {
        case 1: return "grey"
        case 3: return "RGB"
        case 4: return "RGBA"
        default: return "\(bands) bands"
        }
    }
}
