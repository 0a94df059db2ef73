import CVips

extension Codec {
    /// Reads the header of `bytes` and checks it against `limits`, decoding no pixels.
    ///
    /// Refuses, in this order: more than `maxEncodedBytes`; a format that is not allowed
    /// (`unsupportedFormat`, naming what was found and what is allowed); a declared size over
    /// the pixel or side limit (`tooManyPixels`, `sideTooLong`); a header libvips cannot read
    /// (`corrupt`). PNG, GIF, WebP and JPEG sizes are read from their first bytes before libvips
    /// runs at all; TIFF and HEIF sizes come from libvips's lazy header read.
    public static func probe(_ bytes: UnsafeRawBufferPointer, limits: ImageLimits = .standard) throws -> ImageHeader {
        try open(bytes, limits: limits).header
    }

    /// ``probe(_:limits:)`` for bytes in an array.
    public static func probe(_ bytes: [UInt8], limits: ImageLimits = .standard) throws -> ImageHeader {
        try bytes.withUnsafeBytes { try probe($0, limits: limits) }
    }

    /// An image whose header has been read and checked; pixels not yet decoded.
    struct OpenedImage {
        /// The loader's output, possibly followed by the conversions to 8-bit 1/3/4 bands.
        let image: VipsImageRef
        let header: ImageHeader
        let orientation: Orientation
    }

    /// Sniffs, checks limits, runs the format's buffer loader (header only, sequential access,
    /// `fail_on: error`) and builds the lazy normalisation to 8-bit 1/3/4 bands.
    ///
    /// `shrink` > 1 (2, 4 or 8; JPEG and WebP only) opens the image at that fraction of its
    /// size, the limits still applying to the full size.
    ///
    /// `bytes` must stay valid for as long as the returned image is used.
    static func open(_ bytes: UnsafeRawBufferPointer, limits: ImageLimits, shrink: Int = 1) throws -> OpenedImage {
        try requireInitialized()
        // libvips leaves errors in its buffer on success too (a loader's failed seeks while
        // sniffing, the warm-up's); a failure of this image must not carry another's text.
        VipsErrorBuffer.clear()
        try limits.check(encodedBytes: bytes.count)
        guard bytes.count > 0, let base = bytes.baseAddress else {
            throw CodecError(.corrupt, "image data is empty (0 bytes)")
        }
        let format: ImageFormat
        switch FormatSniffer.kind(of: bytes) {
        case .allowed(let f):
            format = f
        case .blocked(let name):
            throw CodecError(
                .unsupportedFormat,
                "image format \(name) is not allowed; allowed formats: \(ImageFormat.allowedList)")
        case .unknown(let hex):
            throw CodecError(
                .unsupportedFormat,
                "image format not recognised (first bytes \(hex)); allowed formats: \(ImageFormat.allowedList)")
        }
        if let declared = FormatSniffer.declaredSize(of: bytes, format: format) {
            try limits.check(width: declared.width, height: declared.height)
        }
        guard [1, 2, 4, 8].contains(shrink), shrink == 1 || format == .jpeg || format == .webp else {
            throw CodecError(.invalidArgument, "shrink-on-load by \(shrink) is not possible for \(format.displayName): it must be 2, 4 or 8, for JPEG or WebP")
        }

        // JPEG streams: libjpeg decodes each strip as decode pulls it (an 8K photo: first rows
        // after 7 ms, all in 144 ms, against 190 ms before the first row when forced through
        // memory). Other loaders go through memory so a large one never reaches for a temp file.
        var out: UnsafeMutablePointer<VipsImage>?
        let streams = format == .jpeg
        guard fovea_vips_load_buffer(format.loaderNickname, base, bytes.count,
                                     VIPS_ACCESS_SEQUENTIAL, VIPS_FAIL_ON_ERROR, streams ? 0 : 1, Int32(shrink), &out) == 0, let out else {
            throw CodecError.withVipsDetail(
                .corrupt, "\(format.displayName) header could not be read: the data is truncated or corrupt")
        }
        let loaded = VipsImageRef(out)
        let orientation = Orientation(tag: Int(vips_image_get_orientation(loaded.pointer)))
        let size = orientation.orientedSize(width: loaded.width, height: loaded.height)
        try limits.check(width: size.width, height: size.height)

        let normalised = try PixelNormalisation.apply(to: loaded, format: format)
        let pages = vips_image_get_typeof(loaded.pointer, "n-pages") != 0
            ? Int(vips_image_get_n_pages(loaded.pointer)) : nil
        let header = ImageHeader(width: size.width, height: size.height, bands: normalised.bands,
                                 format: format, orientation: orientation.tag, pageCount: pages)
        return OpenedImage(image: normalised, header: header, orientation: orientation)
    }
}
