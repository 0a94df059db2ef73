/// Overlays drawn on an image in place: outlined rectangles, filled discs, thick polylines and
/// text labels. Colours are RGBA; alpha below 255 blends over the image. On grey images the
/// colour's luma is drawn; on RGBA images the alpha band becomes at least the colour's alpha.
/// Everything is clipped to the image; coordinates are pixels with pixel centres at +0.5.
public enum Draw {
    /// Outlines the rectangle with edges at `x1`, `y1`, `x2`, `y2` (pixel edges, like a crop
    /// box), `lineWidth` pixels wide, inside the box.
    public static func rectangle(x1: Double, y1: Double, x2: Double, y2: Double, color: [UInt8], lineWidth: Int,
                                 on image: MutableImageView) {
        let left = Int(x1.rounded()), top = Int(y1.rounded())
        let right = max(left + 1, Int(x2.rounded())), bottom = max(top + 1, Int(y2.rounded()))
        let width = max(1, lineWidth)
        fill(x: left, y: top, width: right - left, height: min(width, bottom - top), color: color, on: image)
        fill(x: left, y: max(top, bottom - width), width: right - left, height: min(width, bottom - top), color: color, on: image)
        fill(x: left, y: top, width: min(width, right - left), height: bottom - top, color: color, on: image)
        fill(x: max(left, right - width), y: top, width: min(width, right - left), height: bottom - top, color: color, on: image)
    }

    /// Fills the pixels of `[x, x + width) × [y, y + height)` inside the image.
    public static func fill(x: Int, y: Int, width: Int, height: Int, color: [UInt8], on image: MutableImageView) {
        let x0 = max(0, x), x1 = min(image.width, x + width)
        let y0 = max(0, y), y1 = min(image.height, y + height)
        guard x0 < x1, y0 < y1 else { return }
        let paint = Paint(color: color, bands: image.bands)
        for row in y0..<y1 {
            paint.span(image.row(row), from: x0, to: x1)
        }
    }

    /// A filled disc of `radius` around (`x`, `y`).
    public static func disc(x: Double, y: Double, radius: Double, color: [UInt8], on image: MutableImageView) {
        let paint = Paint(color: color, bands: image.bands)
        let r2 = radius * radius
        let top = max(0, Int((y - radius).rounded(.down))), bottom = min(image.height - 1, Int((y + radius).rounded(.up)))
        guard top <= bottom else { return }
        for row in top...bottom {
            let dy = Double(row) + 0.5 - y
            guard dy * dy <= r2 else { continue }
            let half = (r2 - dy * dy).squareRoot()
            paint.span(image.row(row), from: max(0, Int((x - half).rounded())), to: min(image.width, Int((x + half).rounded())))
        }
    }

    /// A polyline through `points` (`[x1, y1, x2, y2, …]`), `lineWidth` pixels wide with round
    /// joins and ends. Each segment is a capsule, filled row by row as an interval.
    public static func polyline(_ points: [Double], color: [UInt8], lineWidth: Int, on image: MutableImageView) {
        precondition(points.count >= 4 && points.count % 2 == 0, "Draw.polyline needs two or more points")
        let paint = Paint(color: color, bands: image.bands)
        let half = max(0.5, Double(lineWidth) / 2)
        for index in stride(from: 0, to: points.count - 2, by: 2) {
            capsule(ax: points[index], ay: points[index + 1], bx: points[index + 2], by: points[index + 3],
                    radius: half, paint: paint, on: image)
        }
    }

