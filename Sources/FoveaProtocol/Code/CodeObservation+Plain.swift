/// Fovea's `plain` conventions: stdout, stderr, the trailing expression's repr and a newline,
/// the traceback of an exception, the deadline sentence and a newline, concatenated as they
/// are. Fovea's other sentences go on the lines before; a stop by the supervisor leaves only
/// its sentence.
extension CodeObservation {
    static func plain(_ call: Call) -> CodeObservation {
        var text: String
        if let stop = call.stop {
            text = stop.sentence + "\n"
        } else {
            text = call.stdout + call.stderr
            if let result = call.result { text += result + "\n" }
            if call.timedOut {
                text += (call.error?.message ?? "code ran longer than its timeout and was stopped; the session's variables are gone") + "\n"
            } else if let error = call.error {
                text += error.traceback ?? "\(error.type): \(error.message)\n"
            }
        }
        text = call.prefixed(text)
        return CodeObservation(text: text, parts: [.text(text)] + call.imageParts, isError: call.failed)
    }
}
