import FoveaKernels

/// An exception in the model's code, as the runner reports it.
public struct CodeRunError: Sendable, Equatable {
    /// The exception's class name (`NameError`).
    public var type: String
    /// `str(exception)`.
    public var message: String
    /// The line of the model's code where it was raised, when known.
    public var line: Int?
    /// The traceback in the family's format (see docs/CODE-CONVENTIONS.md).
    public var traceback: String?

    public init(type: String, message: String, line: Int? = nil, traceback: String? = nil) {
        self.type = type
        self.message = message
        self.line = line
        self.traceback = traceback
    }

    public var json: JSONValue {
        ["type": .string(type), "message": .string(message), "line": line.map(JSONValue.int) ?? .null,
         "traceback": traceback.map(JSONValue.string) ?? .null]
    }
}

/// An image the code showed, returned in the reply's scratch memfds (in order).
public struct CodeShownImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// 3 (RGB) or 4 (RGBA), 8 bits each, packed.
    public var bands: Int
    /// `figure`, `display` or `file:<path>`.
    public var source: String

    public init(width: Int, height: Int, bands: Int, source: String) {
        self.width = width
        self.height = height
        self.bands = bands
        self.source = source
    }

    public var layout: PixelLayout { PixelLayout(width: width, height: height, bands: bands) }
}

/// Where the runner cut a long stream: it keeps the head and the tail and says how much of the
/// middle went.
public struct CodeOutputCut: Sendable, Equatable {
    /// Offset of the cut in the kept text, in Unicode code points (Python's `len` of the head).
    public var at: Int
    /// UTF-8 bytes left out.
    public var bytes: Int

    public init(at: Int, bytes: Int) {
        self.at = at
        self.bytes = bytes
    }
}

/// Interpreter → supervisor: what one `run` did. Parsed as untrusted: an interpreter runs
/// model code and is presumed hostile, so every string, count and size is bounded and a reply
/// that breaks a bound is refused whole (the supervisor then treats the interpreter as broken).
///
/// Strings are kept byte for byte, control characters included: they are what the code
/// printed, the family's harness would show them as they are, and the JSON writer escapes them
/// on the wire. Fields that Fovea puts into its own sentences or logs (the exception's type,
/// image sources, hello fields) are checked or sanitized instead.
public struct CodeRunReply: Sendable, Equatable {
    public var id: UInt64
    /// What the code wrote to stdout, as the family's harness captured it (for DeepEyesV2
    /// with IPython's `Out[1]:` echo and ANSI escapes removed). At most 40 KiB.
    public var stdout: String
    public var stderr: String
    /// The UTF-8 size of the whole stream the field was cut from.
    public var stdoutBytes: Int
    public var stderrBytes: Int
    public var stdoutCut: CodeOutputCut?
    public var stderrCut: CodeOutputCut?
    /// `repr` of a trailing expression, where the family has one.
    public var result: String?
    public var error: CodeRunError?
    public var images: [CodeShownImage]
    /// Images the code showed beyond `maxImages` (or that did not fit a scratch memfd).
    public var imagesDropped: Int
    /// The code as the family ran it, after its repairs (informational).
    public var executedCode: String?
    /// The call ran in a new interpreter.
    public var freshSession: Bool
    /// The runner stopped the code at the request's `timeout` (a soft deadline).
    public var timedOut: Bool
    public var elapsedMs: Double
    public var harness: CodeHarnessFacts

    public init(id: UInt64, stdout: String = "", stderr: String = "", stdoutBytes: Int? = nil, stderrBytes: Int? = nil,
                stdoutCut: CodeOutputCut? = nil, stderrCut: CodeOutputCut? = nil, result: String? = nil,
                error: CodeRunError? = nil, images: [CodeShownImage] = [], imagesDropped: Int = 0,
                executedCode: String? = nil, freshSession: Bool = false, timedOut: Bool = false, elapsedMs: Double = 0,
                harness: CodeHarnessFacts = .none) {
        self.id = id
        self.stdout = stdout
        self.stderr = stderr
        self.stdoutBytes = stdoutBytes ?? stdout.utf8.count
        self.stderrBytes = stderrBytes ?? stderr.utf8.count
        self.stdoutCut = stdoutCut
        self.stderrCut = stderrCut
        self.result = result
        self.error = error
        self.images = images
        self.imagesDropped = imagesDropped
        self.executedCode = executedCode
        self.freshSession = freshSession
        self.timedOut = timedOut
        self.elapsedMs = elapsedMs
        self.harness = harness
    }

