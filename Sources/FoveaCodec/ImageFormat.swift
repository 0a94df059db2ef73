/// An input format Fovea decodes; every other libvips loader is blocked.
public enum ImageFormat: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case jpeg, png, webp, gif, tiff
    /// HEIF container: HEIC (HEVC) and AVIF (AV1) both load through libheif.
    case heif

    /// The libvips buffer loader for this format, e.g. `jpegload_buffer`.
    var loaderNickname: String {
        switch self {
        case .jpeg: "jpegload_buffer"
        case .png: "pngload_buffer"
        case .webp: "webpload_buffer"
        case .gif: "gifload_buffer"
        case .tiff: "tiffload_buffer"
        case .heif: "heifload_buffer"
        }
    }

    /// The libvips 8.14 class of that loader: the one `Codec.initialize` unblocks.
    var loaderClassName: String {
        switch self {
        case .jpeg: "VipsForeignLoadJpegBuffer"
        case .png: "VipsForeignLoadPngBuffer"
        case .webp: "VipsForeignLoadWebpBuffer"
        case .gif: "VipsForeignLoadNsgifBuffer"
        case .tiff: "VipsForeignLoadTiffBuffer"
        case .heif: "VipsForeignLoadHeifBuffer"
        }
    }

    /// A name for messages: `JPEG`, `PNG`, `WebP`, `GIF`, `TIFF`, `HEIF/AVIF`.
    public var displayName: String {
        switch self {
        case .jpeg: "JPEG"
        case .png: "PNG"
        case .webp: "WebP"
        case .gif: "GIF"
        case .tiff: "TIFF"
        case .heif: "HEIF/AVIF"
        }
    }

    public var description: String { rawValue }

    /// `JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF`: the allowed list, as error messages give it.
    public static var allowedList: String { allCases.map(\.displayName).joined(separator: ", ") }
}
