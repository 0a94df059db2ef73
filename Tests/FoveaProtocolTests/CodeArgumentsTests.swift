import Testing
@testable import FoveaProtocol

/// The `code` tool's arguments: defaults, the forms of images, and every sentence a model can
/// trigger.
@Suite struct CodeArgumentsTests {
    let handle = "img:" + String(repeating: "ab", count: 32)
    let defaults = CodeDefaults(conventions: .r1v4, deadline: 30)

    func parse(_ arguments: JSONValue) throws(ToolError) -> CodeArguments {
        try CodeArguments.parse(arguments.objectValue!, defaults: defaults)
    }

    func error(_ arguments: JSONValue) -> String? {
        do {
            _ = try parse(arguments)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func defaultsComeFromTheServerAndTheHarness() throws {
        let call = try parse(["code": "print(1)"])
        #expect(call == CodeArguments(code: "print(1)", conventions: .r1v4, timeout: 30,
                                      output: OutputOptions(format: .png, quality: 95), maxImages: 10))
        // A harness's own limit applies when it is below the server's deadline.
        #expect(try parse(["code": "", "conventions": "thyme"]).timeout == 10)
        #expect(try parse(["code": "", "conventions": "pyvision"]).timeout == 20)
        #expect(try parse(["code": "", "conventions": "deepeyesv2"]).timeout == 30)
        #expect(try parse(["code": "", "conventions": "deepeyesv2", "timeout": 2.5]).timeout == 2.5)
    }

