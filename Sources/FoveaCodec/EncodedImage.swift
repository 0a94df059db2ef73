import CVips

/// An output format for ``Codec/encode(_:format:quality:lossless:)``.
public enum EncodeFormat: String, CaseIterable, Hashable, Sendable {
    /// Lossy, no alpha (flattened onto white).
    case jpeg
    /// Lossless, alpha kept.
    case png
    /// Lossy or lossless, alpha kept.
    case webp
    /// The 8-bit samples, packed row after row (no header; the caller reports width, height
    /// and bands).
    case raw

    /// `image/jpeg`, `image/png`, `image/webp`, or `application/octet-stream` for raw.
    public var mimeType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .raw: "application/octet-stream"
        }
    }
}

/// Encoded bytes in one `g_malloc`'d buffer, freed (`g_free`) with this object.
///
/// The worker copies ``bytes`` into a memfd once; nothing else copies them.
public final class EncodedImage: @unchecked Sendable {
    /// The format the bytes are in.
    public let format: EncodeFormat
    /// The encoded bytes; valid while this object lives.
    public let bytes: UnsafeRawBufferPointer

    /// Takes ownership of `pointer` (from libvips or `g_malloc`), `count` bytes long.
    init(format: EncodeFormat, adopting pointer: UnsafeMutableRawPointer, count: Int) {
        self.format = format
        self.bytes = UnsafeRawBufferPointer(start: pointer, count: count)
    }

    deinit { g_free(UnsafeMutableRawPointer(mutating: bytes.baseAddress)) }

    /// Number of encoded bytes.
    public var count: Int { bytes.count }

    /// A copy of the bytes; for tests and small outputs.
    public var array: [UInt8] { Array(bytes) }
}
