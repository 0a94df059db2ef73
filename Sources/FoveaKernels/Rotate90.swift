/// An exact rotation by a multiple of 90°, counter-clockwise as Pillow counts angles.
public enum QuarterTurn: Int, Sendable, CaseIterable {
    /// Pillow's `ROTATE_90`: output pixel `(x, y)` is source pixel `(width − 1 − y, x)`.
    case counterClockwise90 = 90
    /// Pillow's `ROTATE_180`: output `(x, y)` is source `(width − 1 − x, height − 1 − y)`.
    case halfTurn = 180
    /// Pillow's `ROTATE_270`: output `(x, y)` is source `(y, height − 1 − x)`.
    case clockwise90 = 270

    /// The output size: sides swapped for a quarter turn, unchanged for a half turn.
    public func outputSize(width: Int, height: Int) -> (width: Int, height: Int) {
        self == .halfTurn ? (width, height) : (height, width)
    }
}

/// Rotates `src` by `turn` into `dst` exactly, as Pillow's `Image.transpose(ROTATE_90 | 180 |
/// 270)` (and `Image.rotate(90 | 180 | 270, expand=True)`) do.
///
/// Pixels are moved, never blended, so 1, 3 and 4 bands (alpha included) come out bit-exact.
/// `dst` must have ``QuarterTurn/outputSize(width:height:)`` and the source's bands; both views
/// keep their strides; they must not overlap. Any size, 1×1 included.
///
/// How: a quarter turn is a transposition read along source columns; it works tile by tile
/// (a tile of output rows × output columns whose source and destination both stay in cache)
/// and inside a tile in blocks: 4×4 pixels transposed in SSE2 registers for 4 bands, 8×8 bytes
/// for 1 band, and for 3 bands eight 3-byte pixels gathered from eight source rows and packed
/// into three 8-byte stores. A half turn reverses each row into the mirrored row. Output rows
/// are split into `threads` bands; the result does not depend on the thread count.
///
/// ```swift
/// let (w, h) = QuarterTurn.counterClockwise90.outputSize(width: frame.width, height: frame.height)
/// let turned = PixelBuffer(width: w, height: h, bands: frame.bands)
/// rotate(frame.view, by: .counterClockwise90, into: turned.mutableView, threads: 2)
/// ```
public func rotate(_ src: ImageView, by turn: QuarterTurn, into dst: MutableImageView, threads: Int = 1) {
    precondition(src.bands == dst.bands,
                 "rotate(by:): source has \(src.bands) bands, destination \(dst.bands)")
    let (width, height) = turn.outputSize(width: src.width, height: src.height)
    precondition(dst.width == width && dst.height == height,
                 "rotate(by:): destination is \(dst.layout), expected \(width)x\(height)")
    precondition(!viewsOverlap(src, dst), "rotate(by:): source and destination overlap")
    switch turn {
    case .halfTurn:
        RowBands.run(rows: height, threads: threads, minimumRows: 64) { rows in
            for y in rows {
                FlipPixels.reverse(src.row(src.height - 1 - y), into: dst.row(y),
                                   count: width, bands: src.bands)
            }
        }
    case .counterClockwise90, .clockwise90:
        let transposition = Transposition(src, turn: turn, into: dst)
        RowBands.run(rows: height, threads: threads, minimumRows: 64) { rows in
            transposition.run(rows)
        }
    }
}

/// A new packed buffer holding `src` rotated by `turn`.
public func rotate(_ src: ImageView, by turn: QuarterTurn, threads: Int = 1) -> PixelBuffer {
    let (width, height) = turn.outputSize(width: src.width, height: src.height)
    let out = PixelBuffer(width: width, height: height, bands: src.bands)
    rotate(src, by: turn, into: out.mutableView, threads: threads)
    return out
}
