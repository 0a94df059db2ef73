import CVips
import FoveaKernels

/// libvips's own implementations of Fovea's kernel operations: **test oracles and benchmark
/// baselines only**. Workers never call these; tool results come from FoveaKernels.
///
/// Each function reads the view in place, runs one libvips operation, and renders the result
/// with `vips_image_write_to_memory` (libvips's thread pool, at the concurrency set by
/// ``Codec/initialize(concurrency:vectorize:warningHandler:)``) into a ``PixelBuffer`` that adopts
/// libvips's buffer (no copy). Inputs have 1–4 bands; alpha is treated as an ordinary band
/// unless a function says otherwise (libvips does not premultiply in these operations).
///
/// ```swift
/// let reference = try VipsReference.resize(view, width: 896, height: 504, kernel: .cubic)
/// ```
public enum VipsReference {
    /// Resampling kernels of `vips_resize` (its `nearest` is left out: libvips 8.14 floors its
    /// output size, so it cannot hit every exact size).
    public enum Kernel: Sendable {
        /// Triangle filter (Pillow's `BILINEAR` when reducing).
        case linear
        /// Catmull-Rom cubic, a = -0.5 (Pillow's `BICUBIC`).
        case cubic
        /// Lanczos, three lobes (Pillow's `LANCZOS`).
        case lanczos3

        var vips: VipsKernel {
            switch self {
            case .linear: VIPS_KERNEL_LINEAR
            case .cubic: VIPS_KERNEL_CUBIC
            case .lanczos3: VIPS_KERNEL_LANCZOS3
            }
        }
    }

    /// Exact quarter turns for `vips_rot`, named by their direction.
    public enum QuarterTurn: Sendable {
        /// 90° clockwise (`VIPS_ANGLE_D90`).
        case clockwise90
        /// 180° (`VIPS_ANGLE_D180`).
        case half
        /// 90° anticlockwise (`VIPS_ANGLE_D270`).
        case anticlockwise90

        var vips: VipsAngle {
            switch self {
            case .clockwise90: VIPS_ANGLE_D90
            case .half: VIPS_ANGLE_D180
            case .anticlockwise90: VIPS_ANGLE_D270
            }
        }
    }

    /// Interpolators for `vips_rotate`.
    public enum Interpolation: String, Sendable {
        /// Nearest neighbour.
        case nearest
        /// Bilinear.
        case bilinear
        /// Bicubic (libvips's Catmull-Rom).
        case bicubic
    }

    /// Flip directions for `vips_flip`.
    public enum FlipDirection: Sendable {
        /// Left–right mirror.
        case horizontal
        /// Top–bottom mirror.
        case vertical
    }

    /// `vips_extract_area`: the pixels of `rect` (which must lie inside the view).
    public static func crop(_ view: ImageView, to rect: PixelRect) throws -> PixelBuffer {
        try run(view, "crop") { image in
            try image.apply(.invalidArgument, "crop \(rect) failed") {
                fovea_vips_extract_area($0, $1, Int32(rect.x), Int32(rect.y), Int32(rect.width), Int32(rect.height))
            }
        }
    }

    /// `vips_resize` of `crop` (default: the whole view) to exactly `width` × `height`.
    ///
    /// `gap` 0 turns off libvips's shrink-then-reduce shortcut, so the whole reduction is one
    /// convolution with `kernel`, as in Pillow's `resize` without `reducing_gap`; libvips then
    /// refuses very large reductions ("reduce factor too large": beyond about 300× for
    /// lanczos3, 400× for cubic, 700× for linear), where `gap: 2` (libvips's default) works. Edges are extended (copied), alpha is filtered like
    /// colour (not premultiplied).
    public static func resize(_ view: ImageView, crop: PixelRect? = nil, width: Int, height: Int,
                              kernel: Kernel = .cubic, gap: Double = 0) throws -> PixelBuffer {
        let source = crop.map { view.cropped(to: $0) } ?? view
        return try run(source, "resize") { image in
            let hscale = Double(width) / Double(source.width)
            let vscale = Double(height) / Double(source.height)
            let resized = try image.apply(.invalidArgument, "resize to \(width)×\(height) failed") {
                fovea_vips_resize($0, $1, hscale, vscale, kernel.vips, gap)
            }
            guard resized.width == width, resized.height == height else {
                throw CodecError(.invalidArgument, "vips_resize made \(resized.width)×\(resized.height), not \(width)×\(height)")
            }
            return resized
        }
    }

    /// `vips_rot`: an exact quarter or half turn.
    public static func rot(_ view: ImageView, _ turn: QuarterTurn) throws -> PixelBuffer {
        try run(view, "rot") { image in
            try image.apply(.invalidArgument, "rot failed") { fovea_vips_rot($0, $1, turn.vips) }
        }
    }

    /// `vips_rotate`: turns `degrees` anticlockwise as seen on screen (PIL's direction) about
    /// the centre. libvips 8.14 turns positive angles clockwise on screen (its "anticlockwise"
    /// is in y-up coordinates), so the angle is negated. The output grows to hold the whole
    /// turned image (like PIL's `expand=True`, though size and placement may differ by a pixel:
    /// at 90° libvips leaves a one-pixel line of fill); uncovered pixels are `fill` (one
    /// value per band, default 0).
    public static func rotate(_ view: ImageView, degrees: Double, interpolation: Interpolation = .bilinear,
                              fill: [Double]? = nil) throws -> PixelBuffer {
        let background = fill ?? [Double](repeating: 0, count: view.bands)
        return try run(view, "rotate") { image in
            try image.apply(.invalidArgument, "rotate by \(degrees)° failed") {
                fovea_vips_rotate($0, $1, -degrees, interpolation.rawValue, background, Int32(background.count))
            }
        }
    }

