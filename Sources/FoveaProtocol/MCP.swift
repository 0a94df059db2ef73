/// MCP lifecycle answers (`initialize`) and Fovea's server identity.
public enum MCP {
    /// Protocol versions Fovea speaks, newest first: every revision reached through the
    /// `initialize` handshake that the official Python SDK knows (its
    /// `HANDSHAKE_PROTOCOL_VERSIONS`). 2026-07-28 replaced the handshake with a per-request
    /// envelope and `server/discover`; Fovea answers that method -32601, and clients fall back
    /// to `initialize` (docs/PROTOCOL.md).
    public static let supportedVersions = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]
    public static let serverName = "fovea"
    public static let serverVersion = "0.1.0"

    /// The `initialize` result: the client's version when Fovea speaks it, else Fovea's newest.
    public static func initializeResult(params: [String: JSONValue]) -> JSONValue {
        let requested = params["protocolVersion"]?.stringValue
        let version = requested.flatMap { supportedVersions.contains($0) ? $0 : nil } ?? supportedVersions[0]
        return [
            "protocolVersion": .string(version),
            "capabilities": ["tools": ["listChanged": false]],
            "serverInfo": ["name": .string(serverName), "version": .string(serverVersion)],
            "instructions": "Fovea: image tools for models that think with images. Put an image with images/put (or pass a data URL), then call zoom, crop or inspect with its img:<sha256> handle. Every result is itself an image with a handle, so calls chain.",
        ]
    }
}
