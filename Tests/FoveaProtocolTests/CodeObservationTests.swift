import Testing
@testable import FoveaProtocol

/// What Fovea writes where no harness says anything (a stop by the supervisor, a fresh
/// session, images held back, a cut output), in each family's style; the harness-specific
/// corners the corpus does not reach; and the MCP result.
@Suite struct CodeObservationTests {
    func observe(_ conventions: CodeConventions, _ outcome: CodeObservation.Outcome,
                 _ context: CodeObservation.Context = CodeObservation.Context()) -> CodeObservation {
        CodeObservation(conventions: conventions, outcome: outcome, context: context)
    }

    func reply(stdout: String = "", stderr: String = "", images: Int = 0, harness: CodeHarnessFacts = .none) -> CodeRunReply {
        CodeRunReply(id: 1, stdout: stdout, stderr: stderr,
                     images: Array(repeating: CodeShownImage(width: 4, height: 4, bands: 3, source: "figure"), count: images),
                     harness: harness)
    }

    let deadline = CodeStop.deadline(seconds: 30)
    let memory = CodeStop.memory(limitBytes: 2 << 30)
    let stopped = "code ran longer than 30 s and was stopped; the session's variables are gone"
    let fresh = "this session's interpreter was stopped during an earlier call (it ran longer than 30 s); it starts fresh: variables, imports and figures of earlier calls are gone"

    @Test func stopSentencesFollowTheSpec() {
        #expect(deadline.sentence == stopped)
        #expect(CodeStop.deadline(seconds: 0.5).sentence.hasPrefix("code ran longer than 0.5 s"))
        #expect(memory.sentence == "code used more than the 2048 MiB of memory it may use and was stopped; the session's variables are gone")
        #expect(CodeStop.crash(detail: "SIGSEGV").sentence == "the interpreter crashed (SIGSEGV) while running the code; the session's variables are gone")
        #expect(CodeStop.forbidden(syscall: "ptrace").sentence == "code made a system call the sandbox forbids (ptrace) and was stopped; the session's variables are gone")
        #expect(CodeSessionRestart.idle(seconds: 600).sentence == "this session's interpreter was closed after 600 s without a call; it starts fresh: variables, imports and figures of earlier calls are gone")
        #expect(CodeSessionRestart.evicted(maximumSessions: 256).sentence.hasPrefix("this session's interpreter was closed to make room for other sessions (at most 256 run at once)"))
    }

