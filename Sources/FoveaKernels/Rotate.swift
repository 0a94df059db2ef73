/// The resampling filter of an any-angle rotation (Pillow's `Image.rotate` `resample`).
public enum RotationFilter: String, Sendable, CaseIterable {
    /// The source pixel under the output pixel's centre (Pillow's `NEAREST`, its default).
    case nearest
    /// Linear in x and y over 2×2 source pixels (`BILINEAR`).
    case bilinear
    /// Cubic convolution with a = −1 over 4×4 source pixels (`BICUBIC`; note that Pillow's
    /// `resize` uses a = −0.5 under the same name).
    case bicubic
}

/// Rotates `src` by `degrees` counter-clockwise about its centre into `dst`, as Pillow's
/// `Image.rotate(degrees, resample=filter, expand=expand, fillcolor=fill)` does.
///
/// - Size: `dst` must be ``RotationGeometry/outputSize(width:height:degrees:expand:)``: the
///   source size without `expand`, Pillow's rounded bounding box with it.
/// - Geometry: Pillow's inverse matrix (``RotationGeometry``) with its pixel-centre convention:
///   output pixel `(x, y)` samples the source at `M·(x + 0.5, y + 0.5)`.
/// - Shortcuts, as Pillow takes them (filter and fill ignored): `degrees % 360 == 0` copies;
///   180 and, with `expand` or a square image, 90 and 270 are exact
///   ``rotate(_:by:into:threads:)`` quarter turns.
/// - Edges: an output pixel whose sample point falls outside the source gets `fill`
///   (`bands` values; empty means 0, i.e. black, transparent for RGBA). The cut is hard, as in
///   Pillow: no blending with the fill colour; taps that fall off the border are clamped to it.
/// - Alpha: RGBA with `bilinear` or `bicubic` is filtered premultiplied, as Pillow's
///   `Image.transform` converts RGBA → RGBa → RGBA around its filters (`c·a/255` rounded in,
///   `255·c/a` clamped out), so transparent pixels lend no colour to their neighbours. The
///   fill colour goes through the same conversion back (e.g. `(200, 100, 50, 128)` comes out
///   as `(255, 199, 99, 128)`, as from Pillow). `nearest` moves pixels untouched.
/// - Precision: `nearest` is bit-exact with Pillow (its 16.16 fixed point reproduced);
///   `bilinear` and `bicubic` use fixed-point positions (32.32) and 14-bit weights where
///   Pillow uses Double per pixel, and truncate like Pillow, so a sample can differ by one
///   level where Pillow's exact value sits within a few hundredths of an integer.
///
/// Both views keep their strides and must not overlap. Rows are split into `threads` bands;
/// the result is byte-identical for every thread count.
///
/// ```swift
/// let size = RotationGeometry.outputSize(width: frame.width, height: frame.height,
///                                        degrees: 17, expand: true)
/// let out = PixelBuffer(width: size.width, height: size.height, bands: frame.bands)
/// rotate(frame.view, degrees: 17, filter: .bilinear, expand: true, fill: [255, 255, 255],
///        into: out.mutableView, threads: 2)
/// ```
public func rotate(_ src: ImageView, degrees: Double, filter: RotationFilter, expand: Bool,
                   fill: [UInt8] = [], into dst: MutableImageView, threads: Int = 1) {
    precondition(src.bands == dst.bands,
                 "rotate(degrees:): source has \(src.bands) bands, destination \(dst.bands)")
    precondition(PixelLayout.supportedBands.contains(src.bands),
                 "rotate(degrees:): \(src.bands) bands; supported are 1, 3 and 4")
    precondition(fill.isEmpty || fill.count == src.bands,
                 "rotate(degrees:): fill has \(fill.count) values for \(src.bands) bands")
    let geometry = RotationGeometry(width: src.width, height: src.height, degrees: degrees, expand: expand)
    precondition(dst.width == geometry.width && dst.height == geometry.height,
                 "rotate(degrees:): destination is \(dst.layout), expected \(geometry.width)x\(geometry.height)")
    precondition(!viewsOverlap(src, dst), "rotate(degrees:): source and destination overlap")
    switch geometry.method {
    case .copy:
        let rowLength = src.width * src.bands
        RowBands.run(rows: dst.height, threads: threads, minimumRows: 64) { rows in
            for y in rows { dst.row(y).update(from: src.row(y), count: rowLength) }
        }
    case .quarterTurn(let turn):
        rotate(src, by: turn, into: dst, threads: threads)
    case .affine:
        let rotation = AffineRotation(src: src, dst: dst, matrix: geometry.matrix, filter: filter,
                                      fill: fill.isEmpty ? [UInt8](repeating: 0, count: src.bands) : fill)
        RowBands.run(rows: dst.height, threads: threads, minimumRows: 16) { rows in
            for y in rows { rotation.row(y) }
        }
    }
}

