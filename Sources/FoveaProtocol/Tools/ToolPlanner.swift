import FoveaKernels

/// What the supervisor knows of an image it holds (from the worker that decoded it).
public struct SourceImage: Sendable, Equatable {
    public var handle: String
    public var width: Int
    public var height: Int
    public var bands: Int
    /// Where the pixels came from: the decoded format (`jpeg`, `png`, …) or `result`.
    public var format: String
    /// The EXIF orientation applied on decode (1 when none).
    public var orientation: Int

    public init(handle: String, width: Int, height: Int, bands: Int, format: String, orientation: Int = 1) {
        self.handle = handle
        self.width = width
        self.height = height
        self.bands = bands
        self.format = format
        self.orientation = orientation
    }

    public var shape: ImageShape { ImageShape(width: width, height: height, bands: bands) }
}

/// A validated call bound to its source image: the worker jobs to run and what to report.
public struct PlannedCall: Sendable, Equatable {
    public enum Work: Sendable, Equatable {
        /// One job making one image (zoom, crop, rotate, enhance, annotate).
        case single(StepPlan)
        /// One job per tile.
        case tiles(TileRequest, region: ResolvedBox?, tiles: [TileRequest.Tile])
        /// One job measuring a region.
        case inspect(region: ResolvedBox?, pixels: PixelRect)
        /// One job running every step in order.
        case pipeline([StepPlan])
    }

    public var tool: String
    public var source: SourceImage
    public var output: OutputOptions
    public var work: Work

    /// The worker jobs, in the order their results are reported.
    public var jobs: [ImagePlan] {
        switch work {
        case .single(let plan): return [ImagePlan(steps: plan.steps, output: output)]
        case .tiles(_, _, let tiles): return tiles.map { ImagePlan(steps: $0.plan.steps, output: output) }
        case .inspect(_, let pixels): return [ImagePlan(steps: [.statistics(pixels)], output: nil)]
        case .pipeline(let plans): return [ImagePlan(steps: plans.flatMap(\.steps), output: output)]
        }
    }
}

/// Turns tool calls into worker jobs.
public enum ToolPlanner {
    public static func plan(_ call: ToolCall, source: SourceImage, defaults: ToolDefaults) throws(ToolError) -> PlannedCall {
        let work: PlannedCall.Work
        switch call.request {
        case .tile(let request):
            let (region, tiles) = try request.tiles(input: source.shape, defaults: defaults)
            work = .tiles(request, region: region, tiles: tiles)
        case .inspect(let request):
            let region = try request.region(input: source.shape)
            work = .inspect(region: region, pixels: region?.pixels ?? PixelRect(x: 0, y: 0, width: source.width, height: source.height))
        case .pipeline(let request):
            var plans: [StepPlan] = []
            var shape = source.shape
            for (index, step) in request.steps.enumerated() {
                do throws(ToolError) {
                    guard let plan = try step.stepPlan(input: shape, defaults: defaults) else {
                        throw ToolError("\(step.toolName) cannot be a pipeline step")
                    }
                    plans.append(plan)
                    shape = plan.output
                } catch {
                    throw ToolError("steps[\(index)] (\(step.toolName)) on a \(shape) input: \(error.message)")
                }
            }
            work = .pipeline(plans)
        default:
            work = .single(try call.request.stepPlan(input: source.shape, defaults: defaults)!)
        }
        return PlannedCall(tool: call.toolName, source: source, output: call.output, work: work)
    }
}
