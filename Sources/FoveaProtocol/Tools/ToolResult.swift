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

    var imageBlock: JSONValue {
        ["type": "image", "data": .string(base64), "mimeType": .string(format.mimeType)]
    }

    var structured: [String: JSONValue] {
        ["image": .string(handle), "width": .int(width), "height": .int(height), "bands": .int(bands), "format": .string(format.rawValue)]
    }
}

/// Builds MCP `CallToolResult`s: image blocks, one text block the model reads, and
/// `structuredContent` for programs.
public enum ToolResult {
    public static func failure(_ error: ToolError) -> JSONValue {
        ["content": [["type": "text", "text": .string(error.message)]], "isError": true]
    }

    /// `images` are the jobs' results in ``PlannedCall/jobs`` order; `statistics` the measured
    /// channels of an inspect call.
    public static func success(_ call: PlannedCall, images: [ProducedImage], statistics: [ChannelSummary] = []) -> JSONValue {
        let source = call.source
        let name = ImageReference.abbreviated(source.handle)
        var structured: [String: JSONValue] = [
            "source": ["image": .string(source.handle), "width": .int(source.width), "height": .int(source.height)],
        ]
        var text: String
        switch call.work {
        case .single(let plan):
            let image = images[0]
            structured.merge(image.structured) { $1 }
            StepText.describe(plan.summary, into: &structured)
            text = StepText.sentence(plan, inputName: "\(name) (\(source.width)×\(source.height))") + StepText.returned(image) + "." + StepText.notes(plan.summary)
        case .pipeline(let plans):
            let image = images[0]
            structured.merge(image.structured) { $1 }
            var steps: [JSONValue] = []
            var lines: [String] = []
            for (index, plan) in plans.enumerated() {
                var step: [String: JSONValue] = ["tool": .string(plan.summary.toolName), "width": .int(plan.output.width), "height": .int(plan.output.height)]
                StepText.describe(plan.summary, into: &step)
                steps.append(.object(step))
                lines.append("\(index + 1)) " + StepText.sentence(plan, inputName: index == 0 ? "the image" : "the result") + " → \(plan.output)" + StepText.notes(plan.summary))
            }
            structured["steps"] = .array(steps)
            text = "Ran \(plans.count) step\(plans.count == 1 ? "" : "s") on \(name) (\(source.width)×\(source.height)): " + lines.joined(separator: "; ") + StepText.returned(image) + "."
        case .tiles(let request, let region, let tiles):
            var entries: [JSONValue] = []
            var lines: [String] = []
            let coords = request.coords
            let overlap = request.overlap
            for (index, (tile, image)) in zip(tiles, images).enumerated() {
                let box = ResolvedBox(requested: [], coords: coords, pixels: tile.pixels, clipped: false, grown: false)
                let inCaller = box.inCallerSystem(width: source.width, height: source.height)
                var entry = image.structured
                entry["row"] = .int(tile.row + 1)
                entry["column"] = .int(tile.column + 1)
                entry["bbox_2d"] = .array(inCaller.map(JSONValue.number))
                entry["bbox_px"] = .ints(tile.pixels.corners)
                entries.append(.object(entry))
                lines.append("tile \(index + 1) (row \(tile.row + 1), column \(tile.column + 1)): \(StepText.list(inCaller)) (\(coords.rawValue)) = pixels \(StepText.list(tile.pixels.corners.map(Double.init))), returned \(image.width)×\(image.height)")
            }
            let rows = (tiles.map(\.row).max() ?? 0) + 1
            let columns = (tiles.map(\.column).max() ?? 0) + 1
            structured["tiles"] = .array(entries)
            structured["grid"] = .ints([rows, columns])
            structured["coords"] = .string(coords.rawValue)
            structured["overlap"] = .number(overlap)
            if let region { structured["region_px"] = .ints(region.pixels.corners) }
            if case .size(let width, let height) = request.layout { structured["tile_size"] = .ints([width, height]) }
            let area = region.map { " region \(StepText.list($0.requested)) (\($0.coords.rawValue)) = pixels \(StepText.list($0.pixels.corners.map(Double.init))) of" } ?? ""
            text = "Tiled\(area) \(name) (\(source.width)×\(source.height)) into \(rows)×\(columns) tiles"
                + (overlap > 0 ? " overlapping by \(formatNumber(overlap))" : "") + ", each returned as \(call.output.format.displayName) in row-major order: "
                + lines.joined(separator: "; ") + "."
        case .inspect(let region, let pixels):
            structured["image"] = .string(source.handle)
            structured["width"] = .int(source.width)
            structured["height"] = .int(source.height)
            structured["bands"] = .int(source.bands)
            structured["format"] = .string(source.format)
            structured["orientation"] = .int(source.orientation)
            structured["region_px"] = .ints(pixels.corners)
            if let region {
                structured["coords"] = .string(region.coords.rawValue)
                structured["bbox_2d"] = .array(region.requested.map(JSONValue.number))
                structured["bbox_px"] = .ints(region.pixels.corners)
            }
            let names = StepText.channelNames(source.bands)
            structured["channels"] = .array(zip(names, statistics).map { name, channel in
                ["name": .string(name), "mean": .double(channel.mean), "std": .double(channel.standardDeviation),
                 "min": .int(channel.minimum), "max": .int(channel.maximum), "histogram": .ints(channel.histogram)]
            })
            let origin = source.format == "result" ? "an earlier tool result" : source.format.uppercased()
                + (source.orientation != 1 ? " (EXIF orientation \(source.orientation) applied)" : "")
            let scope = region.map { "Region \(StepText.list($0.requested)) (\($0.coords.rawValue)) = pixels \(StepText.list($0.pixels.corners.map(Double.init)))" } ?? "Whole image"
            let measures = zip(names, statistics).map { name, c in
                "\(name) mean \(formatNumber(c.mean, maximumFractionDigits: 1)), std \(formatNumber(c.standardDeviation, maximumFractionDigits: 1)), min \(c.minimum), max \(c.maximum)"
            }.joined(separator: "; ")
            let histograms = zip(names, statistics).map { name, c in "\(name) \(StepText.list(c.histogram.map(Double.init)))" }.joined(separator: "; ")
            text = "\(name) is \(source.width)×\(source.height) with \(source.bands) band\(source.bands == 1 ? "" : "s") (\(StepText.bandNames(source.bands))), from \(origin). \(scope): \(measures). Histograms of 16 bins (levels 0-15, 16-31, …, 240-255): \(histograms)."
        }
        var content = images.map(\.imageBlock)
        content.append(["type": "text", "text": .string(text)])
        return ["content": .array(content), "structuredContent": .object(structured), "isError": false]
    }
}

