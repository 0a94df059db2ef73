/// What a family's harness decided beyond the common fields of a reply: the reply's `harness`
/// object, read for the call's conventions (other keys are ignored).
public enum CodeHarnessFacts: Sendable, Equatable {
    case none
    /// DeepEyesV2: `done` — the re-indented code was empty, so the sandbox refused it and the
    /// environment answered `Code execution error`.
    case deepEyesV2(codeRefused: Bool)
    case thyme(ThymeTurn)
    case sketchpad(SketchpadCell)

    init(json: JSONValue?, conventions: CodeConventions, imageCount: Int) throws(ChannelMessageError) {
        let json = json ?? .object([:])
        guard json.objectValue != nil else { throw ChannelMessageError("harness must be an object") }
        switch conventions {
        case .deepeyesv2:
            var refused = false
            if let value = json.optionalField("done") { refused = try value.bool() }
            self = .deepEyesV2(codeRefused: refused)
        case .thyme:
            self = .thyme(try ThymeTurn(json: json))
        case .sketchpad:
            self = .sketchpad(try SketchpadCell(json: json, imageCount: imageCount))
        case .r1v4, .pyvision, .plain:
            self = .none
        }
    }
}

/// Thyme's agent either shows a turn or discards it and samples again (its model never sees
/// an error): `discarded`, the sandbox's `message` (why), and `text`, the print output shown
/// when the turn returns no image.
public struct ThymeTurn: Sendable, Equatable {
    public var discarded: Bool
    /// The sandbox's own error string (`Sandbox for N/A: Code execution failed: …`), if any.
    public var message: String?
    /// The entry shown as text (the stripped print output), when the first entry is not a file.
    public var text: String?

    public init(discarded: Bool, message: String? = nil, text: String? = nil) {
        self.discarded = discarded
        self.message = message
        self.text = text
    }

    init(json: JSONValue) throws(ChannelMessageError) {
        var discarded = false
        if let value = json.optionalField("discarded") { discarded = try value.bool() }
        self.init(discarded: discarded,
                  message: try json.optionalBoundedString("message", maximumBytes: CodeLimits.maximumMessageTextBytes),
                  text: try json.optionalBoundedString("text", maximumBytes: CodeLimits.maximumStreamBytes))
    }
}

/// One Sketchpad cell as autogen's Jupyter client sees it: whether `Parser.parse` accepted the
/// code, and the kernel's messages in order.
public struct SketchpadCell: Sendable, Equatable {
    /// False: `compile` refused the code, nothing ran (the reply's error says why).
    public var parsed: Bool
    public var outputs: [SketchpadOutput]

    public init(parsed: Bool = true, outputs: [SketchpadOutput] = []) {
        self.parsed = parsed
        self.outputs = outputs
    }

    static let maximumOutputs = 1024

    init(json: JSONValue, imageCount: Int) throws(ChannelMessageError) {
        var parsed = true
        if let value = json.optionalField("parsed") { parsed = try value.bool() }
        var outputs: [SketchpadOutput] = []
        if let value = json.optionalField("outputs") {
            guard case .array(let items) = value, items.count <= Self.maximumOutputs else {
                throw ChannelMessageError("outputs must be an array of at most \(Self.maximumOutputs) messages")
            }
            for item in items { outputs.append(try SketchpadOutput(json: item, imageCount: imageCount)) }
        }
        // Each shown image is one data item: a second reference to it would show it twice.
        var referenced: Set<Int> = []
        for bundle in outputs.compactMap(\.bundle) {
            for case .image(let index) in bundle.data where !referenced.insert(index).inserted {
                throw ChannelMessageError("image \(index) is referenced twice")
            }
        }
        self.init(parsed: parsed, outputs: outputs)
    }
}

/// A kernel message of a Sketchpad cell, as autogen's `JupyterKernelClient.execute` reads it.
public enum SketchpadOutput: Sendable, Equatable {
    /// `{"stream": "stdout"|"stderr", "text": …, "omitted"?: {at, bytes}}`: one flushed chunk.
    case stream(name: String, text: String, cut: CodeOutputCut?)
    /// `{"display": bundle}`: `display_data`.
    case display(SketchpadBundle)
    /// `{"result": bundle}`: `execute_result` (a trailing expression).
    case result(SketchpadBundle)
    /// `{"error": {"ename", "evalue", "traceback": [lines]}}`: the traceback lines as IPython
    /// sent them, ANSI colours included (autogen prints the list's `repr`).
    case error(name: String, value: String, traceback: [String])
    /// `{"timeout": true}`: no message within the client's timeout.
    case timeout

