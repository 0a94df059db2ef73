/// The first line of each trajectory-log segment: the daemon run that wrote it and the
/// defaults its calls were answered with (a replay matches them only on a daemon started with
/// the same options).
public struct TrajectorySegmentHeader: Sendable, Equatable {
    public var pid: Int
    /// When the daemon run started, ISO 8601 UTC; with `pid`, names the run.
    public var started: String
    public var version: String
    /// `--preset`, `--coords`, `--format`, `--quality`, `--model-max-pixels` as resolved, and the
    /// code tool's default conventions.
    public var defaults: JSONValue

    public init(pid: Int, started: String, version: String, defaults: JSONValue) {
        self.pid = pid
        self.started = started
        self.version = version
        self.defaults = defaults
    }

    public var json: JSONValue {
        ["type": "daemon", "pid": .int(pid), "started": .string(started), "version": .string(version), "defaults": defaults]
    }

    public init?(json: JSONValue) {
        guard json["type"] == "daemon", let pid = json["pid"]?.intValue, let started = json["started"]?.stringValue else { return nil }
        self.init(pid: pid, started: started, version: json["version"]?.stringValue ?? "", defaults: json["defaults"] ?? [:])
    }

    /// The daemon run: calls of different runs never share a connection number's meaning.
    public var run: String { "\(started) pid \(pid)" }
}

/// The layout of a log directory: `DIR/<segment>/calls.jsonl` and `DIR/<segment>/images/<hex>.<ext>`.
public enum TrajectoryLayout {
    public static let callsFile = "calls.jsonl"
    public static let imagesDirectory = "images"

    /// The file name of an image: its handle's hex digits and an extension for its type.
    public static func imageFileName(handle: String, mimeType: String) -> String {
        let hex = handle.hasPrefix(ImageReference.handlePrefix) ? String(handle.dropFirst(ImageReference.handlePrefix.count)) : handle
        return hex + "." + fileExtension(mimeType: mimeType)
    }

    static func fileExtension(mimeType: String) -> String {
        switch mimeType {
        case "image/jpeg": return "jpg"
        case "image/png": return "png"
        case "image/webp": return "webp"
        case "image/gif": return "gif"
        case "image/tiff": return "tif"
        case "image/heif", "image/avif": return "heif"
        default: return "bin"
        }
    }

    /// The MIME type of encoded image bytes, from their first bytes (nil: not a format Fovea takes).
    public static func sniffMimeType(_ bytes: some Collection<UInt8>) -> String? {
        let head = Array(bytes.prefix(16))
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + magic.count && Array(head[offset..<offset + magic.count]) == magic
        }
        if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if starts([0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return "image/webp" }
        if starts(Array("GIF8".utf8)) { return "image/gif" }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return "image/tiff" }
        if starts(Array("ftyp".utf8), at: 4) { return "image/heif" }
        return nil
    }
}
