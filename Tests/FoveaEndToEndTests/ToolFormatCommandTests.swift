import Foundation
import FoveaProtocol
import Testing

/// `fovea tools --format mcp|openai|qwen|r1v4` against the shapes the frameworks expect: MCP's
/// is what a daemon's `tools/list` answers; OpenAI's is a `tools` array of functions whose
/// `parameters` are valid JSON Schemas (checked by the Python `jsonschema` the MCP SDK uses);
/// Qwen's is the `# Tools` block with one `json.dumps` line per tool, exactly as Python writes
/// it; R1V4's names every tool in R1V4's output-format lines.
@Suite struct ToolFormatCommandTests {
    func tools(_ arguments: String...) throws -> String {
        let (status, output) = try Subprocess.run(Daemon.executable, ["tools"] + arguments)
        try #require(status == 0, "\(output)")
        return output
    }

    @Test func mcpIsWhatADaemonsToolsListAnswers() throws {
        let daemon = try Daemon(workers: 1)
        defer { daemon.stop() }
        let listed = try daemon.client().call("tools/list")
        #expect(try JSONParser.parse(try tools("--format", "mcp")) == listed)
        #expect(try JSONParser.parse(try tools()) == listed)
        let withoutCode = try JSONParser.parse(try tools("--no-code"))["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(withoutCode == ToolCatalog.imageTools.map(\.name))
    }

    @Test func openAIAndQwenAgreeWithPythonsOwnJSON() throws {
        let python = try TestPython.python.get()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-formats-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for format in ["openai", "qwen", "r1v4"] {
            #expect(FileManager.default.createFile(atPath: "\(directory)/\(format).txt", contents: Data(try tools("--format", format).utf8)))
        }
        let (status, output) = try Subprocess.run(python, [TestPython.scripts + "/tool_formats_check.py", directory])
        #expect(status == 0, "\(output)")
        #expect(output.hasSuffix("all checks passed\n"), "\(output)")
    }

    @Test func oneToolAndAnUnknownTool() throws {
        let zoom = try JSONParser.parse(try tools("--format", "openai", "--tool", "image_zoom_in_tool"))
        #expect(zoom.arrayValue?.count == 1 && zoom[0]?["function"]?["name"] == "zoom")
        let (status, output) = try Subprocess.run(Daemon.executable, ["tools", "--tool", "zoomm"])
        #expect(status != 0)
        #expect(output.contains("--tool zoomm is not a tool; tools: zoom, crop"), "\(output)")
    }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        guard let elements = arrayValue, elements.indices.contains(index) else { return nil }
        return elements[index]
    }
}
