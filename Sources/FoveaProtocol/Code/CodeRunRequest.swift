/// One input image as the supervisor describes it to an interpreter. Its pixels travel as a
/// sealed memfd the first time the session sees the image (`pixels`, a descriptor index);
/// afterwards the entry only names it again.
public struct CodeRunImage: Sendable, Equatable {
    /// The image's position among the trajectory's images (0-based): `image_{index+1}`,
    /// `image_clue_{index}`, ….
    public var index: Int
    public var handle: String
    public var width: Int
    public var height: Int
    public var bands: Int
    /// The encoded format (`jpeg`, `png`, …, or `result` for an earlier tool result).
    public var format: String
    /// The file name the model was told; `nil`: the conventions' default name.
    public var path: String?
    /// Descriptor index of the decoded pixels' memfd, when sent with this request.
    public var pixels: Int?
    /// Descriptor index of the encoded bytes' memfd (so the file the code opens is the
    /// original file), when sent with this request.
    public var encoded: Int?

    public init(index: Int, handle: String, width: Int, height: Int, bands: Int, format: String, path: String? = nil,
                pixels: Int? = nil, encoded: Int? = nil) {
        self.index = index
        self.handle = handle
        self.width = width
        self.height = height
        self.bands = bands
        self.format = format
        self.path = path
        self.pixels = pixels
        self.encoded = encoded
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "index": .int(index), "handle": .string(handle), "width": .int(width), "height": .int(height),
            "bands": .int(bands), "format": .string(format),
        ]
        object["path"] = path.map(JSONValue.string) ?? .null
        if let pixels { object["pixels"] = .int(pixels) }
        if let encoded { object["encoded"] = .int(encoded) }
        return .object(object)
    }
}

/// Supervisor → interpreter: run one call (docs/CODE-CONVENTIONS.md, "What the runner sends
/// for each family", has the reply).
///
/// Descriptors travel beside the message (`SCM_RIGHTS`), in this order: the inputs named by
/// the images' `pixels`/`encoded` indices; then, when the code does not fit in the datagram,
/// one sealed memfd holding the code's UTF-8 bytes (`codeDescriptor`, `codeBytes`); then
/// `maxImages` writable scratch memfds for the images the code shows.
public struct CodeRunRequest: Sendable, Equatable {
    public var id: UInt64
    /// The cleaned source (``CodeArguments/code``).
    public var code: String
    public var conventions: CodeConventions
    /// Every image of the call, in index order.
    public var images: [CodeRunImage]
    public var maxImages: Int
    public var session: String?
    /// The soft deadline in seconds: the runner stops the code itself and replies with
    /// `timedOut`; the supervisor kills the interpreter a little later.
    public var timeout: Double
    public var harness: CodeHarnessOptions

    public init(id: UInt64, code: String, conventions: CodeConventions, images: [CodeRunImage] = [], maxImages: Int,
                session: String?, timeout: Double, harness: CodeHarnessOptions = CodeHarnessOptions()) {
        self.id = id
        self.code = code
        self.conventions = conventions
        self.images = images
        self.maxImages = maxImages
        self.session = session
        self.timeout = timeout
        self.harness = harness
    }

    /// How many input descriptors the images name (the highest index + 1).
    public var inputDescriptorCount: Int {
        images.reduce(0) { count, image in max(count, (image.pixels ?? -1) + 1, (image.encoded ?? -1) + 1) }
    }

    /// The message, with the code inline (`codeDescriptor` nil) or as a reference to the
    /// descriptor at that index.
    public func json(codeDescriptor: Int? = nil) -> JSONValue {
        var object: [String: JSONValue] = [
            "type": "run", "id": .integer(Int64(id)), "conventions": .string(conventions.rawValue),
            "images": .array(images.map(\.json)), "maxImages": .int(maxImages),
            "session": session.map(JSONValue.string) ?? .null, "timeout": .number(timeout),
        ]
        if let codeDescriptor {
            object["codeDescriptor"] = .int(codeDescriptor)
            object["codeBytes"] = .int(code.utf8.count)
        } else {
            object["code"] = .string(code)
        }
        if conventions == .deepeyesv2, harness.deepEyesV2Variant != .rl {
            object["options"] = ["variant": .string(harness.deepEyesV2Variant.rawValue)]
        }
        return .object(object)
    }

    /// What goes on the channel.
    public enum Encoding: Sendable, Equatable {
        /// One datagram holding everything.
        case inline(message: [UInt8])
        /// The message names the code's memfd (`descriptor`, after the inputs, before the
        /// scratch memfds); the supervisor writes `code` into a memfd and seals it.
        case separateCode(message: [UInt8], code: [UInt8], descriptor: Int)
    }

    /// The message inline when it fits in one datagram (64 KiB), else with the code in a
    /// memfd. Fails only if even that does not fit.
    public func encoded() throws(ChannelMessageError) -> Encoding {
        let inline = JSONWriter.bytes(json())
        if inline.count <= CodeLimits.maximumMessageBytes { return .inline(message: inline) }
        let descriptor = inputDescriptorCount
        let message = JSONWriter.bytes(json(codeDescriptor: descriptor))
        guard message.count <= CodeLimits.maximumMessageBytes else {
            throw ChannelMessageError("a run message of \(message.count) bytes without its code does not fit in \(CodeLimits.maximumMessageBytes)")
        }
        return .separateCode(message: message, code: Array(code.utf8), descriptor: descriptor)
    }
}
