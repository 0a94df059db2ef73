/// The axis an image is mirrored about.
public enum FlipAxis: String, Sendable, CaseIterable {
    /// Left ↔ right: column `x` goes to `width − 1 − x` (Pillow's `FLIP_LEFT_RIGHT`).
    case horizontal
    /// Top ↔ bottom: row `y` goes to `height − 1 − y` (Pillow's `FLIP_TOP_BOTTOM`).
    case vertical
}

/// Mirrors `src` into `dst`, which has the same size and bands, as Pillow's
/// `Image.transpose(FLIP_LEFT_RIGHT)` / `transpose(FLIP_TOP_BOTTOM)` do.
///
/// Exact: pixels are moved, never blended; every band, alpha included, moves together. Any size
/// (1×1 included) and any row stride on either side. A vertical flip copies whole rows; a
/// horizontal one reverses each row with SSE2 shuffles (1 and 4 bands) or overlapping 4-byte
/// moves (3 bands). `src` and `dst` must not overlap. Rows are split into `threads` bands; the
/// result does not depend on the thread count.
///
/// ```swift
/// let mirrored = PixelBuffer(width: frame.width, height: frame.height, bands: frame.bands)
/// flip(frame.view, .horizontal, into: mirrored.mutableView, threads: 2)
/// ```
public func flip(_ src: ImageView, _ axis: FlipAxis, into dst: MutableImageView, threads: Int = 1) {
    precondition(src.bands == dst.bands,
                 "flip: source has \(src.bands) bands, destination \(dst.bands)")
    precondition(src.width == dst.width && src.height == dst.height,
                 "flip: destination is \(dst.layout), expected \(src.width)x\(src.height)")
    precondition(!viewsOverlap(src, dst), "flip: source and destination overlap")
    let rowLength = src.width * src.bands
    RowBands.run(rows: dst.height, threads: threads, minimumRows: 64) { rows in
        for y in rows {
            switch axis {
            case .horizontal:
                FlipPixels.reverse(src.row(y), into: dst.row(y), count: src.width, bands: src.bands)
            case .vertical:
                dst.row(y).update(from: src.row(src.height - 1 - y), count: rowLength)
            }
        }
    }
}

/// A new packed buffer holding `src` mirrored about `axis`.
public func flip(_ src: ImageView, _ axis: FlipAxis, threads: Int = 1) -> PixelBuffer {
    let out = PixelBuffer(width: src.width, height: src.height, bands: src.bands)
    flip(src, axis, into: out.mutableView, threads: threads)
    return out
}

/// Whether the byte ranges the two views span intersect (conservative: strided views whose
/// rows interleave count as overlapping).
func viewsOverlap(_ a: ImageView, _ b: MutableImageView) -> Bool {
    let aStart = UInt(bitPattern: a.base), aEnd = aStart + UInt(a.layout.byteCount)
    let bStart = UInt(bitPattern: b.base), bEnd = bStart + UInt(b.layout.byteCount)
    return aStart < bEnd && bStart < aEnd
}
