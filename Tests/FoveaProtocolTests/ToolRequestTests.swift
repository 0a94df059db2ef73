import Testing
@testable import FoveaProtocol

@Suite struct ToolRequestTests {
    let handle = "img:" + String(repeating: "ab", count: 32)
    let defaults = ToolDefaults()

    func parse(_ params: JSONValue) -> Result<ToolCall, ToolCallError> {
        Result { () throws(ToolCallError) in try ToolCall.parse(params: params.objectValue!, defaults: defaults) }
    }

    func toolError(_ params: JSONValue) -> String? {
        if case .failure(.tool(let error)) = parse(params) { return error.message }
        return nil
    }

    @Test func zoomWithDefaults() throws {
        let call = try parse(["name": "zoom", "arguments": ["image": .string(handle), "bbox_2d": [1, 2, 3, 4], "label": "sign"]]).get()
        #expect(call == ToolCall(image: .handle(handle), request: .zoom(ZoomRequest(box: [1, 2, 3, 4], coords: .rel1000, label: "sign", padding: 0)),
                                 output: OutputOptions(format: .jpeg, quality: 95)))
    }

    @Test func aliasImageZoomInToolIsZoom() throws {
        let request = try parse(["name": "image_zoom_in_tool", "arguments": ["image": .string(handle), "bbox_2d": [1, 2, 3, 4]]]).get()
        #expect(request.toolName == "zoom")
    }

    /// Qwen-Agent's `img_idx`, Mini-o3's `source` and Pixel-Reasoner's `target_image` name an
    /// image of the conversation: forwarded model arguments pass, and `image` is what counts.
    @Test func imageSelectorsOfModelFamiliesAreTolerated() throws {
        for (name, value) in [("img_idx", JSONValue.int(1)), ("source", "observation_2"), ("target_image", .int(0)), ("target_image", "img_1")] {
            for tool in ["image_zoom_in_tool", "crop"] {
                let call = try parse(["name": .string(tool), "arguments": ["image": .string(handle), "bbox_2d": [1, 2, 3, 4], name: value]]).get()
                #expect(call.image == .handle(handle), "\(tool) \(name)")
            }
        }
        #expect(toolError(["name": "zoom", "arguments": ["image": .string(handle), "bbox_2d": [1, 2, 3, 4], "img_idx": -1]])
                == "img_idx must be a non-negative integer; received a number (-1)")
        #expect(toolError(["name": "zoom", "arguments": ["image": .string(handle), "bbox_2d": [1, 2, 3, 4], "source": [1]]])?
                    .hasPrefix("source must be a string; received an array") == true)
        #expect(toolError(["name": "zoom", "arguments": ["bbox_2d": [1, 2, 3, 4], "img_idx": 1]])
                == "missing required argument image for zoom: img_idx 1 names an image of the conversation (Qwen-Agent), which only the agent knows: the agent must pass that image's img:<sha256> handle as image")
    }

    @Test func unknownToolIsAnInvalidParamsProtocolError() {
        guard case .failure(.protocolError(let error)) = parse(["name": "sharpen_everything", "arguments": [:]]) else {
            Issue.record("expected a protocol error"); return
        }
        #expect(error.code == -32602)
        #expect(error.message == "Unknown tool: sharpen_everything; tools are zoom, crop, rotate, enhance, tile, annotate, inspect, pipeline")
    }

    @Test func argumentsThatAreNotAnObjectAreAProtocolError() {
        guard case .failure(.protocolError(let error)) = parse(["name": "zoom", "arguments": "bbox"]) else {
            Issue.record("expected a protocol error"); return
        }
        #expect(error.code == -32602)
    }

    @Test func missingImageNamesTheArgument() {
        #expect(toolError(["name": "zoom", "arguments": ["bbox_2d": [1, 2, 3, 4]]])
                == "missing required argument image for zoom: pass an img:<sha256> handle from images/put or an earlier result, or a data URL")
    }

    @Test func missingBoxNamesTheArgument() {
        #expect(toolError(["name": "crop", "arguments": ["image": .string(handle)]])
                == "missing required argument bbox_2d for crop: pass [x1, y1, x2, y2] of the region")
    }

    @Test func unknownArgumentListsTheAllowedOnes() {
        #expect(toolError(["name": "zoom", "arguments": ["image": .string(handle), "bbox": [1, 2, 3, 4]]])
                == "unknown argument bbox for zoom; allowed: image, bbox_2d, label, padding, coords, format, quality")
    }

    @Test func boxOfTheWrongShapeSaysWhatWasReceived() {
        #expect(toolError(["name": "zoom", "arguments": ["image": .string(handle), "bbox_2d": [1, 2, 3]]])
                == "bbox_2d [1, 2, 3] is invalid: expected 4 numbers [x1, y1, x2, y2], received 3")
        #expect(toolError(["name": "zoom", "arguments": ["image": .string(handle), "bbox_2d": [1, "two", 3, 4]]])
                == "bbox_2d [1, \"two\", 3, 4] is invalid: y1 must be a number, received a string")
        #expect(toolError(["name": "zoom", "arguments": ["image": .string(handle), "bbox_2d": 5]])
                == "bbox_2d must be an array of 4 numbers [x1, y1, x2, y2]; received a number (5)")
    }

    @Test func boxWrittenAsAStringIsAccepted() throws {
        let call = try parse(["name": "crop", "arguments": ["image": .string(handle), "bbox_2d": "[10, 20, 30, 40]"]]).get()
        guard case .crop(let crop) = call.request else { Issue.record("not a crop"); return }
        #expect(crop.box == [10, 20, 30, 40])
    }

    @Test func choicesAndRangesAreChecked() {
        #expect(toolError(["name": "zoom", "arguments": ["image": .string(handle), "bbox_2d": [1, 2, 3, 4], "coords": "percent"]])
                == "coords \"percent\" is invalid: allowed values are \"rel1000\", \"pixel\", \"norm\"")
        #expect(toolError(["name": "zoom", "arguments": ["image": .string(handle), "bbox_2d": [1, 2, 3, 4], "quality": 0]])
                == "quality 0 is invalid: must be an integer from 1 to 100")
        #expect(toolError(["name": "zoom", "arguments": ["image": .string(handle), "bbox_2d": [1, 2, 3, 4], "format": "gif"]])
                == "format \"gif\" is invalid: allowed values are \"jpeg\", \"png\", \"webp\", \"raw\"")
        #expect(toolError(["name": "zoom", "arguments": ["image": .string(handle), "bbox_2d": [1, 2, 3, 4], "padding": 2]])
                == "padding 2 is invalid: must be from 0 to 1")
    }

    @Test func imageReferencesAreCheckedForShape() {
        #expect(toolError(["name": "inspect", "arguments": ["image": "img:1234"]])
                == "image \"img:1234\" is invalid: an image handle is img: followed by 64 lowercase hex digits (a SHA-256), as returned by images/put or an earlier result")
        #expect(toolError(["name": "inspect", "arguments": ["image": 42]])
                == "image must be a string (an img:<sha256> handle or a data URL); received a number (42)")
        #expect(toolError(["name": "inspect", "arguments": ["image": "photo.jpg"]])?.hasPrefix("image \"photo.jpg\" is invalid: pass an img:<sha256> handle") == true)
        #expect(toolError(["name": "inspect", "arguments": ["image": "data:image/png,abc"]])
                == "image \"data:image/png,abc\" is invalid: only base64 data URLs are accepted (data:<mime>;base64,…)")
    }

    @Test func dataURLPayloadIsExtracted() throws {
        #expect(try ImageReference.parse("data:image/png;base64,QUJD") == .inline(base64: "QUJD"))
    }

    @Test func everyToolSchemaIsAnObjectSchemaListingItsRequiredArguments() {
        for tool in ToolCatalog.imageTools {
            let schema = tool.inputSchema
            #expect(schema["type"] == "object")
            #expect(schema["additionalProperties"] == false)
            #expect(schema["required"]?.arrayValue?.contains("image") == true)
            #expect(Set(schema["properties"]?.objectValue?.keys.map { $0 } ?? []) == Set(tool.parameterNames))
        }
        #expect(ZoomRequest.definition.inputSchema["required"] == ["image", "bbox_2d"])
    }
}
