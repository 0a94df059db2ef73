import FoveaKernels

/// One pixel operation a worker runs; coordinates are pixels of the step's input.
public enum PlanStep: Sendable, Equatable {
    case crop(PixelRect)
    case resize(width: Int, height: Int, filter: ResampleFilter)
}

/// Pixel-space work for a worker: steps applied in order to the source, then the result
/// encoded (or not, when `output` is nil).
public struct ImagePlan: Sendable, Equatable {
    public var steps: [PlanStep]
    public var output: OutputOptions?

    public init(steps: [PlanStep], output: OutputOptions?) {
        self.steps = steps
        self.output = output
    }

    /// The size the steps produce from a `width` × `height` source.
    public func outputSize(width: Int, height: Int) -> (width: Int, height: Int) {
        var size = (width: width, height: height)
        for step in steps {
            switch step {
            case .crop(let rect): size = (rect.width, rect.height)
            case .resize(let w, let h, _): size = (w, h)
            }
        }
        return size
    }
}

extension PlanStep {
    public var json: JSONValue {
        switch self {
        case .crop(let rect):
            return ["op": "crop", "rect": .ints([rect.x, rect.y, rect.width, rect.height])]
        case .resize(let width, let height, let filter):
            return ["op": "resize", "width": .int(width), "height": .int(height), "filter": .string(filter.rawValue)]
        }
    }

    public init(json: JSONValue) throws(ChannelMessageError) {
        let op = try json.field("op").string()
        switch op {
        case "crop":
            let r = try json.field("rect").ints(count: 4)
            self = .crop(PixelRect(x: r[0], y: r[1], width: r[2], height: r[3]))
        case "resize":
            guard let filter = ResampleFilter(rawValue: try json.field("filter").string()) else {
                throw ChannelMessageError("unknown resize filter")
            }
            self = .resize(width: try json.field("width").int(), height: try json.field("height").int(), filter: filter)
        default:
            throw ChannelMessageError("unknown plan step \(op)")
        }
    }
}