    /// Fills the set of pixels whose centres lie within `radius` of the segment a–b.
    static func capsule(ax: Double, ay: Double, bx: Double, by: Double, radius: Double, paint: Paint, on image: MutableImageView) {
        let top = max(0, Int((min(ay, by) - radius).rounded(.down)))
        let bottom = min(image.height - 1, Int((max(ay, by) + radius).rounded(.up)))
        guard top <= bottom else { return }
        let dx = bx - ax, dy = by - ay
        let length = (dx * dx + dy * dy).squareRoot()
        // The segment's body: a rectangle offset by `radius` along the normal.
        var corners: [(Double, Double)] = []
        if length > 0 {
            let nx = -dy / length * radius, ny = dx / length * radius
            corners = [(ax + nx, ay + ny), (bx + nx, by + ny), (bx - nx, by - ny), (ax - nx, ay - ny)]
        }
        for row in top...bottom {
            let y = Double(row) + 0.5
            var low = Double.infinity, high = -Double.infinity
            for (cx, cy) in [(ax, ay), (bx, by)] {
                let d = y - cy
                if d * d <= radius * radius {
                    let w = (radius * radius - d * d).squareRoot()
                    low = min(low, cx - w)
                    high = max(high, cx + w)
                }
            }
            for edge in 0..<corners.count {
                let (x0, y0) = corners[edge], (x1, y1) = corners[(edge + 1) % corners.count]
                guard (y0 <= y && y <= y1) || (y1 <= y && y <= y0), y0 != y1 else { continue }
                let x = x0 + (y - y0) / (y1 - y0) * (x1 - x0)
                low = min(low, x)
                high = max(high, x)
            }
            guard low <= high else { continue }
            // Pixels whose centre lies inside [low, high].
            let from = max(0, Int((low - 0.5).rounded(.up))), to = min(image.width, Int((high - 0.5).rounded(.down)) + 1)
            if from < to { paint.span(image.row(row), from: from, to: to) }
        }
    }

    /// Draws `text` with its top-left corner at (`x`, `y`), each font pixel `scale` pixels wide,
    /// on a filled `background` box with `padding` around it (no box when nil).
    public static func text(_ text: String, x: Int, y: Int, scale: Int, color: [UInt8], background: [UInt8]?,
                            padding: Int, on image: MutableImageView) {
        let size = BitmapFont.size(of: text, scale: scale)
        if let background {
            fill(x: x - padding, y: y - padding, width: size.width + 2 * padding, height: size.height + 2 * padding,
                 color: background, on: image)
        }
        for (index, scalar) in text.unicodeScalars.enumerated() {
            let originX = x + index * BitmapFont.cellWidth * scale
            for row in 0..<BitmapFont.glyphHeight {
                for column in 0..<BitmapFont.glyphWidth where BitmapFont.ink(scalar, column: column, row: row) {
                    fill(x: originX + column * scale, y: y + row * scale, width: scale, height: scale, color: color, on: image)
                }
            }
        }
    }

    /// A label scale that stays legible: one font pixel per 400 pixels of the short side.
    public static func labelScale(width: Int, height: Int) -> Int {
        max(1, min(width, height) / 400)
    }

    /// Black or white, whichever reads better on `background`.
    public static func contrastingInk(on background: [UInt8]) -> [UInt8] {
        let luma = (Int(background[0]) * 299 + Int(background[1]) * 587 + Int(background[2]) * 114) / 1000
        return luma > 140 ? [0, 0, 0, 255] : [255, 255, 255, 255]
    }
}

/// A colour prepared for one image: samples per band and the blend weight.
struct Paint {
    let samples: [UInt8]
    let alpha: Int
    let bands: Int

    init(color: [UInt8], bands: Int) {
        precondition(color.count == 4, "Draw: colours are RGBA")
        self.bands = bands
        alpha = Int(color[3])
        switch bands {
        case 1:
            let red = Int(color[0]) * 19595, green = Int(color[1]) * 38470, blue = Int(color[2]) * 7471
            samples = [UInt8((red + green + blue + 0x8000) >> 16)]
        case 3: samples = Array(color.prefix(3))
        default: samples = Array(color.prefix(3)) + [color[3]]
        }
    }

    /// Paints pixels `from ..< to` of one row.
    func span(_ row: UnsafeMutablePointer<UInt8>, from: Int, to: Int) {
        guard from < to else { return }
        let colourBands = bands == 4 ? 3 : bands
        for x in from..<to {
            let pixel = row + x * bands
            if alpha == 255 {
                for band in 0..<colourBands { pixel[band] = samples[band] }
            } else {
                for band in 0..<colourBands {
                    let blended = (Int(samples[band]) * alpha + Int(pixel[band]) * (255 - alpha) + 127) / 255
                    pixel[band] = UInt8(blended)
                }
            }
            if bands == 4 { pixel[3] = max(pixel[3], UInt8(alpha)) }
        }
    }
}
