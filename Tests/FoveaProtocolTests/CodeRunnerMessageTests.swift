import Testing
@testable import FoveaProtocol

/// The messages between the supervisor and an interpreter: the run request (and where its code
/// travels), the hello, and the reply read as untrusted.
@Suite struct CodeRunnerMessageTests {
    let handle = "img:" + String(repeating: "ab", count: 32)
    let limits = DecodeLimits(maxEncodedBytes: 1 << 20, maxPixels: 1_000_000, maxSide: 2000)

    func request(conventions: CodeConventions = .plain, maxImages: Int = 2) -> CodeRunRequest {
        CodeRunRequest(id: 9, code: "print(1)", conventions: conventions, maxImages: maxImages, session: "s1", timeout: 30)
    }

    /// A well-formed reply, changed by `edit`.
    func reply(_ edit: (inout [String: JSONValue]) -> Void = { _ in }) -> JSONValue {
        var object: [String: JSONValue] = [
            "type": "result", "id": 9, "stdout": "hi\n", "stderr": "", "stdoutBytes": 3, "stderrBytes": 0,
            "result": nil, "error": nil, "images": [["width": 640, "height": 480, "bands": 4, "source": "figure"]],
            "executedCode": "print(1)", "freshSession": true, "elapsedMs": 12.5,
        ]
        edit(&object)
        return .object(object)
    }

    func parse(_ json: JSONValue, conventions: CodeConventions = .plain) throws(ChannelMessageError) -> CodeRunReply {
        try CodeRunReply(json: json, request: request(conventions: conventions), limits: limits)
    }