    /// Reads the reply to `request`: its id, at most `request.maxImages` images within
    /// `limits`' side and pixel bounds, the family's harness facts for `request.conventions`.
    public init(json: JSONValue, request: CodeRunRequest, limits: DecodeLimits) throws(ChannelMessageError) {
        guard try json.field("type").string() == "result" else { throw ChannelMessageError("expected a result") }
        let id = try json.field("id").id()
        guard id == request.id else { throw ChannelMessageError("result \(id) answers no pending run (expected \(request.id))") }
        let stdout = try json.boundedString("stdout", maximumBytes: CodeLimits.maximumStreamBytes)
        let stderr = try json.boundedString("stderr", maximumBytes: CodeLimits.maximumStreamBytes)
        func size(_ key: String, of text: String) throws(ChannelMessageError) -> Int {
            let value = try json.field(key).int()
            guard value >= text.utf8.count, value <= 1 << 50 else {
                throw ChannelMessageError("\(key) \(value) is less than the text sent or absurd")
            }
            return value
        }
        var images: [CodeShownImage] = []
        guard case .array(let imageValues) = try json.field("images"), imageValues.count <= request.maxImages else {
            throw ChannelMessageError("images must be an array of at most \(request.maxImages) entries")
        }
        for value in imageValues { images.append(try CodeShownImage(json: value, limits: limits)) }
        let dropped = try json.optionalField("imagesDropped")?.int() ?? 0
        guard (0...(1 << 20)).contains(dropped) else { throw ChannelMessageError("imagesDropped \(dropped) is out of range") }
        guard let elapsed = try json.field("elapsedMs").doubleValue, elapsed.isFinite, elapsed >= 0, elapsed <= 1e10 else {
            throw ChannelMessageError("elapsedMs must be a non-negative number of milliseconds")
        }
        var error: CodeRunError?
        if let value = json.optionalField("error") { error = try CodeRunError(json: value) }
        var timedOut = false
        if let value = json.optionalField("timedOut") { timedOut = try value.bool() }
        self.init(
            id: id, stdout: stdout, stderr: stderr,
            stdoutBytes: try size("stdoutBytes", of: stdout), stderrBytes: try size("stderrBytes", of: stderr),
            stdoutCut: try CodeOutputCut(json: json.optionalField("stdoutOmitted"), in: stdout),
            stderrCut: try CodeOutputCut(json: json.optionalField("stderrOmitted"), in: stderr),
            result: try json.optionalBoundedString("result", maximumBytes: CodeLimits.maximumResultBytes),
            error: error, images: images, imagesDropped: dropped,
            executedCode: try json.optionalBoundedString("executedCode", maximumBytes: CodeLimits.maximumMessageBytes),
            freshSession: try json.flag("freshSession"), timedOut: timedOut,
            elapsedMs: elapsed,
            harness: try CodeHarnessFacts(json: json.optionalField("harness"), conventions: request.conventions,
                                          imageCount: images.count + dropped))
    }
}

extension CodeRunError {
    init(json: JSONValue) throws(ChannelMessageError) {
        let type = try json.boundedString("type", maximumBytes: 128)
        guard !type.isEmpty, type.unicodeScalars.allSatisfy({ $0 == "." || $0.properties.isXIDContinue }) else {
            throw ChannelMessageError("error type must be a Python class name")
        }
        var line: Int?
        if let value = json.optionalField("line") {
            let number = try value.int()
            guard (0...(1 << 31)).contains(number) else { throw ChannelMessageError("error line \(number) is out of range") }
            line = number
        }
        self.init(type: type, message: try json.boundedString("message", maximumBytes: CodeLimits.maximumMessageTextBytes),
                  line: line, traceback: try json.optionalBoundedString("traceback", maximumBytes: CodeLimits.maximumTracebackBytes))
    }
}

extension CodeShownImage {
    /// Sources are `figure`, `display` or `file:` and a path (at most 1024 bytes, no control
    /// characters).
    init(json: JSONValue, limits: DecodeLimits) throws(ChannelMessageError) {
        let width = try json.field("width").int(), height = try json.field("height").int(), bands = try json.field("bands").int()
        guard width >= 1, height >= 1, width <= limits.maxSide, height <= limits.maxSide,
              width.multipliedReportingOverflow(by: height).partialValue <= limits.maxPixels, bands == 3 || bands == 4 else {
            throw ChannelMessageError("image \(width)x\(height)x\(bands) is out of bounds")
        }
        let source = try json.boundedString("source", maximumBytes: 1024 + 5)
        let isFile = source.hasPrefix("file:") && source.utf8.count > 5
        guard source == "figure" || source == "display" || isFile,
              !source.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw ChannelMessageError("image source must be figure, display or file:<path>")
        }
        self.init(width: width, height: height, bands: bands, source: source)
    }
}

extension CodeOutputCut {
    /// `{"at", "bytes"}` or nothing; `at` must fall inside `text`.
    init?(json: JSONValue?, in text: String) throws(ChannelMessageError) {
        guard let json else { return nil }
        let at = try json.field("at").int(), bytes = try json.field("bytes").int()
        guard at >= 0, at <= text.unicodeScalars.count, bytes > 0, bytes <= 1 << 50 else {
            throw ChannelMessageError("a cut at \(at) of \(bytes) bytes does not fit its text")
        }
        self.init(at: at, bytes: bytes)
    }
}

extension JSONValue {
    /// A string field of at most `maximumBytes` UTF-8 bytes.
    func boundedString(_ key: String, maximumBytes: Int) throws(ChannelMessageError) -> String {
        guard case .string(let text) = try field(key) else { throw ChannelMessageError("\(key) must be a string") }
        guard text.utf8.count <= maximumBytes else {
            throw ChannelMessageError("\(key) is \(text.utf8.count) bytes long; at most \(maximumBytes) are allowed")
        }
        return text
    }

    /// A string field that may be absent or null.
    func optionalBoundedString(_ key: String, maximumBytes: Int) throws(ChannelMessageError) -> String? {
        guard optionalField(key) != nil else { return nil }
        return try boundedString(key, maximumBytes: maximumBytes)
    }

    func bool() throws(ChannelMessageError) -> Bool {
        guard case .bool(let value) = self else { throw ChannelMessageError("expected a boolean") }
        return value
    }

    func flag(_ key: String) throws(ChannelMessageError) -> Bool {
        guard case .bool(let value) = try field(key) else { throw ChannelMessageError("\(key) must be a boolean") }
        return value
    }
}
