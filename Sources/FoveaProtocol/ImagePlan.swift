import FoveaKernels

/// Interpolation for any-angle rotation.
public enum RotationInterpolation: String, Sendable, CaseIterable {
    case nearest, bilinear, bicubic
}

/// A mirror axis: `horizontal` swaps left and right (PIL's FLIP_LEFT_RIGHT).
public enum FlipDirection: String, Sendable, CaseIterable {
    case horizontal, vertical
}

/// One pixel operation a worker runs; coordinates are pixels of the step's input.
public enum PlanStep: Sendable, Hashable {
    case crop(PixelRect)
    /// Resizes the input, or only `box` of it (fractional edges, Pillow's `box`), to `width` × `height`.
    case resize(width: Int, height: Int, filter: ResampleFilter, box: ResampleBox? = nil)
    /// An exact rotation by 90, 180 or 270 degrees counter-clockwise.
    case quarterTurn(degrees: Int)
    case flip(FlipDirection)
    /// Any-angle rotation (counter-clockwise degrees, as PIL); `width`/`height` are the output's.
    case rotate(degrees: Double, interpolation: RotationInterpolation, expand: Bool, fill: [UInt8], width: Int, height: Int)
    /// Adjustments over the whole image or `region`.
    case enhance(EnhanceSettings, region: PixelRect?)
    case annotate([Annotation])
    /// Per-channel statistics of `region`; a plan's last step, producing no pixels.
    case statistics(PixelRect)

    /// The shape this step makes from `input`.
    public func output(from input: ImageShape) -> ImageShape {
        switch self {
        case .crop(let rect): return ImageShape(width: rect.width, height: rect.height, bands: input.bands)
        case .resize(let width, let height, _, _): return ImageShape(width: width, height: height, bands: input.bands)
        case .quarterTurn(let degrees):
            return degrees == 180 ? input : ImageShape(width: input.height, height: input.width, bands: input.bands)
        case .flip, .annotate, .statistics: return input
        case .rotate(_, _, _, _, let width, let height): return ImageShape(width: width, height: height, bands: input.bands)
        case .enhance(let settings, let region):
            return settings.grayscale && region == nil ? ImageShape(width: input.width, height: input.height, bands: 1) : input
        }
    }
}

/// Pixel-space work for a worker: steps applied in order to the source, then the result
/// encoded (or not, when `output` is nil).
public struct ImagePlan: Sendable, Hashable {
    public var steps: [PlanStep]
    public var output: OutputOptions?
    /// Only these rows of what the steps make, when set: one band of a JPEG that the supervisor
    /// joins from several jobs (``bands(source:maximumCount:)``), encoded with a restart
    /// marker after every MCU row. The steps are then a crop, or a crop and a resize.
    public var band: Range<Int>?

    public init(steps: [PlanStep], output: OutputOptions?, band: Range<Int>? = nil) {
        self.steps = steps
        self.output = output
        self.band = band
    }

    /// The source rows the plan reads from an image `height` rows tall: the first step's box
    /// when it is a crop or statistics (every later step works on that box only), else all;
    /// for a band, the rows its part of the crop and resize reads.
    public func sourceRows(height: Int) -> Range<Int> {
        switch steps.first {
        case .crop(let rect)?, .statistics(let rect)?:
            var rows = rect.y..<(rect.y + rect.height)
            if let band, let read = bandRowsRead(band, cropHeight: rect.height) {
                rows = (rect.y + read.lowerBound)..<(rect.y + read.upperBound)
            }
            return max(0, rows.lowerBound)..<min(height, max(rows.lowerBound, rows.upperBound))
        default:
            return 0..<height
        }
    }

    /// The rows of the crop that `band` of the steps' result reads.
    private func bandRowsRead(_ band: Range<Int>, cropHeight: Int) -> Range<Int>? {
        switch steps.count {
        case 1: return band
        case 2:
            guard case .resize(_, let height, let filter, let box) = steps[1] else { return nil }
            return resampleSourceRows(band, inHeight: cropHeight, outHeight: height, filter: filter, box: box)
        default: return nil
        }
    }

    /// The shape the steps produce from `source` (of the band alone, for a band).
    public func outputShape(from source: ImageShape) -> ImageShape {
        var shape = steps.reduce(source) { $1.output(from: $0) }
        if let band { shape.height = band.count }
        return shape
    }

    /// Whether the plan ends in statistics rather than pixels.
    public var measures: Bool {
        if case .statistics? = steps.last { return true }
        return false
    }
}