    @Test func theRunMessageCarriesTheCallAndItsDescriptors() throws {
        var run = request(conventions: .deepeyesv2)
        run.images = [CodeRunImage(index: 0, handle: handle, width: 800, height: 600, bands: 3, format: "jpeg",
                                   path: "hr/1.jpg", pixels: 0, encoded: 1),
                      CodeRunImage(index: 1, handle: handle, width: 8, height: 6, bands: 4, format: "result")]
        run.harness = CodeHarnessOptions(deepEyesV2Variant: .eval)
        #expect(run.inputDescriptorCount == 2)
        guard case .inline(let bytes) = try run.encoded() else { Issue.record("expected an inline message"); return }
        let json = try JSONParser.parse(bytes)
        #expect(json["type"] == "run" && json["id"] == 9 && json["code"] == "print(1)" && json["conventions"] == "deepeyesv2")
        #expect(json["maxImages"] == 2 && json["session"] == "s1" && json["timeout"] == 30)
        #expect(json["options"] == ["variant": "eval"])
        #expect(json["images"]?.arrayValue?[0] == ["index": 0, "handle": .string(handle), "width": 800, "height": 600, "bands": 3,
                                                   "format": "jpeg", "path": "hr/1.jpg", "pixels": 0, "encoded": 1])
        #expect(json["images"]?.arrayValue?[1]["path"] == .null)
        #expect(json["images"]?.arrayValue?[1]["pixels"] == nil)
    }

    /// Code too long for one 64 KiB datagram travels in a memfd placed after the inputs.
    @Test func longCodeTravelsInItsOwnDescriptor() throws {
        var run = request()
        run.code = String(repeating: "x = 1\n", count: 12_000)
        run.images = [CodeRunImage(index: 0, handle: handle, width: 8, height: 6, bands: 3, format: "png", pixels: 0)]
        guard case .separateCode(let bytes, let code, let descriptor) = try run.encoded() else {
            Issue.record("expected the code in a descriptor"); return
        }
        #expect(bytes.count <= CodeLimits.maximumMessageBytes)
        #expect(code == Array(run.code.utf8))
        #expect(descriptor == 1)
        let json = try JSONParser.parse(bytes)
        #expect(json["code"] == nil && json["codeDescriptor"] == 1 && json["codeBytes"] == 72_000)
    }

    @Test func aWellFormedReplyIsRead() throws {
        let parsed = try parse(reply {
            $0["error"] = ["type": "KeyError", "message": "'car'", "line": 3, "traceback": "Traceback …"]
            $0["result"] = "42"
            $0["stdout"] = .string("a" + String(repeating: "é", count: 10) + "z")
            $0["stdoutBytes"] = 5000
            $0["stdoutOmitted"] = ["at": 11, "bytes": 4978]
            $0["imagesDropped"] = 3
            $0["timedOut"] = false
        })
        #expect(parsed.error == CodeRunError(type: "KeyError", message: "'car'", line: 3, traceback: "Traceback …"))
        #expect(parsed.result == "42")
        #expect(parsed.stdoutCut == CodeOutputCut(at: 11, bytes: 4978))
        #expect(parsed.images == [CodeShownImage(width: 640, height: 480, bands: 4, source: "figure")])
        #expect(parsed.imagesDropped == 3 && parsed.freshSession && parsed.elapsedMs == 12.5 && parsed.harness == .none)
    }

    /// Control characters are what the program printed: kept, not sanitized.
    @Test func outputKeepsControlCharacters() throws {
        let text = "\u{1B}[31mred\u{1B}[0m\r\u{0}\u{7}"
        #expect(try parse(reply { $0["stdout"] = .string(text); $0["stdoutBytes"] = .int(text.utf8.count) }).stdout == text)
    }

    @Test func hostileRepliesAreRefused() {
        let big = String(repeating: "x", count: CodeLimits.maximumStreamBytes + 1)
        let hostile: [(String, JSONValue)] = [
            ("wrong id", reply { $0["id"] = 8 }),
            ("not a result", reply { $0["type"] = "hello" }),
            ("stdout too long", reply { $0["stdout"] = .string(big); $0["stdoutBytes"] = .int(big.utf8.count) }),
            ("fewer bytes than sent", reply { $0["stdoutBytes"] = 1 }),
            ("missing stderrBytes", reply { $0.removeValue(forKey: "stderrBytes") }),
            ("too many images", reply { $0["images"] = .array(Array(repeating: ["width": 1, "height": 1, "bands": 3, "source": "figure"], count: 3)) }),
            ("image too wide", reply { $0["images"] = [["width": 2001, "height": 1, "bands": 3, "source": "figure"]] }),
            ("image too many pixels", reply { $0["images"] = [["width": 2000, "height": 2000, "bands": 3, "source": "figure"]] }),
            ("one band", reply { $0["images"] = [["width": 1, "height": 1, "bands": 1, "source": "figure"]] }),
            ("unknown source", reply { $0["images"] = [["width": 1, "height": 1, "bands": 3, "source": "memfd"]] }),
            ("source with a newline", reply { $0["images"] = [["width": 1, "height": 1, "bands": 3, "source": "file:a\nb.png"]] }),
            ("empty file source", reply { $0["images"] = [["width": 1, "height": 1, "bands": 3, "source": "file:"]] }),
            ("error type not a name", reply { $0["error"] = ["type": "Key Error!", "message": "x", "line": nil, "traceback": nil] }),
            ("error message too long", reply { $0["error"] = ["type": "E", "message": .string(String(repeating: "m", count: 4097)), "line": nil, "traceback": nil] }),
            ("traceback too long", reply { $0["error"] = ["type": "E", "message": "m", "line": nil, "traceback": .string(String(repeating: "t", count: 16385))] }),
            ("negative line", reply { $0["error"] = ["type": "E", "message": "m", "line": -1, "traceback": nil] }),
            ("result too long", reply { $0["result"] = .string(String(repeating: "r", count: 16385)) }),
            ("cut outside the text", reply { $0["stdoutOmitted"] = ["at": 4, "bytes": 10] }),
            ("cut of nothing", reply { $0["stdoutOmitted"] = ["at": 1, "bytes": 0] }),
            ("negative elapsed", reply { $0["elapsedMs"] = -1 }),
            ("fresh as a string", reply { $0["freshSession"] = "yes" }),
            ("images dropped negative", reply { $0["imagesDropped"] = -2 }),
            ("harness not an object", reply { $0["harness"] = [1] }),
        ]
        for (why, json) in hostile {
            #expect(throws: ChannelMessageError.self, "\(why)") { try parse(json) }
        }
    }

    @Test func familyFactsAreReadForTheCallsConventions() throws {
        let thyme = try parse(reply { $0["harness"] = ["discarded": true, "message": "Sandbox for N/A: …", "text": nil, "paths": []] },
                              conventions: .thyme)
        #expect(thyme.harness == .thyme(ThymeTurn(discarded: true, message: "Sandbox for N/A: …")))
        let deepEyes = try parse(reply { $0["harness"] = ["done": true] }, conventions: .deepeyesv2)
        #expect(deepEyes.harness == .deepEyesV2(codeRefused: true))
        let outputs: JSONValue = [
            ["stream": "stdout", "text": "a\n", "bytes": 2],
            ["display": ["text": ["<PIL.Image.Image image mode=RGB size=4x4>"], "data": [["image": 0], ["html": "/w/x.html"], ["text": "\"QUJD\""]]]],
            ["result": ["text": ["1"]]],
            ["error": ["ename": "KeyError", "evalue": "'x'", "traceback": ["\u{1B}[0;31m---\u{1B}[0m"]]],
            ["timeout": true],
        ]
        let sketchpad = try parse(reply { $0["harness"] = ["parsed": true, "outputs": outputs] }, conventions: .sketchpad)
        #expect(sketchpad.harness == .sketchpad(SketchpadCell(parsed: true, outputs: [
            .stream(name: "stdout", text: "a\n", cut: nil),
            .display(SketchpadBundle(texts: ["<PIL.Image.Image image mode=RGB size=4x4>"], data: [.image(0), .html(path: "/w/x.html"), .text("\"QUJD\"")])),
            .result(SketchpadBundle(texts: ["1"])),
            .error(name: "KeyError", value: "'x'", traceback: ["\u{1B}[0;31m---\u{1B}[0m"]),
            .timeout,
        ])))
        // Facts of another family are ignored.
        #expect(try parse(reply { $0["harness"] = ["done": true] }, conventions: .plain).harness == .none)
        let badOutputs: [JSONValue] = [
            [["stream": "stdin", "text": ""]],
            [["display": ["data": [["image": 5]]]]],
            [["display": ["data": [["image": 0]]]], ["result": ["data": [["image": 0]]]]],
            [["display": ["data": [["html": "/w/it's.html"]]]]],
            [["error": ["ename": "E", "evalue": "v", "traceback": .array(Array(repeating: "l", count: 257))]]],
            [["bell": true]],
            .array(Array(repeating: ["timeout": true], count: 1025)),
        ]
        for outputs in badOutputs {
            #expect(throws: ChannelMessageError.self) {
                try parse(reply { $0["harness"] = ["outputs": outputs] }, conventions: .sketchpad)
            }
        }
    }

    @Test func helloRoundTripsAndIsBounded() throws {
        let hello = CodeChildHello(uid: 100_000, gid: 100_000, pid: 1, namespaces: ["user", "pid", "net", "ipc", "mnt"],
                                   landlockABI: 4, filter: true, noNewPrivileges: true, dumpable: false, rss: 45 << 20)
        #expect(try CodeChildHello(json: JSONParser.parse(JSONWriter.bytes(hello.json))) == hello)
        let failed = try CodeChildHello(json: ["type": "hello", "error": .string("landlock: \u{1B}[31m" + String(repeating: "x", count: 500))])
        #expect(failed.error?.count == 300 && failed.error?.hasPrefix("landlock:  [31m") == true)
        #expect(try CodeChildHello(json: CodeChildHello.failure("no Landlock").json) == .failure("no Landlock"))
        var fields = hello.json.objectValue!
        fields["pid"] = 0
        #expect(throws: ChannelMessageError.self) { try CodeChildHello(json: .object(fields)) }
        fields = hello.json.objectValue!
        fields["namespaces"] = .array(Array(repeating: "net", count: 9))
        #expect(throws: ChannelMessageError.self) { try CodeChildHello(json: .object(fields)) }
        fields = hello.json.objectValue!
        fields["filter"] = 1
        #expect(throws: ChannelMessageError.self) { try CodeChildHello(json: .object(fields)) }
    }

    @Test func childMessagesAreDispatchedByType() throws {
        #expect(try CodeChildMessage(json: ["type": "started", "id": 9], pending: nil, limits: limits) == .started(WorkerReceipt(id: 9)))
        guard case .result(let parsed) = try CodeChildMessage(json: reply(), pending: request(), limits: limits) else {
            Issue.record("expected a result"); return
        }
        #expect(parsed.stdout == "hi\n")
        #expect(throws: ChannelMessageError.self) { try CodeChildMessage(json: reply(), pending: nil, limits: limits) }
        #expect(throws: ChannelMessageError.self) { try CodeChildMessage(json: ["type": "decoded", "id": 9], pending: nil, limits: limits) }
    }
}
