import FoveaKernels

/// What the supervisor knows of an image it holds (from the worker that decoded it).
public struct SourceImage: Sendable, Equatable {
    public var handle: String
    public var width: Int
    public var height: Int
    public var bands: Int
    /// Where the pixels came from: the decoded format (`jpeg`, `png`, …) or `result`.
    public var format: String

    public init(handle: String, width: Int, height: Int, bands: Int, format: String) {
        self.handle = handle
        self.width = width
        self.height = height
        self.bands = bands
        self.format = format
    }
}

/// What a call did, in the terms its result reports.
public enum CallSummary: Sendable, Equatable {
    case zoom(ResolvedBox, label: String?)
    case crop(ResolvedBox, downscaled: Bool)
    case inspect
}

/// A validated call bound to its source image: the worker's plan and what to report.
public struct PlannedCall: Sendable, Equatable {
    public var tool: String
    public var source: SourceImage
    /// `nil` when the supervisor answers from what it knows (inspect).
    public var plan: ImagePlan?
    public var summary: CallSummary
}

/// Turns tool requests into pixel plans.
public enum ToolPlanner {
    public static func plan(_ request: ToolRequest, source: SourceImage, defaults: ToolDefaults) throws(ToolError) -> PlannedCall {
        switch request {
        case .zoom(let zoom):
            let box = try resolveBox(zoom.box, coords: zoom.coords, width: source.width, height: source.height,
                                     minimumSide: defaults.preset.minimumSide, padding: zoom.padding)
            let size = try outputSize(of: box, rule: defaults.preset.resize)
            var steps: [PlanStep] = [.crop(box.pixels)]
            if size.width != box.pixels.width || size.height != box.pixels.height {
                steps.append(.resize(width: size.width, height: size.height, filter: .bicubic))
            }
            return PlannedCall(tool: request.toolName, source: source,
                               plan: ImagePlan(steps: steps, output: zoom.output),
                               summary: .zoom(box, label: zoom.label))
        case .crop(let crop):
            let box = try resolveBox(crop.box, coords: crop.coords, width: source.width, height: source.height,
                                     minimumSide: 1)
            var steps: [PlanStep] = [.crop(box.pixels)]
            let maxPixels = defaults.preset.resize.maxPixels
            let pixels = box.pixels.width * box.pixels.height
            if pixels > maxPixels {
                let scale = (Double(maxPixels) / Double(pixels)).squareRoot()
                steps.append(.resize(width: max(1, Int(Double(box.pixels.width) * scale)),
                                     height: max(1, Int(Double(box.pixels.height) * scale)), filter: .bicubic))
            }
            return PlannedCall(tool: request.toolName, source: source,
                               plan: ImagePlan(steps: steps, output: crop.output),
                               summary: .crop(box, downscaled: steps.count > 1))
        case .inspect:
            return PlannedCall(tool: request.toolName, source: source, plan: nil, summary: .inspect)
        }
    }

    /// The model-facing size of a zoom box under `rule` (Qwen's `smart_resize`).
    static func outputSize(of box: ResolvedBox, rule: SmartResizeRule) throws(ToolError) -> (width: Int, height: Int) {
        do {
            let size = try rule.size(height: box.pixels.height, width: box.pixels.width)
            return (size.width, size.height)
        } catch {
            let received = JSONValue.array(box.requested.map(JSONValue.number))
            let ratio = Double(max(box.pixels.width, box.pixels.height)) / Double(min(box.pixels.width, box.pixels.height))
            throw .invalid("bbox_2d", received,
                           "the region is \(box.pixels.width)×\(box.pixels.height) pixels, an aspect ratio of \(formatNumber(ratio, maximumFractionDigits: 1)); the model's resize rule allows at most 200")
        }
    }
}