    @Test func everyArgumentIsRead() throws {
        let call = try parse([
            "code": "```python\n    x = 1\n```", "images": [.string(handle), ["image": .string(handle), "path": "hr_bench_4k/179.jpg"]],
            "session": "traj-7:rollout_2.a", "conventions": "pyvision", "timeout": 12, "format": "webp", "quality": 80,
            "max_images": 3,
        ])
        #expect(call.code == "x = 1")
        #expect(call.images == [CodeImageArgument(reference: .handle(handle)),
                                CodeImageArgument(reference: .handle(handle), path: "hr_bench_4k/179.jpg")])
        #expect(call.session == "traj-7:rollout_2.a")
        #expect(call.conventions == .pyvision)
        #expect(call.timeout == 12)
        #expect(call.output == OutputOptions(format: .webp, quality: 80))
        #expect(call.maxImages == 3)
    }

    @Test func oneImageMayBeGivenAsImage() throws {
        #expect(try parse(["code": "", "image": .string(handle)]).images == [CodeImageArgument(reference: .handle(handle))])
        #expect(try parse(["code": "", "image": ["image": "data:image/png;base64,QUJD", "path": "/data/a.png"]]).images
                == [CodeImageArgument(reference: .inline(base64: "QUJD"), path: "/data/a.png")])
        #expect(try parse(["code": "", "images": [], "image": nil]).images == [])
    }

    @Test func thePythonAliasIsTheCodeTool() {
        #expect(ToolCatalog.definition(named: "python")?.name == "code")
        #expect(ToolCatalog.isCode("python") && ToolCatalog.isCode("code") && !ToolCatalog.isCode("zoom"))
    }

    @Test func codeErrorsNameTheArgument() {
        #expect(error(["images": []]) == "missing required argument code for code: pass the Python source to run, as a string")
        #expect(error(["code": nil]) == "missing required argument code for code: pass the Python source to run, as a string")
        #expect(error(["code": 5]) == "code must be a string (the Python source to run); received a number (5)")
        #expect(error(["code": .string(String(repeating: "x", count: (1 << 20) + 1))])
                == "code is 1048577 bytes long; at most 1048576 (1 MiB) are allowed")
        #expect(error(["code": "", "cell": 1])
                == "unknown argument cell for code; allowed: code, images, image, session, conventions, timeout, format, quality, max_images")
    }

    @Test func imageErrorsNameTheEntry() {
        #expect(error(["code": "", "images": .string(handle)])?
                    .hasPrefix("images must be an array of images (handles, data URLs or {image, path} objects); received a string") == true)
        #expect(error(["code": "", "images": .array(Array(repeating: .string(handle), count: 17))])
                == "images has 17 entries; at most 16 are allowed")
        #expect(error(["code": "", "images": [.string(handle)], "image": .string(handle)])
                == "pass either image (one image) or images (a list of images), not both")
        #expect(error(["code": "", "images": [3]])
                == "images[0] must be an img:<sha256> handle, a data URL, or an object {image, path}; received a number (3)")
        #expect(error(["code": "", "images": [.string(handle), "img:12"]])?
                    .hasPrefix("images[1] \"img:12\" is invalid: an image handle is img: followed by 64 lowercase hex digits") == true)
        #expect(error(["code": "", "image": ["image": .string(handle), "file": "a.jpg"]])
                == "image has an unknown key file; an image object has image (a handle or data URL) and path (the file name the model was told)")
        #expect(error(["code": "", "images": [["path": "a.jpg"]]])
                == "images[0] needs image: an img:<sha256> handle from images/put or an earlier result, or a data URL")
        #expect(error(["code": "", "images": [["image": 1]]])
                == "images[0].image must be a string (an img:<sha256> handle or a data URL); received a number (1)")
        #expect(error(["code": "", "images": [["image": "data:image/png,abc"]]])
                == "images[0].image \"data:image/png,abc\" is invalid: only base64 data URLs are accepted (data:<mime>;base64,…)")
    }

    @Test func pathsNameAFileInsideTheWorkingDirectoryRules() {
        func pathError(_ path: JSONValue) -> String? {
            error(["code": "", "images": [["image": .string(handle), "path": path]]])
        }
        #expect(pathError(1) == "images[0].path must be a string (a file name such as \"hr_bench_4k/179.jpg\"); received a number (1)")
        #expect(pathError("") == "images[0].path \"\" is invalid: a path names a file, e.g. \"hr_bench_4k/179.jpg\"")
        #expect(pathError(.string(String(repeating: "a", count: 256))) == "images[0].path is 256 bytes long; at most 255 are allowed")
        #expect(pathError("a\u{0}b.jpg") == "images[0].path \"a\\u0000b.jpg\" is invalid: a path cannot contain a NUL character")
        #expect(pathError("../etc/passwd") == "images[0].path \"../etc/passwd\" is invalid: \"..\" is not allowed in a path")
        #expect(pathError("/data/../x.jpg") == "images[0].path \"/data/../x.jpg\" is invalid: \"..\" is not allowed in a path")
        #expect(pathError("crops/") == "images[0].path \"crops/\" is invalid: a path must end with a file name")
        #expect(pathError("crops/.") == "images[0].path \"crops/.\" is invalid: a path must end with a file name")
        #expect(pathError(.string(String(repeating: "a", count: 255))) == nil)
        #expect(pathError("..hidden/x..jpg") == nil)
        #expect(error(["code": "", "images": [["image": .string(handle), "path": "a.jpg"], ["image": .string(handle), "path": "./a.jpg"]]])
                == "images[1].path \"./a.jpg\" is invalid: images[0] has the same path; each image needs its own file name")
    }

    @Test func sessionIdsAreShortAndPlain() throws {
        #expect(try parse(["code": "", "session": .string(String(repeating: "s", count: 128))]).session?.count == 128)
        let rule = "a session id is 1 to 128 characters, each a letter, a digit, \".\", \"_\", \":\" or \"-\""
        #expect(error(["code": "", "session": "trajectory 7"]) == "session \"trajectory 7\" is invalid: \(rule)")
        #expect(error(["code": "", "session": ""]) == "session \"\" is invalid: \(rule)")
        #expect(error(["code": "", "session": .string(String(repeating: "s", count: 129))])?.hasSuffix("is invalid: \(rule)") == true)
        #expect(error(["code": "", "session": "é"]) == "session \"é\" is invalid: \(rule)")
        #expect(error(["code": "", "session": 7]) == "session must be a string (an id you pick, e.g. the trajectory's id); received a number (7)")
    }

    @Test func conventionsTimeoutAndOutputAreChecked() {
        #expect(error(["code": "", "conventions": "qwen"])
                == "conventions \"qwen\" is invalid: allowed values are \"r1v4\", \"pyvision\", \"deepeyesv2\", \"thyme\", \"sketchpad\", \"plain\"")
        #expect(error(["code": "", "timeout": "10s"])
                == "timeout must be a number of seconds greater than 0 and at most 30; received a string (\"10s\")")
        #expect(error(["code": "", "timeout": 0]) == "timeout 0 is invalid: it must be greater than 0 seconds")
        #expect(error(["code": "", "timeout": -1]) == "timeout -1 is invalid: it must be greater than 0 seconds")
        #expect(error(["code": "", "timeout": 30.5])
                == "timeout 30.5 is invalid: at most 30 seconds are allowed (the server's code deadline)")
        #expect(error(["code": "", "format": "raw"]) == "format \"raw\" is invalid: allowed values are \"jpeg\", \"png\", \"webp\"")
        #expect(error(["code": "", "quality": 0]) == "quality 0 is invalid: must be an integer from 1 to 100")
        #expect(error(["code": "", "max_images": 11]) == "max_images 11 is invalid: must be an integer from 1 to 10")
        #expect(error(["code": "", "max_images": 1.5]) == "max_images must be an integer from 1 to 10; received a number (1.5)")
    }

    /// A daemon that cannot run Python lists no code tool, and the image tools' parser does not
    /// know it.
    @Test func theCatalogListsCodeOnlyWhenAsked() throws {
        func names(_ result: JSONValue) -> [String] { result["tools"]!.arrayValue!.map { $0["name"]!.stringValue! } }
        #expect(names(ToolCatalog.listResult(includingCode: true)).last == "code")
        #expect(!names(ToolCatalog.listResult(includingCode: false)).contains("code"))
        #expect(!names(ToolCatalog.listResult).contains("code"))
        let result = Result { () throws(ToolCallError) in
            try ToolCall.parse(params: ["name": "code", "arguments": ["code": "1"]], defaults: ToolDefaults())
        }
        guard case .failure(.protocolError(let rpc)) = result else { Issue.record("expected a protocol error"); return }
        #expect(rpc.message == "Unknown tool: code; tools are zoom, crop, rotate, enhance, tile, annotate, inspect, pipeline")
    }

    @Test func theSchemaListsTheArgumentsAndTheOutput() throws {
        let listing = CodeArguments.definition.listing
        #expect(listing["inputSchema"]?["required"] == ["code"])
        #expect(Set(listing["inputSchema"]?["properties"]?.objectValue?.keys.map { $0 } ?? [])
                == Set(CodeArguments.definition.parameterNames))
        #expect(listing["outputSchema"]?["required"]?.arrayValue?.count == 11)
        // The schema's text round-trips through the wire format.
        #expect(try JSONParser.parse(JSONWriter.bytes(listing)) == listing)
    }
}