extension PlanStep {
    public var json: JSONValue {
        switch self {
        case .crop(let rect):
            return ["op": "crop", "rect": .ints([rect.x, rect.y, rect.width, rect.height])]
        case .resize(let width, let height, let filter, let box):
            var object: [String: JSONValue] = ["op": "resize", "width": .int(width), "height": .int(height),
                                               "filter": .string(filter.rawValue)]
            if let box { object["box"] = .array([box.left, box.top, box.right, box.bottom].map(JSONValue.double)) }
            return .object(object)
        case .quarterTurn(let degrees):
            return ["op": "quarterTurn", "degrees": .int(degrees)]
        case .flip(let direction):
            return ["op": "flip", "direction": .string(direction.rawValue)]
        case .rotate(let degrees, let interpolation, let expand, let fill, let width, let height):
            return ["op": "rotate", "degrees": .double(degrees), "interpolation": .string(interpolation.rawValue),
                    "expand": .bool(expand), "fill": .ints(fill.map(Int.init)), "width": .int(width), "height": .int(height)]
        case .enhance(let settings, let region):
            var object: [String: JSONValue] = ["op": "enhance", "settings": settings.json]
            if let region { object["region"] = .ints([region.x, region.y, region.width, region.height]) }
            return .object(object)
        case .annotate(let annotations):
            return ["op": "annotate", "annotations": .array(annotations.map(\.json))]
        case .statistics(let region):
            return ["op": "statistics", "region": .ints([region.x, region.y, region.width, region.height])]
        }
    }

    public init(json: JSONValue) throws(ChannelMessageError) {
        let op = try json.field("op").string()
        func rect(_ key: String) throws(ChannelMessageError) -> PixelRect {
            let r = try json.field(key).ints(count: 4)
            return PixelRect(x: r[0], y: r[1], width: r[2], height: r[3])
        }
        switch op {
        case "crop":
            self = .crop(try rect("rect"))
        case "resize":
            guard let filter = ResampleFilter(rawValue: try json.field("filter").string()) else {
                throw ChannelMessageError("unknown resize filter")
            }
            var box: ResampleBox?
            if let value = json.optionalField("box") {
                guard case .array(let edges) = value, edges.count == 4 else { throw ChannelMessageError("resize box needs 4 numbers") }
                let numbers = edges.compactMap(\.doubleValue)
                guard numbers.count == 4, numbers.allSatisfy(\.isFinite) else { throw ChannelMessageError("resize box needs 4 finite numbers") }
                box = ResampleBox(left: numbers[0], top: numbers[1], right: numbers[2], bottom: numbers[3])
            }
            self = .resize(width: try json.field("width").int(), height: try json.field("height").int(), filter: filter, box: box)
        case "quarterTurn":
            let degrees = try json.field("degrees").int()
            guard [90, 180, 270].contains(degrees) else { throw ChannelMessageError("quarter turn must be 90, 180 or 270") }
            self = .quarterTurn(degrees: degrees)
        case "flip":
            guard let direction = FlipDirection(rawValue: try json.field("direction").string()) else {
                throw ChannelMessageError("unknown flip direction")
            }
            self = .flip(direction)
        case "rotate":
            guard let degrees = try json.field("degrees").doubleValue, degrees.isFinite,
                  let interpolation = RotationInterpolation(rawValue: try json.field("interpolation").string()),
                  let expand = try json.field("expand").boolValue,
                  case .array(let fillValues) = try json.field("fill") else {
                throw ChannelMessageError("invalid rotate step")
            }
            let fill = fillValues.compactMap(\.intValue)
            guard fill.count == fillValues.count, fill.count <= 4, fill.allSatisfy({ (0...255).contains($0) }) else {
                throw ChannelMessageError("invalid fill")
            }
            self = .rotate(degrees: degrees, interpolation: interpolation, expand: expand, fill: fill.map(UInt8.init),
                           width: try json.field("width").int(), height: try json.field("height").int())
        case "enhance":
            self = .enhance(try EnhanceSettings(json: json.field("settings")),
                            region: json.optionalField("region") == nil ? nil : try rect("region"))
        case "annotate":
            guard case .array(let values) = try json.field("annotations"), values.count <= ToolLimits.maximumAnnotations else {
                throw ChannelMessageError("invalid annotations")
            }
            var annotations: [Annotation] = []
            for value in values { annotations.append(try Annotation(json: value)) }
            self = .annotate(annotations)
        case "statistics":
            self = .statistics(try rect("region"))
        default:
            throw ChannelMessageError("unknown plan step \(op)")
        }
    }
}

/// Bounds on what one call may ask for.
public enum ToolLimits {
    public static let maximumAnnotations = 256
    public static let maximumTiles = 64
    public static let maximumPipelineSteps = 16
}
