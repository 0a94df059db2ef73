import Testing
@testable import FoveaProtocol

/// Every tool's `outputSchema` describes the `structuredContent` its results really have: a
/// strict MCP client validates results against it and would refuse a wrong one.
@Suite struct OutputSchemaTests {
    let handle = "img:" + String(repeating: "9f", count: 32)
    let source = SourceImage(handle: "img:" + String(repeating: "9f", count: 32), width: 800, height: 600, bands: 3, format: "jpeg")

    /// The subset of JSON Schema the schemas use: type (one or several), properties,
    /// required, items, enum, const, anyOf, additionalProperties false, minimum/maximum.
    static func violations(_ value: JSONValue, _ schema: JSONValue, at path: String = "$") -> [String] {
        var found: [String] = []
        if let types = schema["type"] {
            let names = types.arrayValue?.compactMap(\.stringValue) ?? [types.stringValue!]
            let matches = names.contains { name in
                switch (name, value) {
                case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object),
                     ("number", .integer), ("number", .double), ("integer", .integer): return true
                case ("integer", .double(let d)): return d.rounded() == d
                default: return false
                }
            }
            if !matches { return ["\(path): \(value.typeName) is not \(names.joined(separator: "/"))"] }
        }
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(value) { found.append("\(path): \(value) not in enum") }
        if let constant = schema["const"], constant != value { found.append("\(path): \(value) is not \(constant)") }
        if let options = schema["anyOf"]?.arrayValue, !options.contains(where: { violations(value, $0, at: path).isEmpty }) {
            found.append("\(path): matches no anyOf branch")
        }
        if case .object(let members) = value {
            let properties = schema["properties"]?.objectValue ?? [:]
            for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                found.append("\(path): missing \(name)")
            }
            for (name, member) in members {
                if let property = properties[name] {
                    found += violations(member, property, at: "\(path).\(name)")
                } else if schema["additionalProperties"] == false {
                    found.append("\(path): unexpected \(name)")
                }
            }
        }
        if case .array(let elements) = value, let items = schema["items"] {
            for (index, element) in elements.enumerated() { found += violations(element, items, at: "\(path)[\(index)]") }
        }
        return found
    }

    func result(_ tool: String, _ arguments: JSONValue) throws -> JSONValue {
        var values = arguments.objectValue!
        values["image"] = .string(handle)
        let call = try ToolCall.parse(params: ["name": .string(tool), "arguments": .object(values)], defaults: ToolDefaults())
        let planned = try ToolPlanner.plan(call, source: source, defaults: ToolDefaults())
        let images = planned.jobs.enumerated().map { index, _ in
            ProducedImage(handle: "img:" + String(repeating: String(index % 10), count: 64), width: 64, height: 48, bands: 3,
                          format: .jpeg, base64: "AAAA")
        }
        if case .inspect = planned.work {
            let channel = ChannelSummary(mean: 1.5, standardDeviation: 0.5, minimum: 0, maximum: 255, histogram: Array(repeating: 1, count: 16))
            return ToolResult.success(planned, images: [], statistics: [channel, channel, channel])
        }
        return ToolResult.success(planned, images: images)
    }

    @Test func imageToolResultsConformToTheirOutputSchemas() throws {
        let calls: [(String, JSONValue)] = [
            ("zoom", ["bbox_2d": [10, 10, 20, 20], "label": "sign"]),
            ("zoom", ["bbox_2d": [-5, 0, 500, 500]]),
            ("crop", ["bbox_2d": [0, 0, 500, 500]]),
            ("rotate", ["angle": 30]),
            ("rotate", ["angle": 90, "flip": "horizontal"]),
            ("enhance", ["contrast": 1.5, "autocontrast": 2]),
            ("enhance", ["grayscale": true, "bbox_2d": [0, 0, 500, 500]]),
            ("tile", ["grid": [2, 2], "overlap": 0.1]),
            ("tile", ["tile_size": [300, 300], "bbox_2d": [0, 0, 800, 800]]),
            ("annotate", ["boxes": [["bbox_2d": [10, 10, 200, 200], "label": "car"]]]),
            ("inspect", [:]),
            ("inspect", ["bbox_2d": [0, 0, 500, 500]]),
            ("pipeline", ["steps": [["tool": "zoom", "arguments": ["bbox_2d": [0, 0, 500, 500]]],
                                    ["tool": "rotate", "arguments": ["angle": 90]],
                                    ["tool": "enhance", "arguments": ["contrast": 2]]]]),
        ]
        for (tool, arguments) in calls {
            let schema = try #require(ToolCatalog.definition(named: tool)?.outputSchema, "\(tool) has no outputSchema")
            let structured = try #require(try result(tool, arguments)["structuredContent"])
            #expect(Self.violations(structured, schema) == [], "\(tool) \(arguments)")
        }
    }

    @Test func everyListedToolHasAnOutputSchema() {
        for tool in ToolCatalog.all {
            #expect(tool.listing["outputSchema"]?["type"] == "object", "\(tool.name)")
        }
    }

    @Test func codeResultsConformToTheirOutputSchema() {
        let schema = CodeArguments.definition.outputSchema!
        let image = ProducedImage(handle: handle, width: 4, height: 3, bands: 3, format: .png, base64: "QUJD")
        var reply = CodeRunReply(id: 1, stdout: "x\n", result: "1", error: CodeRunError(type: "KeyError", message: "'a'", line: 2, traceback: "Traceback"),
                                 images: [CodeShownImage(width: 4, height: 3, bands: 3, source: "display")])
        reply.freshSession = true
        for conventions in CodeConventions.allCases {
            for outcome in [CodeObservation.Outcome.replied(reply), .stopped(.deadline(seconds: 3))] {
                let observation = CodeObservation(conventions: conventions, outcome: outcome)
                let images = observation.parts.contains(.image(0)) ? [image] : []
                let result = CodeToolResult.result(conventions: conventions, session: nil, outcome: outcome,
                                                   observation: observation, images: images, elapsedMs: 1.25)
                #expect(Self.violations(result["structuredContent"]!, schema) == [], "\(conventions) \(outcome)")
            }
        }
    }

    @Test func theValidatorCatchesAWrongResult() {
        let schema = CodeArguments.definition.outputSchema!
        #expect(!Self.violations(["stdout": 1], schema).isEmpty)
        #expect(!Self.violations(.array([]), ToolOutputSchemas.zoom).isEmpty)
    }
}
