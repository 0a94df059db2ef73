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
    /// `shrink` > 1 decodes at that fraction of the size (2, 4 or 8; JPEG and WebP only, see
    /// ``ShrinkOnLoad``).
    case decode(id: UInt64, limits: DecodeLimits, shrink: Int = 1)
    /// `threads`: how many of its kernel threads the worker may use for this job (0: all).
    /// The supervisor lowers it when other workers are busy (``WorkerSlot``).
    case run(id: UInt64, source: PixelLayout, plan: ImagePlan, threads: Int = 0)
    /// Test hook (`FOVEA_TEST_HOOKS=1`): attempt something the sandbox forbids.
    case probe(id: UInt64, action: String)
    /// Drop kept mappings of these memfd inodes: the supervisor no longer holds them. No reply.
    case forget(id: UInt64, inodes: [UInt64])

    public var id: UInt64 {
        switch self {
        case .decode(let id, _, _), .run(let id, _, _, _), .probe(let id, _), .forget(let id, _): return id
        }
    }

    /// Inputs that travel with the request: sealed memfds of encoded bytes or source pixels.
    public var inputDescriptorCount: Int {
        switch self {
        case .decode, .run: return 1
        case .probe, .forget: return 0
        }
    }

    /// The writable, unsealed memfds the supervisor lends for the outputs, after the inputs.
    /// A worker cannot make memfds of its own (`RLIMIT_FSIZE` is 0, so it cannot grow one): it
    /// shrinks each scratch memfd it uses to the size of its output, fills it, seals it and
    /// sends it back in the reply.
    public var scratchOutputs: [ScratchOutput] {
        switch self {
        case .decode: return [.pixels]
        case .run(_, _, let plan, _):
            guard let output = plan.output else { return [] }
            return output.format == .raw ? [.pixels] : [.encoded]
        case .probe, .forget: return []
        }
    }

    /// How many descriptors travel with the request: inputs, then scratch outputs.
    public var descriptorCount: Int { inputDescriptorCount + scratchOutputs.count }

    public var json: JSONValue {
        switch self {
        case .decode(let id, let limits, let shrink):
            return ["type": "decode", "id": .integer(Int64(id)), "limits": limits.json, "shrink": .int(shrink)]
        case .run(let id, let source, let plan, let threads):
            var object: [String: JSONValue] = [
                "type": "run", "id": .integer(Int64(id)), "source": source.channelJSON,
                "steps": .array(plan.steps.map(\.json)),
            ]
            if threads > 0 { object["threads"] = .int(threads) }
            if let band = plan.band { object["band"] = .ints([band.lowerBound, band.upperBound]) }
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
            let shrink = try json.field("shrink").int()
            guard [1, 2, 4, 8].contains(shrink) else { throw ChannelMessageError("decode shrink must be 1, 2, 4 or 8") }
            self = .decode(id: id, limits: try DecodeLimits(json: json.field("limits")), shrink: shrink)
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
            let threads = try json.optionalField("threads")?.int() ?? 0
            guard (0...1024).contains(threads) else { throw ChannelMessageError("threads \(threads) is out of range") }
            var band: Range<Int>?
            if json.optionalField("band") != nil {
                let edges = try json.field("band").ints(count: 2)
                guard edges[0] < edges[1] else { throw ChannelMessageError("band \(edges) is empty") }
                band = edges[0]..<edges[1]
            }
            self = .run(id: id, source: source, plan: ImagePlan(steps: steps, output: output, band: band), threads: threads)
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

/// What a scratch memfd lent with a request is for.
public enum ScratchOutput: Sendable, Equatable {
    /// Packed 8-bit pixels: at most `maxPixels` × 4 bytes.
    case pixels
    /// An encoded image: at most `maxEncodedBytes`.
    case encoded

    /// The scratch memfd's size (sparse: pages are only allocated when written).
    public func capacity(_ limits: DecodeLimits) -> Int {
        switch self {
        case .pixels: return limits.maxPixels.multipliedReportingOverflow(by: 4).partialValue
        case .encoded: return limits.maxEncodedBytes
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

    public var id: UInt64 {
        switch self {
        case .decoded(let id, _, _, _), .produced(let id, _, _), .measured(let id, _), .failed(let id, _, _),
             .probed(let id, _, _): return id
        }
    }

    public var descriptorCount: Int {
        switch self {
        case .decoded: return 1
        case .produced: return 1
        case .measured, .failed, .probed: return 0
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

/// Worker → supervisor, as soon as a request is read and before any work: the job is taken.
/// A worker that dies before its receipt did not run the job, so the supervisor gives the job
/// to a fresh worker instead of blaming the input.
/// Worker → supervisor while a decode runs, between the receipt and the reply: the image's
/// header once its pixels' memfd has its final size, then the output rows finished so far, so
/// calls on the image can start on other workers before the decode ends.
public enum WorkerNotice: Sendable, Equatable {
    case header(id: UInt64, layout: PixelLayout, format: String, orientation: Int)
    /// Rows `rows` of the output are final (a range that only grows).
    case rows(id: UInt64, rows: Range<Int>)

    public var id: UInt64 {
        switch self {
        case .header(let id, _, _, _), .rows(let id, _): return id
        }
    }

    public var json: JSONValue {
        switch self {
        case .header(let id, let layout, let format, let orientation):
            return ["type": "header", "id": .integer(Int64(id)), "layout": layout.channelJSON,
                    "format": .string(format), "orientation": .int(orientation)]
        case .rows(let id, let rows):
            return ["type": "rows", "id": .integer(Int64(id)), "from": .int(rows.lowerBound), "to": .int(rows.upperBound)]
        }
    }

    /// Whether `json` is a notice (rather than a reply).
    public static func isNotice(_ json: JSONValue) -> Bool {
        guard case .string(let type)? = json.optionalField("type") else { return false }
        return type == "header" || type == "rows"
    }

    /// Parses a notice with every number bounded (a worker is presumed compromised).
    public init(json: JSONValue, limits: DecodeLimits) throws(ChannelMessageError) {
        let id = try json.field("id").id()
        switch try json.field("type").string() {
        case "header":
            let orientation = try json.field("orientation").int()
            guard (1...8).contains(orientation) else { throw ChannelMessageError("orientation out of range") }
            self = .header(id: id,
                           layout: try PixelLayout(channelJSON: json.field("layout"), maximumSide: limits.maxSide, maximumPixels: limits.maxPixels),
                           format: sanitized(try json.field("format").string(), limit: 16), orientation: orientation)
        case "rows":
            let from = try json.field("from").int(), to = try json.field("to").int()
            guard 0 <= from, from <= to, to <= limits.maxSide else { throw ChannelMessageError("rows \(from)..<\(to) out of range") }
            self = .rows(id: id, rows: from..<to)
        case let other:
            throw ChannelMessageError("unknown notice type \(other)")
        }
    }
}

public struct WorkerReceipt: Sendable, Equatable {
    public var id: UInt64

    public init(id: UInt64) {
        self.id = id
    }

    public var json: JSONValue { ["type": "started", "id": .integer(Int64(id))] }

    public init(json: JSONValue) throws(ChannelMessageError) {
        guard try json.field("type").string() == "started" else { throw ChannelMessageError("expected a receipt") }
        id = try json.field("id").id()
    }
}

/// Worker → supervisor, once, before any request: how the worker sandboxed itself. A worker
/// that could not (the filter did not load, root could not be dropped, …) sends `error` and
/// exits. Read like every reply: bounded, because a worker is presumed compromised.
public struct WorkerHello: Sendable, Equatable {
    /// The worker's real, effective and saved uid after dropping root (unchanged when the
    /// daemon does not run as root).
    public var uid: Int
    public var gid: Int
    /// Namespaces the worker is in: `pid`, `user`, `net`, `ipc`, `mnt`.
    public var namespaces: [String]
    /// Why namespaces are missing, when some are.
    public var namespaceProblem: String?
    /// Whether the seccomp filter is loaded (false only with `--unsafe-no-sandbox`).
    public var filter: Bool
    public var noNewPrivileges: Bool
    public var dumpable: Bool
    /// Whether the worker's root directory is an empty read-only tmpfs.
    public var emptyRoot: Bool
    /// Allowed input formats the warm-up decoded.
    public var warmedFormats: [String]
    /// Non-fatal findings, e.g. a format this libvips cannot decode in its warm-up.
    public var notes: [String]
    /// Set when the worker could not sandboxed itself; it exits after sending this.
    public var error: String?

    public init(uid: Int, gid: Int, namespaces: [String] = [], namespaceProblem: String? = nil, filter: Bool,
                noNewPrivileges: Bool, dumpable: Bool, emptyRoot: Bool = false, warmedFormats: [String] = [],
                notes: [String] = [], error: String? = nil) {
        self.emptyRoot = emptyRoot
        self.uid = uid
        self.gid = gid
        self.namespaces = namespaces
        self.namespaceProblem = namespaceProblem
        self.filter = filter
        self.noNewPrivileges = noNewPrivileges
        self.dumpable = dumpable
        self.warmedFormats = warmedFormats
        self.notes = notes
        self.error = error
    }

    /// A worker that failed before it could report anything else.
    public static func failure(_ message: String) -> WorkerHello {
        WorkerHello(uid: -1, gid: -1, filter: false, noNewPrivileges: false, dumpable: true, error: message)
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "type": "hello", "uid": .int(uid), "gid": .int(gid),
            "namespaces": .array(namespaces.map(JSONValue.string)), "filter": .bool(filter),
            "noNewPrivileges": .bool(noNewPrivileges), "dumpable": .bool(dumpable), "emptyRoot": .bool(emptyRoot),
            "warmedFormats": .array(warmedFormats.map(JSONValue.string)),
            "notes": .array(notes.map(JSONValue.string)),
        ]
        if let namespaceProblem { object["namespaceProblem"] = .string(namespaceProblem) }
        if let error { object["error"] = .string(error) }
        return .object(object)
    }

    public init(json: JSONValue) throws(ChannelMessageError) {
        guard try json.field("type").string() == "hello" else { throw ChannelMessageError("expected the worker's hello") }
        func strings(_ key: String, limit: Int) throws(ChannelMessageError) -> [String] {
            guard case .array(let values) = try json.field(key), values.count <= 16 else {
                throw ChannelMessageError("\(key) must be an array of at most 16 strings")
            }
            var out: [String] = []
            for value in values { out.append(sanitized(try value.string(), limit: limit)) }
            return out
        }
        func flag(_ key: String) throws(ChannelMessageError) -> Bool {
            guard case .bool(let value) = try json.field(key) else { throw ChannelMessageError("\(key) must be a boolean") }
            return value
        }
        self.init(uid: try json.field("uid").int(), gid: try json.field("gid").int(),
                  namespaces: try strings("namespaces", limit: 8),
                  namespaceProblem: try json.optionalField("namespaceProblem")?.string().sanitizedMessage,
                  filter: try flag("filter"), noNewPrivileges: try flag("noNewPrivileges"), dumpable: try flag("dumpable"),
                  emptyRoot: try flag("emptyRoot"),
                  warmedFormats: try strings("warmedFormats", limit: 8), notes: try strings("notes", limit: 300),
                  error: try json.optionalField("error")?.string().sanitizedMessage)
    }
}

extension String {
    fileprivate var sanitizedMessage: String { sanitized(self, limit: 300) }
}

/// Test hooks (`FOVEA_TEST_HOOKS=1` only): bytes that make a worker misbehave on decode, so
/// tests can produce an input that reliably kills or stalls workers (poison pills, deadlines).
/// A worker started without `--test-hooks` ignores them.
public enum TestHookMarker {
    /// Anywhere in an image's bytes: the worker decoding it dies with SIGSEGV.
    public static let crashOnDecode = "FOVEA-TEST-HOOK:CRASH-ON-DECODE"
    /// Anywhere in an image's bytes: the worker decoding it sleeps until it is killed.
    public static let hangOnDecode = "FOVEA-TEST-HOOK:HANG-ON-DECODE"
    /// As an `annotate` label: the worker running the call sleeps until it is killed.
    public static let hangOnRun = "FOVEA-TEST-HOOK:HANG-ON-RUN"
    /// As an `annotate` label: the worker running the call sleeps 3 s first, then runs it.
    public static let slowRun = "FOVEA-TEST-HOOK:SLOW-RUN"
}

/// Test hooks (`FOVEA_TEST_HOOKS=1` only): a *forged peer*. A worker given one of these, in an
/// image's bytes (decode) or as an `annotate` label (run), plays a compromised worker after its
/// receipt instead of doing the job, so tests can prove what the supervisor does with each kind
/// of misbehaviour (docs/SANDBOX.md, "What the supervisor checks").
public enum Forgery: String, Sendable, CaseIterable {
    /// Sends a zero-byte datagram, then sleeps (a zero-length read must not pass for a hang-up).
    case emptyDatagram = "EMPTY-DATAGRAM"
    /// Answers the job with a failure, then never reads its channel again.
    case stopReading = "STOP-READING"
    /// Decode: announces a header of another size than the pixels it then returns.
    case lieInHeader = "LIE-IN-HEADER"
    /// Decode: repeats the same finished rows notice over and over.
    case floodNotices = "FLOOD-NOTICES"
    /// Run: returns a result of another size than the plan's, in a properly sealed memfd.
    case wrongLayout = "WRONG-LAYOUT"
    /// Run: returns the lent scratch memfd at the right size without sealing it.
    case wrongSeals = "WRONG-SEALS"
    /// Run: returns the job's source pixels (a descriptor it was not lent for output) as its result.
    case unlentDescriptor = "UNLENT-DESCRIPTOR"

    /// The marker: in an image's bytes for a decode, or an `annotate` label for a run.
    public var marker: String { "FOVEA-TEST-HOOK:FORGE-\(rawValue)" }
}
