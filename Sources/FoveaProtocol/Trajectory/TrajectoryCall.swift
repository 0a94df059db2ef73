/// One `tools/call` as the trajectory log records it (`--trajectory-log`, docs/PROTOCOL.md)
/// and `fovea replay` reads it back: who called, with which arguments, what came back and how
/// long it took. Images appear by handle only; their bytes are files beside the log.
///
/// ```json
/// {"type":"call","connection":3,"id":7,"trajectory":null,"session":null,"time":"2026-12-06T10:00:00.123Z",
///  "elapsed_ms":12.5,"tool":"zoom","arguments":{"image":"img:9f2c…","bbox_2d":[412,300,530,377]},
///  "inputs":["img:9f2c…"],"result":{"isError":false,"text":"Zoomed into …","images":[{"image":"img:51ab…",
///  "mimeType":"image/jpeg"}],"structuredContent":{…}}}
/// ```
public struct TrajectoryCall: Sendable, Equatable {
    /// The connection (or stdio session) within the daemon run that wrote the segment.
    public var connection: Int
    /// The JSON-RPC id of the request.
    public var id: JSONValue
    /// `params._meta["fovea/trajectory"]`: the caller's trajectory id, when it sent one.
    public var trajectory: String?
    /// The code tool's `session` argument.
    public var session: String?
    /// When the request was read, ISO 8601 UTC.
    public var time: String
    /// From reading the request to having its answer, in milliseconds.
    public var elapsedMs: Double
    public var tool: String
    /// The arguments as sent, except that every image given inline (a data URL) is its handle.
    public var arguments: JSONValue
    /// Every input image's handle, in argument order (an `--allow-dir` path as the handle it
    /// resolved to, where the result says).
    public var inputs: [String]
    public var outcome: Outcome

    public enum Outcome: Sendable, Equatable {
        /// A `CallToolResult` (a tool error included).
        case result(TrajectoryResult)
        /// A JSON-RPC error (unknown tool, overload, …).
        case error(code: Int, message: String)
    }

    public init(connection: Int, id: JSONValue, trajectory: String?, session: String?, time: String, elapsedMs: Double,
                tool: String, arguments: JSONValue, inputs: [String], outcome: Outcome) {
        self.connection = connection
        self.id = id
        self.trajectory = trajectory
        self.session = session
        self.time = time
        self.elapsedMs = elapsedMs
        self.tool = tool
        self.arguments = arguments
        self.inputs = inputs
        self.outcome = outcome
    }

    /// The `_meta` key whose string value groups calls into one trajectory.
    public static let trajectoryMetaKey = "fovea/trajectory"

    /// The log line (without its newline).
    public var json: JSONValue {
        var record: [String: JSONValue] = [
            "type": "call", "connection": .int(connection), "id": id, "trajectory": trajectory.map(JSONValue.string) ?? .null,
            "session": session.map(JSONValue.string) ?? .null, "time": .string(time), "elapsed_ms": .number(elapsedMs),
            "tool": .string(tool), "arguments": arguments, "inputs": .array(inputs.map(JSONValue.string)),
        ]
        switch outcome {
        case .result(let result): record["result"] = result.json
        case .error(let code, let message): record["error"] = ["code": .int(code), "message": .string(message)]
        }
        return .object(record)
    }

    /// Reads a log line back; nil when it is not a well-formed call record.
    public init?(json: JSONValue) {
        guard json["type"] == "call", let connection = json["connection"]?.intValue, let time = json["time"]?.stringValue,
              let tool = json["tool"]?.stringValue, let arguments = json["arguments"] else { return nil }
        let outcome: Outcome
        if let result = json["result"].flatMap(TrajectoryResult.init(json:)) {
            outcome = .result(result)
        } else if let error = json["error"], let code = error["code"]?.intValue {
            outcome = .error(code: code, message: error["message"]?.stringValue ?? "")
        } else {
            return nil
        }
        self.init(connection: connection, id: json["id"] ?? .null, trajectory: json["trajectory"]?.stringValue,
                  session: json["session"]?.stringValue, time: time, elapsedMs: json["elapsed_ms"]?.doubleValue ?? 0,
                  tool: tool, arguments: arguments, inputs: json["inputs"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                  outcome: outcome)
    }
}

/// What a call returned, images by handle.
public struct TrajectoryResult: Sendable, Equatable {
    public var isError: Bool
    /// The text block (the model's observation).
    public var text: String
    public var images: [Image]
    public var structuredContent: JSONValue?

    public struct Image: Sendable, Equatable {
        public var handle: String
        public var mimeType: String

        public init(handle: String, mimeType: String) {
            self.handle = handle
            self.mimeType = mimeType
        }
    }

    public init(isError: Bool, text: String, images: [Image], structuredContent: JSONValue?) {
        self.isError = isError
        self.text = text
        self.images = images
        self.structuredContent = structuredContent
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "isError": .bool(isError), "text": .string(text),
            "images": .array(images.map { ["image": .string($0.handle), "mimeType": .string($0.mimeType)] }),
        ]
        if let structuredContent { object["structuredContent"] = structuredContent }
        return .object(object)
    }

    public init?(json: JSONValue) {
        guard case .object = json else { return nil }
        self.init(isError: json["isError"] == .bool(true), text: json["text"]?.stringValue ?? "",
                  images: (json["images"]?.arrayValue ?? []).compactMap { image in
                      image["image"]?.stringValue.map { Image(handle: $0, mimeType: image["mimeType"]?.stringValue ?? "") }
                  },
                  structuredContent: json["structuredContent"])
    }
}
