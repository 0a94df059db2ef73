/// Visual Sketchpad (`Yushi-Hu/VisualSketchpad` on autogen 0.2.26's Jupyter executor): the
/// kernel's messages become autogen's output (`JupyterKernelClient.execute`,
/// `JupyterCodeExecutor.execute_code_blocks`), which `CodeExecutor.result_processor` rewrites
/// (`<PIL.…>` lines → `<img src='…'>`) and `ReACTPrompt.get_exec_feedback` frames:
///
/// - success: `OBSERVATION: Execution success. The output is as follows:\n{output}\nPlease
///   generate the next THOUGHT and ACTION. If you can get the answer, please also reply with
///   ANSWER: <your answer> and ends with TERMINATE.`
/// - error: `OBSERVATION: Execution error. Exit code: 1, Output:\n{output}\nPlease fix the error
///   and generate the fixed code, in the next THOUGHT and ACTION.`, the output being
///   `parse_error_message` of `ERROR: ERROR: {ename}: {evalue}\n{repr(traceback)}`;
/// - code that does not compile: `OBSERVATION: Parsing error. Error code: unknown, Error
///   message:\nUnexpected <class '{type}'>: {message}.\nPlease fix the error and generate the
///   fixed code, in the next THOUGHT and ACTION.`
///
/// The agent turns each `<img src='…'>` into the image; here the tags naming returned images
/// (`files`) split the parts. Fovea's sentences go on the lines before the output; a stop by
/// the supervisor reads as the client's timeout for the deadline (the harness's words), else
/// as a kernel error without a traceback: `ERROR: ERROR: {ErrorType}: {sentence}`.
extension CodeObservation {
    static let sketchpadSuccess = ("OBSERVATION: Execution success. The output is as follows:\n",
                                   "\nPlease generate the next THOUGHT and ACTION. If you can get the answer, please also reply with ANSWER: <your answer> and ends with TERMINATE.")
    static let sketchpadError = ("OBSERVATION: Execution error. Exit code: 1, Output:\n",
                                 "\nPlease fix the error and generate the fixed code, in the next THOUGHT and ACTION.")
    static let sketchpadParsing = ("OBSERVATION: Parsing error. Error code: unknown, Error message:\n",
                                   "\nPlease fix the error and generate the fixed code, in the next THOUGHT and ACTION.")
    /// autogen's client when no message comes within its timeout.
    static let sketchpadClientTimeout = "ERROR: Timeout waiting for output from code block."

    static func sketchpad(_ call: Call, files: [String]) -> CodeObservation {
        let names = (0..<call.images).map { $0 < files.count ? files[$0] : "fovea-image-\($0 + 1).png" }
        var frame = sketchpadSuccess
        var output: String
        var isError = true
        if let stop = call.stop {
            frame = sketchpadError
            if case .deadline = stop {
                output = sketchpadErrorOutput("ERROR: " + sketchpadClientTimeout, traceback: nil)
            } else {
                output = "ERROR: ERROR: \(stop.errorType): \(stop.sentence)\n\n"
            }
        } else if case .sketchpad(let cell) = call.harness, !cell.parsed {
            frame = sketchpadParsing
            output = "Unexpected <class '\(call.error?.type ?? "SyntaxError")'>: \(call.error?.message ?? "")."
        } else {
            let outputs: [SketchpadOutput]
            if case .sketchpad(let cell) = call.harness { outputs = cell.outputs } else { outputs = [] }
            switch sketchpadClient(outputs, timedOut: call.timedOut, names: names) {
            case .success(let text, let files):
                output = sketchpadResultProcessor(text, files: files)
                isError = false
            case .failure(let clientOutput):
                frame = sketchpadError
                output = sketchpadErrorOutput("ERROR: " + clientOutput.message, traceback: clientOutput.traceback)
            }
        }
        let text = frame.0 + call.prefixed(output) + frame.1
        return CodeObservation(text: text, parts: sketchpadParts(text, names: names), isError: isError)
    }

    struct SketchpadClientError: Error {
        var message: String
        var traceback: [String]?
    }