    /// A stop by the supervisor reads as the harness's own timeout where it has one.
    @Test func aDeadlineReadsAsEachHarnessSaysIt() {
        #expect(observe(.pyvision, .stopped(deadline)).text == "Timeout Error")
        #expect(observe(.deepeyesv2, .stopped(deadline)).text
                == "Code execution result:\nstdout:\n```\n\n```\n\nstderr:\n```\nTimeOutError: code execution timed out\n```")
        #expect(observe(.thyme, .stopped(CodeStop.deadline(seconds: 10))).text == "Sandbox for N/A: Execution timed out after 10 seconds.")
        #expect(observe(.sketchpad, .stopped(deadline)).text
                == "OBSERVATION: Execution error. Exit code: 1, Output:\nERROR: ERROR: Timeout waiting for output from code block\n\n\nPlease fix the error and generate the fixed code, in the next THOUGHT and ACTION.")
        #expect(observe(.r1v4, .stopped(deadline)).text == "{\"result\": \"code ran longer than 30 s and was stopped; the session's variables are gone\", \"type\": \"code\"}")
        #expect(observe(.plain, .stopped(deadline)).text == stopped + "\n")
        for conventions in CodeConventions.allCases {
            let observation = observe(conventions, .stopped(deadline))
            #expect(observation.isError && observation.notes == [stopped], "\(conventions)")
            #expect(observation.parts == [.text(observation.text)], "\(conventions)")
        }
    }

    @Test func otherStopsReadAsTheFamilysErrors() {
        let sentence = memory.sentence
        #expect(observe(.pyvision, .stopped(memory)).text == "Error: " + sentence)
        #expect(observe(.deepeyesv2, .stopped(memory)).text
                == "Code execution result:\nstdout:\n```\n\n```\n\nstderr:\n```\nMemoryError: \(sentence)\n```")
        #expect(observe(.thyme, .stopped(memory)).text
                == "Sandbox for N/A: Code execution failed due to MemoryError. The operation likely consumed too much memory: \(sentence)")
        #expect(observe(.thyme, .stopped(.crash(detail: "SIGSEGV"))).text
                == "Sandbox for N/A: Code execution failed: the interpreter crashed (SIGSEGV) while running the code; the session's variables are gone")
        #expect(observe(.sketchpad, .stopped(.forbidden(syscall: nil))).text
                == "OBSERVATION: Execution error. Exit code: 1, Output:\nERROR: ERROR: PermissionError: code made a system call the sandbox forbids and was stopped; the session's variables are gone\n\n\nPlease fix the error and generate the fixed code, in the next THOUGHT and ACTION.")
        #expect(observe(.plain, .stopped(memory)).text == sentence + "\n")
    }

    /// A session that starts fresh says so where the family shows the program's output.
    @Test func aFreshSessionIsAnnouncedBeforeTheOutput() {
        let context = CodeObservation.Context(restart: .stopped(deadline))
        let printed = CodeObservation.Outcome.replied(reply(stdout: "hello\n", images: 1))
        #expect(observe(.pyvision, printed, context).text == "\nText Result:\n\(fresh)\nhello\nImage Result:\n<image_clue_0></image_clue_0>")
        #expect(observe(.deepeyesv2, printed, context).text
                == "Code execution result:\nstdout:\n```\nhello\n\n```\n\nstderr:\n```\n\(fresh)\n```\n\nImages:\n<image>")
        #expect(observe(.r1v4, printed, context).text == "{\"result\": \"\(fresh)\\nhello\", \"type\": \"code\"}")
        #expect(observe(.plain, printed, context).text == fresh + "\nhello\n")
        let thyme = observe(.thyme, .replied(reply(images: 1, harness: .thyme(ThymeTurn(discarded: false)))), context)
        #expect(thyme.text == fresh && thyme.parts == [.text(fresh), .image(0)])
        let sketchpad = observe(.sketchpad, .replied(reply(harness: .sketchpad(SketchpadCell(outputs: [.stream(name: "stdout", text: "hi\n", cut: nil)])))), context)
        #expect(sketchpad.text.hasPrefix("OBSERVATION: Execution success. The output is as follows:\n\(fresh)\nhi\n\n"))
        for conventions in CodeConventions.allCases {
            #expect(observe(conventions, printed, context).notes == [fresh], "\(conventions)")
        }
    }

    @Test func imagesHeldBackAndCutOutputAreSaid() {
        var long = reply(stdout: "headtail", images: 3)
        long.stdoutBytes = 5008
        long.stdoutCut = CodeOutputCut(at: 4, bytes: 5000)
        long.imagesDropped = 1
        let observation = observe(.deepeyesv2, .replied(long), CodeObservation.Context(returnedImages: 2, maxImages: 2))
        #expect(observation.text == "Code execution result:\nstdout:\n```\nhead\n[… 5000 bytes of output omitted …]\ntail\n```\n\nstderr:\n```\n2 more images were shown by the code but not returned (max_images is 2)\n```\n\nImages:\n<image><image>")
        #expect(observation.parts == [.text(observation.text), .image(0), .image(1)])
        #expect(observation.notes == ["2 more images were shown by the code but not returned (max_images is 2)",
                                      "stdout was 5008 bytes long; 5000 bytes in its middle were left out"])
    }

    @Test func pyVisionCutsLongTextAndNumbersImagesAcrossTheTrajectory() {
        let text = String(repeating: "a", count: 300) + String(repeating: "é", count: 300)
        let observation = observe(.pyvision, .replied(reply(stdout: "  " + text + "\n", images: 2)), CodeObservation.Context(firstImageClue: 3))
        #expect(observation.text == "\nText Result:\n" + String(repeating: "a", count: 200) + "..." + String(repeating: "é", count: 200)
                + "\nImage Result:\n<image_clue_3></image_clue_3><image_clue_4></image_clue_4>")
        #expect(observation.parts.filter { if case .image = $0 { return true } else { return false } } == [.image(0), .image(1)])
        var failed = reply(stdout: "lost\n")
        failed.error = CodeRunError(type: "KeyError", message: "'tree'")
        #expect(observe(.pyvision, .replied(failed)).text == "Error: 'tree'")
        var timedOut = reply()
        timedOut.timedOut = true
        #expect(observe(.pyvision, .replied(timedOut)).text == "Timeout Error")
    }

    @Test func thymeShowsWhatItsAgentWouldHaveDiscarded() {
        let silent = observe(.thyme, .replied(reply(harness: .thyme(ThymeTurn(discarded: true, message: nil)))))
        #expect(silent.text == "Sandbox for N/A: The code produced no output to show. Print the path of the processed image (processed_path) or the result.")
        #expect(!silent.isError)
        var raised = reply(harness: .thyme(ThymeTurn(discarded: true, message: "Sandbox for N/A: Code execution failed: name 'set' is not defined")))
        raised.error = CodeRunError(type: "NameError", message: "name 'set' is not defined")
        #expect(observe(.thyme, .replied(raised)).text == "Sandbox for N/A: Code execution failed: name 'set' is not defined")
        #expect(observe(.thyme, .replied(raised)).isError)
        let images = observe(.thyme, .replied(reply(images: 2, harness: .thyme(ThymeTurn(discarded: false)))))
        #expect(images.text == "" && images.parts == [.image(0), .image(1)])
        let printed = observe(.thyme, .replied(reply(stdout: "480000\n", harness: .thyme(ThymeTurn(discarded: false, text: "480000")))))
        #expect(printed.text == "480000" && printed.parts == [.text("480000")])
    }

    @Test func deepEyesV2EmptyCodeAndTheEvaluationTemplate() {
        #expect(observe(.deepeyesv2, .replied(reply(harness: .deepEyesV2(codeRefused: true)))).text == "Code execution error")
        let eval = observe(.deepeyesv2, .replied(reply(stdout: "x\n", images: 1)),
                           CodeObservation.Context(harness: CodeHarnessOptions(deepEyesV2Variant: .eval)))
        #expect(eval.text == "Code execution result:\nstdout:\n```\nx\n\n```\n\nstderr:\n```\n\n```\n\nImages:\n")
        #expect(eval.parts == [.text(eval.text), .image(0)])
    }

    /// autogen prints the traceback list's repr and `parse_error_message` splits at the first
    /// `['`: the corners where that goes wrong in the harness go wrong the same way here.
    @Test func sketchpadErrorParsingFollowsTheHarnessesQuirks() {
        let red = "\u{1B}[0;31m"
        #expect(CodeObservation.sketchpadErrorOutput("ERROR: ERROR: KeyError: 'x'\n", traceback: ["\(red)---\u{1B}[0m", "\(red)KeyError\u{1B}[0m: 'x'"])
                == "ERROR: ERROR: KeyError: 'x'\n\n---\nKeyError: 'x'")
        // An empty traceback: no "['", so Python's find() is -1 and error[:-1] keeps the "[".
        #expect(CodeObservation.sketchpadErrorOutput("ERROR: ERROR: E: v\n", traceback: []) == "ERROR: ERROR: E: v\n[\n\n")
        // "['" inside the message: the split happens there and the traceback is lost.
        #expect(CodeObservation.sketchpadErrorOutput("ERROR: ERROR: KeyError: \"['a']\"\n", traceback: ["line"])
                == "ERROR: ERROR: KeyError: \"\n\n")
        // A first line with a quote is repr'd with double quotes: "['" comes later or never.
        #expect(CodeObservation.sketchpadErrorOutput("ERROR: ERROR: E: v\n", traceback: ["it's", "x"])
                == "ERROR: ERROR: E: v\n[\"it's\", 'x'\n\n")
        #expect(CodeObservation.stripSketchpadColours("\u{1B}[38;5;241;43m.\u{1B}[39;49m \u{1B}[no end\nm") == ". \u{1B}[no end\nm")
    }

    @Test func sketchpadRewritesPILLinesIntoImageTags() {
        let cell = SketchpadCell(outputs: [
            .stream(name: "stdout", text: "size\n", cut: nil),
            .display(SketchpadBundle(texts: ["<PIL.Image.Image image mode=RGB size=4x4>"], data: [.image(0)])),
            .stream(name: "stderr", text: "warn\n", cut: nil),
            .display(SketchpadBundle(texts: ["<Figure size 640x480 with 1 Axes>"], data: [.image(1)])),
            .display(SketchpadBundle(texts: ["<IPython.core.display.HTML object>"], data: [.html(path: "/w/t.html")])),
            .display(SketchpadBundle(texts: ["<PIL.Image.Image image mode=RGB size=9x9>"], data: [.image(2)])),
        ])
        let files = ["/w/a.png", "/w/b.png"]
        let observation = observe(.sketchpad, .replied(reply(images: 3, harness: .sketchpad(cell))),
                                  CodeObservation.Context(returnedImages: 2, imageFiles: files))
        // Two lines per file are dropped from the end (three files: the HTML counts), so the
        // last three display lines go with the three "saved to" lines; unused files are
        // appended. The third image was held back: no line, no file.
        #expect(observation.text == "OBSERVATION: Execution success. The output is as follows:\n1 more image was shown by the code but not returned (max_images is 10)\nsize\n\n<img src='/w/a.png'>\nwarn\n\n<img src='/w/b.png'>\n<img src='/w/t.html'>\n\nPlease generate the next THOUGHT and ACTION. If you can get the answer, please also reply with ANSWER: <your answer> and ends with TERMINATE.")
        #expect(observation.parts.count == 5)
        #expect(observation.parts[1] == .image(0) && observation.parts[3] == .image(1))
        #expect(CodeObservation.sketchpadFileName(handle: "img:" + String(repeating: "0123456789abcdef", count: 4), directory: "/work")
                == "/work/0123456789abcdef0123456789abcdef.png")
    }

    @Test func sketchpadParsingErrorUsesTheExceptionClass() {
        var refused = reply(harness: .sketchpad(SketchpadCell(parsed: false)))
        refused.error = CodeRunError(type: "SyntaxError", message: "expected ':' (prog.py, line 2)")
        #expect(observe(.sketchpad, .replied(refused)).text
                == "OBSERVATION: Parsing error. Error code: unknown, Error message:\nUnexpected <class 'SyntaxError'>: expected ':' (prog.py, line 2).\nPlease fix the error and generate the fixed code, in the next THOUGHT and ACTION.")
    }

    @Test func theMCPResultHasImagesThenTextAndTheStructuredFields() throws {
        var ran = reply(stdout: "hi\n", images: 1)
        ran.result = "3"
        ran.freshSession = true
        ran.images = [CodeShownImage(width: 4, height: 3, bands: 4, source: "file:out/a.png")]
        let observation = observe(.plain, .replied(ran))
        let image = ProducedImage(handle: "img:" + String(repeating: "cd", count: 32), width: 4, height: 3, bands: 4, format: .png, base64: "QUJD")
        let result = CodeToolResult.result(conventions: .plain, session: "s", outcome: .replied(ran), observation: observation,
                                           images: [image], elapsedMs: 7)
        #expect(result["content"] == [["type": "image", "data": "QUJD", "mimeType": "image/png"], ["type": "text", "text": "hi\n3\n"]])
        #expect(result["isError"] == false)
        #expect(result["structuredContent"] == [
            "stdout": "hi\n", "stderr": "", "result": "3", "error": nil,
            "images": [["image": .string(image.handle), "width": 4, "height": 3, "source": "file:out/a.png"]],
            "session": "s", "conventions": "plain", "elapsed_ms": 7,
            "observation": [["type": "text", "text": "hi\n3\n"], ["type": "image", "index": 0]],
            "fresh_session": true, "notes": [],
        ])
        let stoppedResult = CodeToolResult.result(conventions: .r1v4, session: nil, outcome: .stopped(memory),
                                                  observation: observe(.r1v4, .stopped(memory)), images: [], elapsedMs: 1)
        #expect(stoppedResult["isError"] == true)
        #expect(stoppedResult["structuredContent"]?["error"] == ["type": "MemoryError", "message": .string(memory.sentence), "line": nil, "traceback": nil])
        #expect(stoppedResult["structuredContent"]?["notes"] == [.string(memory.sentence)])
        // Every key the output schema requires is there.
        for result in [result, stoppedResult] {
            for key in CodeArguments.structuredContentSchema["required"]!.arrayValue! {
                #expect(result["structuredContent"]?[key.stringValue!] != nil, "\(key)")
            }
        }
    }
}
