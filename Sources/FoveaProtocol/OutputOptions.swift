/// Encodings a tool result can be returned in.
public enum OutputFormat: String, Sendable, CaseIterable {
    case jpeg, png, webp
    /// 8-bit interleaved samples; `structuredContent` gives width, height and bands.
    case raw

    public var mimeType: String {
        switch self {
        case .jpeg: return "image/jpeg"
        case .png: return "image/png"
        case .webp: return "image/webp"
        case .raw: return "application/octet-stream"
        }
    }

    /// "JPEG", "PNG", … for the text block.
    public var displayName: String { self == .raw ? "raw" : rawValue.uppercased() }
}

/// How a result image is encoded.
public struct OutputOptions: Sendable, Hashable {
    public var format: OutputFormat
    /// 1–100; used by JPEG and WebP.
    public var quality: Int

    public init(format: OutputFormat = .jpeg, quality: Int = 95) {
        self.format = format
        self.quality = quality
    }
}
