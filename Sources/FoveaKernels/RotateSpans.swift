/// Where one output row of an any-angle rotation reads the source: the positions of its pixels
/// in 32.32 fixed point, and the spans of the row whose samples are inside the image.
///
/// A rotation maps output row `y` onto a straight line through the source, so "inside" is an
/// interval of output columns, found once per row by integer division; the inner loops then
/// run over spans where every tap is known to be in the image and need no bounds checks.
struct SourceLine {
    /// Pillow's sample point minus half a pixel (`xin − 0.5`, `yin − 0.5` in `Geometry.c`'s
    /// filters), i.e. the position in a grid whose pixel centres are the integers, at output
    /// column 0; 32 fraction bits.
    let x: Int64
    let y: Int64
    /// Change per output column.
    let dx: Int64
    let dy: Int64

    static let one: Int64 = 1 << 32
    static let half: Int64 = 1 << 31

    /// Output row `y` of `matrix` (Pillow's inverse affine `a…f`): the row start is computed in
    /// Double exactly as Pillow's `affine_transform` computes column 0,
    /// `a·0.5 + b·(y + 0.5) + c`; the steps are `a` and `d`. Stepping in fixed point drifts by
    /// at most `columns · 2⁻³³` pixel from Pillow's per-pixel Double (1e-6 at 8K).
    init(row: Int, matrix m: [Double]) {
        let yin = Double(row) + 0.5
        x = Self.fixed(m[0] * 0.5 + m[1] * yin + m[2]) - Self.half
        y = Self.fixed(m[3] * 0.5 + m[4] * yin + m[5]) - Self.half
        dx = Self.fixed(m[0])
        dy = Self.fixed(m[3])
    }

    init(x: Int64, y: Int64, dx: Int64, dy: Int64) {
        (self.x, self.y, self.dx, self.dy) = (x, y, dx, dy)
    }

    static func fixed(_ v: Double) -> Int64 { Int64((v * 4_294_967_296.0).rounded()) }

    /// Columns (of `0 ..< width`) whose sample point lies in the source, Pillow's test
    /// `0 <= xin < sourceWidth && 0 <= yin < sourceHeight`.
    func inside(width: Int, sourceWidth: Int, sourceHeight: Int) -> Range<Int> {
        taps(width: width, x: -Self.half...(Int64(sourceWidth) << 32) - Self.half - 1,
             y: -Self.half...(Int64(sourceHeight) << 32) - Self.half - 1)
    }

    /// Columns whose taps `floor(x) + first … floor(x) + last` (and likewise in y) all lie in
    /// `0 ..< sourceWidth − margin` (`0 ..< sourceHeight`): the kernels' unchecked spans.
    func interior(width: Int, sourceWidth: Int, sourceHeight: Int, first: Int, last: Int,
                  margin: Int) -> Range<Int> {
        let xLimit = sourceWidth - margin - last, yLimit = sourceHeight - last
        guard xLimit > -first, yLimit > -first else { return 0..<0 }
        return taps(width: width, x: (Int64(-first) << 32)...(Int64(xLimit) << 32) - 1,
                    y: (Int64(-first) << 32)...(Int64(yLimit) << 32) - 1)
    }

    private func taps(width: Int, x xBounds: ClosedRange<Int64>, y yBounds: ClosedRange<Int64>) -> Range<Int> {
        let xs = Self.solve(start: x, step: dx, bounds: xBounds, count: width)
        let ys = Self.solve(start: y, step: dy, bounds: yBounds, count: width)
        let lower = Swift.max(xs.lowerBound, ys.lowerBound), upper = Swift.min(xs.upperBound, ys.upperBound)
        return lower < upper ? lower..<upper : 0..<0
    }

    /// The `i` in `0 ..< count` with `start + i·step` in `bounds`, an interval because the
    /// function is linear.
    static func solve(start: Int64, step: Int64, bounds: ClosedRange<Int64>, count: Int) -> Range<Int> {
        var first: Int64 = 0, last = Int64(count) - 1
        if step == 0 {
            return bounds.contains(start) ? 0..<count : 0..<0
        } else if step > 0 {
            first = Swift.max(first, ceilDiv(bounds.lowerBound - start, step))
            last = Swift.min(last, floorDiv(bounds.upperBound - start, step))
        } else {
            first = Swift.max(first, ceilDiv(bounds.upperBound - start, step))
            last = Swift.min(last, floorDiv(bounds.lowerBound - start, step))
        }
        return first <= last ? Int(first)..<Int(last + 1) : 0..<0
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0) && ((a < 0) != (b < 0)) ? q - 1 : q
    }

    static func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 { -floorDiv(-a, b) }
}
