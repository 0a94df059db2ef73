/// One tool's work on an image of a known shape: the pixel steps, the shape they make, and
/// what to report.
public struct StepPlan: Sendable, Equatable {
    public var input: ImageShape
    public var steps: [PlanStep]
    public var output: ImageShape
    public var summary: StepSummary

    public init(input: ImageShape, steps: [PlanStep], summary: StepSummary) {
        self.input = input
        self.steps = steps
        self.output = steps.reduce(input) { $1.output(from: $0) }
        self.summary = summary
    }
}

/// What a step did, in the terms its result reports.
public enum StepSummary: Sendable, Equatable {
    case zoom(ResolvedBox, label: String?)
    case crop(ResolvedBox, downscaled: Bool)
    case rotate(degrees: Double, expand: Bool, interpolation: RotationInterpolation, flip: FlipDirection?)
    case enhance(EnhanceSettings, region: ResolvedBox?)
    case annotate(boxes: Int, points: Int, lines: Int)

    public var toolName: String {
        switch self {
        case .zoom: return "zoom"
        case .crop: return "crop"
        case .rotate: return "rotate"
        case .enhance: return "enhance"
        case .annotate: return "annotate"
        }
    }
}

/// Per-channel statistics of a region, as a worker measured them.
public struct ChannelSummary: Sendable, Equatable {
    public var mean: Double
    public var standardDeviation: Double
    public var minimum: Int
    public var maximum: Int
    /// 16 bins of 16 levels each.
    public var histogram: [Int]

    public init(mean: Double, standardDeviation: Double, minimum: Int, maximum: Int, histogram: [Int]) {
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.minimum = minimum
        self.maximum = maximum
        self.histogram = histogram
    }

    var json: JSONValue {
        ["mean": .double(mean), "std": .double(standardDeviation), "min": .int(minimum), "max": .int(maximum),
         "histogram": .ints(histogram)]
    }

    init(json: JSONValue, maximumCount: Int) throws(ChannelMessageError) {
        guard let mean = try json.field("mean").doubleValue, let std = try json.field("std").doubleValue,
              mean.isFinite, std.isFinite, (0...255).contains(mean), (0...255).contains(std) else {
            throw ChannelMessageError("statistics out of range")
        }
        let minimum = try json.field("min").int(), maximum = try json.field("max").int()
        let histogram = try json.field("histogram").ints(count: 16)
        guard (0...255).contains(minimum), (0...255).contains(maximum), minimum <= maximum,
              histogram.allSatisfy({ $0 >= 0 && $0 <= maximumCount }) else {
            throw ChannelMessageError("statistics out of range")
        }
        self.init(mean: mean, standardDeviation: std, minimum: minimum, maximum: maximum, histogram: histogram)
    }
}