    /// The bundle of a display or a result.
    public var bundle: SketchpadBundle? {
        switch self {
        case .display(let bundle), .result(let bundle): return bundle
        case .stream, .error, .timeout: return nil
        }
    }

    init(json: JSONValue, imageCount: Int) throws(ChannelMessageError) {
        guard case .object(let members) = json, members.count >= 1 else { throw ChannelMessageError("an output must be an object") }
        if let name = json.optionalField("stream") {
            let stream = try name.string()
            guard stream == "stdout" || stream == "stderr" else { throw ChannelMessageError("stream must be stdout or stderr") }
            let text = try json.boundedString("text", maximumBytes: CodeLimits.maximumStreamBytes)
            self = .stream(name: stream, text: text, cut: try CodeOutputCut(json: json.optionalField("omitted"), in: text))
        } else if let bundle = json.optionalField("display") {
            self = .display(try SketchpadBundle(json: bundle, imageCount: imageCount))
        } else if let bundle = json.optionalField("result") {
            self = .result(try SketchpadBundle(json: bundle, imageCount: imageCount))
        } else if let error = json.optionalField("error") {
            guard case .array(let lines) = try error.field("traceback"), lines.count <= 256 else {
                throw ChannelMessageError("an error's traceback must be an array of at most 256 lines")
            }
            var traceback: [String] = []
            var total = 0
            for line in lines {
                guard case .string(let text) = line else { throw ChannelMessageError("traceback lines must be strings") }
                total += text.utf8.count
                traceback.append(text)
            }
            guard total <= CodeLimits.maximumStreamBytes else { throw ChannelMessageError("an error's traceback is \(total) bytes long") }
            self = .error(name: try error.boundedString("ename", maximumBytes: 128),
                          value: try error.boundedString("evalue", maximumBytes: CodeLimits.maximumMessageTextBytes),
                          traceback: traceback)
        } else if json.optionalField("timeout") == .bool(true) {
            self = .timeout
        } else {
            throw ChannelMessageError("an output is a stream, display, result, error or timeout")
        }
    }
}

/// A `display_data`/`execute_result` bundle reduced to what autogen does with it, in the
/// bundle's order: its text items (`text/plain`, and `json.dumps` of any other non-image,
/// non-HTML type, rendered by the runner) and its data items.
public struct SketchpadBundle: Sendable, Equatable {
    public var texts: [String]
    public var data: [SketchpadData]

    public init(texts: [String] = [], data: [SketchpadData] = []) {
        self.texts = texts
        self.data = data
    }

    init(json: JSONValue, imageCount: Int) throws(ChannelMessageError) {
        var texts: [String] = []
        var data: [SketchpadData] = []
        if let value = json.optionalField("text") {
            guard case .array(let items) = value, items.count <= 64 else { throw ChannelMessageError("text must be an array of strings") }
            for item in items {
                guard case .string(let text) = item, text.utf8.count <= CodeLimits.maximumStreamBytes else {
                    throw ChannelMessageError("text items must be strings of at most \(CodeLimits.maximumStreamBytes) bytes")
                }
                texts.append(text)
            }
        }
        if let value = json.optionalField("data") {
            guard case .array(let items) = value, items.count <= 64 else { throw ChannelMessageError("data must be an array") }
            for item in items { data.append(try SketchpadData(json: item, imageCount: imageCount)) }
        }
        self.init(texts: texts, data: data)
    }
}

/// A data item of a bundle, as autogen's `JupyterCodeExecutor` turns it into output lines.
public enum SketchpadData: Sendable, Equatable {
    /// `image/png`, shown as the reply's image at this index: "Image data saved to <file>".
    case image(Int)
    /// `text/html`, written by the runner at this path: "HTML data saved to <path>".
    case html(path: String)
    /// Any other image type: its `json.dumps`, rendered by the runner.
    case text(String)

    init(json: JSONValue, imageCount: Int) throws(ChannelMessageError) {
        if let value = json.optionalField("image") {
            let index = try value.int()
            guard (0..<imageCount).contains(index) else { throw ChannelMessageError("image \(index) is not one of the reply's \(imageCount)") }
            self = .image(index)
        } else if json.optionalField("html") != nil {
            let path = try json.boundedString("html", maximumBytes: 1024)
            guard !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "'" }) else {
                throw ChannelMessageError("html path has control characters or quotes")
            }
            self = .html(path: path)
        } else if json.optionalField("text") != nil {
            self = .text(try json.boundedString("text", maximumBytes: CodeLimits.maximumStreamBytes))
        } else {
            throw ChannelMessageError("a data item is {image}, {html} or {text}")
        }
    }
}
