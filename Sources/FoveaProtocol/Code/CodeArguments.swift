/// A validated `code` call (SPEC §3.1): the cleaned source, the images with their file names,
/// the session, the conventions and the limits, every default resolved.
public struct CodeArguments: Sendable, Equatable {
    /// The source after ``CodeSource/clean(_:)`` (may be empty: what an empty cell gives is
    /// the family's to say).
    public var code: String
    public var images: [CodeImageArgument]
    /// The id of the interpreter the call runs in; `nil`: a fresh interpreter for this call.
    public var session: String?
    public var conventions: CodeConventions
    /// Seconds the code may run: the call's `timeout`, else the harness's own limit
    /// (``CodeConventions/harnessTimeout``), never above the server's deadline.
    public var timeout: Double
    /// How returned images are encoded (never `raw`).
    public var output: OutputOptions
    /// At most this many images come back (1…10).
    public var maxImages: Int

    public init(code: String, images: [CodeImageArgument] = [], session: String? = nil, conventions: CodeConventions,
                timeout: Double, output: OutputOptions, maxImages: Int) {
        self.code = code
        self.images = images
        self.session = session
        self.conventions = conventions
        self.timeout = timeout
        self.output = output
        self.maxImages = maxImages
    }

    /// Encodings the code tool returns images in.
    enum ImageFormat: String, CaseIterable {
        case jpeg, png, webp
    }

    /// Validates a `code` (or `python`) call's `arguments`; every mistake is a ``ToolError``
    /// naming the argument, the value received and what is allowed.
    public static func parse(_ arguments: [String: JSONValue], defaults: CodeDefaults) throws(ToolError) -> CodeArguments {
        let values = try ToolArguments(tool: definition, values: arguments)

        let source = values.values["code"]!
        guard case .string(let raw) = source else {
            throw .wrongType("code", expected: "a string (the Python source to run)", received: source)
        }
        guard raw.utf8.count <= CodeLimits.maximumCodeBytes else {
            throw ToolError("code is \(raw.utf8.count) bytes long; at most \(CodeLimits.maximumCodeBytes) (1 MiB) are allowed")
        }

        let images = try parseImages(values)

        var session: String?
        if let value = values.values["session"], !value.isNull {
            guard case .string(let id) = value else {
                throw .wrongType("session", expected: "a string (an id you pick, e.g. the trajectory's id)", received: value)
            }
            guard isSessionID(id) else {
                throw .invalid("session", value, "a session id is 1 to \(CodeLimits.maximumSessionLength) characters, each a letter, a digit, \".\", \"_\", \":\" or \"-\"")
            }
            session = id
        }

        let conventions = try values.choice("conventions", as: CodeConventions.self) ?? defaults.conventions

        var timeout = min(conventions.harnessTimeout, defaults.deadline)
        if let value = values.values["timeout"], !value.isNull {
            let limit = formatNumber(defaults.deadline)
            guard let seconds = value.doubleValue else {
                throw .wrongType("timeout", expected: "a number of seconds greater than 0 and at most \(limit)", received: value)
            }
            guard seconds > 0 else { throw .invalid("timeout", value, "it must be greater than 0 seconds") }
            guard seconds <= defaults.deadline else {
                throw .invalid("timeout", value, "at most \(limit) seconds are allowed (the server's code deadline)")
            }
            timeout = seconds
        }

        let format = try values.choice("format", as: ImageFormat.self).map { OutputFormat(rawValue: $0.rawValue)! }
        let output = OutputOptions(format: format ?? defaults.output.format,
                                   quality: try values.integer("quality", in: 1...100) ?? defaults.output.quality)
        let maxImages = try values.integer("max_images", in: 1...CodeLimits.maximumImagesReturned)
            ?? min(max(defaults.maxImages, 1), CodeLimits.maximumImagesReturned)

        return CodeArguments(code: CodeSource.clean(raw), images: images, session: session, conventions: conventions,
                             timeout: timeout, output: output, maxImages: maxImages)
    }

    private static func parseImages(_ values: ToolArguments) throws(ToolError) -> [CodeImageArgument] {
        // An argument that is null counts as absent.
        let many: JSONValue? = values.isPresent("images") ? values.values["images"] : nil
        let one: JSONValue? = values.isPresent("image") ? values.values["image"] : nil
        var images: [CodeImageArgument] = []
        switch (many, one) {
        case (.some, .some):
            throw ToolError("pass either image (one image) or images (a list of images), not both")
        case (.some(let list), nil):
            guard case .array(let elements) = list else {
                throw .wrongType("images", expected: "an array of images (handles, data URLs or {image, path} objects)", received: list)
            }
            guard elements.count <= CodeLimits.maximumInputImages else {
                throw ToolError("images has \(elements.count) entries; at most \(CodeLimits.maximumInputImages) are allowed")
            }
            for (index, element) in elements.enumerated() {
                images.append(try CodeImageArgument.parse(element, argument: "images[\(index)]"))
            }
        case (nil, .some(let single)):
            images = [try CodeImageArgument.parse(single, argument: "image")]
        case (nil, nil):
            break
        }
        var seen: [String: Int] = [:]
        for (index, image) in images.enumerated() {
            guard let path = image.normalizedPath else { continue }
            if let earlier = seen[path] {
                throw .invalid("images[\(index)].path", .string(image.path!), "images[\(earlier)] has the same path; each image needs its own file name")
            }
            seen[path] = index
        }
        return images
    }

    /// 1 to 128 characters from `A-Z a-z 0-9 . _ : -`.
    public static func isSessionID(_ id: String) -> Bool {
        (1...CodeLimits.maximumSessionLength).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }
}
