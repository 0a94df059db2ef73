import Testing
@testable import FoveaProtocol

/// `initialize` answers the client's protocol revision when Fovea speaks it, else the newest
/// handshake revision (MCP lifecycle: the server "MUST respond with another protocol version
/// it supports", which "SHOULD be the latest").
@Suite struct McpVersionTests {
    @Test func everyHandshakeRevisionOfTheOfficialSDKIsAnsweredAsItself() {
        for version in ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"] {
            #expect(MCP.initializeResult(params: ["protocolVersion": .string(version)])["protocolVersion"] == .string(version))
        }
    }

    @Test func anUnknownOrMissingRevisionIsAnsweredWithTheNewest() {
        for params: [String: JSONValue] in [["protocolVersion": "2026-07-28"], ["protocolVersion": "2023-01-01"], [:], ["protocolVersion": 5]] {
            #expect(MCP.initializeResult(params: params)["protocolVersion"] == "2025-11-25", "\(params)")
        }
    }
}
