// Decode: encoded bytes → 8-bit grey, RGB or RGBA rows in memory the caller owns.
//
// What the caller gets, whatever the file holds (details in PixelNormalisation.swift):
// - alpha: kept, straight (not premultiplied), never flattened; grey + alpha becomes RGBA.
// - grey: stays 1 band (1/2/4-bit grey is scaled to 8-bit by the loader).
// - CMYK: converted to sRGB through the embedded ICC profile or libvips's built-in one.
// - 16-bit: the top 8 bits (v >> 8); floats are clipped to 0–255 (scRGB is converted to sRGB).
// - palettes (PNG, GIF): expanded to RGB, or RGBA when transparent; GIF always gives RGBA.
// - animations and multi-page files: the first frame/page only.
// - EXIF orientation: applied while rows are copied (see Orientation.swift).

import CVips
import FoveaKernels

/// An image decoded into memory Fovea owns.
public struct DecodedImage: Sendable {
    /// The header decode worked from.
    public let header: ImageHeader
    /// The pixels: `header.width` × `header.height` × `header.bands`, packed.
    public let pixels: PixelBuffer
}

extension Codec {
    /// Decodes the first frame of `bytes` into memory the caller provides.
    ///
    /// The header is read and checked against `limits` first (see ``probe(_:limits:)``); only
    /// then is `allocate` called, once, with the packed layout of the output (the caller may
    /// return a view with a larger `rowBytes`, e.g. a mapped memfd with aligned rows, but the
    /// same width, height and bands). Rows are then pulled from libvips top to bottom in
    /// strips through one region and written straight into that view, EXIF orientation applied
    /// on the way: there is no second full-size buffer.
    ///
    /// Pixels are normalised to 8-bit grey, RGB or RGBA (see `PixelNormalisation`): grey+alpha
    /// becomes RGBA, CMYK becomes sRGB, 16-bit becomes 8-bit, palettes are expanded; alpha is
    /// kept straight. Animated GIF and WebP give their first frame; multi-page TIFF and HEIF
    /// their first page (primary image for HEIF).
    ///
    /// Truncated or corrupt data throws `corrupt` (loaders run with `fail_on: error`), never a
    /// half-grey image; the view's contents are then unspecified.
    ///
    /// - Parameters:
    ///   - shrink: 2, 4 or 8 decodes a JPEG or WebP at that fraction of its size (libjpeg's DCT
    ///     scaling, size rounded up; libwebp's scaled decode), for shrink-on-load.
    ///   - allocated: called once the view is allocated, before any row is decoded, with the
    ///     header (so a caller can announce the image while its rows are still coming).
    ///   - progress: called after each strip with the output rows that are final so far
    ///     (`0..<n` for upright images, a range growing upwards for orientations 3 and 4;
    ///     for orientations 5–8 only once, at the end, since every strip touches every row).
    ///   - allocate: returns the view to fill; errors it throws propagate unchanged.
    /// - Returns: the header (its `width`, `height`, `bands` match the view).
    @discardableResult
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, limits: ImageLimits = .standard, shrink: Int = 1,
        allocated: ((ImageHeader) -> Void)? = nil,
        progress: ((_ finishedRows: Range<Int>) -> Void)? = nil,
        into allocate: (PixelLayout) throws -> MutableImageView
    ) throws -> ImageHeader {
        let opened = try open(bytes, limits: limits, shrink: shrink)
        let header = opened.header
        let view = try allocate(header.layout)
        guard view.width == header.width, view.height == header.height, view.bands == header.bands else {
            throw CodecError(
                .invalidArgument,
                "decode needs a \(header.layout) view but the allocator returned \(view.layout)")
        }
        allocated?(header)
        try pullRows(of: opened, into: view, progress: progress)
        return header
    }

    /// Decodes into a new ``PixelBuffer`` (see ``decode(_:limits:allocated:progress:into:)``).
    public static func decode(_ bytes: UnsafeRawBufferPointer, limits: ImageLimits = .standard,
                              shrink: Int = 1) throws -> DecodedImage {
        var buffer: PixelBuffer?
        let header = try decode(bytes, limits: limits, shrink: shrink) { layout in
            let b = PixelBuffer(width: layout.width, height: layout.height, bands: layout.bands)
            buffer = b
            return b.mutableView
        }
        return DecodedImage(header: header, pixels: buffer!)
    }

    /// ``decode(_:limits:)`` for bytes in an array.
    public static func decode(_ bytes: [UInt8], limits: ImageLimits = .standard, shrink: Int = 1) throws -> DecodedImage {
        try bytes.withUnsafeBytes { try decode($0, limits: limits, shrink: shrink) }
    }

    /// Rows of the stored image are pulled in strips of this many (at least); libvips's own
    /// hint for the pipeline is used when larger.
    static let minimumStripHeight = 64
    /// Strip height when orientation swaps the axes: each stored strip becomes a band of
    /// columns, and taller strips mean longer contiguous writes per output row.
    static let transposingStripHeight = 256

    private static func pullRows(of opened: OpenedImage, into view: MutableImageView,
                                 progress: ((Range<Int>) -> Void)?) throws {
        let image = opened.image
        let storedWidth = image.width, storedHeight = image.height
        guard let region = vips_region_new(image.pointer) else {
            throw CodecError.withVipsDetail(.corrupt, "\(opened.header.format.displayName) decode could not start")
        }
        defer { g_object_unref(region) }

        var tileWidth: Int32 = 0, tileHeight: Int32 = 0, lines: Int32 = 0
        vips_get_tile_size(image.pointer, &tileWidth, &tileHeight, &lines)
        let stripHeight = max(opened.orientation.swapsAxes ? transposingStripHeight : minimumStripHeight, Int(lines))

        var y = 0
        while y < storedHeight {
            let rows = min(stripHeight, storedHeight - y)
            var rect = VipsRect(left: 0, top: Int32(y), width: Int32(storedWidth), height: Int32(rows))
            guard vips_region_prepare(region, &rect) == 0, let strip = fovea_vips_region_addr(region, 0, Int32(y)) else {
                throw CodecError.withVipsDetail(
                    .corrupt,
                    "\(opened.header.format.displayName) data is truncated or corrupt "
                        + "(decoding failed in rows \(y)–\(y + rows - 1) of \(storedHeight))")
            }
            opened.orientation.write(
                strip: UnsafePointer(strip), sourceStride: Int(fovea_vips_region_lskip(region)), y0: y,
                rows: rows, storedWidth: storedWidth, storedHeight: storedHeight, into: view)
            y += rows
            if let progress {
                let done = opened.orientation.finishedRows(
                    storedRowsDone: y, storedHeight: storedHeight, outputHeight: view.height)
                if !done.isEmpty { progress(done) }
            }
        }
    }
}
