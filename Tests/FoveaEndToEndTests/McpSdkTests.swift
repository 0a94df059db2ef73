import Foundation
import FoveaCodec
import Testing

/// The official MCP Python SDK as a client of `fovea mcp` (stdio): it negotiates every
/// revision it knows by handshake, lists the tools with their `outputSchema`, calls every tool,
/// and its own validation of each result's `structuredContent` passes
/// (`Python/mcp_sdk_check.py` says what it checks).
@Suite struct McpSdkTests {
    @Test func theOfficialSDKNegotiatesEveryRevisionAndValidatesEveryToolsResult() throws {
        let python = try TestPython.python.get()
        try Codec.initialize()
        let image = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-mcp-sdk-\(UUID().uuidString.prefix(8)).png").path
        defer { try? FileManager.default.removeItem(atPath: image) }
        let png = try TestImages.encoded(width: 800, height: 600, format: .png, seed: 5).bytes
        #expect(FileManager.default.createFile(atPath: image, contents: Data(png)))
        let (status, output) = try Subprocess.run(python, [TestPython.scripts + "/mcp_sdk_check.py", Daemon.executable, image])
        #expect(status == 0, "\(output)")
        #expect(output.contains("negotiated 2025-11-25 (auto mode"), "\(output)")
        for version in ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"] {
            #expect(output.contains("revision \(version): negotiated"), "\(output)")
        }
        for tool in ["zoom", "crop", "rotate", "enhance", "tile", "annotate", "inspect", "pipeline", "code"] {
            #expect(output.contains("called \(tool): isError=False"), "\(tool): \(output)")
        }
        #expect(output.contains("called code: isError=True"), "\(output)")
        #expect(output.hasSuffix("all checks passed\n"), "\(output)")
    }
}
