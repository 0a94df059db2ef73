import FoveaKernels

/// Header-first limits a worker enforces before decoding (SPEC §2).
public struct DecodeLimits: Sendable, Equatable {
    public var maxEncodedBytes: Int
    public var maxPixels: Int
    public var maxSide: Int

    public init(maxEncodedBytes: Int = 64 << 20, maxPixels: Int = 150_000_000, maxSide: Int = 32768) {
        self.maxEncodedBytes = maxEncodedBytes
        self.maxPixels = maxPixels
        self.maxSide = maxSide
    }

    var json: JSONValue {
        ["maxEncodedBytes": .int(maxEncodedBytes), "maxPixels": .int(maxPixels), "maxSide": .int(maxSide)]
    }

    init(json: JSONValue) throws(ChannelMessageError) {
        self.init(maxEncodedBytes: try json.field("maxEncodedBytes").int(),
                  maxPixels: try json.field("maxPixels").int(),
                  maxSide: try json.field("maxSide").int())
    }
}

/// Supervisor → worker. Descriptors travel beside the message (`SCM_RIGHTS`):
/// `decode` carries the encoded bytes, `run` the source pixels, both as sealed memfds.
public enum WorkerRequest: Sendable, Equatable {
    case decode(id: UInt64, limits: DecodeLimits)
    case run(id: UInt64, source: PixelLayout, plan: ImagePlan)
    /// Test hook (`FOVEA_TEST_HOOKS=1`): attempt something the sandbox forbids.
    case probe(id: UInt64, action: String)
    /// Drop kept mappings of these memfd inodes: the supervisor no longer holds them. No reply.
    case forget(id: UInt64, inodes: [UInt64])

    public var id: UInt64 {
        switch self {
        case .decode(let id, _), .run(let id, _, _), .probe(let id, _), .forget(let id, _): return id
        }
    }

    /// How many descriptors travel with the request.
    public var descriptorCount: Int {
        switch self {
        case .decode, .run: return 1
        case .probe, .forget: return 0
        }
    }

    public var json: JSONValue {
        switch self {
        case .decode(let id, let limits):
            return ["type": "decode", "id": .integer(Int64(id)), "limits": limits.json]
        case .run(let id, let source, let plan):
            var object: [String: JSONValue] = [
                "type": "run", "id": .integer(Int64(id)), "source": source.channelJSON,
                "steps": .array(plan.steps.map(\.json)),
            ]
            if let output = plan.output {
                object["output"] = ["format": .string(output.format.rawValue), "quality": .int(output.quality)]
            }
            return .object(object)
        case .probe(let id, let action):
            return ["type": "probe", "id": .integer(Int64(id)), "action": .string(action)]
        case .forget(let id, let inodes):
            return ["type": "forget", "id": .integer(Int64(id)), "inodes": .array(inodes.map { .integer(Int64(bitPattern: $0)) })]
        }
    }

    public init(json: JSONValue, maximumSide: Int = 1 << 20, maximumPixels: Int = 1 << 40) throws(ChannelMessageError) {
        let id = try json.field("id").id()
        switch try json.field("type").string() {
        case "decode":
            self = .decode(id: id, limits: try DecodeLimits(json: json.field("limits")))
        case "run":
            let source = try PixelLayout(channelJSON: json.field("source"), maximumSide: maximumSide, maximumPixels: maximumPixels)
            guard case .array(let stepValues) = try json.field("steps") else { throw ChannelMessageError("steps must be an array") }
            var steps: [PlanStep] = []
            for value in stepValues { steps.append(try PlanStep(json: value)) }
            var output: OutputOptions?
            if let outputJSON = json.optionalField("output") {
                guard let format = OutputFormat(rawValue: try outputJSON.field("format").string()) else {
                    throw ChannelMessageError("unknown output format")
                }
                output = OutputOptions(format: format, quality: try outputJSON.field("quality").int())
            }
            self = .run(id: id, source: source, plan: ImagePlan(steps: steps, output: output))
        case "probe":
            self = .probe(id: id, action: try json.field("action").string())
        case "forget":
            guard case .array(let values) = try json.field("inodes") else { throw ChannelMessageError("inodes must be an array") }
            var inodes: [UInt64] = []
            for value in values {
                guard case .integer(let inode) = value else { throw ChannelMessageError("inodes must be integers") }
                inodes.append(UInt64(bitPattern: inode))
            }
            self = .forget(id: id, inodes: inodes)
        case let other:
            throw ChannelMessageError("unknown request type \(other)")
        }
    }
}

/// Why a worker could not do a job; the message goes to the model as a tool error.
public enum WorkerFailureKind: String, Sendable, CaseIterable {
    /// Over a header-first limit (bytes, pixels, side).
    case limit
    /// A format Fovea does not decode.
    case unsupported
    /// The bytes are not a decodable image (truncated, corrupt).
    case corrupt
    /// The plan does not fit the image (a supervisor bug if it happens).
    case invalidPlan
    case encodeFailed
    case internalError
}

