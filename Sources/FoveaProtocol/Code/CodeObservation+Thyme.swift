/// Thyme (`yfzhang114/Thyme`, `model.py` `generate_inner_transformers`); the text is what
/// lies between `<sandbox_output>` and `</sandbox_output>`.
///
/// - images found (`processed_path`, printed paths, the output directory): the images, no text;
/// - otherwise the stripped print output as text.
///
/// Thyme's agent discards a turn that yields neither (an exception, a refused or silent
/// program) and samples again: its model never reads an error. Fovea cannot sample again, so
/// it shows the sandbox's own error string (`Sandbox for N/A: Code execution failed: name 'x'
/// is not defined`), or for a silent program `Sandbox for N/A: The code produced no output to
/// show. Print the path of the processed image (processed_path) or the result.` A stop by the
/// supervisor reads `Sandbox for N/A: Execution timed out after N seconds.` (the harness's
/// words) or `… Code execution failed due to MemoryError. The operation likely consumed too
/// much memory: {sentence}` / `… Code execution failed: {sentence}`. Fovea's other sentences go
/// on the lines before.
extension CodeObservation {
    static let thymeSilent = "Sandbox for N/A: The code produced no output to show. Print the path of the processed image (processed_path) or the result."

    static func thyme(_ call: Call) -> CodeObservation {
        var shown: String?
        var isError = call.failed
        if let stop = call.stop {
            switch stop {
            case .deadline(let seconds): shown = "Sandbox for N/A: Execution timed out after \(formatNumber(seconds)) seconds."
            case .memory: shown = "Sandbox for N/A: Code execution failed due to MemoryError. The operation likely consumed too much memory: \(stop.sentence)"
            case .crash, .forbidden: shown = "Sandbox for N/A: Code execution failed: \(stop.sentence)"
            }
        } else if case .thyme(let turn) = call.harness {
            if turn.discarded {
                if let message = turn.message, !message.isEmpty {
                    shown = message
                    isError = true
                } else {
                    shown = thymeSilent
                }
            } else if call.images == 0 {
                shown = turn.text ?? ""
            }
        } else if call.images == 0 {
            shown = thymeSilent
        }
        if let shown {
            let text = call.prefixed(shown)
            return CodeObservation(text: text, parts: [.text(text)], isError: isError)
        }
        let text = call.prefixed("")
        return CodeObservation(text: text, parts: (text.isEmpty ? [] : [.text(text)]) + call.imageParts, isError: isError)
    }
}