    /// `JupyterKernelClient.execute` then `execute_code_blocks`: the joined output and the
    /// files saved (returned images by their names, HTML by its path), or the error text.
    static func sketchpadClient(_ outputs: [SketchpadOutput], timedOut: Bool, names: [String]) -> Result<(String, [String]), SketchpadClientError> {
        var texts: [String] = []
        var data: [SketchpadData] = []
        for output in outputs {
            switch output {
            case .stream(_, let text, let cut): texts.append(cut?.restore(text) ?? text)
            case .display(let bundle), .result(let bundle):
                texts += bundle.texts
                data += bundle.data
            case .error(let name, let value, let traceback):
                return .failure(SketchpadClientError(message: "ERROR: \(name): \(value)\n", traceback: traceback))
            case .timeout:
                return .failure(SketchpadClientError(message: sketchpadClientTimeout, traceback: nil))
            }
        }
        if timedOut { return .failure(SketchpadClientError(message: sketchpadClientTimeout, traceback: nil)) }
        var lines = [texts.joined(separator: "\n")]
        var files: [String] = []
        for item in data {
            switch item {
            case .image(let index):
                guard index < names.count else { continue }  // held back by max_images
                lines.append("Image data saved to \(names[index])")
                files.append(names[index])
            case .html(let path):
                lines.append("HTML data saved to \(path)")
                files.append(path)
            case .text(let text):
                lines.append(text)
            }
        }
        return .success((lines.joined(separator: "\n"), files))
    }

    /// `result_processor` on success: the last two lines per file dropped, `<PIL.` lines
    /// replaced by the files' tags in order, every line ended by `\n`, unused files' tags
    /// appended.
    static func sketchpadResultProcessor(_ output: String, files: [String]) -> String {
        var lines = PythonText.splitLines(output)
        if !files.isEmpty { lines = Array(lines.dropLast(min(lines.count, 2 * files.count))) }
        var out = ""
        var used = 0
        for line in lines {
            if PythonText.startsWith(line, "<PIL.") {
                if used < files.count {
                    out += "<img src='\(files[used])'>"
                    used += 1
                }
            } else {
                out += line
            }
            out += "\n"
        }
        for file in files.dropFirst(used) { out += "<img src='\(file)'>\n" }
        return out
    }

    /// `parse_error_message(error)` where `error` is `head` followed by `repr(traceback)`:
    /// the text before the first `['`, stripped, a blank line, then the traceback's lines
    /// with `\x1b\[.*?m` removed. When the first `['` is not where the list starts, Python's
    /// `literal_eval` of the rest fails and the traceback is left out (as there).
    static func sketchpadErrorOutput(_ head: String, traceback: [String]?) -> String {
        let list = traceback.map(PythonText.listRepr) ?? ""
        let scalars = Array((head + list).unicodeScalars)
        var start = scalars.count - 1  // find() == -1: Python's error[:-1]
        if scalars.count >= 2 {
            for i in 0..<(scalars.count - 1) where scalars[i] == "[" && scalars[i + 1] == "'" {
                start = i
                break
            }
        }
        start = max(start, 0)
        let initial = PythonText.strip(String(String.UnicodeScalarView(scalars[..<start])))
        var lines: [String] = []
        if let traceback, start == head.unicodeScalars.count, !traceback.isEmpty {
            lines = traceback.map(stripSketchpadColours)
        }
        return initial + "\n\n" + lines.joined(separator: "\n")
    }

    /// `re.sub(r"\x1b\[.*?m", "", line)`: from ESC `[` to the nearest `m` on the same line.
    static func stripSketchpadColours(_ line: String) -> String {
        let scalars = Array(line.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "\u{1B}", i + 1 < scalars.count, scalars[i + 1] == "[" {
                var j = i + 2
                while j < scalars.count, scalars[j] != "m", scalars[j] != "\n" { j += 1 }
                if j < scalars.count, scalars[j] == "m" {
                    i = j + 1
                    continue
                }
            }
            out.append(scalars[i])
            i += 1
        }
        return String(out)
    }

    /// `gpt4v_formatter`: the text split at each `<img src='…'>` naming a returned image,
    /// a text part before each image and one after the last (empty ones included).
    static func sketchpadParts(_ text: String, names: [String]) -> [CodeObservationPart] {
        let scalars = Array(text.unicodeScalars)
        let open = Array("<img src='".unicodeScalars)
        var parts: [CodeObservationPart] = []
        var used: Set<Int> = []
        var pending = 0
        var i = 0
        while i + open.count <= scalars.count {
            guard scalars[i..<(i + open.count)].elementsEqual(open) else { i += 1; continue }
            var j = i + open.count
            while j < scalars.count, scalars[j] != "'" { j += 1 }
            guard j + 1 < scalars.count, scalars[j + 1] == ">" else { i += 1; continue }
            let path = String(String.UnicodeScalarView(scalars[(i + open.count)..<j]))
            // Tags come in the images' order; two images with the same content (and so the
            // same name) take their places in turn.
            guard let index = names.indices.first(where: { names[$0] == path && !used.contains($0) }) else { i += 1; continue }
            used.insert(index)
            parts.append(.text(String(String.UnicodeScalarView(scalars[pending..<i]))))
            parts.append(.image(index))
            i = j + 2
            pending = i
        }
        parts.append(.text(String(String.UnicodeScalarView(scalars[pending...]))))
        return parts
    }
}