/// Worker → supervisor. `decoded` carries the pixels memfd; `produced` carries one memfd: the
/// encoded result, or for `raw` output (no `encodedBytes`) the packed pixels.
public enum WorkerReply: Sendable, Equatable {
    case decoded(id: UInt64, layout: PixelLayout, format: String, orientation: Int)
    case produced(id: UInt64, layout: PixelLayout, encodedByteCount: Int?)
    /// Per-channel statistics (a plan ending in `statistics`).
    case measured(id: UInt64, channels: [ChannelSummary])
    case failed(id: UInt64, kind: WorkerFailureKind, message: String)
    case probed(id: UInt64, outcome: String, detail: String)
    /// Sent as soon as a request is read, before any work: a worker that dies before
    /// accepting never started the job, so the job can go to another worker.
    case accepted(id: UInt64)

    public var id: UInt64 {
        switch self {
        case .decoded(let id, _, _, _), .produced(let id, _, _), .measured(let id, _), .failed(let id, _, _),
             .probed(let id, _, _), .accepted(let id): return id
        }
    }

    public var descriptorCount: Int {
        switch self {
        case .decoded: return 1
        case .produced: return 1
        case .measured, .failed, .probed, .accepted: return 0
        }
    }

    public var json: JSONValue {
        switch self {
        case .decoded(let id, let layout, let format, let orientation):
            return ["type": "decoded", "id": .integer(Int64(id)), "layout": layout.channelJSON, "format": .string(format),
                    "orientation": .int(orientation)]
        case .measured(let id, let channels):
            return ["type": "measured", "id": .integer(Int64(id)), "channels": .array(channels.map(\.json))]
        case .produced(let id, let layout, let encoded):
            var object: [String: JSONValue] = ["type": "produced", "id": .integer(Int64(id)), "layout": layout.channelJSON]
            if let encoded { object["encodedBytes"] = .int(encoded) }
            return .object(object)
        case .failed(let id, let kind, let message):
            return ["type": "failed", "id": .integer(Int64(id)), "kind": .string(kind.rawValue), "message": .string(message)]
        case .probed(let id, let outcome, let detail):
            return ["type": "probed", "id": .integer(Int64(id)), "outcome": .string(outcome), "detail": .string(detail)]
        case .accepted(let id):
            return ["type": "accepted", "id": .integer(Int64(id))]
        }
    }

    /// Reads a reply from an untrusted worker: every size is checked against the limits and
    /// every string is bounded and stripped of control characters.
    public init(json: JSONValue, limits: DecodeLimits) throws(ChannelMessageError) {
        let id = try json.field("id").id()
        switch try json.field("type").string() {
        case "decoded":
            let orientation = try json.field("orientation").int()
            guard (1...8).contains(orientation) else { throw ChannelMessageError("orientation out of range") }
            self = .decoded(id: id,
                            layout: try PixelLayout(channelJSON: json.field("layout"), maximumSide: limits.maxSide, maximumPixels: limits.maxPixels),
                            format: sanitized(try json.field("format").string(), limit: 16), orientation: orientation)
        case "measured":
            guard case .array(let values) = try json.field("channels"), (1...4).contains(values.count) else {
                throw ChannelMessageError("channels must be 1 to 4 entries")
            }
            var channels: [ChannelSummary] = []
            for value in values { channels.append(try ChannelSummary(json: value, maximumCount: limits.maxPixels)) }
            self = .measured(id: id, channels: channels)
        case "produced":
            var encoded: Int?
            if let value = json.optionalField("encodedBytes") {
                let count = try value.int()
                guard count >= 0, count <= limits.maxEncodedBytes else { throw ChannelMessageError("encoded size out of bounds") }
                encoded = count
            }
            self = .produced(id: id,
                             layout: try PixelLayout(channelJSON: json.field("layout"), maximumSide: limits.maxSide, maximumPixels: limits.maxPixels),
                             encodedByteCount: encoded)
        case "failed":
            guard let kind = WorkerFailureKind(rawValue: try json.field("kind").string()) else {
                throw ChannelMessageError("unknown failure kind")
            }
            self = .failed(id: id, kind: kind, message: sanitized(try json.field("message").string(), limit: 400))
        case "probed":
            self = .probed(id: id, outcome: sanitized(try json.field("outcome").string(), limit: 16),
                           detail: sanitized(try json.field("detail").string(), limit: 200))
        case "accepted":
            self = .accepted(id: id)
        case let other:
            throw ChannelMessageError("unknown reply type \(sanitized(other, limit: 20))")
        }
    }
}

/// At most `limit` characters, control characters replaced by spaces.
func sanitized(_ text: String, limit: Int) -> String {
    let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit).map {
        $0.value < 0x20 || $0.value == 0x7F ? " " : $0
    }))
    return cleaned
}
