import FoveaKernels

/// What a header says about an image, as ``Codec/decode(_:limits:allocated:progress:into:)`` will
/// deliver it.
///
/// `width` and `height` are after EXIF orientation (a portrait photo stored landscape with
/// orientation 6 reports its portrait size); `bands` is what decode writes (1, 3 or 4).
public struct ImageHeader: Hashable, Sendable, CustomStringConvertible {
    /// Width after EXIF orientation.
    public var width: Int
    /// Height after EXIF orientation.
    public var height: Int
    /// Samples per pixel of the decoded output: 1 (grey), 3 (RGB) or 4 (RGBA).
    public var bands: Int
    /// The encoded format.
    public var format: ImageFormat
    /// The EXIF orientation tag, 1...8 (1 when absent); decode applies it.
    public var orientation: Int
    /// Pages or frames in the file when the format says (GIF, WebP, TIFF, HEIF); decode reads
    /// the first.
    public var pageCount: Int?

    /// A header with these fields (decode and probe make these; tests may too).
    public init(width: Int, height: Int, bands: Int, format: ImageFormat, orientation: Int,
                pageCount: Int?) {
        self.width = width
        self.height = height
        self.bands = bands
        self.format = format
        self.orientation = orientation
        self.pageCount = pageCount
    }

    /// The packed layout decode fills.
    public var layout: PixelLayout { PixelLayout(width: width, height: height, bands: bands) }

    /// `JPEG 4032×3024×3, orientation 6`.
    public var description: String {
        "\(format.displayName) \(width)×\(height)×\(bands)"
            + (orientation != 1 ? ", orientation \(orientation)" : "")
            + (pageCount.map { $0 > 1 ? ", \($0) pages" : "" } ?? "")
    }
}
