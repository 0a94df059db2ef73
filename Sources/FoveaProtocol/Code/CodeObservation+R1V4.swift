/// Skywork-R1V4 (Fovea's `r1v4` conventions): `{"result": "<text>", "type": "code"}` as
/// Python's `json.dumps(…, ensure_ascii=False)` writes it; the agent wraps it in
/// `<observation>…</observation>`.
///
/// The result text is stdout, then (on a new line) the traceback of an exception or the
/// deadline sentence, the whole `.strip()`-ed. Fovea's other sentences go on the lines before
/// it; a stop by the supervisor leaves only its sentence (stdout went with the interpreter).
extension CodeObservation {
    static func r1v4(_ call: Call) -> CodeObservation {
        var body = call.stdout
        var extra = ""
        if let stop = call.stop {
            body = ""
            extra = stop.sentence
        } else if let error = call.error {
            extra = error.traceback ?? "\(error.type): \(error.message)"
        } else if call.timedOut {
            extra = "code ran longer than its timeout and was stopped; the session's variables are gone"
        }
        if !extra.isEmpty {
            if !body.isEmpty, !body.hasSuffix("\n") { body += "\n" }
            body += extra
        }
        let result = call.prefixed(PythonText.strip(body))
        let text = "{\"result\": " + PythonText.jsonString(result) + ", \"type\": \"code\"}"
        return CodeObservation(text: text, parts: [.text(text)] + call.imageParts, isError: call.failed)
    }
}
