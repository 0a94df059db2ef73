/// An input format Fovea decodes; every other libvips loader is blocked.
public enum ImageFormat: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// JPEG (baseline and progressive; CMYK converted to sRGB).
    case jpeg
    /// PNG, any bit depth and colour type.
    case png
    /// WebP, lossy or lossless; the first frame of an animation.
    case webp
    /// GIF; the first frame of an animation.
    case gif
    /// TIFF (and BigTIFF); the first page.
    case tiff
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

    /// The lower-case name: `jpeg`, `png`, `webp`, `gif`, `tiff`, `heif`.
    public var description: String { rawValue }

    /// `JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF`: the allowed list, as error messages give it.
    public static var allowedList: String { allCases.map(\.displayName).joined(separator: ", ") }
}
