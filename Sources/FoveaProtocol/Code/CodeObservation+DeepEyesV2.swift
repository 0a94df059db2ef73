/// DeepEyesV2 (`Visual-Agent/DeepEyesV2`): the RL environment's `RETURN_CODE_PROMPT`
/// (`DeepEyesV2_ENV.execute`), or VLMEvalKit's `return_template` for the `eval` variant.
///
/// - rl: `Code execution result:\nstdout:\n```\n{stdout}\n```\n\nstderr:\n```\n{stderr}\n```` then
///   `\n\nImages:\n<image>…` with one `<image>` per image (the whole `.strip()`-ed);
/// - eval: the same blocks, not stripped, always ending `\n\nImages:\n`;
/// - code that re-indents to nothing: `Code execution error`.
///
/// stdout and stderr are the sandbox's (IPython's `Out[1]:` echo in stdout, tracebacks in
/// stderr). Fovea's sentences go first in the stderr block; a stop by the supervisor gives the
/// sandbox's hard-timeout text `TimeOutError: code execution timed out` for the deadline, else
/// `{ErrorType}: {sentence}` in stderr, as a killed sandbox process would leave them.
extension CodeObservation {
    static let deepEyesV2HardTimeout = "TimeOutError: code execution timed out"

    static func deepEyesV2(_ call: Call, variant: DeepEyesV2Variant) -> CodeObservation {
        if case .deepEyesV2(codeRefused: true) = call.harness {
            let text = call.prefixed("Code execution error")
            return CodeObservation(text: text, parts: [.text(text)], isError: true)
        }
        var stdout = call.stdout, stderr = call.stderr
        if let stop = call.stop {
            stdout = ""
            if case .deadline = stop { stderr = deepEyesV2HardTimeout } else { stderr = "\(stop.errorType): \(stop.sentence)" }
        }
        stderr = call.prefixed(stderr)
        let blocks = "Code execution result:\nstdout:\n```\n\(stdout)\n```\n\nstderr:\n```\n\(stderr)\n```"
        let text: String
        switch variant {
        case .rl:
            text = call.images > 0 ? blocks + "\n\nImages:\n" + String(repeating: "<image>", count: call.images) : blocks
        case .eval:
            text = blocks + "\n\nImages:\n"
        }
        return CodeObservation(text: text, parts: [.text(text)] + call.imageParts, isError: call.failed)
    }
}
