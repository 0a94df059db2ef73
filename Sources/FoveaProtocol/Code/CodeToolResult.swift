/// Builds the MCP `CallToolResult` of a `code` call: one image block per returned image, in
/// order, then one text block (the observation); `structuredContent` as
/// ``CodeArguments/structuredContentSchema`` describes; `isError` when the code raised, was
/// stopped or was refused (the model's to read). Argument errors are
/// ``ToolResult/failure(_:)``s.
public enum CodeToolResult {
    /// `images`: the returned images, stored, in the reply's order (at most
    /// `observation`'s image count); `outcome` gives stdout, stderr, result, error and each
    /// image's source; `elapsedMs`: the call's time as the supervisor measured it;
    /// `freshSession`: whether the call started a new interpreter (default: the reply's
    /// `freshSession`, false for a stopped call).
    public static func result(conventions: CodeConventions, session: String?, outcome: CodeObservation.Outcome,
                              observation: CodeObservation, images: [ProducedImage], elapsedMs: Double,
                              freshSession: Bool? = nil) -> JSONValue {
        var stdout = "", stderr = ""
        var result: JSONValue = .null
        var error: JSONValue = .null
        var sources: [String] = []
        var fresh = false
        switch outcome {
        case .replied(let reply):
            stdout = reply.stdout
            stderr = reply.stderr
            result = reply.result.map(JSONValue.string) ?? .null
            if let runError = reply.error {
                error = runError.json
            } else if reply.timedOut {
                error = CodeRunError(type: "TimeoutError", message: "code ran longer than its timeout and was stopped").json
            }
            sources = reply.images.map(\.source)
            fresh = reply.freshSession
        case .stopped(let stop):
            error = CodeRunError(type: stop.errorType, message: stop.sentence).json
        }
        let structuredImages: [JSONValue] = images.enumerated().map { index, image in
            ["image": .string(image.handle), "width": .int(image.width), "height": .int(image.height),
             "source": .string(index < sources.count ? sources[index] : "figure")]
        }
        let structured: JSONValue = [
            "stdout": .string(stdout), "stderr": .string(stderr), "result": result, "error": error,
            "images": .array(structuredImages), "session": session.map(JSONValue.string) ?? .null,
            "conventions": .string(conventions.rawValue), "elapsed_ms": .number(elapsedMs),
            "observation": observation.partsJSON, "fresh_session": .bool(fresh),
            "notes": .array(observation.notes.map(JSONValue.string)),
        ]
        var content = images.map(\.imageBlock)
        content.append(["type": "text", "text": .string(observation.text)])
        return ["content": .array(content), "structuredContent": structured, "isError": .bool(observation.isError)]
    }
}