/// The words and fields each step contributes to a result.
enum StepText {
    static func sentence(_ plan: StepPlan, inputName: String) -> String {
        switch plan.summary {
        case .zoom(let box, _): return "Zoomed into \(boxText(box, input: plan.input)) of \(inputName)"
        case .crop(let box, _): return "Cropped \(boxText(box, input: plan.input)) of \(inputName)"
        case .rotate(let degrees, let expand, let interpolation, let flip):
            var parts: [String] = []
            if degrees.truncatingRemainder(dividingBy: 360) != 0 {
                let exact = degrees.truncatingRemainder(dividingBy: 90) == 0
                parts.append("rotated by \(formatNumber(degrees))° counter-clockwise (" + (exact ? "exact" : "\(interpolation.rawValue)\(expand ? ", expanded" : ", same size")") + ")")
            }
            if let flip { parts.append("flipped \(flip.rawValue)ly") }
            return (parts.isEmpty ? "Copied" : parts.joined(separator: " and ").capitalizedFirst) + " \(inputName)"
        case .enhance(let settings, let region):
            let list = settings.applied.map { name, value in value == .bool(true) ? name : "\(name) \(ToolError.render(value))" }.joined(separator: ", ")
            let scope = region.map { " in \(boxText($0, input: plan.input))" } ?? ""
            return "Applied \(list) to \(inputName)\(scope)"
        case .annotate(let boxes, let points, let lines):
            let counts = [(boxes, "box", "boxes"), (points, "point", "points"), (lines, "line", "lines")]
                .filter { $0.0 > 0 }.map { "\($0.0) \($0.0 == 1 ? $0.1 : $0.2)" }
            return "Drew \(counts.joined(separator: ", ")) on \(inputName)"
        }
    }

    static func describe(_ summary: StepSummary, into structured: inout [String: JSONValue]) {
        switch summary {
        case .zoom(let box, let label):
            describe(box, into: &structured)
            if let label { structured["label"] = .string(label) }
        case .crop(let box, let downscaled):
            describe(box, into: &structured)
            structured["downscaled"] = .bool(downscaled)
        case .rotate(let degrees, let expand, let interpolation, let flip):
            structured["angle"] = .number(degrees)
            structured["expand"] = .bool(expand)
            structured["interpolation"] = .string(interpolation.rawValue)
            if let flip { structured["flip"] = .string(flip.rawValue) }
        case .enhance(let settings, let region):
            structured["adjustments"] = .object(Dictionary(uniqueKeysWithValues: settings.applied))
            if let region { describe(region, into: &structured) }
        case .annotate(let boxes, let points, let lines):
            structured["drawn"] = ["boxes": .int(boxes), "points": .int(points), "lines": .int(lines)]
        }
    }

    static func describe(_ box: ResolvedBox, into structured: inout [String: JSONValue]) {
        let changed = box.grown || box.clipped
        structured["coords"] = .string(box.coords.rawValue)
        structured["bbox_2d"] = .array((changed ? box.effective : box.requested).map(JSONValue.number))
        structured["bbox_px"] = .ints(box.pixels.corners)
        if changed { structured["requested_bbox_2d"] = .array(box.requested.map(JSONValue.number)) }
        structured["grown"] = .bool(box.grown)
        structured["clipped"] = .bool(box.clipped)
    }

    static func boxText(_ box: ResolvedBox, input: ImageShape) -> String {
        let shown = box.grown || box.clipped ? box.effective : box.requested
        return "\(list(shown)) (\(box.coords.rawValue)) = pixels \(list(box.pixels.corners.map(Double.init)))"
    }

    static func returned(_ image: ProducedImage) -> String {
        "; returned \(image.width)×\(image.height) \(image.format.displayName)"
    }

    static func notes(_ summary: StepSummary) -> String {
        var text = ""
        switch summary {
        case .zoom(let box, _):
            if box.clipped { text += " The requested box \(list(box.requested)) extended past the image and was clipped to it." }
            if box.grown { text += " The requested box \(list(box.requested)) was smaller than the minimum side, so it grew about its centre." }
        case .crop(let box, let downscaled):
            if box.clipped { text += " The requested box \(list(box.requested)) extended past the image and was clipped to it." }
            if downscaled { text += " The region exceeded the maximum output pixels and was downscaled." }
        default: break
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

    static func channelNames(_ bands: Int) -> [String] {
        switch bands {
        case 1: return ["L"]
        case 3: return ["R", "G", "B"]
        default: return ["R", "G", "B", "A"]
        }
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
