/// Nearest-neighbour rotation exactly as Pillow computes it (`Geometry.c`,
/// `ImagingTransformAffine` with `NEAREST`): Pillow does not use its generic per-pixel Double
/// path here but `affine_fixed`, 16.16 fixed point stepped along each row, so this does the
/// same integer arithmetic and picks the same source pixel for every output pixel.
///
/// - Coefficients: `FIX(v) = floor(v·65536 + 0.5)` of `a, b, d, e`, and of the translations
///   `c + a/2 + b/2`, `f + d/2 + e/2` (the centre of output pixel (0, 0)).
/// - Output `(x, y)` reads source `((C + y·B + x·A) >> 16, (F + y·E + x·D) >> 16)` when both
///   lie in the image, else it is the fill colour.
/// - When a corner of the output maps 32768 or more pixels away (`check_fixed`), Pillow falls
///   back to Double stepping (`xx += a` per pixel, `xo += b` per row, `COORD` = truncation
///   with −1 below zero); so does this, replaying the row accumulation from row 0.
/// RGBA is not premultiplied for nearest (Pillow converts to RGBa only for the other filters).
struct NearestRotation {
    let src: ImageView
    let matrix: [Double]
    /// `affine_fixed`'s `a0 … a5`, or nil when Pillow takes the Double path.
    let fixed: [Int]?

    init(src: ImageView, matrix a: [Double], outWidth: Int, outHeight: Int) {
        self.src = src
        self.matrix = a
        func fits(_ x: Double, _ y: Double) -> Bool {
            Swift.abs(x * a[0] + y * a[1] + a[2]) < 32768.0 && Swift.abs(x * a[3] + y * a[4] + a[5]) < 32768.0
        }
        let w = Double(outWidth), h = Double(outHeight)
        if fits(0, 0) && fits(w, h) && fits(0, h) && fits(w, 0) {
            func fix(_ v: Double) -> Int { Int((v * 65536.0 + 0.5).rounded(.down)) }
            fixed = [fix(a[0]), fix(a[1]), fix(a[2] + a[0] * 0.5 + a[1] * 0.5),
                     fix(a[3]), fix(a[4]), fix(a[5] + a[3] * 0.5 + a[4] * 0.5)]
        } else {
            fixed = nil
        }
    }

    /// Output row `y`'s positions in 16.16 (`affine_fixed`'s `xx`, `yy` at column 0 and their
    /// steps) and the columns whose pixel lies in the source. Needs ``fixed``.
    func line(_ y: Int, width: Int) -> (SourceLine, Range<Int>) {
        let a = fixed!
        let line = SourceLine(x: Int64(a[2] &+ y &* a[1]), y: Int64(a[5] &+ y &* a[4]),
                              dx: Int64(a[0]), dy: Int64(a[3]))
        let xs = SourceLine.solve(start: line.x, step: line.dx,
                                  bounds: 0...(Int64(src.width) << 16) - 1, count: width)
        let ys = SourceLine.solve(start: line.y, step: line.dy,
                                  bounds: 0...(Int64(src.height) << 16) - 1, count: width)
        let lower = Swift.max(xs.lowerBound, ys.lowerBound), upper = Swift.min(xs.upperBound, ys.upperBound)
        return (line, lower < upper ? lower..<upper : 0..<0)
    }

    /// Copies the source pixels of `columns` (inside the source) of a row from ``line(_:width:)``.
    func copy(_ line: SourceLine, columns: Range<Int>, into out: UnsafeMutablePointer<UInt8>) {
        switch src.bands {
        case 1: copySpan(columns, line, out, bands: 1)
        case 3: copySpan(columns, line, out, bands: 3)
        case 4: copySpan(columns, line, out, bands: 4)
        default: copySpan(columns, line, out, bands: src.bands)
        }
    }

    @inline(__always)
    private func copySpan(_ columns: Range<Int>, _ line: SourceLine, _ out: UnsafeMutablePointer<UInt8>,
                          bands: Int) {
        let base = src.base, rowBytes = src.rowBytes
        let dx = Int(line.dx), dy = Int(line.dy)
        var xx = Int(line.x) &+ columns.lowerBound &* dx
        var yy = Int(line.y) &+ columns.lowerBound &* dy
        var o = out + columns.lowerBound &* bands
        for _ in columns {
            let offset = (yy &>> 16) &* rowBytes &+ (xx &>> 16) &* bands
            let p = base + offset
            switch bands {
            case 1:
                o[0] = p[0]
            case 3:
                UnsafeMutableRawPointer(o).storeBytes(
                    of: UnsafeRawPointer(p).loadUnaligned(as: UInt16.self), as: UInt16.self)
                o[2] = p[2]
            case 4:
                UnsafeMutableRawPointer(o).storeBytes(
                    of: UnsafeRawPointer(p).loadUnaligned(as: UInt32.self), as: UInt32.self)
            default:
                for c in 0..<bands { o[c] = p[c] }
            }
            xx &+= dx
            yy &+= dy
            o += bands
        }
    }

    /// Pillow's Double fallback for far-away corners, step for step.
    func rowInDouble(_ y: Int, width: Int, into out: UnsafeMutablePointer<UInt8>, fill: [UInt8]) {
        let a = matrix
        var xo = a[2] + a[1] * 0.5 + a[0] * 0.5
        var yo = a[5] + a[4] * 0.5 + a[3] * 0.5
        for _ in 0..<y {
            xo += a[1]
            yo += a[4]
        }
        // C's `(int)v`; values past Int32 are outside any image (and undefined behaviour in C).
        func coord(_ v: Double) -> Int { v < 0 ? -1 : v >= 2_147_483_648 ? Int.max : Int(v) }
        let bands = src.bands
        var xx = xo, yy = yo
        for x in 0..<width {
            let xin = coord(xx), yin = coord(yy)
            let o = out + x * bands
            if xin >= 0 && xin < src.width && yin >= 0 && yin < src.height {
                let p = src.row(yin) + xin * bands
                for c in 0..<bands { o[c] = p[c] }
            } else {
                for c in 0..<bands { o[c] = fill[c] }
            }
            xx += a[0]
            yy += a[3]
        }
    }
}

/// Writes the fill colour (`bands` samples) over `columns` of an output row.
func writeFill(_ fill: [UInt8], into out: UnsafeMutablePointer<UInt8>, columns: Range<Int>) {
    guard !columns.isEmpty else { return }
    let bands = fill.count
    if bands == 1 {
        (out + columns.lowerBound).update(repeating: fill[0], count: columns.count)
        return
    }
    var o = out + columns.lowerBound * bands
    for _ in columns {
        for c in 0..<bands { o[c] = fill[c] }
        o += bands
    }
}
