/// PyVision (`agents-x-project/PyVision`, `vis_inference_demo_gpt.py`
/// `update_messages_with_execute_content`); the text is what lies between `<interpreter>` and
/// `</interpreter>\n`.
///
/// - success: `"\nText Result:\n{stdout stripped, cut to 400}\nImage Result:\n"` then
///   `<image_clue_k>`, the image, `</image_clue_k>` per image (`k` from `firstClue`), or
///   `None`; `{…}` is `None` when nothing was printed;
/// - an exception: `Error: {str(e)}` (stripped, cut to 400); stdout and figures dropped;
/// - the runner's deadline: `Timeout Error`.
///
/// Fovea's sentences: before the printed text (`Text Result:\n{note}\n…`) or the error; a
/// stop by the supervisor: `Timeout Error` for the deadline (the harness's words), else
/// `Error: {sentence}`.
extension CodeObservation {
    static let pyVisionCut = 400

    /// `PythonExecutor.truncate`: the first and last 200 code points around `...` when longer
    /// than 400.
    static func pyVisionTruncate(_ text: String) -> String {
        guard PythonText.length(text) > pyVisionCut else { return text }
        return PythonText.prefix(text, pyVisionCut / 2) + "..." + PythonText.suffix(text, pyVisionCut / 2)
    }

    static func pyVision(_ call: Call, firstClue: Int) -> CodeObservation {
        var report: String?
        if let stop = call.stop {
            if case .deadline = stop { report = "Timeout Error" } else { report = pyVisionTruncate(PythonText.strip("Error: " + stop.sentence)) }
        } else if call.timedOut {
            report = "Timeout Error"
        } else if let error = call.error {
            report = pyVisionTruncate(PythonText.strip("Error: " + error.message))
        }
        if let report {
            let text = call.prefixed(report)
            return CodeObservation(text: text, parts: [.text(text)], isError: true)
        }
        let printed = call.stdout.isEmpty ? "None" : pyVisionTruncate(PythonText.strip(call.stdout))
        let head = "\nText Result:\n" + call.prefixed(printed) + "\nImage Result:\n"
        var text = head
        var parts: [CodeObservationPart] = [.text(head)]
        if call.images == 0 {
            text += "None"
            parts.append(.text("None"))
        }
        for index in 0..<call.images {
            let open = "<image_clue_\(firstClue + index)>", close = "</image_clue_\(firstClue + index)>"
            text += open + close
            parts += [.text(open), .image(index), .text(close)]
        }
        return CodeObservation(text: text, parts: parts, isError: false)
    }
}