/// A new packed buffer holding `src` rotated as ``rotate(_:degrees:filter:expand:fill:into:threads:)``
/// does; its size is ``RotationGeometry/outputSize(width:height:degrees:expand:)``.
public func rotate(_ src: ImageView, degrees: Double, filter: RotationFilter, expand: Bool,
                   fill: [UInt8] = [], threads: Int = 1) -> PixelBuffer {
    let size = RotationGeometry.outputSize(width: src.width, height: src.height, degrees: degrees,
                                           expand: expand)
    let out = PixelBuffer(width: size.width, height: size.height, bands: src.bands)
    rotate(src, degrees: degrees, filter: filter, expand: expand, fill: fill, into: out.mutableView,
           threads: threads)
    return out
}

/// One output row at a time: the fill colour where the sample point is outside the source,
/// clamped taps near the border, the unchecked kernel in between.
private struct AffineRotation {
    let src: ImageView
    let dst: MutableImageView
    let matrix: [Double]
    let filter: RotationFilter
    /// The fill colour as it appears in the output.
    let fill: [UInt8]
    let premultiplies: Bool
    let nearest: NearestRotation

    init(src: ImageView, dst: MutableImageView, matrix: [Double], filter: RotationFilter, fill: [UInt8]) {
        self.src = src
        self.dst = dst
        self.matrix = matrix
        self.filter = filter
        premultiplies = src.bands == 4 && filter != .nearest
        // Pillow fills the RGBa image, then converts it back to RGBA.
        var fill = fill
        if premultiplies { AlphaPremultiplication.unpremultiply(&fill, pixels: 1) }
        self.fill = fill
        nearest = NearestRotation(src: src, matrix: matrix, outWidth: dst.width, outHeight: dst.height)
    }

    func row(_ y: Int) {
        let out = dst.row(y)
        switch filter {
        case .nearest:
            nearest.row(y, width: dst.width, into: out, fill: fill)
        case .bilinear:
            let kernel = BilinearRotation(src: src, premultiplies: premultiplies)
            let line = SourceLine(row: y, matrix: matrix)
            sampleRow(line, out, interior: kernel.interior(line, width: dst.width),
                      clamped: kernel.sampleClamped, unchecked: kernel.sampleInterior)
        case .bicubic:
            let kernel = BicubicRotation(src: src, premultiplies: premultiplies)
            let line = SourceLine(row: y, matrix: matrix)
            sampleRow(line, out, interior: kernel.interior(line, width: dst.width),
                      clamped: kernel.sampleClamped, unchecked: kernel.sampleInterior)
        }
    }

    @inline(__always)
    private func sampleRow(
        _ line: SourceLine, _ out: UnsafeMutablePointer<UInt8>, interior: Range<Int>,
        clamped: (SourceLine, Range<Int>, UnsafeMutablePointer<UInt8>) -> Void,
        unchecked: (SourceLine, Range<Int>, UnsafeMutablePointer<UInt8>, Bool) -> Void
    ) {
        let width = dst.width
        let inside = line.inside(width: width, sourceWidth: src.width, sourceHeight: src.height)
        guard !inside.isEmpty else {
            writeFill(fill, into: out, columns: 0..<width)
            return
        }
        writeFill(fill, into: out, columns: 0..<inside.lowerBound)
        let fast = interior.clamped(to: inside)
        if fast.isEmpty {
            clamped(line, inside, out)
        } else {
            clamped(line, inside.lowerBound..<fast.lowerBound, out)
            // A 3-band store may spill one byte into the next pixel, which is written next.
            unchecked(line, fast, out, fast.upperBound < width)
            clamped(line, fast.upperBound..<inside.upperBound, out)
        }
        if premultiplies {
            AlphaPremultiplication.unpremultiply(out + 4 * inside.lowerBound, pixels: inside.count)
        }
        writeFill(fill, into: out, columns: inside.upperBound..<width)
    }
}
