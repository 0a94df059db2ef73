#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The geometry of Pillow's `Image.rotate(angle, expand=…)` about the image centre, reproduced
/// operation for operation in Double so that output sizes and sampling positions are Pillow's.
///
/// What Pillow does (`src/PIL/Image.py`, `rotate`), and so what this does:
/// - `angle % 360` (Python's modulo: the result takes the sign of 360, so −17 becomes 343).
/// - Shortcuts that ignore the filter and the fill colour: 0 → a copy; 180 → `ROTATE_180`;
///   90 or 270 when `expand` is set or the image is square → `ROTATE_90` / `ROTATE_270`
///   (exact quarter turns, the output size swapped when it differs).
/// - Otherwise the *inverse* affine matrix `(a, b, c, d, e, f)`: the output pixel whose centre
///   is `(x + 0.5, y + 0.5)` samples the source at `(a·x' + b·y' + c, d·x' + e·y' + f)`, with
///   `a = e = cos θ`, `b = −d = sin θ` for θ = −radians(angle), each rounded to 15 decimals
///   (Python's `round(v, 15)`, which is what makes 90° exactly `(0, −1, 1, 0)`), and the
///   translation chosen so that the centre `(w/2, h/2)` maps onto itself.
/// - `expand`: the four corners `(0,0) (w,0) (w,h) (0,h)` go through that matrix; the output is
///   `ceil(max x) − floor(min x)` by `ceil(max y) − floor(min y)` and the matrix is translated
///   by `−(nw − w)/2, −(nh − h)/2`. (Pillow maps the corners with the inverse matrix; for a
///   rotation about the centre the bounding box is the same.)
///
/// ```swift
/// RotationGeometry.outputSize(width: 640, height: 480, degrees: 17, expand: true)  // (753, 647)
/// ```
public struct RotationGeometry: Sendable, Hashable {
    /// How Pillow carries the rotation out.
    public enum Method: Sendable, Hashable {
        /// `angle % 360 == 0`: a plain copy.
        case copy
        /// An exact quarter or half turn (`Image.transpose`).
        case quarterTurn(QuarterTurn)
        /// Resampling through the inverse affine ``RotationGeometry/matrix``.
        case affine
    }

    public let sourceWidth: Int
    public let sourceHeight: Int
    /// Output size.
    public let width: Int
    public let height: Int
    /// `angle % 360` as Python computes it, in degrees counter-clockwise, in `[0, 360)`.
    public let normalisedDegrees: Double
    public let method: Method
    /// Pillow's inverse affine matrix `(a, b, c, d, e, f)`, output pixel centre → source point;
    /// meaningful for ``Method/affine`` (the identity for the shortcuts).
    public let matrix: [Double]

    /// The geometry of rotating a `width` × `height` image by `degrees` counter-clockwise.
    /// `degrees` must be finite (Pillow raises on NaN and infinities too).
    public init(width: Int, height: Int, degrees: Double, expand: Bool) {
        precondition(width > 0 && height > 0, "RotationGeometry: size \(width)x\(height) must be positive")
        precondition(degrees.isFinite, "RotationGeometry: angle \(degrees) must be finite")
        sourceWidth = width
        sourceHeight = height
        let angle = Self.pythonModulo(degrees, 360)
        normalisedDegrees = angle
        if angle == 0 {
            self.width = width
            self.height = height
            method = .copy
            matrix = [1, 0, 0, 0, 1, 0]
            return
        }
        if angle == 180 || ((angle == 90 || angle == 270) && (expand || width == height)) {
            let turn: QuarterTurn = angle == 90 ? .counterClockwise90 : angle == 180 ? .halfTurn : .clockwise90
            (self.width, self.height) = turn.outputSize(width: width, height: height)
            method = .quarterTurn(turn)
            matrix = [1, 0, 0, 0, 1, 0]
            return
        }
        method = .affine
        let w = Double(width), h = Double(height)
        let centerX = w / 2, centerY = h / 2
        let theta = -(angle * (Double.pi / 180))  // math.radians: x * (pi / 180)
        var m = [Self.roundTo15Decimals(cos(theta)), Self.roundTo15Decimals(sin(theta)), 0.0,
                 Self.roundTo15Decimals(-sin(theta)), Self.roundTo15Decimals(cos(theta)), 0.0]
        func transform(_ x: Double, _ y: Double) -> (Double, Double) {
            let u = m[0] * x + m[1] * y + m[2]
            let v = m[3] * x + m[4] * y + m[5]
            return (u, v)
        }
        (m[2], m[5]) = transform(-centerX - 0, -centerY - 0)
        m[2] += centerX
        m[5] += centerY
        var outWidth = width, outHeight = height
        if expand {
            var xs: [Double] = [], ys: [Double] = []
            for (x, y) in [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)] {
                let (u, v) = transform(x, y)
                xs.append(u)
                ys.append(v)
            }
            outWidth = Int(xs.max()!.rounded(.up)) - Int(xs.min()!.rounded(.down))
            outHeight = Int(ys.max()!.rounded(.up)) - Int(ys.min()!.rounded(.down))
            (m[2], m[5]) = transform(-Double(outWidth - width) / 2.0, -Double(outHeight - height) / 2.0)
        }
        self.width = outWidth
        self.height = outHeight
        matrix = m
    }

    /// Pillow's output size for `Image.rotate(degrees, expand=expand)` of a `width` × `height`
    /// image, shortcuts included (a quarter turn with `expand` swaps the sides; 0° and 180°
    /// keep them).
    public static func outputSize(width: Int, height: Int, degrees: Double, expand: Bool)
        -> (width: Int, height: Int)
    {
        let geometry = RotationGeometry(width: width, height: height, degrees: degrees, expand: expand)
        return (geometry.width, geometry.height)
    }

    /// Python's float `%`: `fmod`, then moved into the divisor's sign (`float_rem`).
    static func pythonModulo(_ x: Double, _ m: Double) -> Double {
        var r = x.truncatingRemainder(dividingBy: m)
        if r != 0 {
            if (m < 0) != (r < 0) { r += m }
        } else {
            r = m < 0 ? -0.0 : 0.0
        }
        return r
    }

    /// Python's `round(x, 15)` for |x| ≤ 1: the exact binary value rounded half-to-even at
    /// the 15th decimal (CPython's `double_round` via `_Py_dg_dtoa` mode 3), then converted back
    /// correctly rounded (`q / 1e15` with exact `q < 2^53` is one correctly rounded division).
    static func roundTo15Decimals(_ x: Double) -> Double {
        guard x.isFinite, x != 0, Swift.abs(x) <= 1 else { return x }
        let magnitude = Swift.abs(x)
        // magnitude = significand · 2^exponent with an integer significand below 2^53.
        let significand = UInt128(magnitude.significandBitPattern
            | (magnitude.isNormal ? UInt64(1) << 52 : 0))
        let exponent = Int(magnitude.isNormal ? magnitude.exponent : Double.leastNormalMagnitude.exponent) - 52
        let scaled = significand * 1_000_000_000_000_000  // < 2^103
        var quotient: UInt128
        if exponent >= 0 {
            quotient = scaled << exponent
        } else if -exponent >= 127 {
            quotient = 0
        } else {
            let shift = -exponent
            quotient = scaled >> shift
            let remainder = scaled & ((UInt128(1) << shift) - 1)
            let half = UInt128(1) << (shift - 1)
            if remainder > half || (remainder == half && quotient & 1 == 1) { quotient += 1 }
        }
        let rounded = Double(UInt64(quotient)) / 1e15
        return x < 0 ? -rounded : rounded
    }
}
