import CVips
import Glibc

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

/// Encoded bytes in one buffer from libvips (`g_malloc`) or libjpeg (`malloc`), freed with
/// this object by the allocator's own free.
///
/// The worker copies ``bytes`` into a memfd once; nothing else copies them.
public final class EncodedImage: @unchecked Sendable {
    /// Who allocated the bytes, so the matching free releases them.
    enum Allocator {
        /// `g_malloc` (libvips's buffers, Fovea's own joins): `g_free`.
        case glib
        /// C `malloc` (CJPEG's output): `free`.
        case system
    }

    /// The format the bytes are in.
    public let format: EncodeFormat
    /// The encoded bytes; valid while this object lives.
    public let bytes: UnsafeRawBufferPointer
    private let allocator: Allocator

    /// Takes ownership of `pointer`, `count` bytes long, allocated by `allocator`.
    init(format: EncodeFormat, adopting pointer: UnsafeMutableRawPointer, count: Int, allocator: Allocator = .glib) {
        self.format = format
        self.bytes = UnsafeRawBufferPointer(start: pointer, count: count)
        self.allocator = allocator
    }

    deinit {
        let pointer = UnsafeMutableRawPointer(mutating: bytes.baseAddress)
        switch allocator {
        case .glib: g_free(pointer)
        case .system: free(pointer)
        }
    }

    /// Number of encoded bytes.
    public var count: Int { bytes.count }

    /// A copy of the bytes; for tests and small outputs.
    public var array: [UInt8] { Array(bytes) }
}