    /// `vips_linear` with `uchar`: `multiply * v + add` per band (one value applies to all
    /// bands), clipped to 0–255. Alpha is scaled too. Exact halves may round down (81.5 → 81):
    /// compare with a tolerance of 1.
    public static func linear(_ view: ImageView, multiply: [Double], add: [Double]) throws -> PixelBuffer {
        guard multiply.count == add.count, !multiply.isEmpty else {
            throw CodecError(.invalidArgument, "linear needs as many multipliers (\(multiply.count)) as offsets (\(add.count))")
        }
        return try run(view, "linear") { image in
            try image.apply(.invalidArgument, "linear failed") {
                fovea_vips_linear($0, $1, multiply, add, Int32(multiply.count), 1)
            }
        }
    }

    /// `vips_flip`.
    public static func flip(_ view: ImageView, _ direction: FlipDirection) throws -> PixelBuffer {
        try run(view, "flip") { image in
            try image.apply(.invalidArgument, "flip failed") {
                fovea_vips_flip($0, $1, direction == .horizontal ? VIPS_DIRECTION_HORIZONTAL : VIPS_DIRECTION_VERTICAL)
            }
        }
    }

    /// `vips_colourspace` to B_W: one band. libvips weighs linear-light RGB (not PIL's
    /// 0.299/0.587/0.114 on encoded values), so expect small differences from PIL's `L`.
    /// Alpha is dropped, as PIL's `convert("L")` does.
    public static func greyscale(_ view: ImageView) throws -> PixelBuffer {
        try run(view, "greyscale") { image in
            let grey = try image.apply(.invalidArgument, "colourspace failed") {
                fovea_vips_colourspace($0, $1, VIPS_INTERPRETATION_B_W)
            }
            guard grey.bands > 1 else { return grey }
            return try grey.apply(.invalidArgument, "extract failed") { fovea_vips_extract_band($0, $1, 0, 1) }
        }
    }

    /// `vips_invert`: 255 − v for every band, alpha included.
    public static func invert(_ view: ImageView) throws -> PixelBuffer {
        try run(view, "invert") { image in
            try image.apply(.invalidArgument, "invert failed") { fovea_vips_invert($0, $1) }
        }
    }

    /// `vips_hist_equal`: equalises each band from its own histogram (alpha included).
    public static func equalize(_ view: ImageView) throws -> PixelBuffer {
        try run(view, "hist_equal") { image in
            try image.apply(.invalidArgument, "hist_equal failed") { fovea_vips_hist_equal($0, $1) }
        }
    }

    /// `vips_sharpen` with its defaults (unsharp mask on the L channel of LabS, sigma 0.5);
    /// not PIL's `SHARPEN` filter: a timing baseline more than an oracle.
    public static func sharpen(_ view: ImageView) throws -> PixelBuffer {
        try run(view, "sharpen") { image in
            try image.apply(.invalidArgument, "sharpen failed") { fovea_vips_sharpen($0, $1) }
        }
    }

    /// `vips_gamma`: each band raised to `exponent` over the format's range (a timing baseline).
    public static func gamma(_ view: ImageView, exponent: Double) throws -> PixelBuffer {
        try run(view, "gamma") { image in
            try image.apply(.invalidArgument, "gamma failed") { fovea_vips_gamma($0, $1, exponent) }
        }
    }

    /// `vips_jpegsave_buffer` with the settings ``Codec/encode(_:format:quality:lossless:threads:)``
    /// uses for JPEG (4:4:4, baseline, standard tables, stripped; alpha flattened onto white):
    /// the same bytes as Fovea's libjpeg encoder, through libvips (a timing baseline).
    public static func jpegsave(_ view: ImageView, quality: Int, restartInterval: Int = 0) throws -> EncodedImage {
        try Codec.requireInitialized()
        return try Codec.encodeJPEGWithVips(view, quality: quality, restartInterval: restartInterval)
    }

    // MARK: - Plumbing

    /// Wraps `view`, applies `operation`, casts to uchar if needed and renders to memory.
    private static func run(_ view: ImageView, _ name: String,
                            _ operation: (VipsImageRef) throws -> VipsImageRef) throws -> PixelBuffer {
        try Codec.requireInitialized()
        return try VipsMemoryImage.with(view) { image in
            var result = try operation(image)
            if result.format != VIPS_FORMAT_UCHAR {
                result = try result.apply(.invalidArgument, "\(name): cast to 8-bit failed") {
                    fovea_vips_cast($0, $1, VIPS_FORMAT_UCHAR, 0)
                }
            }
            guard (1...4).contains(result.bands) else {
                throw CodecError(.invalidArgument, "\(name) produced \(result.bands) bands")
            }
            var size = 0
            guard let memory = vips_image_write_to_memory(result.pointer, &size) else {
                throw CodecError.withVipsDetail(.invalidArgument, "\(name) failed")
            }
            let layout = PixelLayout(width: result.width, height: result.height, bands: result.bands)
            precondition(size >= layout.byteCount, "vips_image_write_to_memory returned \(size) bytes for \(layout)")
            return PixelBuffer(adopting: memory.assumingMemoryBound(to: UInt8.self), layout: layout) {
                g_free($0)
            }
        }
    }
}
